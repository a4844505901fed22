//! `sessiontrail otlp` over https against a TLS stand-in receiver on
//! 127.0.0.1 (hyper over tokio-rustls), with a CA and certificates made
//! for the run: the system's trust store refuses it, `--certificate` (or
//! `OTEL_EXPORTER_OTLP_CERTIFICATE`) trusts it, and a receiver that asks for
//! a client certificate gets the one `--client-certificate` names.

#![cfg(all(unix, feature = "otlp"))]

mod common;

use std::convert::Infallible;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use common::TempDir;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sessiontrail::{EventLog, EventType};

struct Pki {
    ca: rcgen::Certificate,
    ca_key: rcgen::KeyPair,
}

impl Pki {
    fn new() -> Pki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "sessiontrail test CA");
        let ca = params.self_signed(&ca_key).unwrap();
        Pki { ca, ca_key }
    }

    /// A certificate for `name` signed by the CA, and its key.
    fn issue(&self, name: &str) -> (rcgen::Certificate, rcgen::KeyPair) {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec![name.to_owned()]).unwrap();
        (params.signed_by(&key, &self.ca, &self.ca_key).unwrap(), key)
    }
}

/// Requests seen: the path, and whether the client presented a certificate.
type Seen = Arc<Mutex<Vec<(String, bool)>>>;

/// An https receiver on 127.0.0.1 answering 200; with `client_ca`, it
/// requires a client certificate signed by it.
fn receiver(pki: &Pki, client_ca: Option<&Pki>) -> (String, Seen) {
    let (cert, key) = pki.issue("127.0.0.1");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.ca.der().clone()).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let kept = Arc::clone(&seen);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let acceptor = acceptor.clone();
                let kept = Arc::clone(&kept);
                tokio::spawn(async move {
                    // A handshake the client gives up on is its failure to report.
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let client_cert = tls.get_ref().1.peer_certificates().is_some();
                    let service = hyper::service::service_fn(
                        move |request: hyper::Request<hyper::body::Incoming>| {
                            let kept = Arc::clone(&kept);
                            async move {
                                kept.lock()
                                    .unwrap()
                                    .push((request.uri().path().to_owned(), client_cert));
                                Ok::<_, Infallible>(hyper::Response::new(http_body_util::Empty::<
                                    bytes::Bytes,
                                >::new(
                                )))
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                });
            }
        });
    });
    (format!("https://127.0.0.1:{port}"), seen)
}

fn otlp(args: &[&str], env: &[(&str, &Path)]) -> Output {
    common::otlp_clean_env(args, env)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn session(dir: &Path) {
    let mut e = common::make_event("ssn_tls", EventType::AgentNote { text: None });
    EventLog::open(dir).unwrap().append(&mut e).unwrap();
}

fn write(path: std::path::PathBuf, text: String) -> std::path::PathBuf {
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn https_trusts_the_given_ca_not_an_unknown_one() {
    let tmp = TempDir::new("tls-ca");
    let dir = tmp.session();
    session(&dir);
    let pki = Pki::new();
    let (base, seen) = receiver(&pki, None);
    let d = dir.to_str().unwrap();
    // The system's trust store does not know this CA.
    let out = otlp(&[d, "--endpoint", &base, "--give-up-after", "0"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).to_lowercase().contains("certificate"),
        "{}",
        text(&out.stderr)
    );
    assert!(seen.lock().unwrap().is_empty());
    // --certificate, then the variable, trust it.
    let ca = write(tmp.path().join("ca.pem"), pki.ca.pem());
    let out = otlp(
        &[
            d,
            "--endpoint",
            &base,
            "--certificate",
            ca.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [("/v1/logs".to_owned(), false)]
    );
    let again = tmp.path().join("again");
    session(&again);
    let out = otlp(
        &[again.to_str().unwrap(), "--endpoint", &base],
        &[("OTEL_EXPORTER_OTLP_CERTIFICATE", &ca)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[test]
fn a_receiver_that_asks_gets_the_client_certificate() {
    let tmp = TempDir::new("tls-client");
    let dir = tmp.session();
    session(&dir);
    let (server_pki, client_pki) = (Pki::new(), Pki::new());
    let (base, seen) = receiver(&server_pki, Some(&client_pki));
    let ca = write(tmp.path().join("ca.pem"), server_pki.ca.pem());
    let (cert, key) = client_pki.issue("shipper");
    let cert = write(tmp.path().join("client.pem"), cert.pem());
    let key = write(tmp.path().join("client.key"), key.serialize_pem());
    let d = dir.to_str().unwrap();
    let c = ca.to_str().unwrap();
    // Without one, the handshake fails: retried, then given up.
    let out = otlp(
        &[
            d,
            "--endpoint",
            &base,
            "--certificate",
            c,
            "--give-up-after",
            "0",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(seen.lock().unwrap().is_empty());
    let out = otlp(
        &[
            d,
            "--endpoint",
            &base,
            "--certificate",
            c,
            "--client-certificate",
            cert.to_str().unwrap(),
            "--client-key",
            key.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [("/v1/logs".to_owned(), true)]
    );
    // A key without its certificate is refused before anything is sent.
    let out = otlp(
        &[
            d,
            "--endpoint",
            &base,
            "--client-key",
            key.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
