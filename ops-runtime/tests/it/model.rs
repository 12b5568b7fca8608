//! Storage, resources, networks, ports, goal state, cloud spec, reboots and
//! unit addresses through the harness.

use ops_runtime::testing::{Context, RunError, State, Storage};
use ops_runtime::*;

#[derive(Default)]
struct Machine;

#[charm(metadata_source = r#"
name: machine
requires:
  db:
    interface: pgsql
extra-bindings:
  metrics:
storage:
  data:
    type: filesystem
resources:
  model-file:
    type: file
    filename: model.bin
config:
  options:
    mode:
      type: string
      default: ports
"#)]
impl Machine {
    #[on(data_storage_attached)]
    fn attached(&mut self, cx: &mut HookContext, event: StorageEvent) -> Result<(), ModelError> {
        let info = cx.storage_info(&event.storage)?;
        let all = cx.storages(Self::STORAGE_DATA)?;
        cx.set_workload_version(&format!(
            "{} {} of {}",
            info.kind,
            info.location.display(),
            all.len()
        ))
    }

    #[on(config_changed)]
    fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let mode = cx.config()?.get_str("mode").unwrap_or_default().to_owned();
        let report = match mode.as_str() {
            "ports" => {
                cx.set_ports(&[
                    Port::tcp(80),
                    Port::range(Protocol::Udp, 9000, 9010),
                    Port::icmp(),
                ])?;
                let open = cx.opened_ports()?;
                open.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            "network" => {
                let metrics = cx.network(Self::BINDING_METRICS, None)?;
                let db = cx.network(Self::BINDING_DB, Some(&event::RelationRef::new("db", 404)))?;
                format!("{:?} {:?}", metrics.bind_address(), db.ingress_address())
            }
            "planned" => cx.planned_units()?.to_string(),
            "cloud" => cx.cloud_spec()?.kind,
            "reboot" => {
                cx.reboot(false)?;
                "rebooting".to_owned()
            }
            "resource" => cx
                .resource(Self::RESOURCE_MODEL_FILE)?
                .display()
                .to_string(),
            "storage" => {
                cx.request_storage(Self::STORAGE_DATA, 2)?;
                "requested".to_owned()
            }
            "address" => cx.unit_address(AddressKind::Private)?,
            other => other.to_owned(),
        };
        cx.set_workload_version(&report)?;
        Ok(())
    }
}

fn run(state: State) -> Result<(State, Context<Machine>), RunError> {
    let mut ctx = Context::<Machine>::new();
    let out = ctx.run(Event::ConfigChanged, state)?;
    Ok((out, ctx))
}

fn version(state: State) -> String {
    run(state).unwrap().0.workload_version.unwrap_or_default()
}

#[test]
fn storage_events_and_lookups() {
    let mut ctx = Context::<Machine>::new();
    let data = Storage::new("data", 1);
    let state = State::new()
        .with_storage(Storage::new("data", 0))
        .with_storage(data.clone());
    let out = ctx.run(data.attached_event(), state).unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("filesystem /var/lib/juju/storage/data/1 of 2")
    );
    let (_, ctx) = run(State::new().with_config("mode", "storage")).unwrap();
    assert_eq!(ctx.requested_storages().get("data"), Some(&2));
}

#[test]
fn set_ports_closes_the_rest_and_opens_the_missing() {
    let (out, ctx) = run(State::new()
        .with_opened_port(Port::tcp(22))
        .with_opened_port(Port::tcp(80)))
    .unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("80/tcp 9000-9010/udp icmp")
    );
    assert_eq!(
        out.opened_ports.iter().copied().collect::<Vec<_>>(),
        [
            Port::tcp(80),
            Port::range(Protocol::Udp, 9000, 9010),
            Port::icmp()
        ]
    );
    let closes = ctx
        .hook_tool_calls()
        .iter()
        .filter(|t| **t == "close-port")
        .count();
    let opens = ctx
        .hook_tool_calls()
        .iter()
        .filter(|t| **t == "open-port")
        .count();
    assert_eq!((closes, opens), (1, 2));
}

#[test]
fn networks_default_and_fall_back_without_the_relation() {
    let custom = Network {
        ingress_addresses: vec!["10.9.9.9".into()],
        ..Network::default()
    };
    let state = State::new()
        .with_config("mode", "network")
        .with_network("db", custom);
    assert_eq!(version(state), "Some(\"192.0.2.0\") Some(\"10.9.9.9\")");
}

#[test]
fn planned_units_cloud_spec_reboot_resource_and_address() {
    assert_eq!(
        version(
            State::new()
                .with_config("mode", "planned")
                .with_planned_units(3)
        ),
        "3"
    );
    let spec = CloudSpec {
        kind: "lxd".into(),
        ..CloudSpec::default()
    };
    assert_eq!(
        version(
            State::new()
                .with_config("mode", "cloud")
                .with_model_type(ops_runtime::testing::ModelType::Machine)
                .with_cloud_spec(spec)
                .with_app_trusted(true)
        ),
        "lxd"
    );
    let err = run(State::new().with_config("mode", "cloud")).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot access cloud credentials: permission denied"),
        "{err}"
    );
    let (_, ctx) = run(State::new().with_config("mode", "reboot")).unwrap();
    assert_eq!(ctx.reboots(), [false]);
    assert_eq!(
        version(
            State::new()
                .with_config("mode", "resource")
                .with_resource("model-file", "/tmp/model.bin")
        ),
        "/tmp/model.bin"
    );
    let err = run(State::new().with_config("mode", "resource")).unwrap_err();
    assert!(
        err.to_string()
            .contains("resource#machine/model-file not found"),
        "{err}"
    );
    assert_eq!(
        version(State::new().with_config("mode", "address")),
        "192.0.2.0"
    );
}

#[test]
fn undeclared_storage_resources_and_bindings_are_refused() {
    let state = State::new()
        .with_storage(Storage::new("logs", 0))
        .with_resource("image", "/x")
        .with_network("public", Network::default());
    let Err(RunError::Inconsistent(problems)) = run(state) else {
        panic!("expected inconsistency")
    };
    assert_eq!(
        problems,
        [
            "storage `logs` is not declared in the charm's metadata",
            "resource `image` is not declared in the charm's metadata",
            "network binding `public` is neither an endpoint nor an extra binding of the charm",
        ]
    );
    let mut ctx = Context::<Machine>::new();
    let err = ctx
        .run(Storage::new("data", 5).attached_event(), State::new())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("storage `data/5`, which is not in the state"),
        "{err}"
    );
}
