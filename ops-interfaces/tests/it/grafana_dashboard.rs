//! `grafana_dashboard` (lib v0): the content encoding (xz, then base64) against
//! Python's `lzma`, the dashboard preparation (uid, tag), the `dashboards` key
//! (interfaces.md §6.2), Grafana's `event` key, and bounded decoding.

use std::collections::BTreeMap;

use base64::Engine as _;
use ops_interfaces::grafana_dashboard::{
    ContentError, DashboardErrors, ProviderAppData, alt_uid, dashboard_template, dashboard_uid,
    decode_content, encode_content, load_dir, prepare_dashboard, programmatic_id, uuid4,
};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::cos_support::{bag, scratch_dir, topology};

/// `base64.b64encode(lzma.compress(json.dumps(d).encode()))` in Python 3, for
/// `d = {'title': 'Zinc', 'uid': 'abc', 'panels': [{'id': 1, 'title': 'é'}]}`.
const PYTHON_ENCODED: &str = "/Td6WFoAAATm1rRGAgAhARYAAAB0L+Wj4ABIAD1dAD2IiobUVOndN3jT8g7fOJnJ2jEQN8QUx8FfYQX9IX0vihK2Dh4RhX1zfb5ephMtCKAyw40eqjnx+iJwfgAAAAAAhKUP602Y5yIAAVlJAqr/RB+2830BAAAAAARZWg==";
const PYTHON_JSON: &str =
    r#"{"title": "Zinc", "uid": "abc", "panels": [{"id": 1, "title": "\u00e9"}]}"#;

#[test]
fn decodes_what_python_encodes() {
    assert_eq!(decode_content(PYTHON_ENCODED).unwrap(), PYTHON_JSON);
}

#[test]
fn encodes_the_xz_container_python_writes() {
    let encoded = encode_content(PYTHON_JSON);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&encoded)
        .unwrap();
    // Stream header: magic, flags 00 04 (CRC64 check), CRC32 of the flags:
    // the same 12 bytes as Python's.
    let python = base64::engine::general_purpose::STANDARD
        .decode(PYTHON_ENCODED)
        .unwrap();
    assert_eq!(bytes[..12], python[..12]);
    assert_eq!(bytes[..8], [0xfd, b'7', b'z', b'X', b'Z', 0, 0, 4]);
    // Stream footer: flags again, then the footer magic `YZ`.
    assert_eq!(bytes[bytes.len() - 4..], [0, 4, b'Y', b'Z']);
    assert_eq!(decode_content(&encoded).unwrap(), PYTHON_JSON);
}

/// Python's `lzma.decompress` reads what [`encode_content`] writes, small and
/// larger (150 KB), when a `python3` is installed (skipped, with a note, when
/// none is).
#[test]
fn python_decodes_our_encoding() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let big: String = (0..4_000)
        .map(|i| format!("{{\"panel\": {i}, \"title\": \"\u{e9}\u{1F600}\"}},"))
        .collect();
    for text in ["", PYTHON_JSON, big.as_str()] {
        let child = Command::new("python3")
            .args([
                "-c",
                "import base64, lzma, sys; sys.stdout.buffer.write(lzma.decompress(base64.b64decode(sys.stdin.read())))",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("no python3: Python's decoding not checked");
                return;
            }
            Err(e) => panic!("python3: {e}"),
        };
        let encoded = encode_content(text);
        child
            .stdin
            .take()
            .unwrap()
            .write_all(encoded.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "python3 failed on {} bytes",
            text.len()
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap(), text);
    }
}

#[test]
fn the_empty_dashboard_round_trips() {
    assert_eq!(decode_content(&encode_content("")).unwrap(), "");
    // Python's encoding of b"".
    assert_eq!(
        decode_content("/Td6WFoAAATm1rRGAAAAABzfRCEftvN9AQAAAAAEWVo=").unwrap(),
        ""
    );
}

#[test]
fn bad_content_is_a_typed_error() {
    assert_eq!(decode_content("not base64!"), Err(ContentError::Base64));
    let not_xz = base64::engine::general_purpose::STANDARD.encode(b"{\"title\": 1}");
    assert!(matches!(decode_content(&not_xz), Err(ContentError::Xz(_))));
    // A corrupt xz stream: flip a byte of the compressed data.
    let mut bytes = base64::engine::general_purpose::STANDARD
        .decode(PYTHON_ENCODED)
        .unwrap();
    bytes[30] ^= 0xff;
    let corrupt = base64::engine::general_purpose::STANDARD.encode(bytes);
    assert!(decode_content(&corrupt).is_err());
}

/// `base64.b64encode(lzma.compress(b"a" * (9 << 20)))`: 2 KB that decompress
/// to 9 MiB, more than a dashboard may be.
const PYTHON_9_MIB: &str = concat!(
    "/Td6WFoAAATm1rRGAgAhARYAAAB0L+Wj//8RAWxdADDv+7/+o7Fe5fg/sqomVfhocEFwFQ+N/R5MG4pCtxn0aRhxrmYjiopN",
    "L6MN2X+m44wjEVPgWRjFdYrid/i2lH8MasDedElk4ulcU7IE2PdEDKtfDW1G6eXDdoi3llestk3haR1v+0uIEGxCy4g/XACP",
    "0E6vJiiUcR89jyThcJ6nI1/sKMuF0ZWYin4qkfIndfcZwAaYTZj92K/VkA/EJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6x",
    "JxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgL",
    "zf+VKEYPqfx83vuaMC5WwI+F84OBwGXEJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH",
    "2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvEgn5lif/xABKwDsc1On/b6ufDEan7eNMW5wnqcjX+woy4XRlZiKfiqR",
    "8id19xnABphNmP3Yr9WQD8QlU/j1kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0",
    "zR5bIEL53VM9+ClkCTuAyyps37U78MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvN/5UoRg+p/Hze+5owLlbAj4Xzg4HAZcQlU/j1",
    "kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0zR5bIEL53VM9+ClkCTuAyyps37U7",
    "8MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvN/5UoRg+p/Hze+5owLlbAj4Xzg4HAZcQlUQ8/sp//EAErAOxzU6f9vq58MRqft40x",
    "bnCepyNf7CjLhdGVmIp+KpHyJ3X3GcAGmE2Y/div1ZAPxCVT+PWRNjEFpbDub8FwTUcM0ZERqq1gHbrOsScYXFmG6WZSWL7p",
    "dqxZ5OVbBQj5x9qt/PtSK3TNHlsgQvndUz34KWQJO4DLKmzftTvwxL0uX6oPPktmQpATDv8Qk/hxeFn4C83/lShGD6n8fN77",
    "mjAuVsCPhfODgcBlxCVT+PWRNjEFpbDub8FwTUcM0ZERqq1gHbrOsScYXFmG6WZSWL7pdqxZ5OVbBQj5x9qt/PtSK3TNHlsg",
    "QvndUz34KWQJO4DLKmzftTvwxL0uX6oPPktmQpATDv8Qk/hxeFn4C83/lShGD6n8fN77mjAuVsCPhfODgcBlxCVRDz+yn/8Q",
    "ASsA7HNTp/2+rnwxGp+3jTFucJ6nI1/sKMuF0ZWYin4qkfIndfcZwAaYTZj92K/VkA/EJVP49ZE2MQWlsO5vwXBNRwzRkRGq",
    "rWAdus6xJxhcWYbpZlJYvul2rFnk5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT",
    "+HF4WfgLzf+VKEYPqfx83vuaMC5WwI+F84OBwGXEJVP49ZE2MQWlsO5vwXBNRwzRkRGqrWAdus6xJxhcWYbpZlJYvul2rFnk",
    "5VsFCPnH2q38+1IrdM0eWyBC+d1TPfgpZAk7gMsqbN+1O/DEvS5fqg8+S2ZCkBMO/xCT+HF4WfgLzf+VKEYPqfx83vuaMC5W",
    "wI+F84OBwGXEJVEPP7KQA7oAmQDsc1On/b6ufDEan7eNMW5wnqcjX+woy4XRlZiKfiqR8id19xnABphNmP3Yr9WQD8QlU/j1",
    "kTYxBaWw7m/BcE1HDNGREaqtYB26zrEnGFxZhulmUli+6XasWeTlWwUI+cfarfz7Uit0zR5bIEL53VM9+ClkCTuAyyps37U7",
    "8MS9Ll+qDz5LZkKQEw7/EJP4cXhZ+AvNSqi59gAAAADW17TX6QoSxgABuguAgMAEM2svz7HEZ/sCAAAAAARZWg==",
);

#[test]
fn decompression_is_bounded() {
    assert_eq!(decode_content(PYTHON_9_MIB), Err(ContentError::TooLarge));
}

#[test]
fn uids_are_shake256_as_in_python() {
    // hashlib.shake_256(b"zinc-k8s-src/grafana_dashboards/zinc.json").hexdigest(20)
    assert_eq!(
        dashboard_uid("zinc-k8s", "src/grafana_dashboards/zinc.json"),
        "be360bf927c85943fc42f9a33fd512a9e65e8a97"
    );
    // hashlib.shake_256(b"zinc-k8s-file:zinc").hexdigest(8)
    assert_eq!(alt_uid("zinc-k8s", "file:zinc"), "6bf5e0d6810e296d");
}

#[test]
fn preparing_sets_the_uid_and_the_charm_tag_once() {
    let mut dashboard = json!({"title": "Zinc", "uid": "short", "tags": ["web"]});
    prepare_dashboard(
        &mut dashboard,
        "zinc-k8s",
        "src/grafana_dashboards/zinc.json",
    )
    .unwrap();
    assert_eq!(dashboard["uid"], "be360bf927c85943fc42f9a33fd512a9e65e8a97");
    assert_eq!(dashboard["tags"], json!(["web", "charm: zinc-k8s"]));

    let kept = "0123456789abcdef0123456789abcdef01234567";
    let mut dashboard = json!({"uid": kept, "tags": ["charm: other"]});
    prepare_dashboard(&mut dashboard, "zinc-k8s", "x.json").unwrap();
    assert_eq!(dashboard["uid"], kept, "a 40-hex uid is kept");
    assert_eq!(dashboard["tags"], json!(["charm: other"]));

    assert!(prepare_dashboard(&mut json!([1]), "c", "p").is_err());
}

#[test]
fn the_dashboards_key() {
    let (id, template) = dashboard_template(
        "zinc.json",
        "src/grafana_dashboards/zinc.json",
        r#"{"title": "Zinc"}"#,
        &topology(),
        true,
    )
    .unwrap();
    assert_eq!(id, "file:zinc");
    let app = ProviderAppData::new(BTreeMap::from([(id, template)]));
    let written = app.to_databag();
    assert_eq!(written.len(), 1);
    let value: Value = serde_json::from_str(&written["dashboards"]).unwrap();
    let t = &value["templates"]["file:zinc"];
    assert_eq!(t["charm"], "zinc-k8s");
    assert_eq!(t["inject_dropdowns"], true);
    assert_eq!(t["dashboard_alt_uid"], "6bf5e0d6810e296d");
    assert_eq!(
        t["juju_topology"],
        json!({"model": "cos", "model_uuid": "2f7dd1c5-3a6b-4d3e-9c6a-0e1b2c3d4e5f", "application": "zinc", "unit": "zinc/0"})
    );
    let dashboard: Value =
        serde_json::from_str(&decode_content(t["content"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(
        dashboard,
        json!({"title": "Zinc", "uid": "be360bf927c85943fc42f9a33fd512a9e65e8a97", "tags": ["charm: zinc-k8s"]})
    );
    let uuid = value["uuid"].as_str().unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(&uuid[14..15], "4", "a version-4 uuid");
    assert_eq!(ProviderAppData::from_databag(&written).unwrap(), app);
    assert_ne!(uuid4(), uuid4());
}

#[test]
fn without_dropdowns_the_topology_is_empty() {
    let (_, template) = dashboard_template("a.json", "a.json", "{}", &topology(), false).unwrap();
    let app = ProviderAppData::new(BTreeMap::from([("file:a".to_owned(), template)]));
    let value: Value = serde_json::from_str(&app.to_databag()["dashboards"]).unwrap();
    assert_eq!(value["templates"]["file:a"]["juju_topology"], json!({}));
    assert_eq!(value["templates"]["file:a"]["inject_dropdowns"], false);
    assert_eq!(
        ProviderAppData::from_databag(&app.to_databag()).unwrap(),
        app
    );
}

#[test]
fn files_of_a_directory_and_the_ones_that_fail() {
    let charm = scratch_dir("grafana");
    let dir = charm.join("src/grafana_dashboards");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("zinc.json"), r#"{"title": "Zinc"}"#).unwrap();
    std::fs::write(dir.join("extra.json.tmpl"), r#"{"title": "Extra"}"#).unwrap();
    std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
    std::fs::write(dir.join("broken.json"), r#"{"password": "hunter2""#).unwrap();
    let (templates, errors) = load_dir(&dir, &charm, &topology(), true);
    assert_eq!(
        templates.keys().collect::<Vec<_>>(),
        ["file:extra.json", "file:zinc"]
    );
    assert_eq!(errors.len(), 1);
    let text = errors[0].to_string();
    assert!(
        text.contains("broken.json") && !text.contains("hunter2"),
        "{text}"
    );
    let zinc: Value = serde_json::from_str(&templates["file:zinc"].dashboard().unwrap()).unwrap();
    assert_eq!(zinc["uid"], "be360bf927c85943fc42f9a33fd512a9e65e8a97");
    assert!(
        load_dir(&charm.join("missing"), &charm, &topology(), true)
            .0
            .is_empty()
    );
}

#[test]
fn grafana_event_key() {
    let report = DashboardErrors {
        valid: None,
        errors: vec![ops_interfaces::grafana_dashboard::DashboardError {
            dashboard_id: "file:zinc".into(),
            error: "Input format not supported by decoder".into(),
        }],
    };
    assert_eq!(
        report.to_json(),
        r#"{"errors": [{"dashboard_id": "file:zinc", "error": "Input format not supported by decoder"}]}"#
    );
    let read = DashboardErrors::from_databag(&bag(&[("event", &report.to_json())]))
        .unwrap()
        .unwrap();
    assert!(!read.is_valid());
    assert_eq!(
        DashboardErrors::from_databag(&bag(&[("event", "{}")])).unwrap(),
        None
    );
}

#[test]
fn programmatic_ids_take_the_reference_slice() {
    let encoded = "abcdefghijklmnopqrstuvwxyz0123456789";
    assert_eq!(programmatic_id(encoded), "prog:mnopqrst");
    assert_eq!(programmatic_id("short"), "prog:");
}

#[test]
fn malformed_dashboards_bags_name_the_key_only() {
    for text in [
        "[",
        r#"{"templates": 3}"#,
        r#"{"templates": {"file:a": {"content": "hunter2"}}}"#,
    ] {
        let err = ProviderAppData::from_databag(&bag(&[("dashboards", text)])).unwrap_err();
        assert_eq!(err.key, "dashboards");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn content_round_trips(text in "\\PC{0,400}") {
        prop_assert_eq!(decode_content(&encode_content(&text)).unwrap(), text);
    }

    #[test]
    fn decoding_any_text_never_panics(text in "[A-Za-z0-9+/=]{0,200}") {
        let _ = decode_content(&text);
    }

    #[test]
    fn decoding_any_bytes_behind_the_xz_header_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = vec![0xfd, b'7', b'z', b'X', b'Z', 0, 0, 4, 0xe6, 0xd6, 0xb4, 0x46];
        bytes.extend(tail);
        let _ = decode_content(&base64::engine::general_purpose::STANDARD.encode(bytes));
    }

    #[test]
    fn any_dashboards_bag_never_panics(text in ".{0,120}") {
        let bag = bag(&[("dashboards", &text), ("event", &text)]);
        let _ = ProviderAppData::from_databag(&bag);
        let _ = DashboardErrors::from_databag(&bag);
    }
}

// --- The provider component in the harness ----------------------------------------------

mod component {
    use ops_interfaces::grafana_dashboard::{DashboardStatusChanged, GrafanaDashboardProvider};
    use ops_interfaces::testing::grafana_dashboard as remote;
    use ops_runtime::testing::{Context, State};
    use ops_runtime::*;
    use serde_json::{Value, json};

    use crate::cos_support::scratch_dir;

    struct Zinc {
        dashboards: GrafanaDashboardProvider,
    }

    impl Default for Zinc {
        fn default() -> Self {
            Self {
                dashboards: GrafanaDashboardProvider::default()
                    .with_dashboard_file("embedded.json", r#"{"title": "Embedded"}"#)
                    .with_dashboard(r#"{"title": "Made in code"}"#, false),
            }
        }
    }

    #[charm(
        components(dashboards: GrafanaDashboardProvider = "grafana-dashboard"),
        metadata_source = "name: zinc-k8s\nprovides:\n  grafana-dashboard:\n    interface: grafana_dashboard\n"
    )]
    impl Zinc {
        #[on(dashboards::dashboard_status_changed)]
        fn status(
            &mut self,
            cx: &mut HookContext,
            e: Custom<DashboardStatusChanged>,
        ) -> Result<(), CharmError> {
            if !e.valid {
                cx.set_unit_status(Status::blocked(format!(
                    "grafana: {}",
                    e.errors[0].dashboard_id
                )))?;
            }
            Ok(())
        }
    }

    #[test]
    fn the_leader_publishes_files_embedded_and_code_dashboards() {
        let charm_dir = scratch_dir("grafana-charm");
        let dir = charm_dir.join("src/grafana_dashboards");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("zinc.json"),
            r#"{"title": "Zinc", "tags": ["web"]}"#,
        )
        .unwrap();

        let grafana = remote::requirer("grafana-dashboard", 1);
        let mut ctx = Context::<Zinc>::new().with_charm_root(&charm_dir);
        let state = State::new()
            .with_leader(true)
            .with_relation(grafana.clone());
        let out = ctx.run(grafana.created_event(), state).unwrap();
        let relation = out.relation(1).unwrap();
        let dashboards = remote::dashboards(relation).unwrap();
        let ids: Vec<&str> = dashboards.keys().map(String::as_str).collect();
        assert_eq!(ids.len(), 3);
        assert_eq!(ids[0], "file:embedded");
        assert_eq!(ids[1], "file:zinc");
        assert!(ids[2].starts_with("prog:") && ids[2].len() == 13, "{ids:?}");

        let zinc: Value = serde_json::from_str(&dashboards["file:zinc"]).unwrap();
        assert_eq!(zinc["tags"], json!(["web", "charm: zinc-k8s"]));
        assert_eq!(
            zinc["uid"],
            ops_interfaces::grafana_dashboard::dashboard_uid(
                "zinc-k8s",
                "src/grafana_dashboards/zinc.json"
            )
        );
        let embedded: Value = serde_json::from_str(&dashboards["file:embedded"]).unwrap();
        assert_eq!(
            embedded["uid"],
            ops_interfaces::grafana_dashboard::dashboard_uid(
                "zinc-k8s",
                "src/grafana_dashboards/embedded.json"
            )
        );
        assert_eq!(
            dashboards[ids[2]], r#"{"title": "Made in code"}"#,
            "sent as it is"
        );

        let published = remote::published(relation).unwrap();
        assert!(published.templates[ids[2]].juju_topology.is_none());
        assert_eq!(
            published.templates["file:zinc"]
                .juju_topology
                .as_ref()
                .unwrap()
                .model,
            "test-model"
        );

        // Config-changed re-publishes with a new uuid, so Grafana sees a change.
        let out2 = ctx.run(Event::ConfigChanged, out.clone()).unwrap();
        let again = remote::published(out2.relation(1).unwrap()).unwrap();
        assert_ne!(again.uuid, published.uuid);
        assert_eq!(again.templates, published.templates);
    }

    #[test]
    fn a_non_leader_publishes_nothing() {
        let grafana = remote::requirer("grafana-dashboard", 1);
        let out = Context::<Zinc>::new()
            .run(
                grafana.created_event(),
                State::new().with_relation(grafana.clone()),
            )
            .unwrap();
        assert!(out.relation(1).unwrap().local_app_data.is_empty());
    }

    #[test]
    fn grafana_errors_reach_the_charm() {
        let grafana = remote::with_errors(
            remote::requirer("grafana-dashboard", 1),
            &[("file:zinc", "Input format not supported by decoder")],
        );
        let mut ctx = Context::<Zinc>::new();
        let state = State::new()
            .with_leader(true)
            .with_relation(grafana.clone());
        let out = ctx.run(grafana.changed_event(None), state).unwrap();
        assert_eq!(out.unit_status, Status::blocked("grafana: file:zinc"));
    }
}
