//! The HTTP side of `sessiontrail view`: hyper's HTTP/1.1 server on a
//! current-thread tokio runtime, which only moves bytes. Each request is
//! answered by `answer` on tokio's blocking pool, because an answer may
//! read a large file or wait for new events (a long poll sleeps between
//! `stat`s), and neither should hold up other connections.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use super::{answer, Reply, State};

/// Serves `listener` (already bound to 127.0.0.1) until the process ends.
pub fn serve(listener: std::net::TcpListener, state: Arc<State>) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                // Out of descriptors and the like: this connection is lost,
                // the server goes on.
                Err(e) => {
                    eprintln!("sessiontrail view: cannot accept a connection: {e}");
                    continue;
                }
            };
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, Infallible>(respond(state, request).await) }
                });
                // A page that goes away mid-answer is not worth a word.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

async fn respond(state: Arc<State>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = request.method().as_str().to_owned();
    let host = request
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let target = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let reply =
        tokio::task::spawn_blocking(move || answer(&state, &method, host.as_deref(), &target))
            .await
            .unwrap_or_else(|e| Reply {
                status: 500,
                headers: Vec::new(),
                body: format!("the answer failed: {e}").into_bytes(),
            });
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
