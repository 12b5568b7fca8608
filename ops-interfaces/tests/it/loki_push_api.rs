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

// --- The components in the harness ------------------------------------------------------

mod component {
    use ops_interfaces::loki_push_api::{
        AlertRuleStatusChanged, LogForwarder, LokiPushApiConsumer,
    };
    use ops_interfaces::testing::loki_push_api as remote;
    use ops_runtime::testing::{Container, Context, State};
    use ops_runtime::*;

    struct Zinc {
        logging: LogForwarder,
    }

    impl Default for Zinc {
        fn default() -> Self {
            Self {
                logging: LogForwarder::default().with_alert_rule(
                    "errors.rule",
                    "alert: ZincErrors\nexpr: count_over_time({%%juju_topology%%} |= \"error\" [5m]) > 0\n",
                ),
            }
        }
    }

    #[charm(components(logging: LogForwarder = "logging"), metadata_source = "name: zinc-k8s\ncontainers:\n  zinc:\n    resource: zinc-image\n  sidecar:\n    resource: zinc-image\nresources:\n  zinc-image:\n    type: oci-image\nrequires:\n  logging:\n    interface: loki_push_api\n")]
    impl Zinc {
        #[on(logging::alert_rule_status_changed)]
        fn rules(
            &mut self,
            cx: &mut HookContext,
            e: Custom<AlertRuleStatusChanged>,
        ) -> Result<(), CharmError> {
            if !e.valid {
                cx.set_unit_status(Status::blocked(format!(
                    "loki rejected rules: {}",
                    e.errors
                )))?;
            }
            Ok(())
        }
    }

    fn targets(state: &State, container: &str) -> Vec<(String, Vec<String>)> {
        let plan = state.container(container).unwrap().plan().unwrap();
        plan.log_targets
            .into_iter()
            .map(|(name, t)| (name, t.services))
            .collect()
    }

    fn pair(name: &str, service: &str) -> (String, Vec<String>) {
        (name.to_owned(), vec![service.to_owned()])
    }

    #[test]
    fn log_targets_follow_the_loki_units_and_go_with_the_relation() {
        let mut ctx = Context::<Zinc>::new();
        let loki = remote::provider(
            "logging",
            1,
            &[
                "http://loki-0:3100/loki/api/v1/push",
                "http://loki-1:3100/loki/api/v1/push",
            ],
        );
        let state = State::new()
            .with_relation(loki.clone())
            .with_container(Container::new("zinc"))
            .with_container(Container::new("sidecar").with_can_connect(false));
        let out = ctx.run(loki.changed_event(Some("loki/1")), state).unwrap();
        assert_eq!(
            targets(&out, "zinc"),
            [pair("loki/0", "all"), pair("loki/1", "all")]
        );
        let layer = out
            .container("zinc")
            .unwrap()
            .layer("zinc-log-forwarding")
            .unwrap();
        let target = &layer.log_targets["loki/1"];
        assert_eq!(
            target.location.as_deref(),
            Some("http://loki-1:3100/loki/api/v1/push")
        );
        assert_eq!(target.labels["juju_application"], "zinc-k8s");
        assert_eq!(target.labels["charm"], "zinc-k8s");
        assert!(
            out.container("sidecar").unwrap().layers.is_empty(),
            "not reachable: left alone"
        );

        // loki/1 leaves: its target is disabled.
        let out = ctx.run(loki.departed_event("loki/1"), out).unwrap();
        assert_eq!(
            targets(&out, "zinc"),
            [pair("loki/0", "all"), pair("loki/1", "-all")]
        );
        assert_eq!(
            ctx.emitted_events()[0].hook_name(),
            "logging::endpoint_departed"
        );

        // The relation goes: every target is disabled.
        let out = ctx.run(loki.broken_event(), out).unwrap();
        assert_eq!(
            targets(&out, "zinc"),
            [pair("loki/0", "-all"), pair("loki/1", "-all")]
        );

        // A container that becomes reachable later gets its targets on
        // pebble-ready (the harness keeps the relation in the state).
        let mut state = out;
        state.containers.retain(|c| c.name != "sidecar");
        let state = state.with_container(Container::new("sidecar"));
        let out = ctx
            .run(
                state.container("sidecar").unwrap().pebble_ready_event(),
                state,
            )
            .unwrap();
        assert_eq!(
            targets(&out, "sidecar"),
            [pair("loki/0", "all"), pair("loki/1", "all")]
        );
    }

    #[test]
    fn before_juju_3_4_nothing_is_forwarded_and_a_warning_says_why() {
        let loki = remote::provider("logging", 1, &["http://loki-0:3100/loki/api/v1/push"]);
        let state = State::new()
            .with_relation(loki.clone())
            .with_container(Container::new("zinc"));
        let mut ctx = Context::<Zinc>::new().with_juju_version(JujuVersion::new(3, 3, 6));
        let out = ctx.run(loki.changed_event(Some("loki/0")), state).unwrap();
        assert!(out.container("zinc").unwrap().layers.is_empty());
        assert!(
            ctx.juju_log()
                .iter()
                .any(|l| l.message.contains("3.4 or later needed")),
            "{:?}",
            ctx.juju_log()
        );
    }

    #[test]
    fn a_relation_counts_once_every_loki_unit_published() {
        let loki = remote::provider("logging", 1, &["http://loki-0:3100/loki/api/v1/push"])
            .with_remote_unit("loki/1", [("ingress-address", "10.0.0.9")]);
        let state = State::new()
            .with_relation(loki.clone())
            .with_container(Container::new("zinc"));
        let out = Context::<Zinc>::new()
            .run(loki.changed_event(Some("loki/0")), state)
            .unwrap();
        assert!(targets(&out, "zinc").is_empty());
    }

    #[test]
    fn the_leader_sends_metadata_and_logql_rules_and_hears_back() {
        let loki = remote::with_rule_errors(
            remote::provider("logging", 1, &["http://loki-0:3100/loki/api/v1/push"]),
            Some("bad LogQL"),
        );
        let state = State::new().with_leader(true).with_relation(loki.clone());
        let mut ctx = Context::<Zinc>::new();
        let out = ctx.run(loki.changed_event(None), state).unwrap();
        let sent = remote::sender(out.relation(1).unwrap()).unwrap();
        assert_eq!(sent.metadata.charm_name, "zinc-k8s");
        assert_eq!(sent.metadata.unit, "zinc-k8s/0");
        let rule = &sent.alert_rules["groups"][0]["rules"][0];
        assert_eq!(
            rule["expr"],
            r#"count_over_time({juju_model="test-model", juju_model_uuid="7c2f6b0e-5d4a-4c1e-9f3a-2b8d1e6a0c44", juju_application="zinc-k8s"} |= "error" [5m]) > 0"#
        );
        assert_eq!(
            out.unit_status,
            Status::blocked("loki rejected rules: bad LogQL")
        );
    }

    #[derive(Default)]
    struct Pusher {
        logging: LokiPushApiConsumer,
    }

    #[charm(
        components(logging: LokiPushApiConsumer = "logging"),
        metadata_source = "name: pusher\nrequires:\n  logging:\n    interface: loki_push_api\n"
    )]
    impl Pusher {
        #[on(logging::endpoint_joined)]
        fn joined(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
            let urls: Vec<String> = self.logging.endpoints(cx)?.into_values().collect();
            cx.set_unit_status(Status::active(urls.join(" ")))?;
            Ok(())
        }
    }

    #[test]
    fn the_consumer_reads_every_endpoint_and_skips_a_malformed_relation() {
        let good = remote::provider("logging", 1, &["http://loki-0:3100/loki/api/v1/push"]);
        let bad = remote::provider("logging", 2, &[])
            .with_remote_unit("other/0", [("endpoint", "{\"url\": \"secret\"}")]);
        let mut ctx = Context::<Pusher>::new();
        let state = State::new().with_relation(good.clone()).with_relation(bad);
        let out = ctx.run(good.joined_event("loki/0"), state).unwrap();
        assert_eq!(
            out.unit_status,
            Status::active("http://loki-0:3100/loki/api/v1/push")
        );
        let log: Vec<&str> = ctx.juju_log().iter().map(|l| l.message.as_str()).collect();
        assert!(
            log.iter()
                .any(|l| l.contains("logging:2") && l.contains("`endpoint`")),
            "{log:?}"
        );
        assert!(log.iter().all(|l| !l.contains("secret")), "{log:?}");
    }
}

proptest! {
    /// Whatever the plan and the endpoints: every endpoint gets a forwarding
    /// target, every Loki target of the plan that is no endpoint is disabled,
    /// and targets of other types are never touched.
    #[test]
    fn log_targets_enable_endpoints_and_disable_only_stale_loki_targets(
        live in proptest::collection::btree_set(0u8..6, 0..4),
        planned in proptest::collection::btree_map(0u8..6, any::<bool>(), 0..5),
    ) {
        use ops_runtime::pebble::LogTarget;

        let endpoints: BTreeMap<String, String> = live
            .iter()
            .map(|i| (format!("loki/{i}"), format!("http://loki-{i}:3100/loki/api/v1/push")))
            .collect();
        let mut plan = Plan::default();
        for (i, loki) in &planned {
            plan.log_targets.insert(
                format!("loki/{i}"),
                LogTarget {
                    override_: Some(Override::Replace),
                    target_type: Some(if *loki { LogTargetType::Loki } else { LogTargetType::Syslog }),
                    location: Some("x".into()),
                    services: vec!["all".into()],
                    labels: BTreeMap::new(),
                },
            );
        }
        let layer = log_targets(&endpoints, &topology(), &plan);
        for (name, url) in &endpoints {
            let target = &layer.log_targets[name];
            prop_assert_eq!(target.location.as_deref(), Some(url.as_str()));
            prop_assert_eq!(&target.services, &vec!["all".to_owned()]);
        }
        for (name, target) in &layer.log_targets {
            if !endpoints.contains_key(name) {
                prop_assert_eq!(&target.services, &vec!["-all".to_owned()]);
                prop_assert_eq!(&plan.log_targets[name].target_type, &Some(LogTargetType::Loki));
            }
        }
        for (name, target) in &plan.log_targets {
            if target.target_type == Some(LogTargetType::Loki) {
                prop_assert!(layer.log_targets.contains_key(name));
            }
        }
    }
}
