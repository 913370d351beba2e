//! How far bytes have moved from the server into a connection's socket: what a websocket is
//! judged by when it is slow.
//!
//! A client busy applying a large document does not read its socket for a while, then drains
//! it; one on a slow line drains it slowly all along. Neither is gone, and closing either
//! makes it start over. So a websocket is closed for slowness only when *no byte* has moved
//! into the kernel for `--client-no-progress-secs`, never for how long one frame takes.
//! [`Metered`] wraps every accepted TCP stream and stamps a [`Wire`] each time the kernel
//! accepts bytes; the listener hands the `Wire` to the request (an extension), and the
//! websocket loop (`docs.rs`) reads it.
//!
//! The kernel's own buffer would hide a stalled client for as long as it takes megabytes, so
//! the listener also sets `TCP_NOTSENT_LOWAT` ([`NOTSENT_LOWAT`]): the kernel holds little
//! unsent data, and what it accepts follows what the client reads.
//!
//! It must never hold a lock or block: one relaxed atomic store per write.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Unsent bytes the kernel keeps for one connection before a write waits (the data in flight
/// on the network is not counted, so a fast link is not slowed).
pub const NOTSENT_LOWAT: u32 = 128 * 1024;

/// The progress of one connection's writes, shared by its stream and its request handlers.
#[derive(Clone, Debug)]
pub struct Wire(Arc<Progress>);

#[derive(Debug)]
struct Progress {
    start: Instant,
    /// When it last accepted any, in milliseconds since `start`.
    last_write_ms: AtomicU64,
}

impl Wire {
    pub fn new() -> Wire {
        Wire(Arc::new(Progress {
            start: Instant::now(),
            last_write_ms: AtomicU64::new(0),
        }))
    }

    /// Records that bytes moved now.
    pub fn moved(&self) {
        self.0
            .last_write_ms
            .store(self.0.start.elapsed().as_millis() as u64, Relaxed);
    }

    /// Records progress without counting bytes: a flush the socket loop saw complete (what
    /// the only measure is when the connection was not accepted by our listener).
    pub fn touch(&self) {
        self.moved();
    }

    /// Time since a byte last moved (since creation if none has).
    pub fn idle(&self) -> Duration {
        let now = self.0.start.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.0.last_write_ms.load(Relaxed)))
    }
}

impl Default for Wire {
    fn default() -> Self {
        Wire::new()
    }
}

/// A stream whose successful writes are recorded in a [`Wire`].
pub struct Metered<S> {
    inner: S,
    wire: Wire,
}

impl<S> Metered<S> {
    pub fn new(inner: S, wire: Wire) -> Metered<S> {
        Metered { inner, wire }
    }

    fn record(&self, result: &Poll<io::Result<usize>>) {
        if let Poll::Ready(Ok(n)) = result {
            if *n > 0 {
                self.wire.moved();
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Metered<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Metered<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.record(&result);
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.record(&result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
