//! `http` (interfaces.md §8): the provider's unit bag, raw and JSON-quoted
//! values on read, `extended_data`, departed and broken, and both components.

use std::collections::BTreeMap;

use ops_interfaces::http::{Available, HttpHost, HttpProvider, HttpRequirer, ProviderUnitData};
use ops_runtime::event::RelationRef;
use ops_runtime::testing::{Context, Relation, State};
use ops_runtime::*;

fn bag(pairs: &[(&str, &str)]) -> Databag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn the_provider_unit_bag_is_raw_strings() {
    assert_eq!(
        ProviderUnitData::new("10.1.2.3", 80).to_databag(),
        bag(&[
            ("hostname", "10.1.2.3"),
            ("port", "80"),
            ("private-address", "10.1.2.3"),
        ])
    );
}

#[test]
fn raw_and_json_quoted_values_read_the_same() {
    let raw = bag(&[
        ("hostname", "10.1.2.3"),
        ("port", "80"),
        ("private-address", "10.1.2.3"),
    ]);
    let quoted = bag(&[
        ("hostname", r#""10.1.2.3""#),
        ("port", "80"),
        ("private-address", "10.1.2.3"),
        ("ingress-address", "10.1.2.3"),
        ("egress-subnets", "10.1.2.3/32"),
    ]);
    let also_quoted_port = bag(&[
        ("hostname", r#""10.1.2.3""#),
        ("port", r#""80""#),
        ("private-address", "10.1.2.3"),
    ]);
    let expected = vec![HttpHost::new("10.1.2.3", "10.1.2.3", 80)];
    for data in [raw, quoted, also_quoted_port] {
        assert_eq!(HttpHost::from_databag(&data).unwrap(), expected);
    }
}

#[test]
fn no_port_means_no_host_and_no_hostname_means_the_address() {
    assert!(
        HttpHost::from_databag(&bag(&[("private-address", "10.0.0.1")]))
            .unwrap()
            .is_empty()
    );
    assert!(
        HttpHost::from_databag(&bag(&[("private-address", "10.0.0.1"), ("port", "")]))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        HttpHost::from_databag(&bag(&[("private-address", "10.0.0.1"), ("port", "8080")])).unwrap(),
        [HttpHost::new("10.0.0.1", "10.0.0.1", 8080)]
    );
}

#[test]
fn extended_data_adds_hosts_and_duplicates_collapse() {
    let unit = bag(&[
        ("hostname", "10.0.0.1"),
        ("private-address", "10.0.0.1"),
        ("port", "80"),
        (
            "extended_data",
            r#"[{"hostname": "10.0.0.1", "private-address": "10.0.0.1", "port": 8443},
               {"hostname": "10.0.0.1", "private-address": "10.0.0.1", "port": "80"}]"#,
        ),
    ]);
    let units = BTreeMap::from([("web/0".to_owned(), unit)]);
    let hosts = HttpHost::from_units(&RelationRef::new("reverseproxy", 1), &units).unwrap();
    assert_eq!(
        hosts,
        [
            HttpHost::new("10.0.0.1", "10.0.0.1", 80),
            HttpHost::new("10.0.0.1", "10.0.0.1", 8443),
        ]
    );
}

#[test]
fn malformed_data_names_the_relation_unit_and_key_never_the_value() {
    let relation = RelationRef::new("reverseproxy", 9);
    for (data, key) in [
        (
            bag(&[("private-address", "10.0.0.1"), ("port", "secret-port")]),
            "port",
        ),
        (
            bag(&[("private-address", "10.0.0.1"), ("port", "70000")]),
            "port",
        ),
        (bag(&[("extended_data", "secret{")]), "extended_data"),
        (
            bag(&[("extended_data", r#"[{"port": "secret"}]"#)]),
            "extended_data[0].port",
        ),
        (
            bag(&[("extended_data", r#"[{"port": 80, "hostname": ["secret"]}]"#)]),
            "extended_data[0].hostname",
        ),
    ] {
        let units = BTreeMap::from([("web/2".to_owned(), data)]);
        let text = HttpHost::from_units(&relation, &units)
            .unwrap_err()
            .to_string();
        assert!(
            text.starts_with(&format!(
                "relation `reverseproxy:9`, data of unit `web/2`, key `{key}`: "
            )),
            "{text}"
        );
        assert!(!text.contains("secret"), "{text}");
        assert!(!text.contains("70000"), "{text}");
    }
}

// --- The components ---------------------------------------------------------------

#[derive(Default)]
struct Balancer {
    backends: HttpRequirer,
}

#[charm(
    components(backends: HttpRequirer = "reverseproxy"),
    metadata_source = "name: balancer\nrequires:\n  reverseproxy:\n    interface: http\n"
)]
impl Balancer {
    #[on(backends::available)]
    fn available(
        &mut self,
        cx: &mut HookContext,
        event: Custom<Available>,
    ) -> Result<(), ModelError> {
        let hosts: Vec<String> = event
            .service
            .hosts
            .iter()
            .map(|h| format!("{}:{}", h.hostname, h.port))
            .collect();
        cx.set_workload_version(&format!("{} {}", event.service.app, hosts.join(",")))
    }

    #[on(backends::unavailable)]
    fn unavailable(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.set_workload_version("none")
    }
}

fn web() -> Relation {
    Relation::new("reverseproxy", 2)
        .with_remote_app("web")
        .without_remote_units()
        .with_remote_unit(
            "web/0",
            [
                ("hostname", "10.0.0.7"),
                ("private-address", "10.0.0.7"),
                ("port", "80"),
            ],
        )
        .with_remote_unit(
            "web/1",
            [
                ("hostname", r#""10.0.0.8""#),
                ("private-address", "10.0.0.8"),
                ("port", "80"),
            ],
        )
}

#[test]
fn the_requirer_reports_every_unit_and_writes_nothing() {
    let rel = web();
    let out = Context::<Balancer>::new()
        .run(
            rel.changed_event(Some("web/1")),
            State::new().with_relation(rel),
        )
        .unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("web 10.0.0.7:80,10.0.0.8:80")
    );
    let rel = out.relation(2).unwrap();
    assert!(rel.local_unit_data.is_empty() && rel.local_app_data.is_empty());
}

#[test]
fn departed_rebuilds_the_set_and_the_last_one_leaves_it_empty() {
    let mut ctx = Context::<Balancer>::new();
    let rel = web();
    let out = ctx
        .run(rel.departed_event("web/0"), State::new().with_relation(rel))
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("web 10.0.0.8:80"));

    let last = web()
        .without_remote_units()
        .with_remote_unit("web/1", [("private-address", "10.0.0.8"), ("port", "80")]);
    let out = ctx
        .run(
            last.departed_event("web/1"),
            State::new().with_relation(last),
        )
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("none"));

    let out = ctx
        .run(web().broken_event(), State::new().with_relation(web()))
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("none"));
    assert_eq!(ctx.emitted_events()[0].hook_name(), "backends::unavailable");
}

#[test]
fn a_malformed_unit_is_logged_not_fatal() {
    let mut ctx = Context::<Balancer>::new();
    let rel = web().with_remote_unit("web/2", [("private-address", "10.0.0.9"), ("port", "x")]);
    let out = ctx
        .run(
            rel.changed_event(Some("web/2")),
            State::new().with_relation(rel),
        )
        .unwrap();
    assert_eq!(out.workload_version, None);
    assert!(ctx.juju_log().iter().any(|line| line.message
        == "http: relation `reverseproxy:2`, data of unit `web/2`, key `port`: expected a port number from 1 to 65535"));
}

struct Site {
    website: HttpProvider,
}

impl Default for Site {
    fn default() -> Self {
        Self {
            website: HttpProvider::new(Self::RELATION_WEBSITE).with_port(8080),
        }
    }
}

#[charm(
    components(website: HttpProvider = "website"),
    metadata_source = "name: site\nprovides:\n  website:\n    interface: http\nconfig:\n  options:\n    port:\n      type: int\n      default: 8080\n"
)]
impl Site {
    #[on(config_changed)]
    fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let port = cx.config()?.get_int("port").unwrap_or(8080);
        self.website.set_port(u16::try_from(port)?);
        self.website.publish(cx)?;
        Ok(())
    }
}

#[test]
fn the_provider_publishes_on_joined_and_on_request() {
    let rel = Relation::new("website", 1).with_remote_app("haproxy");
    let out = Context::<Site>::new()
        .run(
            rel.joined_event("haproxy/0"),
            State::new().with_relation(rel.clone()),
        )
        .unwrap();
    assert_eq!(
        out.relation(1).unwrap().local_unit_data,
        bag(&[
            ("hostname", "192.0.2.0"),
            ("port", "8080"),
            ("private-address", "192.0.2.0"),
        ])
    );
    let out = Context::<Site>::new()
        .run(Event::ConfigChanged, out.with_config("port", 9000))
        .unwrap();
    assert_eq!(out.relation(1).unwrap().local_unit_data["port"], "9000");
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Raw or JSON-quoted, a provider's address reads back.
        #[test]
        fn addresses_read_back(address in "[a-z0-9.:-]{1,30}", port in 1u16..=65535, quoted in any::<bool>()) {
            let mut data = ProviderUnitData::new(address.clone(), port).to_databag();
            if quoted {
                data.insert("hostname".into(), serde_json::to_string(&address).unwrap());
                data.insert("port".into(), format!("\"{port}\""));
            }
            prop_assert_eq!(HttpHost::from_databag(&data).unwrap(), [HttpHost::new(address.clone(), address, port)]);
        }

        /// Whatever a unit wrote, reading it returns, and an error never
        /// quotes what was written.
        #[test]
        fn reading_any_bag_returns_and_never_quotes_it(
            values in proptest::collection::vec(
                (prop_oneof![Just("hostname"), Just("private-address"), Just("port"), Just("extended_data")], "\\PC{0,12}"),
                0..5,
            ),
        ) {
            let unit: Databag = values
                .iter()
                .map(|(k, v)| ((*k).to_owned(), format!("{v}SECRETMARK")))
                .collect();
            let units = BTreeMap::from([("web/0".to_owned(), unit)]);
            if let Err(e) = HttpHost::from_units(&RelationRef::new("reverseproxy", 1), &units) {
                prop_assert!(!e.to_string().contains("SECRETMARK"));
            }
        }
    }
}

mod helpers {
    use ops_interfaces::testing::http::{proxy, published, web_servers, web_servers_json_quoted};

    use super::*;

    #[test]
    fn raw_and_quoted_web_servers_read_the_same() {
        for rel in [
            web_servers(
                "reverseproxy",
                2,
                "web",
                &[("10.0.0.7", 80), ("10.0.0.8", 81)],
            ),
            web_servers_json_quoted(
                "reverseproxy",
                2,
                "web",
                &[("10.0.0.7", 80), ("10.0.0.8", 81)],
            ),
        ] {
            let out = Context::<Balancer>::new()
                .run(
                    rel.changed_event(Some("web/0")),
                    State::new().with_relation(rel),
                )
                .unwrap();
            assert_eq!(
                out.workload_version.as_deref(),
                Some("web 10.0.0.7:80,10.0.0.8:81")
            );
        }
    }

    #[test]
    fn the_web_servers_address_reads_back() {
        let rel = proxy("website", 1, "haproxy");
        let out = Context::<Site>::new()
            .run(
                rel.joined_event("haproxy/0"),
                State::new().with_relation(rel),
            )
            .unwrap();
        assert_eq!(
            published(out.relation(1).unwrap()).unwrap(),
            Some(HttpHost::new("192.0.2.0", "192.0.2.0", 8080))
        );
    }
}
