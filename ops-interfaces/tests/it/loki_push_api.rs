//! `loki_push_api` (lib v1): the exact databags of both sides (interfaces.md §5),
//! LogQL rules, and the Pebble log targets of the log forwarder.

use std::collections::BTreeMap;

use ops_interfaces::cos::{AlertRules, QueryLanguage};
use ops_interfaces::loki_push_api::{
    ProviderAppData, ProviderUnitData, RequirerAppData, log_forwarding_layer_label, log_targets,
};
use ops_runtime::pebble::{LogTargetType, Override, Plan};
use proptest::prelude::*;
use serde_json::json;

use crate::cos_support::{bag, topology};

const UUID: &str = "2f7dd1c5-3a6b-4d3e-9c6a-0e1b2c3d4e5f";

#[test]
fn loki_unit_bag_matches_the_reference_example() {
    let example =
        r#"{"url": "http://loki-0.loki-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push"}"#;
    let read = ProviderUnitData::from_databag(&bag(&[
        ("endpoint", example),
        (
            "public_address",
            "loki-0.loki-endpoints.cos.svc.cluster.local",
        ),
        ("ingress-address", "10.0.0.1"),
    ]))
    .unwrap();
    assert_eq!(
        read.url,
        "http://loki-0.loki-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push"
    );
    assert_eq!(
        read.public_address,
        "loki-0.loki-endpoints.cos.svc.cluster.local"
    );
    let written = read.to_databag();
    assert_eq!(written["endpoint"], example);
    assert_eq!(
        written["public_address"],
        "loki-0.loki-endpoints.cos.svc.cluster.local"
    );
}

#[test]
fn malformed_endpoints_name_the_key_only() {
    for text in [
        "http://not-json",
        r#"{"uri": "http://x"}"#,
        r#"{"url": "ftp://secret"}"#,
        r#"{"url": 3}"#,
    ] {
        let err = ProviderUnitData::from_databag(&bag(&[("endpoint", text)])).unwrap_err();
        assert_eq!(err.key, "endpoint");
        assert!(!err.to_string().contains("secret"), "{err}");
    }
}

#[test]
fn loki_app_bag_event() {
    let app = ProviderAppData {
        promtail_binary_zip_url: None,
        errors: Some("parse error at line 1".into()),
    };
    let written = app.to_databag();
    assert_eq!(written["event"], r#"{"errors": "parse error at line 1"}"#);
    assert_eq!(ProviderAppData::from_databag(&written).unwrap(), app);
    let ok = ProviderAppData::from_databag(&bag(&[("event", "{}")])).unwrap();
    assert_eq!(ok.errors, None);
}

#[test]
fn sender_bag_is_metadata_and_sorted_rules() {
    let mut rules = AlertRules::new(QueryLanguage::LogQl, Some(topology()));
    rules
        .add_source(
            "errors.rule",
            "",
            "alert: ManyErrors\nexpr: count_over_time({%%juju_topology%%} |= \"error\" [5m]) > 10\nlabels:\n  severity: warning\n",
        )
        .unwrap();
    let data = RequirerAppData {
        metadata: topology(),
        alert_rules: rules.to_value(),
    };
    let written = data.to_databag();
    assert_eq!(
        written["metadata"],
        format!(
            r#"{{"model": "cos", "model_uuid": "{UUID}", "application": "zinc", "unit": "zinc/0", "charm_name": "zinc-k8s"}}"#
        )
    );
    let expected = json!({"groups": [{
        "name": "cos_2f7dd1c5_zinc_errors_alerts",
        "rules": [{
            "alert": "ManyErrors",
            "expr": format!("count_over_time({{juju_model=\"cos\", juju_model_uuid=\"{UUID}\", juju_application=\"zinc\"}} |= \"error\" [5m]) > 10"),
            "labels": {
                "juju_application": "zinc",
                "juju_charm": "zinc-k8s",
                "juju_model": "cos",
                "juju_model_uuid": UUID,
                "severity": "warning",
            },
        }],
    }]});
    let got: serde_json::Value = serde_json::from_str(&written["alert_rules"]).unwrap();
    assert_eq!(got, expected);
    // Keys sorted at every level, as `json.dumps(..., sort_keys=True)` writes them.
    let text = &written["alert_rules"];
    assert!(text.starts_with(r#"{"groups": [{"name": "cos_2f7dd1c5_zinc_errors_alerts", "rules": [{"alert": "ManyErrors", "expr": "#));
    assert!(text.contains(
        r#""labels": {"juju_application": "zinc", "juju_charm": "zinc-k8s", "juju_model": "cos""#
    ));
    assert_eq!(RequirerAppData::from_databag(&written).unwrap(), data);
}

#[test]
fn log_targets_enable_new_endpoints_and_disable_gone_ones() {
    let plan = Plan::from_yaml(
        "log-targets:\n  loki/5:\n    override: replace\n    type: loki\n    location: http://old:3100/loki/api/v1/push\n    services: [all]\n  other:\n    override: replace\n    type: syslog\n    location: tcp://x\n    services: [all]\n",
    )
    .unwrap();
    let endpoints = BTreeMap::from([
        (
            "loki/0".to_owned(),
            "http://loki-0:3100/loki/api/v1/push".to_owned(),
        ),
        (
            "loki/1".to_owned(),
            "http://loki-1:3100/loki/api/v1/push".to_owned(),
        ),
    ]);
    let layer = log_targets(&endpoints, &topology(), &plan);
    assert_eq!(
        layer.log_targets.keys().collect::<Vec<_>>(),
        ["loki/0", "loki/1", "loki/5"]
    );
    let on = &layer.log_targets["loki/1"];
    assert_eq!(on.override_, Some(Override::Replace));
    assert_eq!(on.target_type, Some(LogTargetType::Loki));
    assert_eq!(on.services, ["all"]);
    assert_eq!(
        on.labels,
        BTreeMap::from(
            [
                ("product", "Juju"),
                ("charm", "zinc-k8s"),
                ("juju_model", "cos"),
                ("juju_model_uuid", UUID),
                ("juju_application", "zinc"),
                ("juju_unit", "zinc/0"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        )
    );
    let off = &layer.log_targets["loki/5"];
    assert_eq!(off.services, ["-all"]);
    assert!(off.labels.is_empty());
    assert_eq!(
        log_forwarding_layer_label("workload"),
        "workload-log-forwarding"
    );

    // With no endpoint left, every Loki target is disabled.
    let layer = log_targets(&BTreeMap::new(), &topology(), &plan);
    assert_eq!(layer.log_targets.keys().collect::<Vec<_>>(), ["loki/5"]);
    let yaml = layer.to_yaml().unwrap();
    assert!(yaml.contains("log-targets:"), "{yaml}");
}

proptest! {
    #[test]
    fn any_loki_bag_never_panics(endpoint in ".{0,80}", event in ".{0,40}", metadata in ".{0,40}") {
        let bag = bag(&[("endpoint", &endpoint), ("event", &event), ("metadata", &metadata), ("alert_rules", &event)]);
        let _ = ProviderUnitData::from_databag(&bag);
        let _ = ProviderAppData::from_databag(&bag);
        let _ = RequirerAppData::from_databag(&bag);
    }

    #[test]
    fn endpoints_round_trip(host in "[a-z0-9.-]{1,30}", port in any::<u16>()) {
        let unit = ProviderUnitData::new(format!("http://{host}:{port}/loki/api/v1/push"));
        prop_assert_eq!(ProviderUnitData::from_databag(&unit.to_databag()).unwrap(), unit);
    }
}
