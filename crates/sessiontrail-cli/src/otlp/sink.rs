//! Where OTLP/JSON goes: a receiver over HTTP (`/v1/traces`, `/v1/logs`, or
//! a URL per signal), or one file of OTLP/JSON lines per signal (what the
//! Collector's `otlpjsonfile` receiver reads). Each says whether a failed
//! send may be tried again: only what the OTLP/HTTP spec says is transient
//! (429, 502, 503, 504, a connection that failed); a 413 asks for smaller
//! requests; a redirect is refused, never followed.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use ureq::http::{HeaderName, HeaderValue};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Signal {
    Traces,
    Logs,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Logs => "logs",
        }
    }
}

pub(super) enum SendError {
    /// Worth trying again (the OTLP/HTTP spec's list): 429, 502, 503, 504,
    /// a refused or dropped connection, a timeout. `after` is the
    /// receiver's `Retry-After`, when it gave one.
    Retry {
        why: String,
        after: Option<Duration>,
    },
    /// 413: the body is too large for the receiver; smaller requests may go.
    TooLarge(String),
    /// Not worth trying again: 400, 500 and the rest, a redirect, an
    /// unusable endpoint, a file that cannot be written.
    Fatal(String),
}

/// Where one signal goes over HTTP, and how: each signal has its own, as
/// the OTLP exporter's per-signal variables allow.
pub(super) struct HttpConfig {
    pub url: String,
    pub headers: Vec<String>,
    pub gzip: bool,
    /// PEM files: a CA that replaces the system's trust store, and a
    /// client certificate with its key.
    pub certificate: Option<PathBuf>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// How long one request may take in all.
    pub timeout: Duration,
}

/// One signal's receiver, ready to send to.
pub(super) struct Endpoint {
    agent: ureq::Agent,
    url: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    gzip: bool,
}

pub(super) enum Sink {
    /// Each signal to its endpoint; `None` when it is not sent.
    Http {
        traces: Option<Endpoint>,
        logs: Option<Endpoint>,
        identity: String,
    },
    /// One file per signal, as the OpenTelemetry file exporter writes:
    /// `traces.jsonl` and `logs.jsonl` in the output directory.
    File {
        traces: Option<(File, PathBuf)>,
        logs: Option<(File, PathBuf)>,
        identity: String,
    },
}

/// Checks an endpoint's URL: `http://` or `https://` and a host.
pub(super) fn check_url(url: &str) -> Result<&str, String> {
    let base = url.trim_end_matches('/');
    let scheme_ok = base.starts_with("http://") || base.starts_with("https://");
    if !scheme_ok || base.len() <= "https://".len() {
        return Err(format!(
            "the endpoint must be an http:// or https:// URL such as http://localhost:4318, got {url:?}"
        ));
    }
    Ok(base)
}

impl Endpoint {
    /// A receiver of one signal at its URL, with extra request headers
    /// (`NAME=VALUE`, e.g. an API key), over TLS for https:// with the
    /// system's trust store unless a CA certificate is given.
    pub fn new(config: HttpConfig) -> Result<Endpoint, String> {
        let mut tls = ureq::tls::TlsConfig::builder();
        tls = match &config.certificate {
            None => tls.root_certs(ureq::tls::RootCerts::PlatformVerifier),
            Some(path) => {
                let pem = read_pem(path, "the CA certificate")?;
                let certs = certificates(&pem, path)?;
                tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
            }
        };
        match (&config.client_certificate, &config.client_key) {
            (None, None) => {}
            (Some(cert), Some(key)) => {
                let chain = certificates(&read_pem(cert, "the client certificate")?, cert)?;
                let key_pem = read_pem(key, "the client key")?;
                let key = ureq::tls::PrivateKey::from_pem(&key_pem)
                    .map_err(|e| format!("{} holds no private key: {e}", key.display()))?
                    .to_owned();
                tls = tls.client_cert(Some(ureq::tls::ClientCert::new_with_certs(&chain, key)));
            }
            _ => {
                return Err(
                    "a client certificate needs its key, and a key its certificate: give both"
                        .into(),
                )
            }
        }
        let agent_config = ureq::Agent::config_builder()
            // Statuses are answers to act on, not errors.
            .http_status_as_error(false)
            // A redirect is never followed: a POST redirected becomes a GET
            // without its body, whose 2xx would mark events as shipped,
            // and headers (an API key) would go to another host.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(Duration::from_secs(5).min(config.timeout)))
            .timeout_global(Some(config.timeout))
            .tls_config(tls.build())
            .build();
        let headers = config
            .headers
            .iter()
            .map(|h| header(h))
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Endpoint {
            agent: agent_config.into(),
            url: config.url,
            headers,
            gzip: config.gzip,
        })
    }
}

impl Sink {
    /// A receiver per signal (`None`: that signal is not sent).
    pub fn http(traces: Option<Endpoint>, logs: Option<Endpoint>) -> Sink {
        // The cursor's destination: both URLs, so another receiver for one
        // signal is another destination.
        let url = |e: &Option<Endpoint>| e.as_ref().map(|e| e.url.clone());
        let identity = match (url(&traces), url(&logs)) {
            (Some(t), Some(l)) if t.strip_suffix("/v1/traces") == l.strip_suffix("/v1/logs") => {
                t.strip_suffix("/v1/traces").unwrap_or(&t).to_owned()
            }
            (t, l) => format!(
                "traces={} logs={}",
                t.as_deref().unwrap_or("none"),
                l.as_deref().unwrap_or("none")
            ),
        };
        Sink::Http {
            traces,
            logs,
            identity,
        }
    }

    /// OTLP/JSON lines appended to `traces.jsonl` and `logs.jsonl` in
    /// `dir` (created when missing; files created 0o600), for the signals
    /// asked for.
    pub fn files(dir: &Path, traces: bool, logs: bool) -> Result<Sink, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the output directory {}: {e}", dir.display()))?;
        // The cursor names the directory by its absolute path, so a
        // relative path given from another directory is the same output.
        let absolute = std::fs::canonicalize(dir)
            .map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
        if !absolute.is_dir() {
            return Err(format!(
                "--output takes a directory (it gets traces.jsonl and logs.jsonl); {} is not one",
                dir.display()
            ));
        }
        let open = |name: &str| -> Result<(File, PathBuf), String> {
            let path = absolute.join(name);
            let mut options = std::fs::OpenOptions::new();
            options.append(true).create(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
                // Never a FIFO's reader-less wait, never through a symlink.
                options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
            }
            let file = options
                .open(&path)
                .map_err(|e| format!("cannot open {} for writing: {e}", path.display()))?;
            let meta = file
                .metadata()
                .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
            if !meta.is_file() {
                return Err(format!(
                    "refusing to write {}: it is not a regular file",
                    path.display()
                ));
            }
            Ok((file, path))
        };
        Ok(Sink::File {
            traces: traces.then(|| open("traces.jsonl")).transpose()?,
            logs: logs.then(|| open("logs.jsonl")).transpose()?,
            identity: format!("file:{}", absolute.display()),
        })
    }

    /// What the cursor records as the destination.
    pub fn identity(&self) -> &str {
        match self {
            Sink::Http { identity, .. } | Sink::File { identity, .. } => identity,
        }
    }

    /// Whether `signal` goes anywhere.
    pub fn sends(&self, signal: Signal) -> bool {
        match (self, signal) {
            (Sink::Http { traces, .. }, Signal::Traces) => traces.is_some(),
            (Sink::Http { logs, .. }, Signal::Logs) => logs.is_some(),
            (Sink::File { traces, .. }, Signal::Traces) => traces.is_some(),
            (Sink::File { logs, .. }, Signal::Logs) => logs.is_some(),
        }
    }

    /// Sends one export request. `Ok` carries the receiver's complaint
    /// about part of an accepted request (OTLP's partial success), which
    /// is not to be retried.
    pub fn send(&mut self, signal: Signal, body: &[u8]) -> Result<Option<String>, SendError> {
        match self {
            Sink::File { traces, logs, .. } => {
                let target = match signal {
                    Signal::Traces => traces,
                    Signal::Logs => logs,
                };
                let Some((file, path)) = target else {
                    return Ok(None);
                };
                let mut line = Vec::with_capacity(body.len() + 1);
                line.extend_from_slice(body);
                line.push(b'\n');
                file.write_all(&line)
                    .and_then(|()| file.sync_data())
                    .map(|()| None)
                    .map_err(|e| SendError::Fatal(format!("cannot write {}: {e}", path.display())))
            }
            Sink::Http { traces, logs, .. } => {
                let endpoint = match signal {
                    Signal::Traces => traces,
                    Signal::Logs => logs,
                };
                let Some(e) = endpoint else { return Ok(None) };
                post(&e.agent, &e.url, &e.headers, body, e.gzip)
            }
        }
    }
}

fn read_pem(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    sessiontrail::open_regular(path)
        .map_err(|e| format!("{what}: {e}"))?
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    Ok(bytes)
}

fn certificates(pem: &[u8], path: &Path) -> Result<Vec<ureq::tls::Certificate<'static>>, String> {
    let certs: Vec<_> = ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => Some(Ok(cert)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{} is not PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(certs)
}

/// `NAME=VALUE` as a header; the value is never put in a message (it is
/// often a secret).
fn header(text: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (name, value) = text.split_once('=').ok_or_else(|| {
        format!(
            "a header is NAME=VALUE; got one without '=' (starting {:?})",
            text.chars().take(12).collect::<String>()
        )
    })?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("{:?} is not a valid header name", name.trim()))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|_| format!("the value of header {name} is not a valid header value"))?;
    Ok((name, value))
}

/// The headers of `OTEL_EXPORTER_OTLP_HEADERS`: `name=value` pairs
/// separated by commas, values URL-encoded (the OpenTelemetry spec).
pub(super) fn env_headers(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|pair| !pair.trim().is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => {
                let value = percent_encoding::percent_decode_str(value.trim()).decode_utf8_lossy();
                format!("{}={value}", name.trim())
            }
            None => pair.to_owned(),
        })
        .collect()
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(HeaderName, HeaderValue)],
    body: &[u8],
    gzip: bool,
) -> Result<Option<String>, SendError> {
    let mut request = agent
        .post(url.to_owned())
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let compressed;
    let body = if gzip {
        request = request.header("content-encoding", "gzip");
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(body.len() / 8),
            flate2::Compression::fast(),
        );
        encoder
            .write_all(body)
            .map_err(|e| SendError::Fatal(format!("gzip: {e}")))?;
        compressed = encoder
            .finish()
            .map_err(|e| SendError::Fatal(format!("gzip: {e}")))?;
        &compressed[..]
    } else {
        body
    };
    let mut response = match request.send(body) {
        Ok(response) => response,
        Err(e) => return Err(transport_error(url, e)),
    };
    let status = response.status();
    let header_text = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header_text("retry-after").and_then(|v| retry_after(&v, SystemTime::now()));
    let location = header_text("location");
    // The answer's body says why, or what part was rejected; keep a little.
    let mut text = String::new();
    let _ = response
        .body_mut()
        .as_reader()
        .take(4096)
        .read_to_string(&mut text);
    let text = text.trim();
    let code = status.as_u16();
    if status.is_success() {
        return Ok(partial_success(text));
    }
    let why = format!(
        "{url} answered {code} {}{}{}",
        status.canonical_reason().unwrap_or(""),
        if text.is_empty() { "" } else { ": " },
        text
    );
    match code {
        429 | 502 | 503 | 504 => Err(SendError::Retry {
            why,
            after: retry_after,
        }),
        413 => Err(SendError::TooLarge(why)),
        300..=399 => Err(SendError::Fatal(format!(
            "{url} answered {code}, a redirect to {}; redirects are not followed \
             (the body and the headers would not go where they were meant to): give the endpoint it names",
            location.as_deref().unwrap_or("(no Location)")
        ))),
        _ => Err(SendError::Fatal(why)),
    }
}

/// `Retry-After` as seconds or as an HTTP-date (RFC 9110), as a wait from
/// `now`; a date in the past is no wait.
pub(super) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn transport_error(url: &str, e: ureq::Error) -> SendError {
    let why = format!("cannot reach {url}: {e}");
    match e {
        ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::TlsRequired
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::InvalidProxyUrl => SendError::Fatal(why),
        _ => SendError::Retry { why, after: None },
    }
}

/// The complaint in a 2xx answer's `partialSuccess`, when it has one.
fn partial_success(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let partial = value.get("partialSuccess")?;
    let rejected = ["rejectedSpans", "rejectedLogRecords"]
        .iter()
        .filter_map(|k| partial.get(*k))
        .find_map(|v| match v {
            serde_json::Value::String(s) => s.parse::<u64>().ok(),
            other => other.as_u64(),
        })
        .unwrap_or(0);
    let message = partial
        .get("errorMessage")
        .and_then(|m| m.as_str())
        .unwrap_or("");
    (rejected > 0 || !message.is_empty())
        .then(|| format!("the receiver rejected {rejected} record(s): {message}"))
}

#[cfg(test)]
mod tests {
    use super::{env_headers, header, retry_after};
    use std::time::{Duration, SystemTime};

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT.
        assert_eq!(
            retry_after("Tue, 14 Nov 2023 22:13:23 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn otel_headers_are_split_and_url_decoded() {
        assert_eq!(
            env_headers("api-key=abc%20def, x-team = core ,,bare"),
            ["api-key=abc def", "x-team=core", "bare"]
        );
        let (name, value) = header("X-Api-Key= s3cr3t").unwrap();
        assert_eq!(
            (name.as_str(), value.to_str().unwrap()),
            ("x-api-key", "s3cr3t")
        );
        assert!(header("bare").unwrap_err().contains("NAME=VALUE"));
        let bad_value = header("x-key=line\nbreak").unwrap_err();
        assert!(
            bad_value.contains("x-key") && !bad_value.contains("line"),
            "{bad_value}"
        );
    }
}
