//! Property tests of the client's response decoding: generated and mutated
//! Pebble answers (valid ones mutated, random JSON, wrong types, deep and
//! huge documents, wrong statuses and content types) served by a fake Pebble
//! to every JSON call. Each call returns a value or a typed error, never
//! panics, and the whole suite runs in a few seconds.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ops_runtime::pebble::{
    AddLayerOptions, ChangeId, ChangeSelect, Error, Layer, ListFilesOptions, LogsQuery, NoticeId,
    NoticesQuery, NotifyOptions, ServiceOperation, blocking,
};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::pebble_fake::{Answer, Fake};

/// Answers as Pebble v1.32.1 gives them, one per kind of result.
const FIXTURES: &[&str] = &[
    r#"{"type":"sync","status-code":200,"status":"OK","result":{"boot-id":"4bc0-11","version":"v1.32.1"}}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":{"healthy":true}}"#,
    r#"{"type":"sync","status-code":502,"status":"Bad Gateway","result":{"healthy":false}}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":[{"id":"1","kind":"start","summary":"Start service \"web\"","status":"Done","tasks":[{"id":"1","kind":"start","summary":"Start service \"web\"","status":"Done","log":["2026-01-01T00:00:00Z INFO Most recent service output:\n    started"],"progress":{"label":"","done":1,"total":1},"spawn-time":"2026-01-01T00:00:00.123456789Z","ready-time":"2026-01-01T00:00:01Z"}],"ready":true,"spawn-time":"2026-01-01T00:00:00Z","ready-time":"2026-01-01T00:00:01Z"}]}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":{"id":"2","kind":"exec","summary":"Execute command \"cat\"","status":"Error","err":"cannot perform the following tasks:\n- Execute command \"cat\" (timed out)","tasks":[{"id":"3","kind":"exec","summary":"","status":"Error","progress":{"label":"","done":1,"total":1},"spawn-time":"2026-01-01T00:00:00Z","data":{"exit-code":137}}],"ready":true,"spawn-time":"2026-01-01T00:00:00Z"}}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":[{"name":"web","startup":"enabled","current":"active","current-since":"2026-01-01T00:00:00Z"},{"name":"db","startup":"disabled","current":"inactive"}]}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":"services:\n    web:\n        override: replace\n        command: /bin/web\n        startup: enabled\nchecks:\n    up:\n        override: replace\n        level: alive\n        tcp:\n            port: 8080\n"}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":[{"name":"up","level":"alive","startup":"enabled","status":"up","successes":3,"failures":0,"threshold":3,"change-id":"4"}]}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":{"changed":["up"]}}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":{"info":{"name":"up","status":"up","threshold":3},"error":""}}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":[{"id":"1","user-id":0,"type":"custom","key":"example.com/a","first-occurred":"2026-01-01T00:00:00Z","last-occurred":"2026-01-01T00:00:00Z","last-repeated":"2026-01-01T00:00:00Z","occurrences":2,"last-data":{"k":"v"},"repeat-after":"1h0m0s","expire-after":"168h0m0s"}]}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":{"id":"12"}}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":{"alice":{"access":"admin","local":{"user-id":1000}},"bob":{"access":"read","basic":{"password":"*****"}}}}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":[{"path":"/etc/hosts","name":"hosts","type":"file","size":120,"permissions":"644","last-modified":"2026-01-01T00:00:00Z","user-id":0,"user":"root","group-id":0,"group":"root"}]}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":true}"#,
    r#"{"type":"async","status-code":202,"status":"Accepted","change":"5"}"#,
    r#"{"type":"error","status-code":404,"status":"Not Found","result":{"message":"cannot find change with id \"9\"","kind":"not-found"}}"#,
    r#"{"type":"error","status-code":400,"status":"Bad Request","result":{"message":"no default services","kind":"no-default-services","value":{"x":1}}}"#,
    r#"{"type":"sync","status-code":200,"status":"OK","result":[{"path":"/x","error":{"message":"permission denied","kind":"permission-denied"}}]}"#,
];

/// What the fake answers every request with, set per case.
#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

fn serve() -> (Fake, Arc<Mutex<Reply>>) {
    let reply = Arc::new(Mutex::new(Reply {
        status: 200,
        content_type: "application/json",
        body: Vec::new(),
    }));
    let shared = Arc::clone(&reply);
    let fake = Fake::serve(move |_| {
        let reply = shared
            .lock()
            .map(|r| r.clone())
            .unwrap_or_else(|e| e.into_inner().clone());
        Answer::Whole {
            status: reply.status,
            content_type: reply.content_type.to_owned(),
            body: reply.body,
        }
    });
    (fake, reply)
}

/// An error the decoding may give; anything else (a connection failure, a
/// timeout) means the client misread a whole answer.
fn expected(error: &Error) -> bool {
    assert!(!error.to_string().is_empty());
    matches!(
        error,
        Error::Api(_) | Error::Protocol { .. } | Error::Path(_) | Error::TooLarge { .. }
    )
}

/// Calls every JSON endpoint once and checks that each gives a value or an
/// expected error.
fn call_everything(client: &blocking::Client) -> Result<(), TestCaseError> {
    fn check<T>(name: &str, result: Result<T, Error>) -> Result<(), TestCaseError> {
        match result {
            Ok(_) => Ok(()),
            Err(error) if expected(&error) => Ok(()),
            Err(error) => Err(TestCaseError::fail(format!("{name}: {error:?}"))),
        }
    }
    let id = ChangeId::new("1");
    check("system_info", client.system_info())?;
    check("health", client.health(None, &[]))?;
    check("changes", client.changes(ChangeSelect::All, None))?;
    check("change", client.change(&id))?;
    check("abort_change", client.abort_change(&id))?;
    check("services", client.services(&[]))?;
    check(
        "service_operation",
        client.service_operation(ServiceOperation::Start, &["web"]),
    )?;
    check("send_signal", client.send_signal("SIGHUP", &["web"]))?;
    check("plan", client.plan())?;
    check(
        "add_layer",
        client.add_layer("l", &Layer::default(), &AddLayerOptions::new()),
    )?;
    check("checks", client.checks(None, &[]))?;
    check("start_checks", client.start_checks(&["up"]))?;
    check("refresh_check", client.refresh_check("up"))?;
    check("notices", client.notices(&NoticesQuery::new()))?;
    check("notice", client.notice(&NoticeId::new("1")))?;
    check(
        "notify",
        client.notify("example.com/a", &NotifyOptions::new()),
    )?;
    check("identities", client.identities())?;
    check("remove_identities", client.remove_identities(&["alice"]))?;
    check(
        "update_identities",
        client.update_identities(&BTreeMap::new()),
    )?;
    check(
        "list_files",
        client.list_files("/", &ListFilesOptions::new()),
    )?;
    check("make_dir", client.make_dir("/x", &Default::default()))?;
    check("remove_path", client.remove_path("/x", false))?;
    check("logs", client.logs(&LogsQuery::new()))?;
    Ok(())
}

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("sync"),
            Just("async"),
            Just("error"),
            Just("Done"),
            Just("active"),
            Just("2026-01-01T00:00:00Z"),
            Just("not-found"),
            Just("1h"),
            Just("644"),
            Just("custom"),
            Just("file"),
            Just("-1"),
            Just("99999999999999999999"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    ".{0,8}",
                    prop_oneof![
                        Just("type"),
                        Just("result"),
                        Just("change"),
                        Just("status-code"),
                        Just("id"),
                        Just("kind"),
                        Just("message"),
                        Just("tasks"),
                        Just("ready"),
                        Just("name"),
                        Just("path"),
                        Just("error"),
                        Just("healthy"),
                    ]
                    .prop_map(str::to_owned),
                ],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// One edit of a JSON document.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace the value at a path (indices taken modulo each level's size).
    Replace(Vec<usize>, Value),
    /// Remove the entry at a path.
    Remove(Vec<usize>),
    /// Add a key to the object at a path.
    Insert(Vec<usize>, String, Value),
    /// Turn the value at a path into its JSON text, as a string.
    Stringify(Vec<usize>),
}

fn edit() -> impl Strategy<Value = Edit> {
    let path = prop::collection::vec(any::<usize>(), 0..5);
    prop_oneof![
        (path.clone(), any_json()).prop_map(|(p, v)| Edit::Replace(p, v)),
        path.clone().prop_map(Edit::Remove),
        (path.clone(), ".{0,8}", any_json()).prop_map(|(p, k, v)| Edit::Insert(p, k, v)),
        path.prop_map(Edit::Stringify),
    ]
}

/// The value at `path` and its parent's child index, following each index
/// modulo the number of children; stops early at a leaf.
fn walk<'a>(value: &'a mut Value, path: &[usize]) -> &'a mut Value {
    let Some((&index, rest)) = path.split_first() else {
        return value;
    };
    let len = match &*value {
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        _ => 0,
    };
    if len == 0 {
        return value;
    }
    match value {
        Value::Array(items) => walk(&mut items[index % len], rest),
        Value::Object(map) => walk(map.values_mut().nth(index % len).expect("an entry"), rest),
        other => other,
    }
}

fn apply(value: &mut Value, edit: Edit) {
    match edit {
        Edit::Replace(path, replacement) => *walk(value, &path) = replacement,
        Edit::Remove(path) => match walk(value, &path[..path.len().saturating_sub(1)]) {
            Value::Array(items) if !items.is_empty() => {
                let at = path.last().copied().unwrap_or(0) % items.len();
                items.remove(at);
            }
            Value::Object(map) if !map.is_empty() => {
                let at = path.last().copied().unwrap_or(0) % map.len();
                if let Some(key) = map.keys().nth(at).cloned() {
                    map.remove(&key);
                }
            }
            _ => {}
        },
        Edit::Insert(path, key, inserted) => {
            if let Value::Object(map) = walk(value, &path) {
                map.insert(key, inserted);
            }
        }
        Edit::Stringify(path) => {
            let target = walk(value, &path);
            *target = Value::String(target.to_string());
        }
    }
}

/// A byte-level edit of a document's text.
#[derive(Debug, Clone)]
enum Garble {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
}

fn garble() -> impl Strategy<Value = Garble> {
    prop_oneof![
        any::<usize>().prop_map(Garble::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(at, bits)| Garble::Flip(at, bits)),
        (
            any::<usize>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..8),
                Just(b"\"".to_vec()),
                Just(b"{".to_vec()),
                Just(b"]".to_vec()),
                Just(b",".to_vec()),
                Just(b"\\u0000".to_vec()),
                Just(b"\xff\xfe".to_vec()),
            ]
        )
            .prop_map(|(at, bytes)| Garble::Insert(at, bytes)),
    ]
}

fn garbled(mut text: Vec<u8>, garble: &Garble) -> Vec<u8> {
    let len = text.len().max(1);
    match garble {
        Garble::Truncate(at) => text.truncate(at % len),
        Garble::Flip(at, bits) => {
            if let Some(byte) = text.get_mut(at % len) {
                *byte ^= bits | 1;
            }
        }
        Garble::Insert(at, bytes) => {
            let at = (at % len).min(text.len());
            text.splice(at..at, bytes.iter().copied());
        }
    }
    text
}

/// Statuses and content types Pebble uses, and some it does not.
fn framing() -> impl Strategy<Value = (u16, &'static str)> {
    (
        prop_oneof![
            4 => Just(200u16),
            1 => Just(202),
            1 => Just(400),
            1 => Just(404),
            1 => Just(500),
            1 => Just(502),
            1 => Just(504),
        ],
        prop_oneof![
            6 => Just("application/json"),
            1 => Just("application/json; charset=utf-8"),
            1 => Just("text/plain"),
            1 => Just("application/x-ndjson"),
        ],
    )
}

/// Each document Pebble's calls might see: a fixture, edited or garbled; a
/// random document; a random result in a sync envelope.
fn document() -> impl Strategy<Value = Vec<u8>> {
    let fixture = 0..FIXTURES.len();
    prop_oneof![
        (fixture.clone(), prop::collection::vec(edit(), 1..4)).prop_map(|(index, edits)| {
            let mut value: Value = serde_json::from_str(FIXTURES[index]).unwrap_or(Value::Null);
            for edit in edits {
                apply(&mut value, edit);
            }
            value.to_string().into_bytes()
        }),
        (fixture, garble()).prop_map(|(index, g)| garbled(FIXTURES[index].as_bytes().to_vec(), &g)),
        any_json().prop_map(|v| v.to_string().into_bytes()),
        any_json().prop_map(|result| {
            json!({"type": "sync", "status-code": 200, "result": result})
                .to_string()
                .into_bytes()
        }),
    ]
}

/// A document nested `depth` levels deep in arrays or objects, in a result.
fn deep(depth: usize, objects: bool) -> Vec<u8> {
    let (open, close) = if objects {
        (r#"{"a":"#, "}")
    } else {
        ("[", "]")
    };
    let mut text = String::from(r#"{"type":"sync","result":"#);
    text.push_str(&open.repeat(depth));
    text.push('1');
    text.push_str(&close.repeat(depth));
    text.push('}');
    text.into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_call_decodes_or_fails_typed(
        body in document(),
        (status, content_type) in framing(),
    ) {
        let (fake, reply) = serve();
        let client = blocking::Client::new(fake.socket()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        *reply.lock().unwrap() = Reply { status, content_type, body };
        call_everything(&client)?;
    }

    #[test]
    fn plans_of_any_yaml_parse_or_fail_typed(yaml in plan_yaml()) {
        let (fake, reply) = serve();
        let client = blocking::Client::new(fake.socket()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let body = json!({"type": "sync", "status-code": 200, "result": yaml}).to_string().into_bytes();
        *reply.lock().unwrap() = Reply { status: 200, content_type: "application/json", body };
        match client.plan() {
            Ok(_) => {}
            Err(error) => prop_assert!(expected(&error), "{error:?}"),
        }
    }
}

// Fewer cases: the depth and the kind of nesting are the only inputs.
proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn deep_documents_fail_typed(depth in 1usize..20_000, objects in any::<bool>()) {
        let (fake, reply) = serve();
        let client = blocking::Client::new(fake.socket()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        *reply.lock().unwrap() = Reply { status: 200, content_type: "application/json", body: deep(depth, objects) };
        call_everything(&client)?;
    }
}

/// YAML a plan might be: valid plans edited, random text, deep nesting.
fn plan_yaml() -> impl Strategy<Value = String> {
    const PLAN: &str = "services:\n  web:\n    override: replace\n    command: /bin/web\n    startup: enabled\n    environment: {A: b}\nchecks:\n  up:\n    override: replace\n    tcp: {port: 8080}\n";
    prop_oneof![
        garble().prop_map(
            |g| String::from_utf8_lossy(&garbled(PLAN.as_bytes().to_vec(), &g)).into_owned()
        ),
        "[a-z:{}\\[\\], \n-]{0,64}",
        (1usize..3_000).prop_map(|depth| format!(
            "services: {}1{}",
            "[".repeat(depth),
            "]".repeat(depth)
        )),
        (1usize..3_000).prop_map(|depth| format!(
            "services: {}1{}",
            "{a: ".repeat(depth),
            "}".repeat(depth)
        )),
        (1usize..500).prop_map(|depth| {
            let mut yaml = String::from("services:\n");
            for level in 0..depth {
                yaml.push_str(&"  ".repeat(level + 1));
                yaml.push_str("a:\n");
            }
            yaml
        }),
    ]
}

#[test]
fn huge_documents_are_too_large_or_decode() {
    let (fake, reply) = serve();
    let client = blocking::Client::new(fake.socket()).unwrap();
    // Past the limit: a string, a long list.
    let big = format!(
        r#"{{"type":"sync","result":{{"boot-id":"{}","version":"v"}}}}"#,
        "x".repeat(5 * 1024 * 1024)
    );
    *reply.lock().unwrap() = Reply {
        status: 200,
        content_type: "application/json",
        body: big.into_bytes(),
    };
    let error = client.system_info().unwrap_err();
    assert!(error.is_too_large(), "{error:?}");
    call_everything(&client).unwrap();

    // Under the limit: decoded, however large.
    let list: Vec<Value> = (0..20_000)
        .map(|i| json!({"name": format!("s{i}"), "startup": "enabled", "current": "active"}))
        .collect();
    let body = json!({"type": "sync", "result": list}).to_string();
    assert!(body.len() < ops_runtime::pebble::DEFAULT_BODY_LIMIT);
    *reply.lock().unwrap() = Reply {
        status: 200,
        content_type: "application/json",
        body: body.into_bytes(),
    };
    assert_eq!(client.services(&[]).unwrap().len(), 20_000);
    call_everything(&client).unwrap();

    // Plans as deep as the body limit allows: refused at once when they hold
    // enough brackets to be slow to parse.
    for (open, close) in [("[", "]"), ("{a: ", "}"), ("- ", "")] {
        let depth =
            (ops_runtime::pebble::DEFAULT_BODY_LIMIT - 100) / (open.len() + close.len()) / 2;
        let yaml = format!("services: {}1{}", open.repeat(depth), close.repeat(depth));
        let body = json!({"type": "sync", "result": yaml}).to_string();
        *reply.lock().unwrap() = Reply {
            status: 200,
            content_type: "application/json",
            body: body.into_bytes(),
        };
        let error = client.plan().unwrap_err();
        assert!(expected(&error), "{error:?}");
        if open != "- " {
            assert!(error.to_string().contains("too long to parse"), "{error}");
        }
    }
}
