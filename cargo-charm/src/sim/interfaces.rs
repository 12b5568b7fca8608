//! Scenario steps that play the remote side of a relation interface, with the
//! wire format of ops-interfaces' own testing helpers, so that `cargo charm
//! sim` can take a charm through relating to a database or an ingress proxy
//! without anyone writing databag keys by hand:
//!
//! ```yaml
//! - database-provider: {endpoint: database, app: postgresql-k8s, endpoints: "10.1.2.3:5432"}
//! - ingress-provider: {endpoint: ingress, url: "http://example.com/model-app"}
//! - http-provider: {endpoint: website, app: web, units: ["10.0.0.7:80", "10.0.0.8:80"]}
//! ```
//!
//! Each becomes the plain steps a user could write: `relation-joined` from the
//! remote application's first unit, the secret it shares (the database's user,
//! unless `secrets: false`), then `relation-changed` with its application bag;
//! the web servers of `http-provider` join one unit at a time, each with its
//! address and port in its unit bag.

use ops_interfaces::ingress::ProviderAppData;
use ops_interfaces::testing::database::ProviderSide;
use ops_interfaces::testing::http::web_servers;
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
        ] {
            let error = expand(&fields(yaml)).unwrap_err();
            assert!(error.contains(expected), "{yaml}: {error}");
        }
        assert!(expand(&fields("event: install")).unwrap().is_none());
    }
}
