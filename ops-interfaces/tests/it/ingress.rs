//! `ingress` v2: the exact databags each side writes (interfaces.md §2), tolerant
//! and strict reading, version 1 on read, and both components in the harness.

use std::collections::BTreeMap;

use ops_interfaces::ingress::{
    DataProvided, HealthCheck, IngressProvider, IngressRequest, IngressRequirer, ProviderAppData,
    Ready, RequirerAppData, RequirerUnitData, Revoked, Scheme, Version,
};
use ops_runtime::event::RelationRef;
use ops_runtime::testing::{Context, Relation, State};
use ops_runtime::*;

/// A databag's contents, as pairs.
type Pairs<'a> = &'a [(&'a str, &'a str)];

fn bag(pairs: Pairs) -> Databag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `state` with relation `id`'s remote application bag replaced, as the other
/// side would leave it between two hooks.
fn remote_app_wrote(mut state: State, id: u64, data: &[(&str, &str)]) -> State {
    for relation in &mut state.relations {
        if relation.id == id {
            relation.remote_app_data = bag(data);
        }
    }
    state
}

fn rel(id: u64) -> RelationRef {
    RelationRef::new("ingress", id)
}

// --- The databags, against interfaces.md's examples -----------------------------

#[test]
fn the_requirer_app_bag_is_the_reference_example() {
    let mut data = RequirerAppData::new("cos", "alertmanager", 9093);
    data.scheme = Scheme::Https;
    data.strip_prefix = true;
    assert_eq!(
        data.to_databag(),
        bag(&[
            ("model", r#""cos""#),
            ("name", r#""alertmanager""#),
            ("port", "9093"),
            ("scheme", r#""https""#),
            ("strip-prefix", "true"),
        ])
    );
}

#[test]
fn the_requirer_unit_bag_is_the_reference_example() {
    let unit = RequirerUnitData::new("alertmanager-0.alertmanager-endpoints.cos.svc.cluster.local")
        .with_ip("10.1.58.12".parse().unwrap());
    assert_eq!(
        unit.to_databag(),
        bag(&[
            (
                "host",
                r#""alertmanager-0.alertmanager-endpoints.cos.svc.cluster.local""#
            ),
            ("ip", r#""10.1.58.12""#),
        ])
    );
    // No IP known: the key is left out.
    assert_eq!(
        RequirerUnitData::new("h").to_databag(),
        bag(&[("host", r#""h""#)])
    );
}

#[test]
fn the_provider_bag_is_the_reference_example() {
    assert_eq!(
        ProviderAppData::new("http://10.0.0.1/cos-alertmanager").to_databag(),
        bag(&[("ingress", r#"{"url": "http://10.0.0.1/cos-alertmanager"}"#)])
    );
    assert_eq!(ProviderAppData::none().to_databag(), Databag::new());
    // Version 1: a YAML mapping.
    assert_eq!(
        ProviderAppData::new("http://foo/model-app").to_databag_v1(),
        bag(&[("ingress", "url: http://foo/model-app\n")])
    );
}

#[test]
fn defaults_are_left_out_and_extras_written_as_the_library_does() {
    let mut data = RequirerAppData::new("m", "app", 80);
    assert_eq!(
        data.to_databag().keys().collect::<Vec<_>>(),
        ["model", "name", "port"]
    );
    data.redirect_https = true;
    data.is_port_open = true;
    data.scheme = Scheme::H2c;
    data.healthcheck = Some(HealthCheck {
        port: Some(8081),
        timeout: "2s".into(),
        ..HealthCheck::new("/health")
    });
    let written = data.to_databag();
    assert_eq!(written["redirect-https"], "true");
    assert_eq!(written["is_port_open"], "true");
    assert_eq!(written["scheme"], r#""h2c""#);
    assert_eq!(
        written["healthcheck_params"],
        r#"{"path": "/health", "port": 8081, "timeout": "2s"}"#
    );
    assert_eq!(RequirerAppData::from_databag(&written).unwrap(), data);
}

#[test]
fn non_ascii_is_escaped_as_python_json_does() {
    let data = RequirerAppData::new("modèle", "app", 80);
    assert_eq!(data.to_databag()["model"], r#""mod\u00e8le""#);
    assert_eq!(
        RequirerAppData::from_databag(&data.to_databag())
            .unwrap()
            .model,
        "modèle"
    );
}

// --- Reading ---------------------------------------------------------------------

#[test]
fn reading_ignores_unknown_keys_and_jujus_address_keys() {
    let app = bag(&[
        ("model", r#""bar""#),
        ("port", "42"),
        ("name", r#""remote""#),
        ("something-else", "not json at all"),
    ]);
    let unit = bag(&[
        ("host", r#""0.0.0.42""#),
        ("private-address", "10.0.0.9"),
        ("ingress-address", "10.0.0.9"),
        ("egress-subnets", "10.0.0.9/32"),
    ]);
    let units = BTreeMap::from([("remote/0".to_owned(), unit)]);
    let request = IngressRequest::from_databags(&rel(1), &app, &units)
        .unwrap()
        .unwrap();
    assert_eq!(request.version, Version::V2);
    assert_eq!(request.app, RequirerAppData::new("bar", "remote", 42));
    assert_eq!(request.units["remote/0"], RequirerUnitData::new("0.0.0.42"));
}

#[test]
fn an_incomplete_request_is_not_ready() {
    let app = RequirerAppData::new("bar", "remote", 42).to_databag();
    // Nothing written yet.
    assert_eq!(
        IngressRequest::from_databags(&rel(1), &Databag::new(), &BTreeMap::new()).unwrap(),
        None
    );
    // One unit without `host` holds the whole relation back.
    let units = BTreeMap::from([
        ("remote/0".to_owned(), bag(&[("host", r#""a""#)])),
        (
            "remote/1".to_owned(),
            bag(&[("private-address", "10.0.0.2")]),
        ),
    ]);
    assert_eq!(
        IngressRequest::from_databags(&rel(1), &app, &units).unwrap(),
        None
    );
}

#[test]
fn malformed_data_names_the_relation_and_key_never_the_value() {
    let units = BTreeMap::new();
    let cases: &[(Pairs, &str, &str)] = &[
        // The interface test's non-JSON values.
        (
            &[("model", "bar"), ("port", "42"), ("name", r#""remote""#)],
            "model",
            "not JSON",
        ),
        (
            &[("model", r#""bar""#), ("name", r#""remote""#)],
            "port",
            "missing",
        ),
        (
            &[("model", r#""bar""#), ("name", r#""r""#), ("port", "65535")],
            "port",
            "out of range",
        ),
        (
            &[
                ("model", r#""bar""#),
                ("name", r#""r""#),
                ("port", r#""42""#),
            ],
            "port",
            "expected a JSON integer, found a string",
        ),
        (
            &[
                ("model", r#""bar""#),
                ("name", r#""r""#),
                ("port", "42"),
                ("scheme", r#""gopher-secret""#),
            ],
            "scheme",
            "expected one of",
        ),
        (
            &[
                ("model", r#""bar""#),
                ("name", r#""r""#),
                ("port", "42"),
                ("strip-prefix", r#""yes-secret""#),
            ],
            "strip-prefix",
            "expected true or false",
        ),
        (
            &[
                ("model", r#""bar""#),
                ("name", r#""r""#),
                ("port", "42"),
                ("healthcheck_params", r#"{"port": "secret"}"#),
            ],
            "healthcheck_params.path",
            "missing",
        ),
    ];
    for (app, key, problem) in cases {
        let err = IngressRequest::from_databags(&rel(7), &bag(app), &units).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "relation `ingress:7`, data of the remote application, key `{key}`: "
            )),
            "{text}"
        );
        assert!(text.contains(problem), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }
    // A unit's bag: named by unit.
    let app = RequirerAppData::new("bar", "remote", 42).to_databag();
    let units = BTreeMap::from([(
        "remote/3".to_owned(),
        bag(&[("host", r#""h""#), ("ip", r#""not-an-ip-secret""#)]),
    )]);
    let text = IngressRequest::from_databags(&rel(7), &app, &units)
        .unwrap_err()
        .to_string();
    assert_eq!(
        text,
        "relation `ingress:7`, data of unit `remote/3`, key `ip`: not an IPv4 or IPv6 address"
    );
}

#[test]
fn version_1_requirers_are_recognised() {
    let app = bag(&[
        ("model", "cos"),
        ("name", "grafana"),
        ("host", "grafana.cos.svc"),
        ("port", "3000"),
        ("strip-prefix", "true"),
    ]);
    let request = IngressRequest::from_databags(&rel(2), &app, &BTreeMap::new())
        .unwrap()
        .unwrap();
    assert_eq!(request.version, Version::V1);
    assert_eq!(request.app.model, "cos");
    assert_eq!(request.app.port, 3000);
    assert!(request.app.strip_prefix);
    assert!(!request.app.redirect_https);
    assert_eq!(request.units["grafana"].host, "grafana.cos.svc");
}

#[test]
fn a_malformed_version_1_request_reports_version_1_errors() {
    let app = bag(&[
        ("model", "cos"),
        ("name", "grafana"),
        ("host", "grafana.cos.svc"),
        ("port", "three-thousand-secret"),
    ]);
    let text = IngressRequest::from_databags(&rel(2), &app, &BTreeMap::new())
        .unwrap_err()
        .to_string();
    assert_eq!(
        text,
        "relation `ingress:2`, data of the remote application, key `port`: expected a port number from 1 to 65535"
    );
}

#[test]
fn the_provider_answer_reads_in_both_versions() {
    let v2 = bag(&[("ingress", r#"{"url":"https://x.example/m-a"}"#)]);
    let v1 = bag(&[("ingress", "url: https://x.example/m-a\n")]);
    for answer in [&v2, &v1] {
        assert_eq!(
            ProviderAppData::from_databag(answer)
                .unwrap()
                .url
                .as_deref(),
            Some("https://x.example/m-a")
        );
    }
    assert_eq!(
        ProviderAppData::from_databag(&Databag::new()).unwrap(),
        ProviderAppData::none()
    );
    let bad = bag(&[("ingress", r#"{"url": "ftp://secret"}"#)]);
    let err = ProviderAppData::from_databag(&bad).unwrap_err();
    assert_eq!(err.key, "ingress.url");
    assert!(!err.to_string().contains("secret"));
    let bad = bag(&[("ingress", r#"{"link": "http://x"}"#)]);
    assert_eq!(
        ProviderAppData::from_databag(&bad).unwrap_err().key,
        "ingress.url"
    );
}

// --- The requirer component -----------------------------------------------------

struct Web {
    ingress: IngressRequirer,
}

impl Default for Web {
    fn default() -> Self {
        Self {
            ingress: IngressRequirer::default()
                .with_port(8080)
                .with_strip_prefix(true),
        }
    }
}

#[charm(
    components(ingress: IngressRequirer = "ingress"),
    metadata_source = "name: web\nrequires:\n  ingress:\n    interface: ingress\n    limit: 1\ncontainers:\n  web:\n    resource: web-image\nresources:\n  web-image:\n    type: oci-image\n"
)]
impl Web {
    #[on(ingress::ready)]
    fn ready(&mut self, cx: &mut HookContext, event: Custom<Ready>) -> Result<(), ModelError> {
        cx.set_unit_status(Status::active(event.url.clone()))
    }

    #[on(ingress::revoked)]
    fn revoked(&mut self, cx: &mut HookContext, _event: Custom<Revoked>) -> Result<(), ModelError> {
        cx.set_unit_status(Status::waiting("no ingress"))
    }
}

fn traefik(id: u64) -> Relation {
    Relation::new("ingress", id).with_remote_app("traefik")
}

fn answered(id: u64, url: &str) -> Relation {
    let answer = format!(r#"{{"url": "{url}"}}"#);
    traefik(id).with_remote_app_data([("ingress", answer.as_str())])
}

#[test]
fn the_leader_writes_both_bags_exactly() {
    let rel = traefik(1).with_local_app_data([("stale", "x")]);
    let state = State::new().with_leader(true).with_relation(rel.clone());
    let out = Context::<Web>::new()
        .run(rel.changed_event(None), state)
        .unwrap();
    let rel = out.relation(1).unwrap();
    // The stale key is gone: the writer clears the bag.
    assert_eq!(
        rel.local_app_data,
        bag(&[
            ("model", r#""test-model""#),
            ("name", r#""web""#),
            ("port", "8080"),
            ("strip-prefix", "true"),
        ])
    );
    assert_eq!(
        rel.local_unit_data,
        bag(&[
            (
                "host",
                r#""web-0.web-endpoints.test-model.svc.cluster.local""#
            ),
            ("ip", r#""192.0.2.0""#),
        ])
    );
}

/// A machine charm: no workload containers, so no Kubernetes FQDN.
struct MachineWeb {
    ingress: IngressRequirer,
}

impl Default for MachineWeb {
    fn default() -> Self {
        Self {
            ingress: IngressRequirer::default().with_port(80),
        }
    }
}

#[charm(
    components(ingress: IngressRequirer = "ingress"),
    metadata_source = "name: machine-web\nrequires:\n  ingress:\n    interface: ingress\n"
)]
impl MachineWeb {}

#[test]
fn a_machine_unit_publishes_its_ingress_address() {
    let rel = traefik(1);
    let out = Context::<MachineWeb>::new()
        .run(rel.changed_event(None), State::new().with_relation(rel))
        .unwrap();
    assert_eq!(
        out.relation(1).unwrap().local_unit_data,
        bag(&[("host", r#""192.0.2.0""#), ("ip", r#""192.0.2.0""#)])
    );
}

#[test]
fn other_units_write_their_own_bag_only() {
    let rel = traefik(1);
    let state = State::new().with_relation(rel.clone());
    let out = Context::<Web>::new()
        .with_unit_id(2)
        .run(rel.changed_event(None), state)
        .unwrap();
    let rel = out.relation(1).unwrap();
    assert!(rel.local_app_data.is_empty());
    assert_eq!(
        rel.local_unit_data["host"],
        r#""web-2.web-endpoints.test-model.svc.cluster.local""#
    );
}

#[test]
fn ready_fires_once_per_new_url_and_revoked_on_broken() {
    let mut ctx = Context::<Web>::new();
    let rel = answered(1, "http://proxy/test-model-web");
    let out = ctx
        .run(
            rel.changed_event(None),
            State::new().with_relation(rel.clone()),
        )
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::active("http://proxy/test-model-web")
    );
    assert_eq!(ctx.emitted_events().len(), 1);
    assert_eq!(ctx.emitted_events()[0].hook_name(), "ingress::ready");

    // The same URL again: nothing new.
    let out = ctx.run(rel.changed_event(None), out).unwrap();
    assert!(ctx.emitted_events().is_empty());

    // A new URL: ready again.
    let out = remote_app_wrote(
        out,
        1,
        &[("ingress", r#"{"url": "https://proxy/test-model-web"}"#)],
    );
    let out = ctx.run(rel.changed_event(None), out).unwrap();
    assert_eq!(
        out.unit_status,
        Status::active("https://proxy/test-model-web")
    );

    let out = ctx.run(rel.broken_event(), out).unwrap();
    assert_eq!(out.unit_status, Status::waiting("no ingress"));
    assert_eq!(ctx.emitted_events()[0].hook_name(), "ingress::revoked");
}

#[test]
fn a_withdrawn_url_is_revoked() {
    let mut ctx = Context::<Web>::new();
    let rel = answered(1, "http://proxy/test-model-web");
    let out = ctx
        .run(
            rel.changed_event(None),
            State::new().with_relation(rel.clone()),
        )
        .unwrap();
    let out = remote_app_wrote(out, 1, &[]);
    let out = ctx.run(rel.changed_event(None), out).unwrap();
    assert_eq!(ctx.emitted_events()[0].hook_name(), "ingress::revoked");
    // The component's status in collect-status: related, no URL.
    assert_eq!(
        out.unit_status,
        Status::waiting("waiting for the ingress URL on `ingress`")
    );
}

#[test]
fn collect_status_waits_for_the_url_only_while_related() {
    let rel = traefik(1);
    let out = Context::<Web>::new()
        .run(Event::UpdateStatus, State::new().with_relation(rel))
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::waiting("waiting for the ingress URL on `ingress`")
    );
    let out = Context::<Web>::new()
        .run(Event::UpdateStatus, State::new())
        .unwrap();
    assert_eq!(out.unit_status, State::new().unit_status);
}

#[test]
fn nothing_is_written_or_emitted_on_created_and_joined() {
    // The spec's interface test: the provider writes nothing on created and joined.
    let rel = requirer(4);
    for event in [rel.created_event(), rel.joined_event("web/0")] {
        let mut ctx = Context::<Proxy>::new();
        let state = State::new().with_leader(true).with_relation(rel.clone());
        let out = ctx.run(event, state).unwrap();
        assert!(ctx.emitted_events().is_empty());
        assert!(out.relation(4).unwrap().local_app_data.is_empty());
    }
}

#[test]
fn a_malformed_answer_is_logged_not_fatal() {
    let mut ctx = Context::<Web>::new();
    let rel = traefik(1).with_remote_app_data([("ingress", "{\"url\": 42}")]);
    let out = ctx
        .run(
            rel.changed_event(None),
            State::new().with_relation(rel.clone()),
        )
        .unwrap();
    assert!(ctx.emitted_events().is_empty());
    let message = "ingress: relation `ingress:1`, data of the remote application, key `ingress.url`: expected a string, found a number";
    assert!(ctx.juju_log().iter().any(|line| line.message == message));
    // And the unit says so in collect-status.
    assert_eq!(out.unit_status, Status::blocked(message));
}

#[test]
fn leadership_and_upgrades_republish() {
    for event in [Event::LeaderElected, Event::UpgradeCharm] {
        let state = State::new().with_leader(true).with_relation(traefik(1));
        let out = Context::<Web>::new().run(event, state).unwrap();
        assert_eq!(out.relation(1).unwrap().local_app_data["port"], "8080");
    }
}

// --- The provider component -----------------------------------------------------

#[derive(Default)]
struct Proxy {
    ingress: IngressProvider,
}

#[charm(
    components(ingress: IngressProvider = "ingress"),
    metadata_source = "name: proxy\nprovides:\n  ingress:\n    interface: ingress\n"
)]
impl Proxy {
    #[on(ingress::data_provided)]
    fn route(
        &mut self,
        cx: &mut HookContext,
        event: Custom<DataProvided>,
    ) -> Result<(), CharmError> {
        let request = &event.request;
        let hosts: Vec<&str> = request.units.values().map(|u| u.host.as_str()).collect();
        cx.set_workload_version(&hosts.join(","))?;
        if cx.is_leader()? {
            let url = format!(
                "http://proxy.example/{}-{}",
                request.app.model, request.app.name
            );
            self.ingress.publish_url(cx, &event.relation, &url)?;
        }
        Ok(())
    }

    #[on(ingress::data_removed)]
    fn unroute(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.set_workload_version("")
    }
}

fn requirer(id: u64) -> Relation {
    Relation::new("ingress", id)
        .with_remote_app("web")
        .with_remote_app_data([
            ("model", r#""prod""#),
            ("name", r#""web""#),
            ("port", "8080"),
        ])
        .with_remote_unit("web/0", [("host", r#""web-0""#)])
        .with_remote_unit("web/1", [("host", r#""web-1""#), ("ip", r#""10.0.0.2""#)])
}

#[test]
fn the_provider_answers_a_complete_request() {
    let rel = requirer(4).with_local_app_data([("stale", "x")]);
    let state = State::new().with_leader(true).with_relation(rel.clone());
    let mut ctx = Context::<Proxy>::new();
    let out = ctx.run(rel.changed_event(Some("web/1")), state).unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("web-0,web-1"));
    assert_eq!(
        out.relation(4).unwrap().local_app_data,
        bag(&[("ingress", r#"{"url": "http://proxy.example/prod-web"}"#)])
    );
}

#[test]
fn a_departing_unit_is_left_out() {
    let rel = requirer(4);
    let state = State::new().with_relation(rel.clone());
    let mut ctx = Context::<Proxy>::new();
    let out = ctx.run(rel.departed_event("web/1"), state).unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("web-0"));
}

#[test]
fn an_incomplete_or_malformed_request_emits_nothing() {
    let mut ctx = Context::<Proxy>::new();
    let rel = requirer(4).with_remote_unit("web/2", [("private-address", "10.0.0.3")]);
    let state = State::new().with_leader(true).with_relation(rel.clone());
    let out = ctx.run(rel.changed_event(Some("web/2")), state).unwrap();
    assert!(ctx.emitted_events().is_empty());
    assert!(out.relation(4).unwrap().local_app_data.is_empty());

    let rel = requirer(4).with_remote_app_data([("model", "prod"), ("name", "web"), ("port", "x")]);
    let state = State::new().with_leader(true).with_relation(rel.clone());
    let out = ctx.run(rel.changed_event(None), state).unwrap();
    assert!(ctx.emitted_events().is_empty());
    assert!(out.relation(4).unwrap().local_app_data.is_empty());
    assert!(ctx.juju_log().iter().any(|line| line.message
        == "ingress: relation `ingress:4`, data of the remote application, key `model`: not JSON (ingress v2 stores every value as JSON)"));
}

#[test]
fn a_version_1_requirer_is_answered_in_yaml() {
    let rel = Relation::new("ingress", 5)
        .with_remote_app("grafana")
        .with_remote_app_data([
            ("model", "cos"),
            ("name", "grafana"),
            ("host", "grafana.cos.svc"),
            ("port", "3000"),
        ]);
    let state = State::new().with_leader(true).with_relation(rel.clone());
    let out = Context::<Proxy>::new()
        .run(rel.changed_event(None), state)
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("grafana.cos.svc"));
    assert_eq!(
        out.relation(5).unwrap().local_app_data,
        bag(&[("ingress", "url: http://proxy.example/cos-grafana\n")])
    );
}

#[test]
fn broken_emits_data_removed() {
    let rel = requirer(4);
    let mut ctx = Context::<Proxy>::new();
    let out = ctx
        .run(rel.broken_event(), State::new().with_relation(rel.clone()))
        .unwrap();
    assert_eq!(ctx.emitted_events()[0].hook_name(), "ingress::data_removed");
    assert_eq!(out.workload_version.as_deref(), Some(""));
}

// --- Properties ------------------------------------------------------------------

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Absolute http(s) URLs of the shapes proxies publish.
    fn url() -> impl Strategy<Value = String> {
        "https?://[a-z0-9][a-z0-9.-]{0,20}(:[0-9]{1,5})?(/[!-~]{0,30})?"
    }

    proptest! {
        #[test]
        fn requests_read_back(
            model in "\\PC{0,20}",
            name in "\\PC{0,20}",
            port in 1u16..=65534,
            scheme in prop_oneof![Just(Scheme::Http), Just(Scheme::Https), Just(Scheme::H2c)],
            flags in any::<(bool, bool, bool)>(),
            check in proptest::option::of(("\\PC{0,10}", proptest::option::of(1u16..=65534))),
        ) {
            let mut data = RequirerAppData::new(model, name, port);
            data.scheme = scheme;
            (data.strip_prefix, data.redirect_https, data.is_port_open) = flags;
            data.healthcheck = check.map(|(path, port)| HealthCheck { port, ..HealthCheck::new(path) });
            let bag = data.to_databag();
            // Every value is ASCII JSON, as Python's json.dumps writes it.
            for value in bag.values() {
                prop_assert!(value.is_ascii());
                prop_assert!(serde_json::from_str::<serde_json::Value>(value).is_ok());
            }
            prop_assert_eq!(RequirerAppData::from_databag(&bag).unwrap(), data);
        }

        #[test]
        fn answers_read_back_in_both_versions(url in url()) {
            let answer = ProviderAppData::new(url);
            prop_assert_eq!(&ProviderAppData::from_databag(&answer.to_databag()).unwrap(), &answer);
            prop_assert_eq!(&ProviderAppData::from_databag(&answer.to_databag_v1()).unwrap(), &answer);
        }

        /// Whatever the other side wrote, reading it returns, and an error
        /// never quotes what was written.
        #[test]
        fn reading_any_bag_returns_and_never_quotes_it(
            values in proptest::collection::vec(
                (prop_oneof![
                    Just("model"), Just("name"), Just("port"), Just("scheme"),
                    Just("strip-prefix"), Just("healthcheck_params"), Just("host"), Just("ingress"),
                ], "\\PC{0,12}"),
                0..6,
            ),
        ) {
            let app: Databag = values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), format!("{v}SECRETMARK")))
                .collect();
            let units = BTreeMap::from([("remote/0".to_owned(), app.clone())]);
            if let Err(e) = IngressRequest::from_databags(&rel(1), &app, &units) {
                prop_assert!(!e.to_string().contains("SECRETMARK"));
            }
            if let Err(e) = ProviderAppData::from_databag(&app) {
                prop_assert!(!e.to_string().contains("SECRETMARK"));
            }
        }
    }
}

// --- The testing helpers, playing the other side ----------------------------------

mod helpers {
    use ops_interfaces::testing::ingress::{
        RemoteRequirer, provider_answered, provider_answered_v1, provider_pending, published_url,
        requested, unit_address,
    };

    use super::*;

    #[test]
    fn every_unit_learns_the_url_in_either_version() {
        for rel in [
            provider_answered("ingress", 3, "https://foo.example/test-model-web"),
            provider_answered_v1("ingress", 3, "https://foo.example/test-model-web"),
        ] {
            // Not the leader: it cannot read its own app bag, but reads the proxy's.
            let out = Context::<Web>::new()
                .with_unit_id(1)
                .run(rel.changed_event(None), State::new().with_relation(rel))
                .unwrap();
            assert_eq!(
                out.unit_status,
                Status::active("https://foo.example/test-model-web")
            );
            let rel = out.relation(3).unwrap();
            assert!(requested(rel).is_err());
            assert_eq!(
                unit_address(rel).unwrap().host,
                "web-1.web-endpoints.test-model.svc.cluster.local"
            );
        }
    }

    #[test]
    fn the_leaders_request_reads_back() {
        let rel = provider_pending("ingress", 3);
        let out = Context::<Web>::new()
            .run(
                rel.changed_event(None),
                State::new().with_leader(true).with_relation(rel),
            )
            .unwrap();
        let mut expected = RequirerAppData::new("test-model", "web", 8080);
        expected.strip_prefix = true;
        assert_eq!(requested(out.relation(3).unwrap()).unwrap(), expected);
    }

    #[test]
    fn a_remote_requirer_of_several_units_is_served() {
        let rel = RemoteRequirer::new("web", 8080)
            .with_model("prod")
            .with_units(3)
            .with_strip_prefix()
            .relation("ingress", 4);
        let out = Context::<Proxy>::new()
            .run(
                rel.changed_event(Some("web/2")),
                State::new().with_leader(true).with_relation(rel),
            )
            .unwrap();
        assert_eq!(
            out.workload_version.as_deref(),
            Some(
                "web-0.web-endpoints.prod.svc.cluster.local,\
                 web-1.web-endpoints.prod.svc.cluster.local,\
                 web-2.web-endpoints.prod.svc.cluster.local"
            )
        );
        assert_eq!(
            published_url(out.relation(4).unwrap()).unwrap().as_deref(),
            Some("http://proxy.example/prod-web")
        );
    }

    #[test]
    fn a_remote_v1_requirer_is_answered_in_its_version() {
        let rel = RemoteRequirer::new("grafana", 3000)
            .with_model("cos")
            .v1()
            .relation("ingress", 5);
        assert_eq!(rel.remote_app_data["model"], "cos");
        assert!(
            rel.remote_units
                .values()
                .all(|bag| !bag.contains_key("host"))
        );
        let out = Context::<Proxy>::new()
            .run(
                rel.changed_event(None),
                State::new().with_leader(true).with_relation(rel),
            )
            .unwrap();
        let answer = &out.relation(5).unwrap().local_app_data["ingress"];
        assert_eq!(answer, "url: http://proxy.example/cos-grafana\n");
        assert_eq!(
            published_url(out.relation(5).unwrap()).unwrap().as_deref(),
            Some("http://proxy.example/cos-grafana")
        );
    }
}

// --- The accessors ----------------------------------------------------------------

/// A proxy that reports what it published, and withdraws it on demand.
#[derive(Default)]
struct Reporter {
    ingress: IngressProvider,
}

#[charm(
    components(ingress: IngressProvider = "ingress"),
    metadata_source = "name: reporter\nprovides:\n  ingress:\n    interface: ingress\n"
)]
impl Reporter {
    #[on(update_status)]
    fn report(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let published = self.ingress.proxied_endpoints(cx)?;
        let list: Vec<String> = published.iter().map(|(a, u)| format!("{a}={u}")).collect();
        cx.set_workload_version(&list.join(","))?;
        Ok(())
    }

    #[on(config_changed)]
    fn withdraw(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        for relation in cx.relations(Self::RELATION_INGRESS)? {
            self.ingress.wipe_url(cx, &relation)?;
        }
        Ok(())
    }
}

#[test]
fn the_provider_lists_and_withdraws_its_urls() {
    let web = requirer(4).with_local_app_data([("ingress", r#"{"url": "http://p/prod-web"}"#)]);
    let api = Relation::new("ingress", 5)
        .with_remote_app("api")
        .with_local_app_data([("ingress", "url: http://p/prod-api\n")]);
    let state = State::new()
        .with_leader(true)
        .with_relation(web)
        .with_relation(api);
    let mut ctx = Context::<Reporter>::new();
    let out = ctx.run(Event::UpdateStatus, state).unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("api=http://p/prod-api,web=http://p/prod-web")
    );
    let out = ctx.run(Event::ConfigChanged, out).unwrap();
    assert!(out.relations.iter().all(|r| r.local_app_data.is_empty()));
    // A follower may neither list nor withdraw.
    let out = ctx
        .run(Event::UpdateStatus, out.with_leader(false))
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some(""));
    let err = ctx
        .run(Event::ConfigChanged, out.with_leader(false))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("only the leader may withdraw an ingress URL"),
        "{err}"
    );
}

/// A requirer that reads its URL outside the relation's events.
#[derive(Default)]
struct Reader {
    ingress: IngressRequirer,
}

#[charm(
    components(ingress: IngressRequirer = "ingress"),
    metadata_source = "name: reader\nrequires:\n  ingress:\n    interface: ingress\n"
)]
impl Reader {
    #[on(update_status)]
    fn report(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let url = self.ingress.url(cx)?;
        cx.set_workload_version(url.as_deref().unwrap_or("none"))?;
        Ok(())
    }
}

#[test]
fn the_requirer_reads_its_url_in_any_hook() {
    let mut ctx = Context::<Reader>::new();
    let out = ctx
        .run(
            Event::UpdateStatus,
            State::new().with_relation(answered(1, "http://p/m-reader")),
        )
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("http://p/m-reader"));
    let out = ctx.run(Event::UpdateStatus, State::new()).unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("none"));
    // A malformed answer fails the handler that asked, naming relation and key.
    let bad = traefik(1).with_remote_app_data([("ingress", "{\"url\": \"mailto:x\"}")]);
    let err = ctx
        .run(Event::UpdateStatus, State::new().with_relation(bad))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("relation `ingress:1`, data of the remote application, key `ingress.url`"),
        "{err}"
    );
}

/// A requirer with every option the protocol carries.
struct Grpc {
    ingress: IngressRequirer,
}

impl Default for Grpc {
    fn default() -> Self {
        Self {
            ingress: IngressRequirer::default()
                .with_port(9000)
                .with_scheme(Scheme::H2c)
                .with_redirect_https(true)
                .with_host("grpc.internal")
                .with_ip("10.9.9.9".parse().unwrap())
                .with_healthcheck(HealthCheck {
                    interval: "10s".into(),
                    ..HealthCheck::new("/healthz")
                }),
        }
    }
}

#[charm(
    components(ingress: IngressRequirer = "ingress"),
    metadata_source = "name: grpc\nrequires:\n  ingress:\n    interface: ingress\n"
)]
impl Grpc {}

#[test]
fn every_option_is_written_and_the_open_port_noticed() {
    let rel = traefik(1);
    let state = State::new()
        .with_leader(true)
        .with_opened_port(Port::tcp(9000))
        .with_relation(rel.clone());
    let out = Context::<Grpc>::new()
        .run(rel.changed_event(None), state)
        .unwrap();
    let rel = out.relation(1).unwrap();
    assert_eq!(
        rel.local_app_data,
        bag(&[
            ("model", r#""test-model""#),
            ("name", r#""grpc""#),
            ("port", "9000"),
            ("scheme", r#""h2c""#),
            ("redirect-https", "true"),
            ("is_port_open", "true"),
            (
                "healthcheck_params",
                r#"{"path": "/healthz", "interval": "10s"}"#
            ),
        ])
    );
    assert_eq!(
        rel.local_unit_data,
        bag(&[("host", r#""grpc.internal""#), ("ip", r#""10.9.9.9""#)])
    );
}
