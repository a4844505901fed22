//! Where OTLP/JSON goes: a receiver over HTTP (`/v1/traces`, `/v1/logs`),
//! or a file of OTLP/JSON lines (what the Collector's `otlpjsonfile`
//! receiver reads). Each says whether a failed send may be tried again.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use ureq::http::{HeaderName, HeaderValue};

#[derive(Clone, Copy)]
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
    /// Worth trying again: 429, 5xx, a refused or dropped connection, a
    /// timeout. `after` is the receiver's `Retry-After`, when it gave one.
    Retry {
        why: String,
        after: Option<Duration>,
    },
    /// Not worth trying again: 400 and other 4xx, an unusable endpoint, a
    /// file that cannot be written.
    Fatal(String),
}

pub(super) enum Sink {
    Http {
        agent: ureq::Agent,
        traces_url: String,
        logs_url: String,
        identity: String,
        headers: Vec<(HeaderName, HeaderValue)>,
    },
    File {
        file: File,
        identity: String,
    },
}

impl Sink {
    /// A receiver at `endpoint`, the base URL as in
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (`http://localhost:4318`), with extra
    /// request headers (`NAME=VALUE`, e.g. an API key).
    pub fn http(endpoint: &str, headers: &[String]) -> Result<Sink, String> {
        let base = endpoint.trim_end_matches('/');
        let scheme_ok = base.starts_with("http://") || base.starts_with("https://");
        if !scheme_ok || base.len() <= "https://".len() {
            return Err(format!(
                "the endpoint must be an http:// or https:// base URL such as http://localhost:4318, got {endpoint:?}"
            ));
        }
        if base.starts_with("https://") && !cfg!(feature = "otlp-tls") {
            return Err(format!(
                "{endpoint} is https, and this sessiontrail was built without TLS; \
                 build it with `--features otlp-tls`, or ship to a local Collector over http"
            ));
        }
        let config = ureq::Agent::config_builder()
            // Statuses are answers to act on, not errors.
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(60)))
            .build();
        let headers = headers
            .iter()
            .map(|h| header(h))
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Sink::Http {
            agent: config.into(),
            traces_url: format!("{base}/v1/traces"),
            logs_url: format!("{base}/v1/logs"),
            identity: base.to_owned(),
            headers,
        })
    }

    /// OTLP/JSON lines appended to `path` (created 0o600 when missing).
    pub fn file(path: &Path) -> Result<Sink, String> {
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(path)
            .map_err(|e| format!("cannot open {} for writing: {e}", path.display()))?;
        // The cursor names the file by its absolute path, so a relative
        // path given from another directory is the same output.
        let absolute = std::fs::canonicalize(path)
            .map_err(|e| format!("cannot resolve {}: {e}", path.display()))?;
        Ok(Sink::File {
            file,
            identity: format!("file:{}", absolute.display()),
        })
    }

    /// What the cursor records as the destination.
    pub fn identity(&self) -> &str {
        match self {
            Sink::Http { identity, .. } | Sink::File { identity, .. } => identity,
        }
    }

    /// Sends one export request. `Ok` carries the receiver's complaint
    /// about part of an accepted request (OTLP's partial success), which
    /// is not to be retried.
    pub fn send(&mut self, signal: Signal, body: &[u8]) -> Result<Option<String>, SendError> {
        match self {
            Sink::File { file, identity } => {
                let mut line = Vec::with_capacity(body.len() + 1);
                line.extend_from_slice(body);
                line.push(b'\n');
                file.write_all(&line)
                    .and_then(|()| file.sync_data())
                    .map(|()| None)
                    .map_err(|e| SendError::Fatal(format!("cannot write {identity}: {e}")))
            }
            Sink::Http {
                agent,
                traces_url,
                logs_url,
                headers,
                ..
            } => {
                let url = match signal {
                    Signal::Traces => traces_url,
                    Signal::Logs => logs_url,
                };
                post(agent, url, headers, body)
            }
        }
    }
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
) -> Result<Option<String>, SendError> {
    let mut request = agent
        .post(url.to_owned())
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let mut response = match request.send(body) {
        Ok(response) => response,
        Err(e) => return Err(transport_error(url, e)),
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
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
        500..=599 => Err(SendError::Retry { why, after: None }),
        _ => Err(SendError::Fatal(why)),
    }
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
    use super::{env_headers, header};

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
