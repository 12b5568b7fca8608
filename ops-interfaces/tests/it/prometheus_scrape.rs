//! `prometheus_scrape` v0: the exact databags of both sides (interfaces.md §4),
//! alert rules with the topology injected (§4.4), and bounded, quiet reading
//! of what the other side wrote.

use ops_interfaces::cos::{AlertRules, QueryLanguage};
use ops_interfaces::prometheus_scrape::{
    ProviderAppData, ProviderUnitData, ScrapeJob, ValidationReport,
};
use proptest::prelude::*;
use serde_json::json;

use crate::cos_support::{bag, scratch_dir, topology};

const UUID: &str = "2f7dd1c5-3a6b-4d3e-9c6a-0e1b2c3d4e5f";

// --- The provider's bags ----------------------------------------------------------

#[test]
fn provider_app_bag_is_three_json_keys_as_python_writes_them() {
    let mut app = ProviderAppData::new(topology(), vec![ScrapeJob::wildcard("/metrics", 4000)]);
    app.alert_rules = json!({"groups": [{"name": "g", "rules": []}]});
    let bag = app.to_databag();
    assert_eq!(bag.len(), 3);
    assert_eq!(
        bag["scrape_metadata"],
        format!(
            r#"{{"model": "cos", "model_uuid": "{UUID}", "application": "zinc", "unit": "zinc/0", "charm_name": "zinc-k8s"}}"#
        )
    );
    assert_eq!(
        bag["scrape_jobs"],
        r#"[{"metrics_path": "/metrics", "static_configs": [{"targets": ["*:4000"]}]}]"#
    );
    assert_eq!(
        bag["alert_rules"],
        r#"{"groups": [{"name": "g", "rules": []}]}"#
    );
    assert_eq!(ProviderAppData::from_databag(&bag).unwrap(), app);
}

#[test]
fn no_jobs_means_the_reference_default_job() {
    let bag = ProviderAppData::new(topology(), vec![]).to_databag();
    assert_eq!(
        bag["scrape_jobs"],
        r#"[{"metrics_path": "/metrics", "static_configs": [{"targets": ["*:80"]}]}]"#
    );
    assert_eq!(bag["alert_rules"], "{}");
}

#[test]
fn jobs_keep_extra_keys_and_the_requirer_keeps_only_the_allowed_ones() {
    let text = r#"[{"job_name": "j", "static_configs": [{"targets": ["10.0.0.1:9100"], "labels": {"a": "b"}}], "scrape_interval": "1m", "honor_labels": true}]"#;
    let bag = bag(&[
        ("scrape_metadata", &topology().to_json()),
        ("scrape_jobs", text),
    ]);
    let app = ProviderAppData::from_databag(&bag).unwrap();
    assert_eq!(app.scrape_jobs[0].job_name.as_deref(), Some("j"));
    assert_eq!(app.scrape_jobs[0].static_configs[0].labels["a"], "b");
    assert_eq!(app.scrape_jobs[0].extra["honor_labels"], true);
    assert_eq!(
        app.alert_rules,
        json!({}),
        "a missing alert_rules is no rules"
    );
    let kept = app.sanitized_jobs();
    assert!(kept[0].extra.contains_key("scrape_interval"));
    assert!(!kept[0].extra.contains_key("honor_labels"));
}

#[test]
fn provider_unit_bag_is_raw_strings() {
    let mut unit = ProviderUnitData::new("10.1.2.3", "zinc/0");
    unit.fqdn = "zinc-0.zinc-endpoints.cos.svc.cluster.local".into();
    let bag = unit.to_databag();
    assert_eq!(bag["prometheus_scrape_unit_address"], "10.1.2.3");
    assert_eq!(bag["prometheus_scrape_unit_name"], "zinc/0");
    assert_eq!(
        bag["prometheus_scrape_unit_path"], "",
        "empty: relation-set deletes it"
    );
    assert_eq!(
        bag["prometheus_scrape_unit_fqdn"],
        "zinc-0.zinc-endpoints.cos.svc.cluster.local"
    );
}

#[test]
fn requirer_reads_legacy_unit_bags() {
    let legacy = bag(&[
        ("prometheus_scrape_host", "10.0.0.9"),
        ("private-address", "x"),
    ]);
    let unit = ProviderUnitData::from_databag(&legacy, "old/3").unwrap();
    assert_eq!(unit.address, "10.0.0.9");
    assert_eq!(
        unit.name, "old/3",
        "the Juju unit name when the bag has none"
    );
    let err = ProviderUnitData::from_databag(&bag(&[]), "old/3").unwrap_err();
    assert_eq!(err.key, "prometheus_scrape_unit_address");
}

// --- Malformed remote data: errors name the key, never the value ------------------------

#[test]
fn malformed_provider_bags_name_the_key_not_the_value() {
    let secret = "s3cr3t-value";
    let cases = [
        bag(&[("scrape_metadata", secret), ("scrape_jobs", "[]")]),
        bag(&[
            ("scrape_metadata", &topology().to_json()),
            ("scrape_jobs", &format!("{{\"x\": \"{secret}\"}}")),
        ]),
        bag(&[
            ("scrape_metadata", &topology().to_json()),
            ("scrape_jobs", "[]"),
            ("alert_rules", &format!("[\"{secret}\"]")),
        ]),
        bag(&[
            ("scrape_metadata", &format!("{{\"model\": \"{secret}\"}}")),
            ("scrape_jobs", "[]"),
        ]),
    ];
    let keys = [
        "scrape_metadata",
        "scrape_jobs",
        "alert_rules",
        "scrape_metadata",
    ];
    for (case, key) in cases.iter().zip(keys) {
        let err = ProviderAppData::from_databag(case).unwrap_err();
        assert_eq!(err.key, key);
        assert!(!err.to_string().contains(secret), "{err}");
    }
}

#[test]
fn the_requirer_event_key() {
    let report = ValidationReport {
        valid: Some(false),
        errors: Some("bad expr".into()),
        scrape_job_errors: None,
    };
    assert_eq!(
        report.to_json(),
        r#"{"valid": false, "errors": "bad expr"}"#
    );
    let read = ValidationReport::from_databag(&bag(&[("event", &report.to_json())])).unwrap();
    assert_eq!(read, Some(report));
    assert_eq!(ValidationReport::from_databag(&bag(&[])).unwrap(), None);
}

// --- Alert rules (interfaces.md §4.4) ---------------------------------------------------

#[test]
fn rule_files_get_topology_group_names_labels_and_matchers() {
    let dir = scratch_dir("prom-rules");
    std::fs::write(
        dir.join("official.rules"),
        "groups:\n- name: zinc-health\n  rules:\n  - alert: ZincDown\n    expr: up{%%juju_topology%%} < 1\n    labels:\n      severity: critical\n      juju_model: pinned\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("single.rule"),
        "alert: SlowRequests\nexpr: rate(zinc_slow_total[5m]) > 1\nfor: 5m\n",
    )
    .unwrap();
    std::fs::create_dir(dir.join("extra")).unwrap();
    std::fs::write(
        dir.join("extra/nested.yaml"),
        "alert: Nested\nexpr: vector(1)\n",
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "not a rule file").unwrap();

    let mut rules = AlertRules::new(QueryLanguage::PromQl, Some(topology()));
    rules.add_dir(&dir, true).unwrap();
    let value = rules.to_value();
    let names: Vec<&str> = value["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "cos_2f7dd1c5_zinc_extra_nested_alerts",
            "cos_2f7dd1c5_zinc_zinc_health_alerts",
            "cos_2f7dd1c5_zinc_single_alerts",
        ]
    );
    let official = &value["groups"][1]["rules"][0];
    assert_eq!(
        official["labels"]["juju_model"], "pinned",
        "a label already set is kept"
    );
    assert_eq!(official["labels"]["juju_model_uuid"], UUID);
    assert_eq!(official["labels"]["juju_application"], "zinc");
    assert_eq!(official["labels"]["juju_charm"], "zinc-k8s");
    assert_eq!(official["labels"]["severity"], "critical");
    assert!(official["labels"].get("juju_unit").is_none());
    assert_eq!(
        official["expr"],
        format!(
            r#"up{{juju_model="pinned", juju_model_uuid="{UUID}", juju_application="zinc"}} < 1"#
        )
    );
    let single = &value["groups"][2]["rules"][0];
    assert_eq!(single["alert"], "SlowRequests");
    assert_eq!(single["for"], "5m");
    assert_eq!(
        single["expr"], "rate(zinc_slow_total[5m]) > 1",
        "no placeholder, unchanged"
    );

    // Non-recursive reading leaves the sub-directory out.
    let mut flat = AlertRules::new(QueryLanguage::PromQl, Some(topology()));
    flat.add_dir(&dir, false).unwrap();
    assert_eq!(flat.groups().len(), 2);
}

#[test]
fn a_bad_rule_file_is_named_skipped_and_its_contents_kept_out() {
    let dir = scratch_dir("prom-bad");
    std::fs::write(dir.join("good.rule"), "alert: A\nexpr: up\n").unwrap();
    std::fs::write(dir.join("bad.yaml"), "password: hunter2\n").unwrap();
    std::fs::write(dir.join("broken.yml"), "groups: [\n  hunter2").unwrap();
    let mut rules = AlertRules::new(QueryLanguage::PromQl, Some(topology()));
    let err = rules.add_dir(&dir, true).unwrap_err();
    assert_eq!(err.files.len(), 2);
    let text = err.to_string();
    assert!(
        text.contains("bad.yaml") && text.contains("broken.yml"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert_eq!(rules.groups().len(), 1, "the good file is still added");
}

#[test]
fn rule_files_are_bounded() {
    let dir = scratch_dir("prom-big");
    let big = format!(
        "alert: A\nexpr: up\nannotations:\n  x: \"{}\"\n",
        "a".repeat(1 << 20)
    );
    std::fs::write(dir.join("big.rule"), big).unwrap();
    let mut rules = AlertRules::new(QueryLanguage::PromQl, None);
    let err = rules.add_dir(&dir, false).unwrap_err();
    assert!(err.files[0].problem.contains("bytes"), "{err}");

    let deep = format!(
        "alert: A\nexpr: up\nx: {}{}\n",
        "[".repeat(64),
        "]".repeat(64)
    );
    let err = rules.add_source("deep.rule", "", &deep).unwrap_err();
    assert!(err.problem.contains("nested"), "{err}");
}

#[test]
fn an_empty_directory_or_none_gives_an_empty_object() {
    let mut rules = AlertRules::new(QueryLanguage::PromQl, Some(topology()));
    rules
        .add_dir(&scratch_dir("prom-empty").join("missing"), true)
        .unwrap();
    assert_eq!(rules.to_json(false), "{}");
}

proptest! {
    #[test]
    fn provider_bags_of_any_strings_never_panic(
        metadata in ".{0,64}",
        jobs in ".{0,64}",
        rules in ".{0,64}",
    ) {
        let bag = bag(&[("scrape_metadata", &metadata), ("scrape_jobs", &jobs), ("alert_rules", &rules)]);
        let _ = ProviderAppData::from_databag(&bag);
        let _ = ValidationReport::from_databag(&bag);
        let _ = ProviderUnitData::from_databag(&bag, "u/0");
    }

    #[test]
    fn jobs_round_trip(path in "/[a-z]{0,12}", port in any::<u16>(), name in proptest::option::of("[ -~]{0,16}")) {
        let mut job = ScrapeJob::wildcard(path, port);
        job.job_name = name;
        let app = ProviderAppData::new(topology(), vec![job]);
        prop_assert_eq!(ProviderAppData::from_databag(&app.to_databag()).unwrap(), app);
    }

    #[test]
    fn rule_sources_of_any_text_never_panic(text in "(groups|alert|expr|rules|name|[:\\-\\[\\]{} \n]|[a-z]){0,80}") {
        let mut rules = AlertRules::new(QueryLanguage::PromQl, Some(topology()));
        let _ = rules.add_source("r.rule", "", &text);
    }
}

// --- The components in the harness ------------------------------------------------------

mod component {
    use ops_interfaces::prometheus_scrape::{
        AlertRuleStatusChanged, MetricsEndpointConsumer, MetricsEndpointProvider, ScrapeJob,
        TargetsChanged, ValidationReport,
    };
    use ops_interfaces::testing::prometheus_scrape as remote;
    use ops_runtime::testing::{Context, State};
    use ops_runtime::*;

    use crate::cos_support::scratch_dir;

    const HARNESS_UUID: &str = "7c2f6b0e-5d4a-4c1e-9f3a-2b8d1e6a0c44";

    struct Zinc {
        metrics: MetricsEndpointProvider,
    }

    impl Default for Zinc {
        fn default() -> Self {
            Self {
                metrics: MetricsEndpointProvider::default()
                    .with_jobs(vec![ScrapeJob::wildcard("/metrics", 4000)]),
            }
        }
    }

    #[charm(
        components(metrics: MetricsEndpointProvider = "metrics-endpoint"),
        metadata_source = "name: zinc-k8s\nprovides:\n  metrics-endpoint:\n    interface: prometheus_scrape\n"
    )]
    impl Zinc {
        #[on(metrics::alert_rule_status_changed)]
        fn rules(
            &mut self,
            cx: &mut HookContext,
            e: Custom<AlertRuleStatusChanged>,
        ) -> Result<(), CharmError> {
            if !e.valid {
                cx.set_unit_status(Status::blocked(format!("bad rules: {}", e.errors)))?;
            }
            Ok(())
        }
    }

    #[test]
    fn the_leader_publishes_jobs_topology_and_rules_every_unit_its_address() {
        let charm_dir = scratch_dir("prom-charm");
        let rules = charm_dir.join("src/prometheus_alert_rules");
        std::fs::create_dir_all(&rules).unwrap();
        std::fs::write(
            rules.join("down.rule"),
            "alert: ZincDown\nexpr: up{%%juju_topology%%} < 1\n",
        )
        .unwrap();

        let rel = remote::requirer("metrics-endpoint", 1);
        let mut ctx = Context::<Zinc>::new()
            .with_app_name("zinc")
            .with_charm_root(&charm_dir);
        let state = State::new().with_leader(true).with_relation(rel.clone());
        let out = ctx.run(rel.joined_event("prometheus/0"), state).unwrap();
        let relation = out.relation(1).unwrap();
        let app = remote::published(relation).unwrap();
        assert_eq!(app.scrape_metadata.model, "test-model");
        assert_eq!(app.scrape_metadata.model_uuid, HARNESS_UUID);
        assert_eq!(app.scrape_metadata.application, "zinc");
        assert_eq!(app.scrape_metadata.unit, "zinc/0");
        assert_eq!(app.scrape_metadata.charm_name, "zinc-k8s");
        assert_eq!(app.scrape_jobs, [ScrapeJob::wildcard("/metrics", 4000)]);
        let group = &app.alert_rules["groups"][0];
        assert_eq!(group["name"], "test_model_7c2f6b0e_zinc_down_alerts");
        assert_eq!(group["rules"][0]["labels"]["juju_charm"], "zinc-k8s");
        assert_eq!(
            group["rules"][0]["expr"],
            format!(
                r#"up{{juju_model="test-model", juju_model_uuid="{HARNESS_UUID}", juju_application="zinc"}} < 1"#
            )
        );
        let health = &app.alert_rules["groups"][1];
        assert_eq!(health["name"], "test_model_7c2f6b0e_zinc_HostHealth_alerts");
        let alerts: Vec<&str> = health["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["alert"].as_str().unwrap())
            .collect();
        assert_eq!(alerts, ["HostDown", "HostMetricsMissing"]);
        assert_eq!(health["rules"][0]["labels"]["juju_application"], "zinc");
        assert_eq!(health["rules"][0]["labels"]["severity"], "critical");
        let unit = remote::published_unit(relation, "zinc/0").unwrap();
        assert_eq!(unit.address, "192.0.2.0", "the binding's address");
        assert_eq!(unit.name, "zinc/0");

        // A non-leader writes its unit bag only.
        let state = State::new().with_relation(rel.clone());
        let out = ctx.run(rel.joined_event("prometheus/0"), state).unwrap();
        assert!(out.relation(1).unwrap().local_app_data.is_empty());
        assert_eq!(
            out.relation(1).unwrap().local_unit_data["prometheus_scrape_unit_name"],
            "zinc/0"
        );
    }

    #[test]
    fn an_external_url_gives_the_address_and_path() {
        let rel = remote::requirer("metrics-endpoint", 1);
        let mut ctx = Context::<Zinc>::with_charm(|| Zinc {
            metrics: MetricsEndpointProvider::default()
                .with_alert_rules_dir(None)
                .with_host_health_rules(false)
                .with_external_url("https://zinc.example:443/cos-zinc"),
        });
        let out = ctx
            .run(
                Event::UpdateStatus,
                State::new().with_leader(true).with_relation(rel),
            )
            .unwrap();
        let relation = out.relation(1).unwrap();
        let unit = remote::published_unit(relation, "zinc-k8s/0").unwrap();
        assert_eq!(unit.address, "zinc.example");
        let app = remote::published(relation).unwrap();
        assert_eq!(app.alert_rules, serde_json::json!({}), "no rules at all");
        assert_eq!(unit.path, "/cos-zinc");
    }

    /// Jobs from the config, as the tutorial's metrics endpoint has them; port
    /// 22 stands for an invalid config.
    fn port_job(cx: &mut HookContext) -> Option<Vec<ScrapeJob>> {
        let port = cx.config().ok()?.get_int("port")?;
        let port = u16::try_from(port).ok().filter(|port| *port != 22)?;
        Some(vec![ScrapeJob::wildcard("/metrics", port)])
    }

    struct Configured {
        metrics: MetricsEndpointProvider,
    }

    impl Default for Configured {
        fn default() -> Self {
            Self {
                metrics: MetricsEndpointProvider::default()
                    .with_alert_rules_dir(None)
                    .with_jobs_from(port_job),
            }
        }
    }

    #[charm(
        components(metrics: MetricsEndpointProvider = "metrics-endpoint"),
        metadata_source = "name: zinc\nconfig:\n  options:\n    port:\n      type: int\n      default: 4000\nprovides:\n  metrics-endpoint:\n    interface: prometheus_scrape\n"
    )]
    impl Configured {}

    #[test]
    fn jobs_from_the_config_follow_it_and_an_invalid_config_leaves_them() {
        let rel = remote::requirer("metrics-endpoint", 1);
        let mut ctx = Context::<Configured>::new();
        let jobs = |out: &State| {
            remote::published(out.relation(1).unwrap())
                .unwrap()
                .scrape_jobs
        };
        let state = State::new().with_leader(true).with_relation(rel.clone());
        let out = ctx.run(rel.joined_event("prometheus/0"), state).unwrap();
        assert_eq!(jobs(&out), [ScrapeJob::wildcard("/metrics", 4000)]);
        let out = ctx
            .run(Event::ConfigChanged, out.with_config("port", 9000))
            .unwrap();
        assert_eq!(jobs(&out), [ScrapeJob::wildcard("/metrics", 9000)]);
        let out = ctx
            .run(Event::ConfigChanged, out.with_config("port", 22))
            .unwrap();
        assert_eq!(jobs(&out), [ScrapeJob::wildcard("/metrics", 9000)]);
        let unit = remote::published_unit(out.relation(1).unwrap(), "zinc/0").unwrap();
        assert_eq!(
            unit.address, "192.0.2.0",
            "the unit's address is published all the same"
        );
    }

    #[test]
    fn prometheus_reports_reach_the_charm() {
        let report = ValidationReport {
            valid: Some(false),
            errors: Some("parse error".into()),
            scrape_job_errors: None,
        };
        let rel = remote::with_report(remote::requirer("metrics-endpoint", 1), &report);
        let mut ctx = Context::<Zinc>::new();
        let out = ctx
            .run(rel.changed_event(None), State::new().with_relation(rel))
            .unwrap();
        assert_eq!(out.unit_status, Status::blocked("bad rules: parse error"));
        assert_eq!(
            ctx.emitted_events()[0].hook_name(),
            "metrics::alert_rule_status_changed"
        );
    }

    #[derive(Default)]
    struct Agent {
        scrape: MetricsEndpointConsumer,
    }

    #[charm(
        components(scrape: MetricsEndpointConsumer = "metrics-endpoint"),
        metadata_source = "name: agent\nrequires:\n  metrics-endpoint:\n    interface: prometheus_scrape\n"
    )]
    impl Agent {
        #[on(scrape::targets_changed)]
        fn jobs(
            &mut self,
            cx: &mut HookContext,
            _e: Custom<TargetsChanged>,
        ) -> Result<(), CharmError> {
            let mut targets: Vec<String> = Vec::new();
            for relation in self.scrape.targets(cx)? {
                for job in relation.resolved_jobs() {
                    for config in job.static_configs {
                        targets.extend(config.targets);
                    }
                }
            }
            cx.set_unit_status(Status::active(targets.join(" ")))?;
            Ok(())
        }
    }

    #[test]
    fn the_consumer_resolves_wildcards_per_unit_and_drops_a_departing_unit() {
        let rel = remote::provider(
            "metrics-endpoint",
            3,
            "zinc",
            &[
                ("10.1.0.7", "/metrics", 4000),
                ("10.1.0.8", "/metrics", 4000),
            ],
        );
        let mut ctx = Context::<Agent>::new();
        let state = State::new().with_relation(rel.clone());
        let out = ctx.run(rel.changed_event(Some("zinc/1")), state).unwrap();
        assert_eq!(
            out.unit_status,
            Status::active("10.1.0.7:4000 10.1.0.8:4000")
        );
        let out = ctx.run(rel.departed_event("zinc/1"), out).unwrap();
        assert_eq!(out.unit_status, Status::active("10.1.0.7:4000"));
        assert_eq!(
            ctx.emitted_events()[0].hook_name(),
            "scrape::targets_changed"
        );
    }

    #[test]
    fn the_consumer_names_the_relation_of_a_malformed_bag() {
        let mut rel = remote::provider(
            "metrics-endpoint",
            3,
            "zinc",
            &[("10.1.0.7", "/metrics", 4000)],
        );
        rel.remote_app_data
            .insert("scrape_jobs".into(), "{not json".into());
        let mut ctx = Context::<Agent>::new();
        let err = ctx
            .run(rel.changed_event(None), State::new().with_relation(rel))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("metrics-endpoint:3") && err.contains("`scrape_jobs`"),
            "{err}"
        );
        assert!(!err.contains("not json"), "{err}");
    }
}

/// A rule file of `groups` groups, each with rules named from `names` and
/// expressions that may hold the placeholder, as YAML.
fn rule_file(groups: &[(String, Vec<(String, bool)>)]) -> String {
    let mut yaml = String::from("groups:\n");
    for (name, rules) in groups {
        yaml.push_str(&format!("- name: \"{name}\"\n  rules:\n"));
        for (alert, placeholder) in rules {
            let expr = if *placeholder {
                "up{%%juju_topology%%} < 1"
            } else {
                "vector(1)"
            };
            yaml.push_str(&format!("  - alert: {alert}\n    expr: '{expr}'\n"));
        }
    }
    yaml
}

proptest! {
    #[test]
    fn every_rule_carries_the_topology(
        groups in proptest::collection::vec(
            ("[a-zA-Z0-9 ./:-]{1,12}", proptest::collection::vec(("[A-Z][a-zA-Z]{0,10}", any::<bool>()), 1..4)),
            1..4,
        ),
        rel_dir in "([a-z]{1,5}(/[a-z]{1,5})?)?",
    ) {
        let mut rules = AlertRules::new(QueryLanguage::PromQl, Some(topology()));
        rules.add_source("any.rules", &rel_dir, &rule_file(&groups)).unwrap();
        let value = rules.to_value();
        let out = value["groups"].as_array().unwrap();
        prop_assert_eq!(out.len(), groups.len());
        for group in out {
            let name = group["name"].as_str().unwrap();
            prop_assert!(name.starts_with("cos_2f7dd1c5_zinc_"), "{}", name);
            prop_assert!(name.ends_with("_alerts"), "{}", name);
            prop_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'), "{}", name);
            for rule in group["rules"].as_array().unwrap() {
                prop_assert_eq!(&rule["labels"]["juju_model"], "cos");
                prop_assert_eq!(&rule["labels"]["juju_model_uuid"], UUID);
                prop_assert_eq!(&rule["labels"]["juju_application"], "zinc");
                prop_assert_eq!(&rule["labels"]["juju_charm"], "zinc-k8s");
                let expr = rule["expr"].as_str().unwrap();
                prop_assert!(!expr.contains("%%juju_topology%%"), "{}", expr);
                if expr.starts_with("up{") {
                    prop_assert!(expr.contains(r#"juju_application="zinc""#), "{}", expr);
                }
            }
        }
    }
}
