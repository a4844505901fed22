//! The HTTP side of `sessiontrail view`: hyper's HTTP/1.1 server on a
//! current-thread tokio runtime, which only moves bytes. Each request is
//! answered by `answer` on tokio's blocking pool, because an answer may
//! read a large file, and that should not hold up other connections.
//!
//! Bounded, so that no local process can stop it serving: a connection
//! must send its headers within `HEADER_READ_TIMEOUT`; at most
//! `MAX_CONNECTIONS` are open (the next is answered 503 at once and
//! closed, never queued); a long poll waits on the runtime (a timer and a
//! `stat` every 200 ms, no thread held) and at most `MAX_WAITING` wait at
//! once (the next gets 503, which the page retries); a failing accept (out
//! of descriptors) is reported once and retried after a pause instead of
//! spinning.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Semaphore;

use super::{admit, answer, error, follow, Reply, State, Wait, POLL};

/// Open connections at most (a page uses a handful; descriptors are 1,024
/// by default).
pub const MAX_CONNECTIONS: usize = 512;
/// Long polls waiting at once at most (one per open session page).
pub const MAX_WAITING: usize = 64;
/// A connection that has not sent a request's headers by then is closed.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The pause after a failed accept.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Threads answering at once (reads are short; waits hold none).
const BLOCKING_THREADS: usize = 8;
/// Written to a connection over `MAX_CONNECTIONS` before closing it: a
/// fixed answer, so that an excess connection costs no parsing.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\
content-length: 40\r\nretry-after: 1\r\nconnection: close\r\n\r\n\
sessiontrail view: too many connections\n";

/// Serves `listener` (already bound to 127.0.0.1) until the process ends.
pub fn serve(listener: std::net::TcpListener, state: Arc<State>) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()?;
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let waiting = Arc::new(Semaphore::new(MAX_WAITING));
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let mut failing = false;
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => {
                    failing = false;
                    stream
                }
                Err(e) => {
                    if !failing {
                        eprintln!(
                            "sessiontrail view: cannot accept a connection: {e} \
                             (retrying every {} ms; said once until one is accepted)",
                            ACCEPT_BACKOFF.as_millis()
                        );
                        failing = true;
                    }
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            };
            let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
                let _ = stream.try_write(BUSY);
                continue;
            };
            let state = Arc::clone(&state);
            let waiting = Arc::clone(&waiting);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let state = Arc::clone(&state);
                    let waiting = Arc::clone(&waiting);
                    async move { Ok::<_, Infallible>(respond(state, waiting, request).await) }
                });
                // A page that goes away mid-answer is not worth a word.
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_READ_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                drop(permit);
            });
        }
    })
}

async fn respond(
    state: Arc<State>,
    waiting: Arc<Semaphore>,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let header = |name| {
        request
            .headers()
            .get(name)
            .and_then(|h: &hyper::header::HeaderValue| h.to_str().ok())
            .map(str::to_owned)
    };
    let method = request.method().as_str().to_owned();
    let host = header(hyper::header::HOST);
    let cookies = header(hyper::header::COOKIE);
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let parts = Parts {
        method,
        host,
        cookies,
        target,
    };
    let reply = match admit(&state, &parts.view()) {
        Err(refused) => refused,
        Ok(wait) => {
            let permit = match wait {
                Some(wait) => match Arc::clone(&waiting).try_acquire_owned() {
                    Ok(permit) => {
                        wait_for_change(&wait).await;
                        Some(permit)
                    }
                    Err(_) => {
                        return response(error(
                            503,
                            format!(
                                "{MAX_WAITING} pages are waiting for new events already; ask again"
                            ),
                        ))
                    }
                },
                None => None,
            };
            let reply = tokio::task::spawn_blocking(move || answer(&state, &parts.view()))
                .await
                .unwrap_or_else(|e| Reply {
                    status: 500,
                    headers: Vec::new(),
                    body: format!("the answer failed: {e}").into_bytes(),
                });
            drop(permit);
            reply
        }
    };
    response(reply)
}

/// A request's parts, owned, to move to the blocking pool.
struct Parts {
    method: String,
    host: Option<String>,
    cookies: Option<String>,
    target: String,
}

impl Parts {
    fn view(&self) -> super::Request<'_> {
        super::Request {
            method: &self.method,
            host: self.host.as_deref(),
            cookies: self.cookies.as_deref(),
            target: &self.target,
        }
    }
}

/// Until the events file's size is no longer the one the page saw, or the
/// wait is over (an unreadable file ends it: the answer says why).
async fn wait_for_change(wait: &Wait) {
    let deadline = tokio::time::Instant::now() + wait.wait;
    while matches!(follow::size_of(&wait.path), Ok(size) if size == wait.seen)
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(POLL).await;
    }
}

fn response(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(*name, value);
    }
    response
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|e| {
            let mut r = Response::new(Full::new(Bytes::from(format!("bad answer: {e}"))));
            *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
}
