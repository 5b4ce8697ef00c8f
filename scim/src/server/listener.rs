//! [`ScimListener`]: a TCP listener for [`axum::serve()`] whose connections answer hyper's own
//! errors as SCIM error documents.
//!
//! hyper answers some requests before the router sees them: a request line whose URI is
//! longer than the `http` crate accepts (64 KiB; a filter of 5 000 `or` terms is 170 KiB) with
//! `414`, a request head larger than hyper's buffer with `431`, and a head that does not parse
//! with `400`, each with an empty body, after which it closes the connection. Neither hyper
//! nor axum offers a hook for that response, and the URI limit cannot be raised, so the
//! connection's writer recognises it (a response head written while no response is under
//! way, with `content-length: 0` and no `content-type`) and writes the same status as an
//! RFC 7644 section 3.12 error document instead. Every other byte passes unchanged.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::response::SCIM_CONTENT_TYPE;
use crate::error::ScimError;

/// A [`TcpListener`] whose connections are [`ScimErrorStream`]s.
#[derive(Debug)]
pub struct ScimListener(TcpListener);

impl ScimListener {
    /// Wrap a bound listener.
    pub fn new(listener: TcpListener) -> Self {
        ScimListener(listener)
    }
}

impl axum::serve::Listener for ScimListener {
    type Io = ScimErrorStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, address) = axum::serve::Listener::accept(&mut self.0).await;
        (ScimErrorStream::new(stream), address)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection whose bodiless error responses from hyper become SCIM error documents (see
/// the module docs).
#[derive(Debug)]
pub struct ScimErrorStream<S> {
    inner: S,
    /// A replacement response still to be written, and how much of it is written.
    pending: Vec<u8>,
    written: usize,
}

impl<S> ScimErrorStream<S> {
    /// Wrap a connection.
    pub fn new(inner: S) -> Self {
        ScimErrorStream { inner, pending: Vec::new(), written: 0 }
    }
}

/// The SCIM form of `head` when it is a complete, bodiless error response head as hyper
/// writes for a request it could not parse; `None` for anything else.
fn scim_error_response(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let rest = text.strip_prefix("HTTP/1.1 ").or_else(|| text.strip_prefix("HTTP/1.0 "))?;
    let status: u16 = rest.get(..3)?.parse().ok()?;
    if !(400..600).contains(&status) || !text.ends_with("\r\n\r\n") {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if !lower.contains("\r\ncontent-length: 0\r\n") || lower.contains("\r\ncontent-type:") {
        return None;
    }
    let detail = match status {
        414 => "the request URI is too long (at most 64 KiB); send a long filter in the body of \
                POST /{Resource}/.search instead (RFC 7644 section 3.4.3)"
            .to_owned(),
        431 => "the request's header fields are too large".to_owned(),
        _ => "the request could not be parsed as HTTP".to_owned(),
    };
    let body = serde_json::to_string(&ScimError::status(status, detail)).ok()?;
    let reason = rest.get(4..)?.split("\r\n").next().unwrap_or_default();
    Some(
        format!(
            "HTTP/1.1 {status} {reason}\r\ncontent-type: {SCIM_CONTENT_TYPE}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

impl<S: AsyncWrite + Unpin> ScimErrorStream<S> {
    /// Write what is left of a replacement response.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ScimErrorStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ScimErrorStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some(replacement) = scim_error_response(buf) {
            self.pending = replacement;
            self.written = 0;
            // The original head counts as written; the replacement follows on flush.
            let _ = self.poll_pending(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    // Vectored writes pass through as the connection offers them (hyper then writes a head and
    // a body without copying them together); hyper's error head comes alone, as one slice.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut non_empty = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (non_empty.next(), non_empty.next()) {
            return self.poll_write(cx, only);
        }
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bodiless_error_heads_are_replaced() {
        let head = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 20:00:00 GMT\r\n\r\n";
        let replaced = String::from_utf8(scim_error_response(head).unwrap()).unwrap();
        assert!(replaced.starts_with("HTTP/1.1 414 URI Too Long\r\ncontent-type: application/scim+json\r\n"));
        let body: serde_json::Value = serde_json::from_str(replaced.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["status"], "414");
        assert_eq!(body["schemas"][0], crate::error::ERROR_URN);
        // A SCIM response, a success, a body chunk: untouched.
        assert!(
            scim_error_response(
                b"HTTP/1.1 404 Not Found\r\ncontent-type: application/scim+json\r\ncontent-length: 0\r\n\r\n"
            )
            .is_none()
        );
        assert!(scim_error_response(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(scim_error_response(b"{\"schemas\":[]}").is_none());
    }
}
