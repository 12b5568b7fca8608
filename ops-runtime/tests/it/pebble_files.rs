//! Pebble file calls against the Pebble emulator: push (multipart,
//! buffered and streamed), pull (multipart, buffered and streamed), list,
//! make-dir and remove, with their per-path errors.

use std::io::Cursor;
use std::pin::Pin;
use std::task::{Context, Poll};

use ops_runtime::pebble::{
    Error, ErrorKind, FileType, ListFilesOptions, MakeDirOptions, PushOptions, PushSource, blocking,
};
use tokio::io::{AsyncRead, ReadBuf};

use crate::pebble_support::{emulator, path_kind};

#[tokio::test]
async fn push_then_pull() {
    let server = emulator();
    let client = server.client();
    client
        .push("/tmp/hello.txt", "hello, world\n", &PushOptions::new())
        .await
        .unwrap();
    assert_eq!(
        server.state().file("/tmp/hello.txt"),
        Some(&b"hello, world\n"[..])
    );
    assert_eq!(
        client.pull("/tmp/hello.txt").await.unwrap(),
        b"hello, world\n"
    );

    let recorded = server.state().last_post("/v1/files").cloned().unwrap();
    // The `request` part of the multipart body.
    assert_eq!(
        recorded.body,
        Some(serde_json::json!({"action": "write", "files": [{"path": "/tmp/hello.txt"}]}))
    );
    let content_type = recorded.content_type.unwrap();
    let boundary = content_type.split("boundary=").nth(1).unwrap();
    assert!(boundary.len() >= 32, "{content_type}");
    let pull = server.state().last_get("/v1/files").cloned().unwrap();
    assert_eq!(pull.param("action"), Some("read"));
    assert_eq!(pull.param("path"), Some("/tmp/hello.txt"));
}

#[tokio::test]
async fn push_with_permissions_and_ownership() {
    let server = emulator();
    let client = server.client();
    let options = PushOptions::new()
        .make_dirs(true)
        .permissions(0o600)
        .user("web")
        .group("www");
    client
        .push("/srv/app/conf/secret.conf", b"key=1".as_slice(), &options)
        .await
        .unwrap();
    let sent = server
        .state()
        .last_request("/v1/files")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(
        sent["files"][0],
        serde_json::json!({"path": "/srv/app/conf/secret.conf", "make-dirs": true,
            "permissions": "600", "user": "web", "group": "www"})
    );
    let listed = client
        .list_files("/srv/app/conf/secret.conf", &ListFilesOptions::new())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let info = &listed[0];
    assert_eq!(info.name, "secret.conf");
    assert_eq!(info.file_type, FileType::File);
    assert_eq!(info.permissions, 0o600);
    assert_eq!(info.size, Some(5));
    assert_eq!(info.user.as_deref(), Some("web"));
    assert_eq!(info.group.as_deref(), Some("www"));
    // make-dirs created the parents.
    let dirs = client
        .list_files("/srv", &ListFilesOptions::new())
        .await
        .unwrap();
    assert_eq!(dirs[0].path, "/srv/app");
    assert!(dirs[0].is_dir());
    assert_eq!(dirs[0].permissions, 0o755);

    client
        .push(
            "/tmp/by-id",
            "x",
            &PushOptions::new().user_id(0).group_id(0),
        )
        .await
        .unwrap();
    let sent = server
        .state()
        .last_request("/v1/files")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(sent["files"][0]["user-id"], 0);
    assert_eq!(sent["files"][0]["group-id"], 0);
}

#[tokio::test]
async fn push_errors_are_path_errors() {
    let server = emulator();
    let client = server.client();
    let error = client
        .push("/missing/dir/file", "x", &PushOptions::new())
        .await
        .unwrap_err();
    assert_eq!(path_kind(&error), Some(&ErrorKind::NotFound), "{error:?}");
    assert!(error.is_not_found());
    let Error::Path(path) = &error else {
        unreachable!()
    };
    assert_eq!(path.path, "/missing/dir/file");

    // A group without a user.
    let error = client
        .push("/tmp/f", "x", &PushOptions::new().group("www"))
        .await
        .unwrap_err();
    assert_eq!(
        path_kind(&error),
        Some(&ErrorKind::GenericFileError),
        "{error:?}"
    );
    assert!(error.to_string().contains("must specify user"), "{error}");

    let error = client
        .push("relative/path", "x", &PushOptions::new())
        .await
        .unwrap_err();
    assert_eq!(
        path_kind(&error),
        Some(&ErrorKind::GenericFileError),
        "{error:?}"
    );
}

#[tokio::test]
async fn large_pushes_stream_and_pulls_stream() {
    let server = emulator();
    let client = server.client();
    let data: Vec<u8> = (0..3 * 1024 * 1024 + 17).map(|i| (i % 251) as u8).collect();
    client
        .push("/tmp/big.bin", data.clone(), &PushOptions::new())
        .await
        .unwrap();
    assert_eq!(
        server.state().file("/tmp/big.bin").map(<[u8]>::len),
        Some(data.len())
    );

    let reader = Cursor::new(data.clone());
    client
        .push(
            "/tmp/big-from-reader.bin",
            PushSource::reader(reader),
            &PushOptions::new(),
        )
        .await
        .unwrap();
    assert!(server.state().file("/tmp/big-from-reader.bin") == Some(&data[..]));

    let mut pulled = Vec::new();
    let written = client
        .pull_to("/tmp/big-from-reader.bin", &mut pulled)
        .await
        .unwrap();
    assert_eq!(written, data.len() as u64);
    assert!(pulled == data);
}

/// A reader that yields some data, then fails.
struct FailingReader(bool);

impl AsyncRead for FailingReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.0 {
            return Poll::Ready(Err(std::io::Error::other("disk on fire")));
        }
        self.0 = true;
        buf.put_slice(b"partial");
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_failing_push_source_is_a_local_io_error() {
    let server = emulator();
    let error = server
        .client()
        .push(
            "/tmp/f",
            PushSource::reader(FailingReader(false)),
            &PushOptions::new(),
        )
        .await
        .unwrap_err();
    let Error::Io { source, context } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(source.to_string(), "disk on fire");
    assert!(context.contains("/tmp/f"), "{context}");
    assert_eq!(server.state().file("/tmp/f"), None);
}

#[tokio::test]
async fn pull_errors_are_path_errors() {
    let server = emulator();
    let client = server.client();
    let error = client.pull("/tmp/nothing").await.unwrap_err();
    assert_eq!(path_kind(&error), Some(&ErrorKind::NotFound), "{error:?}");
    let error = client.pull("/tmp").await.unwrap_err();
    assert_eq!(
        path_kind(&error),
        Some(&ErrorKind::GenericFileError),
        "{error:?}"
    );
}

#[tokio::test]
async fn list_with_pattern_and_itself() {
    let server = emulator();
    server.update(|s| {
        s.add_file("/tmp/a.conf", b"a");
        s.add_file("/tmp/b.conf", b"bb");
        s.add_file("/tmp/c.txt", b"ccc");
    });
    let client = server.client();
    let all = client
        .list_files("/tmp", &ListFilesOptions::new())
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let conf = client
        .list_files("/tmp", &ListFilesOptions::new().pattern("*.conf"))
        .await
        .unwrap();
    let names: Vec<&str> = conf.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.conf", "b.conf"]);
    let itself = client
        .list_files("/tmp", &ListFilesOptions::new().itself(true))
        .await
        .unwrap();
    assert_eq!(itself.len(), 1);
    assert_eq!(itself[0].file_type, FileType::Directory);
    let request = server.state().last_get("/v1/files").cloned().unwrap();
    assert_eq!(request.param("itself"), Some("true"));

    let error = client
        .list_files("/nope", &ListFilesOptions::new())
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(error.kind(), Some(&ErrorKind::NotFound));
}

#[tokio::test]
async fn make_dir() {
    let server = emulator();
    let client = server.client();
    client
        .make_dir("/tmp/new", &MakeDirOptions::new().permissions(0o700))
        .await
        .unwrap();
    let sent = server
        .state()
        .last_request("/v1/files")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"action": "make-dirs", "dirs": [{"path": "/tmp/new", "permissions": "700"}]})
    );
    let error = client
        .make_dir("/tmp/new", &MakeDirOptions::new())
        .await
        .unwrap_err();
    assert_eq!(
        path_kind(&error),
        Some(&ErrorKind::GenericFileError),
        "{error:?}"
    );
    assert!(error.to_string().contains("file exists"), "{error}");
    // An existing directory with make-parents is fine.
    client
        .make_dir("/tmp/new", &MakeDirOptions::new().make_parents(true))
        .await
        .unwrap();
    let error = client
        .make_dir("/a/b/c", &MakeDirOptions::new())
        .await
        .unwrap_err();
    assert_eq!(path_kind(&error), Some(&ErrorKind::NotFound), "{error:?}");
    client
        .make_dir(
            "/a/b/c",
            &MakeDirOptions::new().make_parents(true).user("web"),
        )
        .await
        .unwrap();
    let listed = client
        .list_files("/a/b", &ListFilesOptions::new())
        .await
        .unwrap();
    assert_eq!(listed[0].path, "/a/b/c");
    assert_eq!(listed[0].user.as_deref(), Some("web"));
}

#[tokio::test]
async fn remove_path() {
    let server = emulator();
    server.update(|s| {
        s.add_file("/tmp/one", b"1");
    });
    let client = server.client();
    client
        .make_dir("/tmp/tree/deep", &MakeDirOptions::new().make_parents(true))
        .await
        .unwrap();
    client
        .push("/tmp/tree/deep/leaf", "x", &PushOptions::new())
        .await
        .unwrap();

    client.remove_path("/tmp/one", false).await.unwrap();
    assert_eq!(server.state().file("/tmp/one"), None);
    let error = client.remove_path("/tmp/tree", false).await.unwrap_err();
    assert_eq!(
        path_kind(&error),
        Some(&ErrorKind::GenericFileError),
        "{error:?}"
    );
    client.remove_path("/tmp/tree", true).await.unwrap();
    let sent = server
        .state()
        .last_request("/v1/files")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"action": "remove", "paths": [{"path": "/tmp/tree", "recursive": true}]})
    );
    assert!(
        server
            .state()
            .files
            .keys()
            .all(|p| !p.starts_with("/tmp/tree"))
    );
    // A missing path is not-found, even with recursive (observed).
    let error = client.remove_path("/tmp/tree", true).await.unwrap_err();
    assert_eq!(path_kind(&error), Some(&ErrorKind::NotFound), "{error:?}");
}

#[test]
fn blocking_files() {
    let server = emulator();
    let client = blocking::Client::from_async(server.client()).unwrap();
    client
        .push("/tmp/a", "from bytes", &PushOptions::new())
        .unwrap();
    client
        .push(
            "/tmp/b",
            blocking::reader(std::io::Cursor::new(b"from a std reader".to_vec())),
            &PushOptions::new(),
        )
        .unwrap();
    assert_eq!(client.pull("/tmp/a").unwrap(), b"from bytes");
    let mut out = Vec::new();
    assert_eq!(client.pull_to("/tmp/b", &mut out).unwrap(), 17);
    assert_eq!(out, b"from a std reader");
    assert_eq!(
        client
            .list_files("/tmp", &ListFilesOptions::new())
            .unwrap()
            .len(),
        2
    );
    client.make_dir("/tmp/d", &MakeDirOptions::new()).unwrap();
    client.remove_path("/tmp/d", false).unwrap();
    assert!(client.pull("/tmp/d").unwrap_err().is_not_found());
}
