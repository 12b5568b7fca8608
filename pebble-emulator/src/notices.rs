//! Notices and identities.

use std::collections::BTreeMap;
use std::time::SystemTime;

use hyper::Response;
use ops_runtime::pebble::Timestamp;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use crate::http::{Body, Req, bad_request, not_found, parse_go_duration, sync};
use crate::state::{NoticeState, Shared};

// ---- notices -------------------------------------------------------------------

/// The UID every caller counts as: root, an admin. The emulator does not read
/// the peer credentials of its socket.
const CALLER_UID: u32 = 0;

fn valid_notice_key(key: &str) -> bool {
    // `example.com/path`: a lower-case domain with at least one dot, then a path.
    let Some((domain, path)) = key.split_once('/') else {
        return false;
    };
    key.len() <= 256
        && !path.is_empty()
        && domain.contains('.')
        && domain.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

pub(crate) fn post_notice(shared: &Shared, body: &Value) -> Response<Body> {
    if body["action"] != "add" {
        return bad_request(format!("invalid action {:?}", body["action"]));
    }
    if body["type"] != "custom" {
        return bad_request(format!(
            r#"invalid type {:?} (can only add "custom" notices)"#,
            body["type"]
        ));
    }
    let key = body["key"].as_str().unwrap_or("");
    if !valid_notice_key(key) {
        return bad_request(format!(
            r#"invalid key {key:?} (must be in "example.com/path" format)"#
        ));
    }
    if body["data"].to_string().len() > 4096 {
        return bad_request("total size of data must be 4096 bytes or less");
    }
    let data: BTreeMap<String, String> = match body.get("data") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(data) => match serde_json::from_value(data.clone()) {
            Ok(data) => data,
            Err(e) => return bad_request(format!("invalid data: {e}")),
        },
    };
    let repeat_after = match body.get("repeat-after").and_then(Value::as_str) {
        None => None,
        Some(text) => match parse_go_duration(text) {
            Some(d) => Some(d),
            None => return bad_request(format!("invalid repeat-after {text:?}")),
        },
    };
    let id = shared
        .update(|state| state.record_notice(Some(CALLER_UID), "custom", key, data, repeat_after));
    sync(json!({"id": id}))
}

pub(crate) fn get_notice(shared: &Shared, id: &str) -> Response<Body> {
    let state = shared.lock();
    match state.notices.iter().find(|n| n.id == id) {
        Some(notice) => sync(notice.json()),
        None => not_found(format!("cannot find notice with ID {id:?}")),
    }
}

pub(crate) async fn get_notices(shared: &Shared, req: &Req) -> Response<Body> {
    if req.param("users").is_some() && req.param("user-id").is_some() {
        return bad_request(r#"cannot use both "users" and "user-id" parameters"#);
    }
    let user_filter: Option<u32> = match req.param("user-id") {
        Some(text) => match text.parse() {
            Ok(uid) => Some(uid),
            Err(_) => return bad_request(format!("invalid user-id {text:?}")),
        },
        None => None,
    };
    let all_users = req.param("users") == Some("all");
    let types = req.list("types");
    let keys = req.list("keys");
    let after = match req.param("after") {
        Some(text) => match text.parse::<Timestamp>() {
            Ok(t) => Some(SystemTime::from(t)),
            Err(_) => return bad_request(format!("invalid after timestamp {text:?}")),
        },
        None => None,
    };
    let timeout = match req.param("timeout") {
        Some(text) => match parse_go_duration(text) {
            Some(d) => Some(d),
            None => return bad_request(format!("invalid timeout {text:?}")),
        },
        None => None,
    };
    let deadline = Instant::now() + timeout.unwrap_or_default();
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let matching: Vec<Value> = {
            let state = shared.lock();
            let mut notices: Vec<&NoticeState> = state
                .notices
                .iter()
                .filter(|n| match (all_users, user_filter) {
                    (true, _) => true,
                    (false, Some(uid)) => n.user_id == Some(uid) || n.user_id.is_none(),
                    (false, None) => n.user_id == Some(CALLER_UID) || n.user_id.is_none(),
                })
                // Unknown types are ignored; if all are unknown, nothing matches.
                .filter(|n| types.is_empty() || types.contains(&n.notice_type))
                .filter(|n| keys.is_empty() || keys.contains(&n.key))
                .filter(|n| after.is_none_or(|after| n.last_repeated > after))
                .collect();
            notices.sort_by_key(|n| n.last_repeated);
            notices.into_iter().map(NoticeState::json).collect()
        };
        if !matching.is_empty() || timeout.is_none() {
            return sync(json!(matching));
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return sync(json!([]));
        }
    }
}

// ---- identities ------------------------------------------------------------------

pub(crate) fn get_identities(shared: &Shared) -> Response<Body> {
    let state = shared.lock();
    let masked: Map<String, Value> = state
        .identities
        .iter()
        .map(|(name, identity)| {
            let mut identity = identity.clone();
            if identity["basic"].is_object() {
                identity["basic"]["password"] = json!("*****");
            }
            if identity["cert"].is_object() {
                identity["cert"]["pem"] = json!("*****");
            }
            (name.clone(), identity)
        })
        .collect();
    sync(Value::Object(masked))
}

pub(crate) fn post_identities(shared: &Shared, body: &Value) -> Response<Body> {
    let action = body["action"].as_str().unwrap_or("");
    let Some(identities) = body["identities"].as_object() else {
        return bad_request("must specify identities");
    };
    shared.update(|state| {
        for (name, identity) in identities {
            let exists = state.identities.contains_key(name);
            let problem = match (action, identity.is_null()) {
                ("add" | "update", true) => Some(format!(
                    "identity {name:?} value must not be null for {action}"
                )),
                ("add", false) if exists => Some(format!("identity {name:?} already exists")),
                ("update", false) if !exists => Some(format!("identity {name:?} does not exist")),
                ("remove", false) => {
                    Some(format!("identity {name:?} value must be null for remove"))
                }
                ("remove", true) if !exists => Some(format!("identity {name:?} does not exist")),
                ("add" | "update" | "replace" | "remove", _) => None,
                _ => Some(format!("invalid action {action:?}")),
            };
            if let Some(problem) = problem {
                return bad_request(problem);
            }
            if !identity.is_null() && !identity["access"].is_string() {
                return bad_request(format!("identity {name:?} must have an access level"));
            }
        }
        for (name, identity) in identities {
            if identity.is_null() {
                state.identities.remove(name);
            } else {
                state.identities.insert(name.clone(), identity.clone());
            }
        }
        // POST returns an envelope without `result` (observed).
        sync(Value::Null)
    })
}
