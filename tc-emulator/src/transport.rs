//! The connection and body types under the API: a TCP stream that can close with RST (the connection-reset
//! fault), and the answer body (whole, cut short for the truncated-body fault, or a stream of events).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::stream::SseBody;

/// A TCP stream that closes with RST instead of FIN when `reset` was set (connection-reset fault).
pub(crate) struct ResettableStream {
    pub inner: TcpStream,
    pub reset: Arc<AtomicBool>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::Relaxed) {
            let _ = socket2::SockRef::from(&self.inner).set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Response body: whole, or cut short (sends the first part, then fails so hyper closes the connection).
pub(crate) enum EmuBody {
    Full(Option<Bytes>),
    /// `pause` lets hyper flush the head and the part before the error closes the connection.
    Truncated {
        part: Option<Bytes>,
        declared: u64,
        pause: Pin<Box<tokio::time::Sleep>>,
        failed: bool,
    },
    /// A streaming answer, made as it is read.
    Sse(Box<SseBody>),
}

impl Body for EmuBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            EmuBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            EmuBody::Truncated {
                part, pause, failed, ..
            } => {
                if let Some(p) = part.take() {
                    return Poll::Ready(Some(Ok(Frame::data(p))));
                }
                if !*failed {
                    if pause.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *failed = true;
                    return Poll::Ready(Some(Err("emulated truncated body".into())));
                }
                Poll::Ready(None)
            }
            EmuBody::Sse(body) => body
                .poll_chunk(cx)
                .map(|chunk| chunk.map(|c| c.map(Frame::data).map_err(BoxError::from))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            EmuBody::Full(b) => b.is_none(),
            EmuBody::Truncated { part, failed, .. } => part.is_none() && *failed,
            EmuBody::Sse(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            EmuBody::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            EmuBody::Truncated { declared, .. } => SizeHint::with_exact(*declared),
            EmuBody::Sse(_) => SizeHint::default(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("emulated connection reset")
    }
}

impl std::error::Error for ResetConnection {}
