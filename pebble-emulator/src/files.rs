//! The file system: pull, push, list, make directories, remove.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

use crate::http::{Body, Req, bad_request, envelope, error, full, record, sync};
use crate::state::{Node, Shared, State, dir_node, ts};

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "",
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `filepath.Match` for `*`, `?` and literals (no classes or escapes), in
/// time linear in the pattern times the name however many stars there are.
fn glob(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    // The pattern index after the last star, and the name index it matched up to.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p + 1, n));
                p += 1;
            }
            Some('?') => {
                p += 1;
                n += 1;
            }
            Some(c) if *c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                // Let the last star take one more character, and retry.
                Some((after, matched)) => {
                    star = Some((after, matched + 1));
                    p = after;
                    n = matched + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

fn file_info(path: &str, node: &Node) -> Value {
    let uid = |user: &str| if user == "root" { 0 } else { 1000 };
    match node {
        Node::File {
            data,
            permissions,
            user,
            group,
            modified,
        } => json!({
            "path": path, "name": base_name(path), "type": "file", "size": data.len(),
            "permissions": format!("{permissions:03o}"),
            "last-modified": ts(*modified),
            "user-id": uid(user), "user": user, "group-id": uid(group), "group": group,
        }),
        Node::Dir {
            permissions,
            user,
            group,
            modified,
        } => json!({
            "path": path, "name": if path == "/" { "/" } else { base_name(path) }, "type": "directory",
            "permissions": format!("{permissions:03o}"),
            "last-modified": ts(*modified),
            "user-id": uid(user), "user": user, "group-id": uid(group), "group": group,
        }),
    }
}

fn path_error(path: &str, kind: &str, message: String) -> Value {
    json!({"path": path, "error": {"kind": kind, "message": message}})
}

pub(crate) fn get_files(shared: &Shared, req: &Req) -> Response<Body> {
    match req.param("action") {
        Some("read") => read_files(shared, req),
        Some("list") => list_files(shared, req),
        other => bad_request(format!("invalid action {:?}", other.unwrap_or(""))),
    }
}

fn list_files(shared: &Shared, req: &Req) -> Response<Body> {
    let path = req.param("path").unwrap_or("");
    if !path.starts_with('/') {
        return bad_request(format!("path must be absolute, got {path:?}"));
    }
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let pattern = req.param("pattern");
    let itself = req.param("itself") == Some("true");
    let state = shared.lock();
    let Some(node) = state.files.get(path) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("stat {path}: no such file or directory"),
            Some("not-found"),
        );
    };
    let entries: Vec<Value> = match node {
        Node::Dir { .. } if !itself => state
            .files
            .iter()
            .filter(|(p, _)| p.as_str() != "/" && parent(p) == path)
            .filter(|(p, _)| pattern.is_none_or(|pat| glob(pat, base_name(p))))
            .map(|(p, n)| file_info(p, n))
            .collect(),
        _ => vec![file_info(path, node)],
    };
    sync(json!(entries))
}

fn read_files(shared: &Shared, req: &Req) -> Response<Body> {
    let accepts = req
        .headers
        .get(hyper::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("multipart/form-data"));
    if !accepts {
        return bad_request(r#"must accept multipart/form-data"#);
    }
    let paths = req
        .query
        .iter()
        .filter(|(k, _)| k == "path")
        .map(|(_, v)| v.clone())
        .collect::<Vec<_>>();
    let boundary = "pebble-test-boundary-0123456789abcdef";
    let mut body = Vec::new();
    let mut results = Vec::new();
    let state = shared.lock();
    for path in &paths {
        match state.files.get(path.as_str()) {
            Some(Node::File { data, .. }) => {
                body.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(data);
                body.extend_from_slice(b"\r\n");
                results.push(json!({"path": path}));
            }
            Some(Node::Dir { .. }) => results.push(path_error(
                path,
                "generic-file-error",
                format!("can only read a regular file: {path:?}"),
            )),
            None if !path.starts_with('/') => results.push(path_error(
                path,
                "generic-file-error",
                format!("paths must be absolute, got {path:?}"),
            )),
            None => results.push(path_error(
                path,
                "not-found",
                format!("open {path}: no such file or directory"),
            )),
        }
    }
    drop(state);
    let envelope = envelope(StatusCode::OK, "sync", json!(results));
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"response\"\r\n\
             Content-Type: application/json\r\n\r\n{envelope}\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    let mut response = Response::new(full(body));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
            .expect("the boundary is a valid header value"),
    );
    response
}

/// Who owns a new file or directory, or runs a command.
pub(crate) struct Owner {
    pub(crate) user: String,
    pub(crate) group: String,
}

/// The owner a request asks for: a user alone means its primary group; a group
/// alone is an error (pebble-api.md section 7).
pub(crate) fn owner(spec: &Value) -> Result<Owner, String> {
    let name = |name_key: &str, id_key: &str| -> Option<String> {
        spec[name_key].as_str().map(str::to_owned).or_else(|| {
            spec[id_key].as_u64().map(|id| {
                if id == 0 {
                    "root".to_owned()
                } else {
                    format!("user{id}")
                }
            })
        })
    };
    let user = name("user", "user-id");
    let group = name("group", "group-id");
    match (user, group) {
        (None, Some(_)) => Err("must specify user, not just group".to_owned()),
        (Some(user), group) => Ok(Owner {
            group: group.unwrap_or_else(|| user.clone()),
            user,
        }),
        (None, None) => Ok(Owner {
            user: "root".to_owned(),
            group: "root".to_owned(),
        }),
    }
}

fn permissions(spec: &Value, default: u32) -> Result<u32, String> {
    match spec["permissions"].as_str() {
        None => Ok(default),
        Some(text) if text.len() == 3 => {
            u32::from_str_radix(text, 8).map_err(|_| format!("invalid permissions {text:?}"))
        }
        Some(text) => Err(format!(
            "permissions must be a 3-digit octal string, got {text:?}"
        )),
    }
}

/// Creates `path`'s missing ancestors as directories with 755.
fn make_parents(state: &mut State, path: &str, owner: &Owner) -> Result<(), String> {
    let mut ancestors = Vec::new();
    let mut current = parent(path);
    while !current.is_empty() && !state.files.contains_key(current) {
        ancestors.push(current.to_owned());
        if current == "/" {
            // The root was removed: make it again, and stop there.
            break;
        }
        current = parent(current);
    }
    if let Some(Node::File { .. }) = state.files.get(current) {
        return Err(format!("mkdir {current}: not a directory"));
    }
    for dir in ancestors.into_iter().rev() {
        state
            .files
            .insert(dir, dir_node(0o755, &owner.user, &owner.group));
    }
    Ok(())
}

pub(crate) async fn push(shared: Arc<Shared>, req: Req, body: Incoming) -> Response<Body> {
    // Read the whole body before answering: a multipart parser stops at the
    // closing boundary, and answering while the client is still sending the
    // rest (the epilogue, the last chunk) makes hyper close the connection
    // under it, which a client sees as a broken pipe.
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            record(&shared, &req, None);
            return bad_request(format!("cannot read the request body: {e}"));
        }
    };
    let content_type = req.content_type.clone().unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(&content_type) else {
        record(&shared, &req, None);
        return bad_request("invalid multipart boundary");
    };
    if boundary.len() < 32 {
        record(&shared, &req, None);
        return bad_request(format!("boundary too short: {} characters", boundary.len()));
    }
    let mut multipart = multer::Multipart::new(
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) }),
        boundary,
    );
    let metadata: Value = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("request") => match field.bytes().await {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(value) => value,
                Err(e) => return bad_request(format!("cannot decode request metadata: {e}")),
            },
            Err(e) => return bad_request(format!("cannot read request metadata: {e}")),
        },
        _ => return bad_request(r#"first multipart part must be "request""#),
    };
    record(&shared, &req, Some(metadata.clone()));
    if metadata["action"] != "write" {
        return bad_request(format!("invalid action {:?}", metadata["action"]));
    }
    let specs: Vec<Value> = metadata["files"].as_array().cloned().unwrap_or_default();
    let mut contents: HashMap<String, Vec<u8>> = HashMap::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) => {
                if field.name() != Some("files") {
                    return bad_request(format!("unexpected multipart part {:?}", field.name()));
                }
                let name = field.file_name().unwrap_or_default().to_owned();
                let mut data = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => data.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(e) => return bad_request(format!("cannot read file content: {e}")),
                    }
                }
                contents.insert(name, data);
            }
            Ok(None) => break,
            Err(e) => return bad_request(format!("invalid multipart body: {e}")),
        }
    }
    let results: Vec<Value> = shared.update(|state| {
        specs
            .iter()
            .map(|spec| {
                let path = spec["path"].as_str().unwrap_or("");
                let Some(data) = contents.remove(path) else {
                    return path_error(
                        path,
                        "generic-file-error",
                        format!("no file content for path {path:?}"),
                    );
                };
                if !path.starts_with('/') {
                    return path_error(
                        path,
                        "generic-file-error",
                        format!("paths must be absolute, got {path:?}"),
                    );
                }
                let owner = match owner(spec) {
                    Ok(owner) => owner,
                    Err(message) => return path_error(path, "generic-file-error", message),
                };
                let permissions = match permissions(spec, 0o644) {
                    Ok(p) => p,
                    Err(message) => return path_error(path, "generic-file-error", message),
                };
                if spec["make-dirs"].as_bool().unwrap_or(false)
                    && let Err(message) = make_parents(state, path, &owner)
                {
                    return path_error(path, "generic-file-error", message);
                }
                match state.files.get(parent(path)) {
                    Some(Node::Dir { .. }) => {}
                    Some(Node::File { .. }) => {
                        return path_error(
                            path,
                            "generic-file-error",
                            format!("open {path}: not a directory"),
                        );
                    }
                    None => {
                        return path_error(
                            path,
                            "not-found",
                            format!("open {path}: no such file or directory"),
                        );
                    }
                }
                if let Some(Node::Dir { .. }) = state.files.get(path) {
                    return path_error(
                        path,
                        "generic-file-error",
                        format!("open {path}: is a directory"),
                    );
                }
                state.files.insert(
                    path.to_owned(),
                    Node::File {
                        data,
                        permissions,
                        user: owner.user,
                        group: owner.group,
                        modified: SystemTime::now(),
                    },
                );
                json!({"path": path})
            })
            .collect()
    });
    sync(json!(results))
}

pub(crate) fn post_files(shared: &Shared, body: &Value) -> Response<Body> {
    match body["action"].as_str() {
        Some("make-dirs") => {
            let dirs = body["dirs"].as_array().cloned().unwrap_or_default();
            let results: Vec<Value> = shared.update(|state| {
                dirs.iter()
                    .map(|spec| {
                        let path = spec["path"].as_str().unwrap_or("");
                        if !path.starts_with('/') {
                            return path_error(
                                path,
                                "generic-file-error",
                                format!("paths must be absolute, got {path:?}"),
                            );
                        }
                        let owner = match owner(spec) {
                            Ok(owner) => owner,
                            Err(message) => return path_error(path, "generic-file-error", message),
                        };
                        let permissions = match permissions(spec, 0o755) {
                            Ok(p) => p,
                            Err(message) => return path_error(path, "generic-file-error", message),
                        };
                        let make = spec["make-parents"].as_bool().unwrap_or(false);
                        if state.files.contains_key(path) {
                            if make && matches!(state.files.get(path), Some(Node::Dir { .. })) {
                                return json!({"path": path});
                            }
                            return path_error(
                                path,
                                "generic-file-error",
                                format!("mkdir {path}: file exists"),
                            );
                        }
                        if make {
                            if let Err(message) = make_parents(state, path, &owner) {
                                return path_error(path, "generic-file-error", message);
                            }
                        } else if !state.files.contains_key(parent(path)) {
                            return path_error(
                                path,
                                "not-found",
                                format!("mkdir {path}: no such file or directory"),
                            );
                        }
                        state.files.insert(
                            path.to_owned(),
                            dir_node(permissions, &owner.user, &owner.group),
                        );
                        json!({"path": path})
                    })
                    .collect()
            });
            sync(json!(results))
        }
        Some("remove") => {
            let paths = body["paths"].as_array().cloned().unwrap_or_default();
            let results: Vec<Value> = shared.update(|state| {
                paths
                    .iter()
                    .map(|spec| {
                        let path = spec["path"].as_str().unwrap_or("");
                        let recursive = spec["recursive"].as_bool().unwrap_or(false);
                        if !state.files.contains_key(path) {
                            // A missing path is not-found even with recursive (observed).
                            return path_error(
                                path,
                                "not-found",
                                format!("remove {path}: no such file or directory"),
                            );
                        }
                        let prefix = format!("{}/", path.trim_end_matches('/'));
                        let has_children = state.files.keys().any(|p| p.starts_with(&prefix));
                        if has_children && !recursive {
                            return path_error(
                                path,
                                "generic-file-error",
                                format!("remove {path}: directory not empty"),
                            );
                        }
                        state
                            .files
                            .retain(|p, _| p != path && !p.starts_with(&prefix));
                        json!({"path": path})
                    })
                    .collect()
            });
            sync(json!(results))
        }
        other => bad_request(format!("invalid action {:?}", other.unwrap_or(""))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*.conf", "a.conf"));
        assert!(glob("?.conf", "b.conf"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(glob("é?", "éa"));
        assert!(!glob("*.conf", "c.txt"));
        assert!(!glob("?", ""));
        assert!(!glob("a", "ab"));
        let stars = "*a".repeat(30) + "b";
        assert!(!glob(&stars, &"a".repeat(60)));
    }

    #[test]
    fn parents() {
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/"), "/");
        assert_eq!(parent("a"), "");
    }
}
