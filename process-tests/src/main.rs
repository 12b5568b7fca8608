//! A charm whose `config-changed` calls the hook tools its `scenario` option
//! names and logs what it parsed, so `tests/hook_tools.rs` can check the exact
//! argv and stdin each tool gets and that its real output format is read.

use std::time::{Duration, UNIX_EPOCH};

use ops_runtime::event::RelationRef;
use ops_runtime::*;

/// The probe.
#[derive(Default)]
struct Probe;

/// The params of the `login` action.
#[derive(Debug, CharmAction)]
#[action(name = "login")]
struct Login {
    /// A password.
    password: Option<String>,
    /// A number.
    level: Option<i64>,
}

/// What the probe reads of the `db` relation's remote application, typed.
#[derive(Debug, serde::Deserialize)]
struct DbData {
    /// The database's port.
    port: u16,
}

fn db() -> RelationRef {
    RelationRef::new("db", 1)
}

#[charm]
impl Probe {
    #[on(config_changed)]
    fn probe(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let scenario = cx
            .config()?
            .get_str("scenario")
            .unwrap_or_default()
            .to_owned();
        let report = match scenario.as_str() {
            "relations" => {
                let ids = cx.relations(Self::RELATION_DB)?;
                let units = cx.relation_units(&db())?;
                let app = cx.relation_app(&db())?;
                let unit_bag = cx.relation_data(&db(), &Member::Unit("pg/0".into()))?;
                let app_bag = cx.relation_data(&db(), &Member::LocalApp)?;
                let model = cx.relation_model_uuid(&db())?;
                format!("{ids:?} {units:?} {app:?} {unit_bag:?} {app_bag:?} {model}")
            }
            "relation-typed" => {
                let data: DbData = cx.load_relation_data(&db(), &Member::RemoteApp)?;
                format!("port {}", data.port)
            }
            "cloud-spec" => {
                let spec = cx.cloud_spec()?;
                spec.kind.to_string()
            }
            "relation-set" => {
                cx.update_relation_data(
                    &db(),
                    Bag::Unit,
                    [("host", "10.0.0.1"), ("port", "5432"), ("old", "")],
                )?;
                // Nothing changes: no relation-set at all.
                cx.update_relation_data(&db(), Bag::Unit, [("port", "5432"), ("absent", "")])?;
                cx.update_relation_data(&db(), Bag::App, [("ready", "true")])?;
                "set".to_owned()
            }
            "relation-not-found" => {
                match cx.relation_data(&RelationRef::new("db", 9), &Member::LocalUnit) {
                    Err(ModelError::RelationNotFound { stderr }) => format!("not found: {stderr}"),
                    other => format!("unexpected: {other:?}"),
                }
            }
            "secret-add" => {
                let content = SecretContent::new()
                    .with("password", "hunter2")
                    .with("username", "admin");
                let options = SecretOptions {
                    label: Some("db-admin".into()),
                    description: Some("database admin".into()),
                    expire: Some(SecretExpiry::At(
                        UNIX_EPOCH + Duration::from_secs(1_795_000_000),
                    )),
                    rotate: Some(RotatePolicy::Weekly),
                };
                let secret = cx.add_secret(SecretOwner::App, &content, &options)?;
                format!("{:?}", secret.id())
            }
            "secret-read" => {
                let secret = cx.get_secret(Some("cs0001"), Some("db-admin"))?;
                let tracked = cx.secret_content(&secret, Revision::Tracked)?;
                let latest = cx.secret_content(&secret, Revision::Peek)?;
                let refreshed = cx.secret_content(&secret, Revision::Refresh)?;
                let info =
                    cx.secret_info(&Secret::from(&event::SecretRef::new("cs0001", None, "")))?;
                format!(
                    "{:?} {:?} {:?} {} {:?} {:?}",
                    tracked.get("password"),
                    latest.get("password"),
                    refreshed.get("password"),
                    info.revision,
                    info.label,
                    info.rotation
                )
            }
            "secret-manage" => {
                let secret = cx.get_secret(Some("secret:cs0001"), None)?;
                cx.set_secret_content(&secret, &SecretContent::new().with("password", "n3w"))?;
                cx.set_secret_info(
                    &secret,
                    &SecretOptions {
                        description: Some("rotated".into()),
                        ..SecretOptions::default()
                    },
                )?;
                cx.grant_secret(&secret, &db(), None)?;
                cx.grant_secret(&secret, &db(), Some("pg/0"))?;
                cx.revoke_secret(&secret, &db(), Some("pg/0"))?;
                cx.remove_secret_revision(&secret, 3)?;
                cx.remove_secret(&secret)?;
                let ids = cx.secret_ids()?;
                format!("{ids:?}")
            }
            "secret-not-found" => match cx.get_secret(None, Some("missing")) {
                Err(ModelError::SecretNotFound { stderr }) => format!("not found: {stderr}"),
                other => format!("unexpected: {other:?}"),
            },
            "storage" => {
                let ids = cx.storages(Self::STORAGE_DATA)?;
                let info = cx.storage_info(&ids[0])?;
                cx.request_storage(Self::STORAGE_DATA, 2)?;
                format!("{ids:?} {} {}", info.kind, info.location.display())
            }
            "misc" => {
                let resource = cx.resource(Self::RESOURCE_MODEL_FILE)?;
                let network = cx.network(Self::BINDING_METRICS, None)?;
                let db_network = cx.network(Self::BINDING_DB, Some(&db()))?;
                let planned = cx.planned_units()?;
                let spec = cx.cloud_spec()?;
                let address = cx.unit_address(AddressKind::Public)?;
                cx.reboot(false)?;
                format!(
                    "{} {:?} {:?} {planned} {} {:?} {address}",
                    resource.display(),
                    network.bind_address(),
                    db_network.ingress_address(),
                    spec.kind,
                    spec.credential.map(|c| c.auth_type)
                )
            }
            "reboot-now" => {
                cx.reboot(true)?;
                // Never reached: the process ends once Juju has the request.
                cx.set_workload_version("after the reboot request")?;
                String::new()
            }
            "ports" => {
                cx.set_ports(&[
                    Port::tcp(80),
                    Port::range(Protocol::Udp, 9000, 9010),
                    Port::icmp(),
                ])?;
                "ports set".to_owned()
            }
            "status" => {
                let unit = cx.unit_status()?;
                let app = cx.app_status()?;
                cx.set_app_status(Status::waiting("for peers"))?;
                format!("{unit} | {app}")
            }
            "controller-state" => {
                let tools = cx.hook_tools();
                tools.state_set("counter", "{\"n\": 1}")?;
                let value = tools.state_get("counter")?;
                tools.state_delete("counter")?;
                format!("{value:?}")
            }
            "pod-spec" => {
                let spec = serde_json::json!({"version": 3, "containers": [{"name": "app"}]});
                cx.set_pod_spec(&spec, None)?;
                "pod spec set".to_owned()
            }
            _ => return Ok(()),
        };
        log::info!("{report}");
        Ok(())
    }

    #[on(login_action)]
    fn login(&mut self, params: Params<Login>) -> Result<(), CharmError> {
        log::info!(
            "login with a password: {}, level {:?}",
            params.password.is_some(),
            params.level
        );
        Ok(())
    }

    #[on(collect_metrics)]
    fn metrics(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.add_metrics(
            &[("requests", 42.0), ("latency-ms", 1.5)],
            &[("region", "eu")],
        )
    }
}

fn main() -> std::process::ExitCode {
    ops_runtime::main::<Probe>()
}
