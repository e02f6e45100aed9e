//! The HTTP/1 server under every router: accepts connections and serves each with the bounds a
//! test double needs to live for hours inside other people's CI jobs.
//!
//! - A request's headers must arrive within [`ServerOptions::header_timeout`]; the timer starts
//!   when the connection opens and again when an answer has been sent, so it also closes idle
//!   keep-alive connections.
//! - A request body that sends nothing for [`ServerOptions::body_timeout`] fails to read; the
//!   answer is the handler's error and the connection is closed after it.
//! - An answer the client reads nothing of for [`ServerOptions::write_timeout`] (once the
//!   kernel's buffers are full) is abandoned and its connection closed.
//! - At most [`ServerOptions::max_connections`] are open at once; past that, new connections
//!   wait in the kernel's backlog until one closes.
//! - On shutdown the listener closes at once, idle connections close, in-flight requests get up
//!   to [`ServerOptions::shutdown_timeout`] to finish, and whatever remains is then dropped.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use http_body::Body as _;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// How long a request's headers may take, unless `--header-timeout` says otherwise.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request body may send nothing, unless `--body-timeout` says otherwise.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an answer may wait for the client to read any of it, unless `--write-timeout` says
/// otherwise: generous, since a client paused in a debugger is not an attack.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Open connections at most, unless `--max-connections` says otherwise: below the usual limit
/// of 1,024 open files, so the cap is reached before `accept` starts failing.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// How long shutdown waits for in-flight requests, unless `--shutdown-timeout` says otherwise.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// Each connection's send buffer (the kernel's own tuning would grow it to megabytes): a write
/// the client holds up resumes once a part of it drains, so the write timeout measures a
/// client that stopped reading rather than one reading slower than a large buffer drains.
const SEND_BUFFER: usize = 256 * 1024;
/// How long to wait after `accept` fails for want of resources (too many open files), so the
/// loop does not spin while connections close.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The connection bounds (from the CLI, or a test).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOptions {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub write_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

/// The local address a request's connection was accepted on, in every request's extensions
/// (the admin guard accepts it as a `Host`: the address the client dialled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddr(pub SocketAddr);

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting, lets
/// in-flight requests finish for up to `options.shutdown_timeout`, and closes the rest.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServerOptions,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        // Finished connections leave the set here, so it holds only open ones.
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        match stream {
            Ok((stream, _peer)) => {
                let connection = Connection {
                    router: router.clone(),
                    options: options.clone(),
                    stopping: stopping.clone(),
                    _permit: permit,
                };
                connections.spawn(connection.serve(stream));
            }
            Err(error) if is_connection_error(&error) => {}
            Err(error) => {
                tracing::error!(%error, "accepting a connection failed");
                tokio::select! {
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                    () = &mut shutdown => break,
                }
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(options.shutdown_timeout, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "shutdown deadline passed: closing the connections still open"
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// Errors of one connection that was already gone when accepted: nothing to do about them.
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        error.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// Completes once shutdown has begun.
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped at once: it must not live across an `.await`.
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// One accepted connection and what it needs until it closes.
struct Connection {
    router: Router,
    options: ServerOptions,
    stopping: watch::Receiver<bool>,
    /// Held while the connection is open: its place under the connection cap.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream) {
        let local = stream.local_addr().ok().map(LocalAddr);
        // Answers are written whole; waiting for an ACK before a second segment only adds
        // latency.
        let _ = stream.set_nodelay(true);
        let _ = socket2::SockRef::from(&stream).set_send_buffer_size(SEND_BUFFER);
        let body_timeout = self.options.body_timeout;
        let router = self.router;
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            // A request without a body has nothing to wait for: no timer to arm.
            let mut request: Request = request.map(|body| {
                if body.is_end_stream() {
                    Body::new(body)
                } else {
                    Body::new(TimeoutBody::new(body_timeout, body))
                }
            });
            if let Some(local) = local {
                request.extensions_mut().insert(local);
            }
            router.clone().oneshot(request)
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.options.header_timeout)
            .keep_alive(true);
        let stream = WriteDeadline::new(stream, self.options.write_timeout);
        let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), service));
        let outcome = tokio::select! {
            outcome = connection.as_mut() => outcome,
            () = stopped(&mut self.stopping) => {
                // Finishes the request in flight, if any, then closes; an idle connection, or
                // one still sending its headers, closes at once.
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(error) = outcome {
            // Timeouts, resets and malformed requests are the client's business.
            tracing::debug!(%error, "connection closed with an error");
        }
    }
}

/// A connection's stream whose writes fail once one has waited `limit` for the client to read:
/// a client that stops reading an answer (larger than the kernel's buffers) would otherwise hold
/// its connection, and its place under the cap, for ever. Only a write that cannot proceed is
/// timed: an idle connection is the header timeout's business.
struct WriteDeadline<S> {
    inner: S,
    limit: Duration,
    /// Armed when a write finds the client not reading; dropped by any progress.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteDeadline<S> {
    fn new(inner: S, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            stalled: None,
        }
    }

    /// `attempt`'s outcome, or a timeout once writes have made no progress for the limit.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        attempt: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if attempt.is_ready() {
            self.stalled = None;
            return attempt;
        }
        let limit = self.limit;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing of the answer within the write timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteDeadline<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let attempt = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(cx, attempt)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let attempt = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, attempt)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let attempt = Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, attempt)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let attempt = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.watch(cx, attempt)
    }
}
