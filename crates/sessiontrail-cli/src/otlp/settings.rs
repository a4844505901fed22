//! What `sessiontrail otlp` is told by its options and, where an option is
//! absent, by the variables the OpenTelemetry SDKs read (the OTLP exporter
//! and SDK configuration specs): which signals, where each goes, headers,
//! compression, TLS files, and the resource every request carries.
//!
//! An option wins over its variables; a per-signal variable
//! (`OTEL_EXPORTER_OTLP_TRACES_HEADERS`, `…_LOGS_COMPRESSION`, for
//! `ENDPOINT`, `HEADERS`, `COMPRESSION`, `CERTIFICATE`, `CLIENT_KEY`,
//! `CLIENT_CERTIFICATE`, `TIMEOUT`) over the general one, as the spec says,
//! so each signal gets a receiver of its own ([`Endpoint`]). A per-signal
//! endpoint is used as given (the general one gets `/v1/traces` appended).

use std::path::PathBuf;
use std::time::Duration;

use sessiontrail_otlp::{AnyValue, KeyValue, OtlpBatch};

use super::sink::{self, Endpoint, HttpConfig, Sink};

/// Which signals go out.
#[derive(Clone, Copy, Debug)]
pub(super) struct Signals {
    pub traces: bool,
    pub logs: bool,
}

/// `--signals traces,logs`: a comma-separated list of `traces` and `logs`.
pub(super) fn parse_signals(text: &str) -> Result<Signals, String> {
    let mut signals = Signals {
        traces: false,
        logs: false,
    };
    for name in text.split(',').map(str::trim) {
        match name {
            "traces" => signals.traces = true,
            "logs" => signals.logs = true,
            other => {
                return Err(format!(
                    "expected a comma-separated list of traces and logs, got {other:?}"
                ))
            }
        }
    }
    Ok(signals)
}

/// What the command line said about the destination.
pub(super) struct Given {
    pub endpoint: Option<String>,
    pub output: Option<PathBuf>,
    pub headers: Vec<String>,
    pub signals: Option<Signals>,
    pub compression: Option<String>,
    pub certificate: Option<PathBuf>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

/// A variable's value, unless unset or empty (the spec: empty is unset).
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The signals: `--signals`, else every signal whose `OTEL_*_EXPORTER` is
/// not `none`.
fn signals(given: Option<Signals>) -> Signals {
    given.unwrap_or_else(|| {
        let on = |name: &str| var(name).is_none_or(|v| v.trim() != "none");
        Signals {
            traces: on("OTEL_TRACES_EXPORTER"),
            logs: on("OTEL_LOGS_EXPORTER"),
        }
    })
}

/// The sink the options and variables describe, and the signals it sends.
pub(super) fn sink(given: Given) -> Result<(Sink, Signals), String> {
    let signals = signals(given.signals);
    if !signals.traces && !signals.logs {
        return Err("no signal to send: --signals (or OTEL_TRACES_EXPORTER and OTEL_LOGS_EXPORTER) left neither traces nor logs".into());
    }
    if let Some(dir) = given.output {
        return Ok((Sink::files(&dir, signals.traces, signals.logs)?, signals));
    }
    let base = given
        .endpoint
        .or_else(|| var("OTEL_EXPORTER_OTLP_ENDPOINT"))
        .map(|b| sink::check_url(&b).map(str::to_owned))
        .transpose()?;
    let endpoint = |on: bool, signal: &str, path: &str| -> Result<Option<Endpoint>, String> {
        if !on {
            return Ok(None);
        }
        let setting = |name: &str| signal_var(signal, name);
        let url = match (setting_own(signal, "ENDPOINT"), &base) {
            (Some(url), _) => sink::check_url(&url)?.to_owned(),
            (None, Some(base)) => format!("{base}{path}"),
            (None, None) => {
                return Err(format!(
                    "otlp: give --endpoint URL (or set OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_{signal}_ENDPOINT), or --output DIR"
                ))
            }
        };
        let headers = match given.headers.is_empty() {
            false => given.headers.clone(),
            true => setting("HEADERS")
                .map(|(_, text)| sink::env_headers(&text))
                .unwrap_or_default(),
        };
        let compression = match &given.compression {
            Some(c) => Some(("--compression".to_owned(), c.clone())),
            None => setting("COMPRESSION"),
        };
        let gzip = match compression.as_ref().map(|(from, c)| (from, c.trim())) {
            None | Some((_, "none")) => false,
            Some((_, "gzip")) => true,
            Some((from, other)) => {
                return Err(format!(
                    "compression is gzip or none, got {other:?} ({from})"
                ))
            }
        };
        let file = |given: &Option<PathBuf>, name: &str| {
            given
                .clone()
                .or_else(|| setting(name).map(|(_, path)| PathBuf::from(path)))
        };
        let timeout = match setting("TIMEOUT") {
            None => DEFAULT_TIMEOUT,
            Some((from, ms)) => match ms.trim().parse::<u64>() {
                Ok(ms) if ms > 0 => Duration::from_millis(ms),
                _ => {
                    return Err(format!(
                        "{from} is a number of milliseconds above 0, got {ms:?}"
                    ))
                }
            },
        };
        Endpoint::new(HttpConfig {
            url,
            headers,
            gzip,
            certificate: file(&given.certificate, "CERTIFICATE"),
            client_certificate: file(&given.client_certificate, "CLIENT_CERTIFICATE"),
            client_key: file(&given.client_key, "CLIENT_KEY"),
            timeout,
        })
        .map(Some)
    };
    let traces = endpoint(signals.traces, "TRACES", "/v1/traces")?;
    let logs = endpoint(signals.logs, "LOGS", "/v1/logs")?;
    Ok((Sink::http(traces, logs), signals))
}

/// How long one request may take when `OTEL_EXPORTER_OTLP_TIMEOUT` does not
/// say: the OTLP exporter spec's default.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// `OTEL_EXPORTER_OTLP_{SIGNAL}_{NAME}` alone (an endpoint: the general one
/// is a base URL, not a signal's).
fn setting_own(signal: &str, name: &str) -> Option<String> {
    var(&format!("OTEL_EXPORTER_OTLP_{signal}_{name}"))
}

/// One signal's setting: `OTEL_EXPORTER_OTLP_{SIGNAL}_{NAME}`, else the
/// general `OTEL_EXPORTER_OTLP_{NAME}` (the spec: the signal's wins), with
/// the variable it came from, for messages.
fn signal_var(signal: &str, name: &str) -> Option<(String, String)> {
    [
        format!("OTEL_EXPORTER_OTLP_{signal}_{name}"),
        format!("OTEL_EXPORTER_OTLP_{name}"),
    ]
    .into_iter()
    .find_map(|variable| var(&variable).map(|value| (variable, value)))
}

/// The resource of every request: `service.name` (the mapping's default,
/// or `OTEL_SERVICE_NAME`), `service.instance.id` (new for each run, as
/// the semantic conventions ask: a UUID), `host.name`, `host.id` (the
/// machine id, where the system has one), then `OTEL_RESOURCE_ATTRIBUTES`
/// (`key=value,…`, values URL-encoded), which win over all but
/// `OTEL_SERVICE_NAME`.
pub(super) fn resource() -> Result<Vec<KeyValue<'static>>, String> {
    let mut attributes: Vec<(String, String)> = Vec::new();
    let mut set = |key: &str, value: String| {
        attributes.retain(|(k, _)| k != key);
        attributes.push((key.to_owned(), value));
    };
    for kv in OtlpBatch::default().resource {
        if let AnyValue::String(value) = kv.value {
            set(&kv.key, value.into_owned());
        }
    }
    set("service.instance.id", uuid_v4());
    if let Some(name) = host_name() {
        set("host.name", name);
    }
    if let Some(id) = host_id() {
        set("host.id", id);
    }
    if let Some(text) = var("OTEL_RESOURCE_ATTRIBUTES") {
        for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("OTEL_RESOURCE_ATTRIBUTES: {pair:?} is not key=value"))?;
            let value = percent_encoding::percent_decode_str(value.trim())
                .decode_utf8()
                .map_err(|_| {
                    format!(
                        "OTEL_RESOURCE_ATTRIBUTES: the value of {} is not UTF-8 once decoded",
                        key.trim()
                    )
                })?;
            set(key.trim(), value.into_owned());
        }
    }
    if let Some(name) = var("OTEL_SERVICE_NAME") {
        set("service.name", name);
    }
    Ok(attributes
        .into_iter()
        .map(|(k, v)| KeyValue::new(k, AnyValue::string(v)))
        .collect())
}

/// A random (version 4) UUID from the core's random ids.
fn uuid_v4() -> String {
    let hex = sessiontrail::generate_trace_id();
    let mut bytes = [0u8; 16];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; the name is cut to it.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8(buf[..len].to_vec())
        .ok()
        .filter(|n| !n.is_empty())
}

/// The machine id (`/etc/machine-id`, as the host conventions say for Linux).
fn host_id() -> Option<String> {
    ["/etc/machine-id", "/var/lib/dbus/machine-id"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{parse_signals, uuid_v4};

    #[test]
    fn signals_are_a_list_of_traces_and_logs() {
        let s = parse_signals("traces").unwrap();
        assert!(s.traces && !s.logs);
        let s = parse_signals("logs, traces").unwrap();
        assert!(s.traces && s.logs);
        assert!(parse_signals("metrics")
            .unwrap_err()
            .contains("\"metrics\""));
    }

    #[test]
    fn instance_ids_are_version_4_uuids() {
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!("89ab".contains(&id[19..20]), "{id}");
        assert_ne!(id, uuid_v4());
    }
}
