//! ops's unit tests of k8s-5-observe, in this project's harness, and the
//! observability relations with ops-interfaces' helpers playing Prometheus,
//! Loki and Grafana: the scrape job in the metrics relation's bags, the Loki
//! units as Pebble log targets, the dashboard in Grafana's relation.

use fastapi_demo::testing::{self, demo_server, postgresql, with_postgresql};
use fastapi_demo::{CONTAINER, SERVICE};
use k8s_5_observe::{DASHBOARD, DASHBOARD_FILE, FastApiDemoCharm, scrape_job};
use ops_interfaces::cos::JujuTopology;
use ops_interfaces::grafana_dashboard::{dashboard_uid, load_dir};
use ops_interfaces::loki_push_api::log_forwarding_layer_label;
use ops_interfaces::testing::{grafana_dashboard, loki_push_api, prometheus_scrape};
use ops_runtime::pebble::{LogTargetType, Override, ServiceStatus};
use ops_runtime::testing::{Action, Context, State};
use ops_runtime::{Event, LogLevel, Status};
use serde_json::Value;

fn context() -> Context<FastApiDemoCharm> {
    Context::with_charm(|| FastApiDemoCharm::with_version_source(testing::fixed_version))
}

// --- ops's tests ---------------------------------------------------------------------

#[test]
fn pebble_ready_merges_the_layer_and_waits_for_the_database() {
    let out = context()
        .run(testing::pebble_ready(), testing::leader())
        .unwrap();
    // No Loki related: no log targets either.
    testing::assert_started(&out, &Status::blocked("Waiting for database relation"));
}

#[test]
fn config_changed_puts_the_port_in_the_command() {
    let state = testing::leader().with_config("server-port", 8080);
    let out = context().run(Event::ConfigChanged, state).unwrap();
    testing::assert_port(&out, 8080);
}

#[test]
fn port_22_blocks_the_unit() {
    let state = testing::leader().with_config("server-port", 22);
    let out = context().run(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("Invalid port number, 22 is reserved for SSH")
    );
}

#[test]
fn the_database_credentials_reach_the_server_environment() {
    let relation = postgresql();
    let state = testing::leader().with_relation(relation.clone());
    let out = context().run(relation.changed_event(None), state).unwrap();
    testing::assert_postgresql_environment(&out);
    assert_eq!(out.unit_status, Status::active(""));
}

#[test]
fn without_a_relation_the_unit_is_blocked() {
    let out = context()
        .run(Event::UpdateStatus, testing::leader())
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("Waiting for database relation")
    );
}

#[test]
fn get_db_info_reports_where_the_database_is() {
    let action = Action::new("get-db-info").with_param("show-password", false);
    let out = context().run_action(action, with_postgresql()).unwrap();
    assert_eq!(
        Value::Object(out.results),
        testing::postgresql_db_info(false)
    );
}

#[test]
fn get_db_info_shows_the_password_when_asked() {
    let action = Action::new("get-db-info").with_param("show-password", true);
    let out = context().run_action(action, with_postgresql()).unwrap();
    assert_eq!(
        Value::Object(out.results),
        testing::postgresql_db_info(true)
    );
}

// --- The rest of stage 4, which this stage keeps ------------------------------------

#[test]
fn get_db_info_without_a_database_fails() {
    let err = context()
        .run_action(Action::new("get-db-info"), testing::leader())
        .unwrap_err();
    testing::assert_action_failed(&err, "No database connected");
}

#[test]
fn the_leader_asks_for_names_db() {
    let relation = testing::postgresql_unanswered();
    let state = testing::leader().with_relation(relation.clone());
    let out = context().run(relation.created_event(), state).unwrap();
    assert_eq!(
        out.relation(1).unwrap().local_app_data["database"],
        "names_db"
    );
}

// --- Metrics: the prometheus_scrape provider ----------------------------------------

#[test]
fn prometheus_joining_gets_the_scrape_job_the_topology_and_the_units_address() {
    let prometheus = prometheus_scrape::requirer("metrics-endpoint", 2);
    let state = with_postgresql().with_relation(prometheus.clone());
    let out = context()
        .run(prometheus.joined_event("prometheus/0"), state)
        .unwrap();

    let relation = out.relation(2).unwrap();
    let published = prometheus_scrape::published(relation).unwrap();
    assert_eq!(published.scrape_jobs, [scrape_job(8000)]);
    assert_eq!(
        relation.local_app_data["scrape_jobs"],
        r#"[{"static_configs": [{"targets": ["*:8000"]}]}]"#,
        "the job as the Python charm writes it"
    );
    assert_eq!(published.scrape_metadata.charm_name, "fastapi-demo");
    assert_eq!(published.scrape_metadata.unit, "fastapi-demo/0");
    // No rule files of its own: the generic HostHealth rules, with topology.
    let group = &published.alert_rules["groups"][0];
    assert!(
        group["name"]
            .as_str()
            .unwrap()
            .ends_with("HostHealth_alerts"),
        "{group}"
    );
    assert_eq!(
        group["rules"][0]["labels"]["juju_application"],
        "fastapi-demo"
    );
    let unit = prometheus_scrape::published_unit(relation, "fastapi-demo/0").unwrap();
    assert_eq!(unit.address, "192.0.2.0", "the binding's address");
    assert_eq!(unit.name, "fastapi-demo/0");
}

#[test]
fn the_scrape_job_follows_the_port_and_an_invalid_port_leaves_it() {
    let prometheus = prometheus_scrape::requirer("metrics-endpoint", 2);
    let mut ctx = context();
    let jobs = |out: &State| {
        prometheus_scrape::published(out.relation(2).unwrap())
            .unwrap()
            .scrape_jobs
    };
    let state = with_postgresql().with_relation(prometheus.clone());
    let out = ctx
        .run(prometheus.joined_event("prometheus/0"), state)
        .unwrap();
    assert_eq!(jobs(&out), [scrape_job(8000)]);

    let out = ctx
        .run(Event::ConfigChanged, out.with_config("server-port", 8080))
        .unwrap();
    assert_eq!(jobs(&out), [scrape_job(8080)]);

    let out = ctx
        .run(Event::ConfigChanged, out.with_config("server-port", 22))
        .unwrap();
    assert_eq!(jobs(&out), [scrape_job(8080)]);
    assert!(
        ctx.juju_log()
            .iter()
            .any(|line| line.level == LogLevel::Warning
                && line
                    .message
                    .starts_with("Unable to add metrics: invalid configuration")),
        "{:?}",
        ctx.juju_log()
    );
    assert_eq!(
        out.unit_status,
        Status::blocked("Invalid port number, 22 is reserved for SSH")
    );
}

#[test]
fn a_unit_that_is_not_leader_publishes_its_address_only() {
    let prometheus = prometheus_scrape::requirer("metrics-endpoint", 2);
    let state = State::new()
        .with_container(demo_server())
        .with_relation(prometheus.clone());
    let out = context()
        .run(prometheus.changed_event(Some("prometheus/0")), state)
        .unwrap();
    let relation = out.relation(2).unwrap();
    assert!(relation.local_app_data.is_empty());
    assert_eq!(
        relation.local_unit_data["prometheus_scrape_unit_address"],
        "192.0.2.0"
    );
}

// --- Logs: the loki_push_api log forwarder ------------------------------------------

const LOKI_0: &str = "http://loki-0.loki-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push";
const LOKI_1: &str = "http://loki-1.loki-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push";

#[test]
fn each_loki_unit_becomes_a_pebble_log_target() {
    let loki = loki_push_api::provider("logging", 3, &[LOKI_0, LOKI_1]);
    let state = with_postgresql().with_relation(loki.clone());
    let out = context()
        .run(loki.changed_event(Some("loki/1")), state)
        .unwrap();

    let container = out.container(CONTAINER).unwrap();
    let layer = container
        .layer(&log_forwarding_layer_label(CONTAINER))
        .expect("the log-forwarding layer");
    assert_eq!(layer.log_targets.len(), 2);
    for (unit, url) in [("loki/0", LOKI_0), ("loki/1", LOKI_1)] {
        let target = &layer.log_targets[unit];
        assert_eq!(target.target_type, Some(LogTargetType::Loki));
        assert_eq!(target.location.as_deref(), Some(url));
        assert_eq!(target.services, ["all"]);
        assert_eq!(target.override_, Some(Override::Replace));
        assert_eq!(target.labels["charm"], "fastapi-demo");
        assert_eq!(target.labels["juju_application"], "fastapi-demo");
        assert_eq!(target.labels["juju_unit"], "fastapi-demo/0");
    }
    let plan = container.plan().unwrap();
    assert_eq!(plan.log_targets["loki/0"].location.as_deref(), Some(LOKI_0));
    // The leader tells Loki who sends.
    let sender = loki_push_api::sender(out.relation(3).unwrap()).unwrap();
    assert_eq!(sender.metadata.charm_name, "fastapi-demo");
}

#[test]
fn pebble_ready_brings_the_log_targets_with_the_server() {
    let loki = loki_push_api::provider("logging", 3, &[LOKI_0]);
    let state = with_postgresql().with_relation(loki);
    let out = context().run(testing::pebble_ready(), state).unwrap();
    let container = out.container(CONTAINER).unwrap();
    let plan = container.plan().unwrap();
    assert_eq!(plan.log_targets["loki/0"].location.as_deref(), Some(LOKI_0));
    assert_eq!(container.service_status(SERVICE), ServiceStatus::Active);
    assert_eq!(
        plan.services[SERVICE].environment["DEMO_SERVER_DB_HOST"],
        "example.com"
    );
    assert_eq!(out.unit_status, Status::active(""));
}

#[test]
fn the_log_targets_stop_when_loki_leaves() {
    let loki = loki_push_api::provider("logging", 3, &[LOKI_0, LOKI_1]);
    let mut ctx = context();
    let state = with_postgresql().with_relation(loki.clone());
    let out = ctx.run(loki.changed_event(Some("loki/1")), state).unwrap();

    // loki/1 departs: its target stops, loki/0's stays.
    let out = ctx.run(loki.departed_event("loki/1"), out).unwrap();
    let plan = out.container(CONTAINER).unwrap().plan().unwrap();
    assert_eq!(plan.log_targets["loki/0"].services, ["all"]);
    assert_eq!(plan.log_targets["loki/1"].services, ["-all"]);

    // The relation goes: no target forwards any more.
    let out = ctx.run(loki.broken_event(), out).unwrap();
    let plan = out.container(CONTAINER).unwrap().plan().unwrap();
    for target in plan.log_targets.values() {
        assert_eq!(target.services, ["-all"]);
    }
}

// --- The dashboard: the grafana_dashboard provider ----------------------------------

const TEMPLATE_ID: &str = "file:FastAPI-Monitoring.json";

#[test]
fn grafana_gets_the_dashboard_with_its_uid_and_charm_tag() {
    let grafana = grafana_dashboard::requirer("grafana-dashboard", 4);
    let state = with_postgresql().with_relation(grafana.clone());
    let out = context().run(grafana.created_event(), state).unwrap();

    let relation = out.relation(4).unwrap();
    let published = grafana_dashboard::published(relation).unwrap();
    assert_eq!(
        published.templates.keys().collect::<Vec<_>>(),
        [TEMPLATE_ID]
    );
    let template = &published.templates[TEMPLATE_ID];
    assert_eq!(template.charm, "fastapi-demo");
    assert!(template.inject_dropdowns);
    assert_eq!(
        template.juju_topology.as_ref().unwrap().application,
        "fastapi-demo"
    );

    let dashboards = grafana_dashboard::dashboards(relation).unwrap();
    let dashboard: Value = serde_json::from_str(&dashboards[TEMPLATE_ID]).unwrap();
    assert_eq!(
        dashboard["uid"],
        dashboard_uid(
            "fastapi-demo",
            "src/grafana_dashboards/FastAPI-Monitoring.json.tmpl"
        )
    );
    assert!(
        dashboard["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|tag| tag == "charm: fastapi-demo"),
        "{}",
        dashboard["tags"]
    );
    let titles: Vec<&str> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|panel| panel["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Request duration (p60, p90)",
            "Failed requests",
            "Demo server logs"
        ]
    );
}

#[test]
fn only_the_leader_publishes_the_dashboard() {
    let grafana = grafana_dashboard::requirer("grafana-dashboard", 4);
    let state = State::new()
        .with_container(demo_server())
        .with_relation(grafana.clone());
    let out = context().run(grafana.created_event(), state).unwrap();
    assert!(out.relation(4).unwrap().local_app_data.is_empty());
}

#[test]
fn the_embedded_dashboard_is_the_one_the_directory_would_give() {
    // Read from the charm's `src/grafana_dashboards`, as the Python library
    // reads it at run time, the file gives the same template id and
    // dashboard as the one compiled into the binary.
    let charm_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let topology = JujuTopology::new(
        "test-model",
        "7c2f6b0e-5d4a-4c1e-9f3a-2b8d1e6a0c44",
        "fastapi-demo",
        "fastapi-demo/0",
        "fastapi-demo",
    );
    let (from_dir, errors) = load_dir(
        &charm_dir.join("src/grafana_dashboards"),
        charm_dir,
        &topology,
        true,
    );
    assert!(errors.is_empty(), "{errors:?}");

    let grafana = grafana_dashboard::requirer("grafana-dashboard", 4);
    let state = testing::leader().with_relation(grafana.clone());
    let out = context().run(grafana.created_event(), state).unwrap();
    let published = grafana_dashboard::dashboards(out.relation(4).unwrap()).unwrap();
    assert_eq!(
        from_dir[TEMPLATE_ID].dashboard().unwrap(),
        published[TEMPLATE_ID]
    );
    assert_eq!(DASHBOARD_FILE, "FastAPI-Monitoring.json.tmpl");
}

#[test]
fn the_dashboard_queries_prometheus_and_loki_through_grafanas_datasources() {
    let dashboard: Value = serde_json::from_str(DASHBOARD).unwrap();
    let panels = dashboard["panels"].as_array().unwrap();
    for panel in panels {
        let source = &panel["datasource"];
        let expected = match panel["type"].as_str() {
            Some("logs") => ("loki", "${lokids}"),
            _ => ("prometheus", "${prometheusds}"),
        };
        assert_eq!(
            (source["type"].as_str(), source["uid"].as_str()),
            (Some(expected.0), Some(expected.1))
        );
        for target in panel["targets"].as_array().unwrap() {
            assert_eq!(&target["datasource"], source);
            assert!(!target["expr"].as_str().unwrap().is_empty());
        }
    }
    let exprs: Vec<&str> = panels
        .iter()
        .flat_map(|panel| panel["targets"].as_array().unwrap())
        .map(|target| target["expr"].as_str().unwrap())
        .collect();
    assert!(
        exprs
            .iter()
            .any(|e| e.contains("starlette_request_duration_seconds_bucket"))
    );
    assert!(exprs.iter().any(|e| e.contains("starlette_requests_total")));
    assert!(exprs.iter().any(|e| e.contains(r#"charm="fastapi-demo""#)));
}

// --- Everything at once --------------------------------------------------------------

#[test]
fn related_to_the_whole_stack_the_unit_is_active() {
    let prometheus = prometheus_scrape::requirer("metrics-endpoint", 2);
    let loki = loki_push_api::provider("logging", 3, &[LOKI_0]);
    let grafana = grafana_dashboard::requirer("grafana-dashboard", 4);
    let state = State::new()
        .with_leader(true)
        .with_container(testing::running_demo_server())
        .with_relation(postgresql())
        .with_relation(prometheus)
        .with_relation(loki)
        .with_relation(grafana);
    // The leader publishes again on leader-elected, as in the Python libraries.
    let out = context().run(Event::LeaderElected, state).unwrap();
    assert_eq!(out.unit_status, Status::active(""));
    let relation = |id| out.relation(id).unwrap();
    assert_eq!(
        prometheus_scrape::published(relation(2))
            .unwrap()
            .scrape_jobs,
        [scrape_job(8000)]
    );
    assert!(
        grafana_dashboard::dashboards(relation(4))
            .unwrap()
            .contains_key(TEMPLATE_ID)
    );
    assert_eq!(
        loki_push_api::sender(relation(3))
            .unwrap()
            .metadata
            .application,
        "fastapi-demo"
    );
}
