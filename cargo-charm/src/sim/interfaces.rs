//! Scenario steps that play the remote side of a relation interface, with the
//! wire format of ops-interfaces' own testing helpers, so that `cargo charm
//! sim` can take a charm through relating to a database, an ingress proxy or
//! the observability stack without anyone writing databag keys by hand:
//!
//! ```yaml
//! - database-provider: {endpoint: database, app: postgresql-k8s, endpoints: "10.1.2.3:5432"}
//! - ingress-provider: {endpoint: ingress, url: "http://example.com/model-app"}
//! - http-provider: {endpoint: website, app: web, units: ["10.0.0.7:80", "10.0.0.8:80"]}
//! - prometheus-requirer: {endpoint: metrics-endpoint, app: prometheus}
//! - loki-provider: {endpoint: logging, app: loki, urls: ["http://loki-0.loki-endpoints:3100/loki/api/v1/push"]}
//! - grafana-requirer: {endpoint: grafana-dashboard, app: grafana}
//! ```
//!
//! Each becomes the plain steps a user could write: `relation-joined` from the
//! remote application's first unit, the secret it shares (the database's user,
//! unless `secrets: false`), then `relation-changed` with its application bag;
//! the web servers of `http-provider` and the Loki units of `loki-provider`
//! join one unit at a time, each with what it publishes in its unit bag (a
//! web server's address and port, a Loki unit's push endpoint, which a
//! `LogForwarder` turns into a Pebble log target). Prometheus and Grafana
//! write nothing the charm needs: `prometheus-requirer` and
//! `grafana-requirer` are one unit joining (created, joined, changed), in
//! which a charm publishes its scrape jobs or its dashboards.

use ops_interfaces::ingress::ProviderAppData;
use ops_interfaces::testing::database::ProviderSide;
use ops_interfaces::testing::http::web_servers;
use ops_interfaces::testing::{grafana_dashboard, loki_push_api, prometheus_scrape};
use ops_runtime::testing::Relation;
use serde_json::{Map, Value};

use super::scenario::{SecretStep, Step};
use super::state::Databag;

/// The interface steps, each with the keys it takes.
const STEPS: &[(&str, &[&str])] = &[
    (
        "database-provider",
        &[
            "endpoint",
            "app",
            "database",
            "endpoints",
            "read-only-endpoints",
            "username",
            "password",
            "secrets",
        ],
    ),
    ("ingress-provider", &["endpoint", "app", "url", "version"]),
    ("http-provider", &["endpoint", "app", "units"]),
    ("prometheus-requirer", &["endpoint", "app"]),
    ("loki-provider", &["endpoint", "app", "urls"]),
    ("grafana-requirer", &["endpoint", "app"]),
];

/// The names of the interface steps, for the scenario parser's error messages.
pub(super) fn step_names() -> impl Iterator<Item = &'static str> {
    STEPS.iter().map(|(name, _)| *name)
}

/// The plain steps an interface step stands for, if `fields` is one.
pub(super) fn expand(fields: &Map<String, Value>) -> Result<Option<Vec<Step>>, String> {
    let Some((name, allowed)) = STEPS.iter().find(|(name, _)| fields.contains_key(*name)) else {
        return Ok(None);
    };
    if let Some(other) = fields.keys().find(|key| key.as_str() != *name) {
        return Err(format!(
            "`{name}` is a step of its own; `{other}` does not go with it"
        ));
    }
    let spec = match fields.get(*name) {
        Some(Value::Object(spec)) => spec,
        _ => return Err(format!("`{name}` is a map with `endpoint` and more")),
    };
    if let Some(key) = spec.keys().find(|key| !allowed.contains(&key.as_str())) {
        return Err(format!(
            "`{name}` has no `{key}` (it takes {})",
            allowed
                .iter()
                .map(|key| format!("`{key}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let text = |key: &str| -> Result<Option<String>, String> {
        match spec.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if !text.is_empty() => Ok(Some(text.clone())),
            Some(_) => Err(format!("`{name}`'s `{key}` is a non-empty string")),
        }
    };
    let steps = match *name {
        "database-provider" => {
            let endpoint = text("endpoint")?.unwrap_or_else(|| "database".to_owned());
            let mut provider = ProviderSide::new(&endpoint, 0);
            let app = text("app")?.unwrap_or_else(|| "postgresql".to_owned());
            provider = provider.with_app(&app);
            if let Some(database) = text("database")? {
                provider = provider.with_database(database);
            }
            if let Some(endpoints) = text("endpoints")? {
                provider = provider.with_endpoints(endpoints);
            }
            if let Some(endpoints) = text("read-only-endpoints")? {
                provider = provider.with_read_only_endpoints(endpoints);
            }
            let username = text("username")?.unwrap_or_else(|| "sim-user".to_owned());
            let password = text("password")?.unwrap_or_else(|| "sim-password".to_owned());
            provider = provider.with_credentials(username, password);
            let secrets = match spec.get("secrets") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(secrets)) => *secrets,
                Some(_) => return Err(format!("`{name}`'s `secrets` is true or false")),
            };
            if secrets {
                let (relation, secret) = provider.answered();
                let content = secret
                    .latest_content()
                    .map(|content| {
                        content
                            .iter()
                            .map(|(k, v)| (k.to_owned(), v.to_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                let shared = Step::Secret(SecretStep::Create {
                    id: Some(secret.id.clone()),
                    owner: app.clone(),
                    label: None,
                    content,
                });
                relate(&endpoint, &app, Some(shared), relation.remote_app_data)
            } else {
                relate(
                    &endpoint,
                    &app,
                    None,
                    provider.answered_plain().remote_app_data,
                )
            }
        }
        "http-provider" => {
            let endpoint = text("endpoint")?.unwrap_or_else(|| "website".to_owned());
            let app = text("app")?.unwrap_or_else(|| "web".to_owned());
            let units = http_units(name, spec.get("units"))?;
            let listed: Vec<(&str, u16)> = units.iter().map(|(a, p)| (a.as_str(), *p)).collect();
            let relation = web_servers(&endpoint, 0, &app, &listed);
            relation
                .remote_units
                .into_iter()
                .map(|(unit, data)| Step::Relation {
                    kind: "joined".to_owned(),
                    endpoint: endpoint.clone(),
                    remote_app: Some(app.clone()),
                    remote_unit: Some(unit),
                    data,
                    app_data: Databag::new(),
                })
                .collect()
        }
        "prometheus-requirer" => {
            let endpoint = text("endpoint")?.unwrap_or_else(|| "metrics-endpoint".to_owned());
            let app = text("app")?.unwrap_or_else(|| "prometheus".to_owned());
            join_units(&endpoint, &app, prometheus_scrape::requirer(&endpoint, 0))
        }
        "loki-provider" => {
            let endpoint = text("endpoint")?.unwrap_or_else(|| "logging".to_owned());
            let app = text("app")?.unwrap_or_else(|| "loki".to_owned());
            let urls = match spec.get("urls") {
                None | Some(Value::Null) => {
                    vec![format!(
                        "http://{app}-0.{app}-endpoints:3100/loki/api/v1/push"
                    )]
                }
                urls => loki_urls(name, urls)?,
            };
            let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
            join_units(
                &endpoint,
                &app,
                loki_push_api::provider(&endpoint, 0, &urls),
            )
        }
        "grafana-requirer" => {
            let endpoint = text("endpoint")?.unwrap_or_else(|| "grafana-dashboard".to_owned());
            let app = text("app")?.unwrap_or_else(|| "grafana".to_owned());
            join_units(&endpoint, &app, grafana_dashboard::requirer(&endpoint, 0))
        }
        _ => {
            let endpoint = text("endpoint")?.unwrap_or_else(|| "ingress".to_owned());
            let app = text("app")?.unwrap_or_else(|| "traefik".to_owned());
            let url = text("url")?.ok_or_else(|| format!("`{name}` needs `url`"))?;
            let answer = ProviderAppData::new(url);
            let bag = match spec.get("version") {
                None | Some(Value::Null) => answer.to_databag(),
                Some(version) if version.as_u64() == Some(2) => answer.to_databag(),
                Some(version) if version.as_u64() == Some(1) => answer.to_databag_v1(),
                Some(_) => return Err(format!("`{name}`'s `version` is 1 or 2")),
            };
            relate(&endpoint, &app, None, bag)
        }
    };
    Ok(Some(steps))
}

/// The `units` of an `http-provider` step: `host:port` strings, at least one.
fn http_units(name: &str, units: Option<&Value>) -> Result<Vec<(String, u16)>, String> {
    let wrong =
        || format!("`{name}`'s `units` is a list of `host:port`, such as [\"10.0.0.7:80\"]");
    let Some(Value::Array(units)) = units else {
        return Err(wrong());
    };
    if units.is_empty() {
        return Err(wrong());
    }
    units
        .iter()
        .map(|unit| {
            let (host, port) = unit
                .as_str()
                .and_then(|unit| unit.rsplit_once(':'))
                .ok_or_else(wrong)?;
            let port = port.parse::<u16>().map_err(|_| wrong())?;
            if host.is_empty() {
                return Err(wrong());
            }
            Ok((host.to_owned(), port))
        })
        .collect()
}

/// The `urls` of a `loki-provider` step: `http(s)://` URLs, at least one.
fn loki_urls(name: &str, urls: Option<&Value>) -> Result<Vec<String>, String> {
    let wrong = || {
        format!(
            "`{name}`'s `urls` is a list of push URLs, such as \
             [\"http://loki-0.loki-endpoints:3100/loki/api/v1/push\"]"
        )
    };
    let Some(Value::Array(urls)) = urls else {
        return Err(wrong());
    };
    if urls.is_empty() {
        return Err(wrong());
    }
    urls.iter()
        .map(|url| match url.as_str() {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(url.to_owned())
            }
            _ => Err(wrong()),
        })
        .collect()
}

/// `relation-joined` from each remote unit of `relation` (a testing helper's,
/// whose application may have another name), renamed `<app>/<n>`, one at a
/// time, each with its unit bag, and the first with the application bag.
fn join_units(endpoint: &str, app: &str, relation: Relation) -> Vec<Step> {
    let mut app_data = relation.remote_app_data;
    let mut units: Vec<(u64, Databag)> = relation
        .remote_units
        .into_iter()
        .map(|(unit, data)| {
            let number = unit
                .rsplit_once('/')
                .and_then(|(_, n)| n.parse().ok())
                .unwrap_or_default();
            (number, data)
        })
        .collect();
    units.sort_by_key(|(number, _)| *number);
    units
        .into_iter()
        .map(|(number, data)| Step::Relation {
            kind: "joined".to_owned(),
            endpoint: endpoint.to_owned(),
            remote_app: Some(app.to_owned()),
            remote_unit: Some(format!("{app}/{number}")),
            data,
            app_data: std::mem::take(&mut app_data),
        })
        .collect()
}

/// `relation-joined` from `app`'s first unit, the step `between` if any, then
/// `relation-changed` with `app_data`.
fn relate(endpoint: &str, app: &str, between: Option<Step>, app_data: Databag) -> Vec<Step> {
    let relation = |kind: &str, app_data: Databag| Step::Relation {
        kind: kind.to_owned(),
        endpoint: endpoint.to_owned(),
        remote_app: Some(app.to_owned()),
        remote_unit: Some(format!("{app}/0")),
        data: Databag::new(),
        app_data,
    };
    let mut steps = vec![relation("joined", Databag::new())];
    steps.extend(between);
    steps.push(relation("changed", app_data));
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(yaml: &str) -> Map<String, Value> {
        let value: yaml_serde::Value = yaml_serde::from_str(yaml).unwrap();
        match serde_json::to_value(value).unwrap() {
            Value::Object(map) => map,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_database_answers_with_its_user_in_a_secret() {
        let steps = expand(&fields(
            "database-provider: {endpoint: db, app: pg, endpoints: '10.1.2.3:5432', username: u, password: p}",
        ))
        .unwrap()
        .unwrap();
        let [
            joined,
            Step::Secret(SecretStep::Create {
                id, owner, content, ..
            }),
            changed,
        ] = &steps[..]
        else {
            panic!("{steps:?}");
        };
        assert!(
            matches!(joined, Step::Relation { kind, endpoint, remote_unit, .. }
            if kind == "joined" && endpoint == "db" && remote_unit.as_deref() == Some("pg/0"))
        );
        assert_eq!(owner, "pg");
        assert_eq!(content["username"], "u");
        assert_eq!(content["password"], "p");
        let Step::Relation { kind, app_data, .. } = changed else {
            panic!("{changed:?}");
        };
        assert_eq!(kind, "changed");
        assert_eq!(app_data["endpoints"], "10.1.2.3:5432");
        assert_eq!(Some(&app_data["secret-user"]), id.as_ref());
        assert!(!app_data.contains_key("password"));
    }

    #[test]
    fn a_database_without_secrets_answers_in_plain_fields() {
        let steps = expand(&fields("database-provider: {endpoint: db, secrets: false}"))
            .unwrap()
            .unwrap();
        assert_eq!(steps.len(), 2);
        let Step::Relation { app_data, .. } = &steps[1] else {
            panic!("{steps:?}");
        };
        assert_eq!(app_data["username"], "sim-user");
        assert_eq!(app_data["password"], "sim-password");
        assert!(!app_data.contains_key("secret-user"));
    }

    #[test]
    fn an_ingress_proxy_answers_with_the_url() {
        let steps = expand(&fields("ingress-provider: {url: 'http://x/m-a'}"))
            .unwrap()
            .unwrap();
        let Step::Relation {
            endpoint, app_data, ..
        } = &steps[1]
        else {
            panic!("{steps:?}");
        };
        assert_eq!(endpoint, "ingress");
        assert_eq!(app_data["ingress"], r#"{"url": "http://x/m-a"}"#);
        let v1 = expand(&fields(
            "ingress-provider: {url: 'http://x/m-a', version: 1}",
        ))
        .unwrap()
        .unwrap();
        let Step::Relation { app_data, .. } = &v1[1] else {
            panic!("{v1:?}");
        };
        assert_eq!(app_data["ingress"], "url: http://x/m-a\n");
    }

    #[test]
    fn web_servers_join_one_unit_at_a_time_with_their_address() {
        let steps = expand(&fields(
            "http-provider: {endpoint: site, units: ['10.0.0.7:80', 'web-1.local:8080']}",
        ))
        .unwrap()
        .unwrap();
        let units: Vec<(String, String, String)> = steps
            .iter()
            .map(|step| match step {
                Step::Relation {
                    kind,
                    remote_unit,
                    data,
                    ..
                } => {
                    assert_eq!(kind, "joined");
                    (
                        remote_unit.clone().unwrap_or_default(),
                        data["hostname"].clone(),
                        data["port"].clone(),
                    )
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            units,
            [
                ("web/0".to_owned(), "10.0.0.7".to_owned(), "80".to_owned()),
                (
                    "web/1".to_owned(),
                    "web-1.local".to_owned(),
                    "8080".to_owned()
                ),
            ]
        );
    }

    /// The `(remote unit, unit bag)` of each `relation-joined` step.
    fn joined_units(steps: &[Step]) -> Vec<(String, Databag)> {
        steps
            .iter()
            .map(|step| match step {
                Step::Relation {
                    kind,
                    remote_unit,
                    data,
                    ..
                } => {
                    assert_eq!(kind, "joined");
                    (remote_unit.clone().unwrap_or_default(), data.clone())
                }
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn prometheus_and_grafana_join_with_one_unit() {
        let steps = expand(&fields("prometheus-requirer: {app: prometheus-k8s}"))
            .unwrap()
            .unwrap();
        let [
            Step::Relation {
                endpoint,
                remote_app,
                app_data,
                ..
            },
        ] = &steps[..]
        else {
            panic!("{steps:?}");
        };
        assert_eq!(endpoint, "metrics-endpoint");
        assert_eq!(remote_app.as_deref(), Some("prometheus-k8s"));
        assert!(app_data.is_empty(), "Prometheus writes nothing");
        assert_eq!(joined_units(&steps)[0].0, "prometheus-k8s/0");

        let steps = expand(&fields("grafana-requirer: {endpoint: dashboards}"))
            .unwrap()
            .unwrap();
        let [Step::Relation { endpoint, .. }] = &steps[..] else {
            panic!("{steps:?}");
        };
        assert_eq!(endpoint, "dashboards");
        assert_eq!(joined_units(&steps)[0].0, "grafana/0");
    }

    #[test]
    fn loki_units_join_one_at_a_time_with_their_push_endpoint() {
        let urls: Vec<String> = (0..11)
            .map(|n| format!("http://loki-{n}:3100/loki/api/v1/push"))
            .collect();
        let yaml = format!(
            "loki-provider: {{app: loki-k8s, urls: [{}]}}",
            urls.iter()
                .map(|url| format!("'{url}'"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let units = joined_units(&expand(&fields(&yaml)).unwrap().unwrap());
        assert_eq!(units.len(), 11);
        for (n, (unit, data)) in units.iter().enumerate() {
            assert_eq!(unit, &format!("loki-k8s/{n}"), "in unit order");
            assert_eq!(data["endpoint"], format!(r#"{{"url": "{}"}}"#, urls[n]));
        }

        let units = joined_units(&expand(&fields("loki-provider: {}")).unwrap().unwrap());
        assert_eq!(
            units,
            [(
                "loki/0".to_owned(),
                [(
                    "endpoint".to_owned(),
                    r#"{"url": "http://loki-0.loki-endpoints:3100/loki/api/v1/push"}"#.to_owned()
                )]
                .into()
            )]
        );
    }

    #[test]
    fn mistakes_are_named() {
        for (yaml, expected) in [
            ("database-provider: {endpont: db}", "has no `endpont`"),
            ("database-provider: db", "is a map"),
            (
                "database-provider: {secrets: 'yes'}",
                "`secrets` is true or false",
            ),
            ("ingress-provider: {}", "needs `url`"),
            (
                "ingress-provider: {url: u, version: 3}",
                "`version` is 1 or 2",
            ),
            (
                "{ingress-provider: {url: u}, event: install}",
                "does not go with it",
            ),
            ("loki-provider: {urls: []}", "is a list of push URLs"),
            (
                "loki-provider: {urls: ['loki:3100']}",
                "is a list of push URLs",
            ),
            (
                "loki-provider: {urls: 'http://l'}",
                "is a list of push URLs",
            ),
            ("prometheus-requirer: {url: x}", "has no `url`"),
            ("grafana-requirer: {app: 3}", "`app` is a non-empty string"),
        ] {
            let error = expand(&fields(yaml)).unwrap_err();
            assert!(error.contains(expected), "{yaml}: {error}");
        }
        assert!(expand(&fields("event: install")).unwrap().is_none());
    }
}
