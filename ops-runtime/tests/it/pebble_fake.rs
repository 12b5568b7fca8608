//! A fake Pebble that answers however a test says, on a raw Unix socket: a
//! whole answer, a body that goes on past any limit (chunked or behind a
//! `Content-Length`), or a websocket that sends given frames. The tests of
//! `pebble_limits` and `pebble_props` serve hostile answers with it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::oneshot;

/// A request's head, as the fake read it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The path and query, such as `/v1/files?action=read&path=%2Fx`.
    pub(crate) target: String,
    /// The head's lines after the request line.
    pub(crate) headers: String,
}

impl Request {
    /// The path without the query.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

/// What the fake answers one request with.
pub(crate) enum Answer {
    /// A complete answer; the connection stays open for the next request.
    Whole {
        status: u16,
        content_type: String,
        body: Vec<u8>,
    },
    /// `prefix`, then `fill` over and over until the body reaches `total`
    /// bytes or the client goes away, then `suffix`. Sent chunked, or as raw
    /// bytes after a `Content-Length: length` header when `length` is given
    /// (which may be a lie). The connection closes after it.
    Endless {
        status: u16,
        content_type: String,
        length: Option<u64>,
        prefix: Vec<u8>,
        fill: Vec<u8>,
        suffix: Vec<u8>,
        total: u64,
    },
    /// Accepts a websocket upgrade, sends these frames (whole, as bytes on
    /// the wire), then holds the connection until the client closes it.
    WebSocket(Vec<Vec<u8>>),
}

impl Answer {
    /// A JSON answer.
    pub(crate) fn json(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Answer::Whole {
            status,
            content_type: "application/json".to_owned(),
            body: body.into(),
        }
    }

    /// A chunked body of `content_type`: `prefix`, `fill` repeated up to
    /// `total` bytes, nothing after.
    pub(crate) fn endless(
        content_type: &str,
        prefix: impl Into<Vec<u8>>,
        fill: impl Into<Vec<u8>>,
        total: u64,
    ) -> Self {
        Answer::Endless {
            status: 200,
            content_type: content_type.to_owned(),
            length: None,
            prefix: prefix.into(),
            fill: fill.into(),
            suffix: Vec::new(),
            total,
        }
    }
}

type Handler = dyn Fn(&Request) -> Answer + Send + Sync;

/// The fake: a thread serving a socket in a temporary directory. Dropping it
/// stops the thread and removes the directory.
pub(crate) struct Fake {
    dir: PathBuf,
    socket: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    written: Arc<AtomicU64>,
}

impl Fake {
    /// Serves every request with `handler`'s answer.
    pub(crate) fn serve(handler: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Self {
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ops-pebble-fake-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("make the fake's directory");
        let socket = dir.join("pebble.socket");
        let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind the socket");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking socket");
        let handler: Arc<Handler> = Arc::new(handler);
        let written = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = oneshot::channel::<()>();
        let counter = Arc::clone(&written);
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the fake's runtime");
            runtime.block_on(async move {
                let listener = UnixListener::from_std(listener).expect("a tokio listener");
                let accept = async {
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            return;
                        };
                        let handler = Arc::clone(&handler);
                        let counter = Arc::clone(&counter);
                        tokio::spawn(async move {
                            let _ = connection(stream, &*handler, &counter).await;
                        });
                    }
                };
                tokio::select! {
                    () = accept => {}
                    _ = stopped => {}
                }
            });
        });
        Fake {
            dir,
            socket,
            stop: Some(stop),
            thread: Some(thread),
            written,
        }
    }

    /// The socket to give a client.
    pub(crate) fn socket(&self) -> &Path {
        &self.socket
    }

    /// A client of this fake with default limits.
    pub(crate) fn client(&self) -> ops_runtime::pebble::Client {
        ops_runtime::pebble::Client::new(&self.socket).expect("a client")
    }

    /// How many body bytes the fake has written so far, over all answers.
    pub(crate) fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Serves one connection: requests until an answer that ends it, or the
/// client goes away.
async fn connection(
    mut stream: UnixStream,
    handler: &Handler,
    written: &AtomicU64,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer).await? else {
            return Ok(());
        };
        match handler(&request) {
            Answer::Whole {
                status,
                content_type,
                body,
            } => {
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(&body).await?;
                written.fetch_add(body.len() as u64, Ordering::Relaxed);
            }
            Answer::Endless {
                status,
                content_type,
                length,
                prefix,
                fill,
                suffix,
                total,
            } => {
                let framing = match length {
                    Some(length) => format!("content-length: {length}"),
                    None => "transfer-encoding: chunked".to_owned(),
                };
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\n{framing}\r\n\r\n"
                );
                stream.write_all(head.as_bytes()).await?;
                let chunked = length.is_none();
                let mut block = Vec::with_capacity(64 * 1024 + fill.len());
                while !fill.is_empty() && block.len() < 64 * 1024 {
                    block.extend_from_slice(&fill);
                }
                let mut sent = 0u64;
                send(&mut stream, &prefix, chunked, written).await?;
                sent += prefix.len() as u64;
                while !block.is_empty() && sent < total {
                    let take = block
                        .len()
                        .min(usize::try_from(total - sent).unwrap_or(usize::MAX));
                    send(&mut stream, &block[..take], chunked, written).await?;
                    sent += take as u64;
                }
                send(&mut stream, &suffix, chunked, written).await?;
                if chunked {
                    stream.write_all(b"0\r\n\r\n").await?;
                }
                return stream.shutdown().await;
            }
            Answer::WebSocket(frames) => {
                let key = request.header("sec-websocket-key").unwrap_or_default();
                let accept =
                    tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
                let head = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\
                     connection: Upgrade\r\nsec-websocket-accept: {accept}\r\n\r\n"
                );
                stream.write_all(head.as_bytes()).await?;
                for frame in frames {
                    stream.write_all(&frame).await?;
                    written.fetch_add(frame.len() as u64, Ordering::Relaxed);
                }
                // Hold the connection until the client closes it.
                let mut sink = [0u8; 4096];
                while stream.read(&mut sink).await? > 0 {}
                return Ok(());
            }
        }
    }
}

/// Writes `data`, as one chunk when `chunked`.
async fn send(
    stream: &mut UnixStream,
    data: &[u8],
    chunked: bool,
    written: &AtomicU64,
) -> std::io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    if chunked {
        stream
            .write_all(format!("{:x}\r\n", data.len()).as_bytes())
            .await?;
    }
    stream.write_all(data).await?;
    if chunked {
        stream.write_all(b"\r\n").await?;
    }
    written.fetch_add(data.len() as u64, Ordering::Relaxed);
    Ok(())
}

/// Reads one request's head and skips its body (by `Content-Length`, or
/// chunked); `None` when the client closed the connection.
async fn read_request(
    stream: &mut UnixStream,
    buffer: &mut Vec<u8>,
) -> std::io::Result<Option<Request>> {
    let end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        if !fill(stream, buffer).await? {
            return Ok(None);
        }
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    buffer.drain(..end + 4);
    let (request_line, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
    let request = Request {
        target: request_line
            .split(' ')
            .nth(1)
            .unwrap_or_default()
            .to_owned(),
        headers: headers.replace("\r\n", "\n"),
    };
    if let Some(length) = request
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        while buffer.len() < length {
            if !fill(stream, buffer).await? {
                return Ok(None);
            }
        }
        buffer.drain(..length);
    } else if request
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        // Skip chunks up to the last, empty one.
        loop {
            let line_end = loop {
                if let Some(end) = buffer.windows(2).position(|w| w == b"\r\n") {
                    break end;
                }
                if !fill(stream, buffer).await? {
                    return Ok(None);
                }
            };
            let size_text = String::from_utf8_lossy(&buffer[..line_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
                .unwrap_or(0);
            let needed = line_end + 2 + size + 2;
            while buffer.len() < needed {
                if !fill(stream, buffer).await? {
                    return Ok(None);
                }
            }
            buffer.drain(..needed);
            if size == 0 {
                break;
            }
        }
    }
    Ok(Some(request))
}

async fn fill(stream: &mut UnixStream, buffer: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await?;
    buffer.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

/// A websocket frame from the server (unmasked): `fin`, `opcode` (1 text, 2
/// binary, 0 continuation, 8 close), `payload`.
pub(crate) fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![if fin { 0x80 } else { 0 } | opcode];
    match payload.len() {
        n if n < 126 => frame.push(n as u8),
        n if n <= usize::from(u16::MAX) => {
            frame.push(126);
            frame.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            frame.push(127);
            frame.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(payload);
    frame
}
