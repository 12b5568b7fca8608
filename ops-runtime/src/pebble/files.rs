//! Files: push (multipart upload), pull (multipart download), list, make-dir
//! and remove, all on `/v1/files`.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::client::{Client, Progress, Query, bounded, content_type, idle_bounded, parse_envelope};
use super::error::{Error, ErrorKind, PathError};
use super::limits::{Capture, Limit, Meter, Metered, MeteredError, write_error};
use super::options::{ListFilesOptions, MakeDirOptions, Ownership, PushOptions};
use super::types::{FileInfo, octal};

const FILES: &str = "/v1/files";
const PUSH: &str = "POST /v1/files (write)";
const PULL: &str = "GET /v1/files (read)";
/// Pushes up to this size go as one buffer with a `Content-Length`; larger
/// ones are streamed in chunks of this size.
const CHUNK: usize = 64 * 1024;

/// What [`Client::push`] writes: bytes in memory, or a reader streamed in
/// chunks so that a large file never sits in memory whole.
///
/// ```
/// use ops_runtime::pebble::PushSource;
///
/// let from_text = PushSource::from("listen 8080\n");
/// let from_bytes = PushSource::from(vec![0u8; 16]);
/// let from_file = PushSource::reader(tokio::io::empty());
/// # let _ = (from_text, from_bytes, from_file);
/// ```
pub struct PushSource(Source);

enum Source {
    Bytes(Bytes),
    Reader(Pin<Box<dyn AsyncRead + Send>>),
}

impl PushSource {
    /// Streams what `reader` yields until its end.
    pub fn reader(reader: impl AsyncRead + Send + 'static) -> Self {
        Self(Source::Reader(Box::pin(reader)))
    }
}

impl fmt::Debug for PushSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Bytes(bytes) => write!(f, "PushSource::Bytes({} bytes)", bytes.len()),
            Source::Reader(_) => f.write_str("PushSource::Reader"),
        }
    }
}

impl From<Vec<u8>> for PushSource {
    fn from(bytes: Vec<u8>) -> Self {
        Self(Source::Bytes(bytes.into()))
    }
}

impl From<&[u8]> for PushSource {
    fn from(bytes: &[u8]) -> Self {
        Self(Source::Bytes(Bytes::copy_from_slice(bytes)))
    }
}

impl From<String> for PushSource {
    fn from(text: String) -> Self {
        Self(Source::Bytes(text.into()))
    }
}

impl From<&str> for PushSource {
    fn from(text: &str) -> Self {
        Self::from(text.as_bytes())
    }
}

impl From<Bytes> for PushSource {
    fn from(bytes: Bytes) -> Self {
        Self(Source::Bytes(bytes))
    }
}

/// One path's outcome in a files answer.
#[derive(Deserialize)]
struct FileResult {
    path: String,
    #[serde(default)]
    error: Option<FileResultError>,
}

#[derive(Deserialize)]
struct FileResultError {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    message: String,
}

/// The first per-path error of a files answer, as [`Error::Path`].
fn check_results(operation: &str, result: Value) -> Result<(), Error> {
    let results: Option<Vec<FileResult>> = serde_json::from_value(result)
        .map_err(|e| Error::protocol(operation, format!("unexpected result: {e}")))?;
    for entry in results.unwrap_or_default() {
        if let Some(error) = entry.error {
            return Err(Error::Path(Box::new(PathError {
                path: entry.path,
                kind: ErrorKind::from(error.kind.as_deref().unwrap_or("generic-file-error")),
                message: error.message,
            })));
        }
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct OwnershipJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
}

impl<'a> From<&'a Ownership> for OwnershipJson<'a> {
    fn from(ownership: &'a Ownership) -> Self {
        Self {
            user_id: ownership.user_id,
            user: ownership.user.as_deref(),
            group_id: ownership.group_id,
            group: ownership.group.as_deref(),
        }
    }
}

/// A boundary of 32 random hex digits: Pebble rejects shorter ones.
fn boundary() -> String {
    let random = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    format!("{:016x}{:016x}", random(), random())
}

/// A path as a quoted-string parameter of a `Content-Disposition` header.
fn quote(path: &str) -> String {
    let mut quoted = String::with_capacity(path.len() + 2);
    quoted.push('"');
    for c in path.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

impl Client {
    /// Writes a file, atomically (Pebble writes a temporary file and renames
    /// it): multipart `POST /v1/files`.
    ///
    /// `source` is bytes (`&str`, `String`, `Vec<u8>`, `Bytes`) or a reader
    /// ([`PushSource::reader`]); a reader is streamed, bounded by
    /// [`ClientBuilder::timeout`](super::ClientBuilder::timeout) of no progress
    /// rather than by its total time.
    pub async fn push(
        &self,
        path: &str,
        source: impl Into<PushSource>,
        options: &PushOptions,
    ) -> Result<(), Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct WriteFile<'a> {
            path: &'a str,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            make_dirs: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            permissions: Option<String>,
            #[serde(flatten)]
            ownership: OwnershipJson<'a>,
        }
        let metadata = serde_json::json!({
            "action": "write",
            "files": [WriteFile {
                path,
                make_dirs: options.make_dirs,
                permissions: options.permissions.map(octal::to_string),
                ownership: (&options.ownership).into(),
            }],
        });
        let boundary = boundary();
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"request\"\r\n\
             Content-Type: application/json\r\n\r\n{metadata}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename={}\r\n\
             Content-Type: application/octet-stream\r\n\r\n",
            quote(path)
        );
        let tail = format!("\r\n--{boundary}--\r\n");

        let progress = Arc::new(Progress::default());
        let read_error = Arc::new(Mutex::new(None::<std::io::Error>));
        let body = match source.into().0 {
            Source::Bytes(data) if data.len() <= CHUNK => {
                let mut body = Vec::with_capacity(head.len() + data.len() + tail.len());
                body.extend_from_slice(head.as_bytes());
                body.extend_from_slice(&data);
                body.extend_from_slice(tail.as_bytes());
                reqwest::Body::from(body)
            }
            Source::Bytes(data) => {
                let chunks = (0..data.len())
                    .step_by(CHUNK)
                    .map(move |start| data.slice(start..(start + CHUNK).min(data.len())));
                let progress = Arc::clone(&progress);
                let stream = futures_util::stream::iter(
                    std::iter::once(Bytes::from(head))
                        .chain(chunks)
                        .chain(std::iter::once(Bytes::from(tail)))
                        .map(move |chunk| {
                            progress.tick();
                            Ok::<_, std::io::Error>(chunk)
                        }),
                );
                reqwest::Body::wrap_stream(stream)
            }
            Source::Reader(reader) => reqwest::Body::wrap_stream(reader_stream(
                reader,
                Bytes::from(head),
                Bytes::from(tail),
                Arc::clone(&progress),
                Arc::clone(&read_error),
            )),
        };
        let request = self
            .inner
            .http
            .post(self.url(FILES, &Query::new())?)
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        let exchange = async {
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) => {
                    let local = read_error.lock().ok().and_then(|mut slot| slot.take());
                    return Err(match local {
                        Some(source) => Error::Io {
                            context: format!("cannot read the data to push to {path}"),
                            source,
                        },
                        None => self.connection_error(Box::new(error)),
                    });
                }
            };
            let status = response.status();
            let content_type = content_type(response.headers().get(CONTENT_TYPE));
            let body = self.read_body(response, PUSH).await?;
            Ok((status, content_type, body))
        };
        // The path only: never the content.
        let span = crate::telemetry::pebble_span("POST", FILES, self.socket_path());
        let exchange = tracing::Instrument::instrument(exchange, span);
        let (status, content_type, body) =
            idle_bounded(PUSH, self.inner.timeout, &progress, exchange).await?;
        let envelope = parse_envelope(PUSH, status, content_type.as_deref(), &body)?;
        check_results(PUSH, envelope.result)
    }

    /// Reads a whole file into memory: `GET /v1/files?action=read`.
    ///
    /// Fails with [`Error::TooLarge`] past the client's
    /// [`capture_limit`](super::ClientBuilder::capture_limit) (64 MiB by
    /// default): stream a file that may be larger with [`pull_to`](Self::pull_to).
    pub async fn pull(&self, path: &str) -> Result<Vec<u8>, Error> {
        let mut data = Vec::new();
        self.pull_to(path, &mut Capture::new(&mut data, self.inner.capture_limit))
            .await?;
        Ok(data)
    }

    /// Streams a file into `writer`, and returns how many bytes it wrote. Each
    /// chunk is bounded by [`ClientBuilder::timeout`](super::ClientBuilder::timeout),
    /// not the whole transfer.
    ///
    /// The file goes to `writer` as it arrives, never whole in memory, and has
    /// no size limit; what surrounds it (the multipart framing and the JSON
    /// part) is bounded by the [`body_limit`](super::ClientBuilder::body_limit),
    /// past which the pull fails with [`Error::TooLarge`].
    pub async fn pull_to<W>(&self, path: &str, writer: &mut W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        // Pebble's path only: never the file's path (a query parameter) or content.
        let span = crate::telemetry::pebble_span("GET", FILES, self.socket_path());
        tracing::Instrument::instrument(self.pull_to_unspanned(path, writer), span).await
    }

    async fn pull_to_unspanned<W>(&self, path: &str, writer: &mut W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let query = vec![("action", "read".to_owned()), ("path", path.to_owned())];
        let request = self
            .inner
            .http
            .get(self.url(FILES, &query)?)
            .header(ACCEPT, HeaderValue::from_static("multipart/form-data"));
        let timeout = self.inner.timeout;
        let body_limit = self.inner.body_limit;
        let response = bounded(PULL, timeout, async {
            request
                .send()
                .await
                .map_err(|e| self.connection_error(Box::new(e)))
        })
        .await?;
        let status = response.status();
        let content_type = content_type(response.headers().get(CONTENT_TYPE));
        let is_multipart = content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("multipart/form-data"));
        if !is_multipart {
            let body = bounded(PULL, timeout, self.read_body(response, PULL)).await?;
            parse_envelope(PULL, status, content_type.as_deref(), &body)?;
            return Err(Error::protocol(
                PULL,
                format!(
                    "expected content type multipart/form-data, got {}",
                    content_type.as_deref().unwrap_or("none")
                ),
            ));
        }
        let boundary = multer::parse_boundary(content_type.as_deref().unwrap_or_default())
            .map_err(|e| Error::protocol(PULL, format!("invalid multipart content type: {e}")))?;
        // multer buffers what it reads until it finds a boundary or the end of
        // a part's headers: the meter fails the pull once it holds more than
        // the body limit that was not passed on.
        let meter = Arc::new(Meter::default());
        let stream = Metered::new(response.bytes_stream(), Arc::clone(&meter), body_limit);
        let mut multipart = multer::Multipart::new(stream, boundary);
        let multipart_error = |error: multer::Error| match error {
            multer::Error::StreamReadFailed(source) => match source.downcast::<MeteredError>() {
                Ok(metered) => match *metered {
                    MeteredError::Held => Error::too_large(
                        PULL,
                        "the multipart framing around the file",
                        body_limit as u64,
                        Limit::Body,
                    ),
                    MeteredError::Read(error) => self.connection_error(Box::new(error)),
                },
                Err(source) => self.connection_error(source),
            },
            other => Error::protocol(PULL, format!("invalid multipart body: {other}")),
        };
        let write_failed = |source| {
            write_error(
                PULL,
                "the file",
                || format!("cannot write the data pulled from {path}"),
                source,
            )
        };

        let mut written = None;
        let mut outcome = None;
        while let Some(mut field) = bounded(PULL, timeout, async {
            multipart.next_field().await.map_err(multipart_error)
        })
        .await?
        {
            let is_file = match field.name() {
                Some("files") => {
                    if field.file_name() != Some(path) {
                        return Err(Error::protocol(
                            PULL,
                            format!("expected the file {path}, got {:?}", field.file_name()),
                        ));
                    }
                    true
                }
                _ => false,
            };
            let is_response = field.name() == Some("response");
            let mut count = 0u64;
            let mut json = Vec::new();
            while let Some(chunk) = bounded(PULL, timeout, async {
                field.chunk().await.map_err(multipart_error)
            })
            .await?
            {
                meter.passed_on(chunk.len());
                count += chunk.len() as u64;
                if is_file {
                    writer.write_all(&chunk).await.map_err(write_failed)?;
                    continue;
                }
                // The JSON part, or a part Pebble does not send (skipped):
                // bounded like any JSON answer.
                if count > body_limit as u64 {
                    let what = match is_response {
                        true => "the `response` part",
                        false => "an unknown part",
                    };
                    return Err(Error::too_large(PULL, what, body_limit as u64, Limit::Body));
                }
                if is_response {
                    json.extend_from_slice(&chunk);
                }
            }
            if is_file {
                written = Some(count);
            } else if is_response {
                let envelope =
                    parse_envelope(PULL, StatusCode::OK, Some("application/json"), &json)?;
                outcome = Some(check_results(PULL, envelope.result));
            }
        }
        match (outcome, written) {
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(())), Some(count)) => {
                writer.flush().await.map_err(write_failed)?;
                Ok(count)
            }
            (Some(Ok(())), None) => Err(Error::protocol(PULL, "no file in the answer")),
            (None, _) => Err(Error::protocol(PULL, "no `response` part in the answer")),
        }
    }

    /// Lists a directory, or describes one entry: `GET /v1/files?action=list`.
    pub async fn list_files(
        &self,
        path: &str,
        options: &ListFilesOptions,
    ) -> Result<Vec<FileInfo>, Error> {
        let mut query = vec![("action", "list".to_owned()), ("path", path.to_owned())];
        if let Some(pattern) = &options.pattern {
            query.push(("pattern", pattern.clone()));
        }
        if options.itself {
            query.push(("itself", "true".to_owned()));
        }
        let files: Option<Vec<FileInfo>> = self.get(FILES, &query).await?;
        Ok(files.unwrap_or_default())
    }

    /// Creates a directory: `POST /v1/files` `{action: make-dirs}`.
    pub async fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<(), Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct MakeDir<'a> {
            path: &'a str,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            make_parents: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            permissions: Option<String>,
            #[serde(flatten)]
            ownership: OwnershipJson<'a>,
        }
        let body = serde_json::json!({
            "action": "make-dirs",
            "dirs": [MakeDir {
                path,
                make_parents: options.make_parents,
                permissions: options.permissions.map(octal::to_string),
                ownership: (&options.ownership).into(),
            }],
        });
        self.files_action("POST /v1/files (make-dirs)", &body).await
    }

    /// Removes a file or an empty directory, or with `recursive` a directory
    /// and everything in it: `POST /v1/files` `{action: remove}`.
    pub async fn remove_path(&self, path: &str, recursive: bool) -> Result<(), Error> {
        let mut entry = serde_json::json!({"path": path});
        if recursive {
            entry["recursive"] = Value::Bool(true);
        }
        let body = serde_json::json!({"action": "remove", "paths": [entry]});
        self.files_action("POST /v1/files (remove)", &body).await
    }

    async fn files_action(&self, operation: &str, body: &Value) -> Result<(), Error> {
        let envelope = self
            .request(
                Method::POST,
                FILES,
                &Query::new(),
                Some(body),
                self.inner.timeout,
            )
            .await
            .map_err(|error| match error {
                Error::Api(mut api) => {
                    api.operation = operation.to_owned();
                    Error::Api(api)
                }
                other => other,
            })?;
        check_results(operation, envelope.result)
    }
}

/// The multipart body of a push from a reader: `head`, the reader's data in
/// chunks, `tail`. A read error is kept in `read_error` so the push can report
/// it as this side's failure rather than a connection failure.
fn reader_stream(
    reader: Pin<Box<dyn AsyncRead + Send>>,
    head: Bytes,
    tail: Bytes,
    progress: Arc<Progress>,
    read_error: Arc<Mutex<Option<std::io::Error>>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    enum State {
        Head(Pin<Box<dyn AsyncRead + Send>>),
        Body(Pin<Box<dyn AsyncRead + Send>>),
        Done,
    }
    futures_util::stream::unfold(State::Head(reader), move |state| {
        let (head, tail, progress, read_error) = (
            head.clone(),
            tail.clone(),
            Arc::clone(&progress),
            Arc::clone(&read_error),
        );
        async move {
            progress.tick();
            match state {
                State::Head(reader) => Some((Ok(head), State::Body(reader))),
                State::Body(mut reader) => {
                    let mut chunk = vec![0; CHUNK];
                    match reader.read(&mut chunk).await {
                        Ok(0) => Some((Ok(tail), State::Done)),
                        Ok(n) => {
                            chunk.truncate(n);
                            Some((Ok(Bytes::from(chunk)), State::Body(reader)))
                        }
                        Err(error) => {
                            let kind = error.kind();
                            if let Ok(mut slot) = read_error.lock() {
                                *slot = Some(error);
                            }
                            Some((
                                Err(std::io::Error::new(kind, "reading the push source failed")),
                                State::Done,
                            ))
                        }
                    }
                }
                State::Done => None,
            }
        }
    })
}
