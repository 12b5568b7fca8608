//! The harness's `State`: the model's type, trust, and the lookups and
//! defaults a test leans on.

use ops_runtime::testing::{Container, Context, ModelType, Relation, RunError, State};
use ops_runtime::*;

#[derive(Default)]
struct Cloudy;

#[charm(metadata_source = r#"
name: cloudy
containers:
  workload: {}
requires:
  db:
    interface: pgsql
"#)]
impl Cloudy {
    #[on(install)]
    fn install(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        let spec = cx.cloud_spec()?;
        cx.set_workload_version(&spec.kind)
    }
}

fn lxd() -> CloudSpec {
    CloudSpec {
        kind: "lxd".into(),
        ..CloudSpec::default()
    }
}

fn machine() -> State {
    State::new().with_model_type(ModelType::Machine)
}

#[test]
fn credential_get_needs_a_trusted_application_not_only_a_cloud_spec() {
    let mut ctx = Context::<Cloudy>::new();
    let err = ctx
        .run(Event::Install, machine().with_cloud_spec(lxd()))
        .unwrap_err();
    assert!(matches!(err, RunError::Failed { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("cannot access cloud credentials: permission denied"),
        "{err}"
    );
    assert!(
        ctx.warnings()
            .iter()
            .any(|w| w.contains("not trusted") && w.contains("with_app_trusted")),
        "{:?}",
        ctx.warnings()
    );
    let out = ctx
        .run(
            Event::Install,
            machine().with_cloud_spec(lxd()).with_app_trusted(true),
        )
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("lxd"));
    assert!(ctx.warnings().is_empty(), "{:?}", ctx.warnings());
}

#[test]
fn a_kubernetes_model_gives_its_cloud_spec_from_juju_3_6_10() {
    let spec = CloudSpec {
        kind: "kubernetes".into(),
        ..CloudSpec::default()
    };
    let state = State::new().with_cloud_spec(spec).with_app_trusted(true);
    assert_eq!(state.model_type, ModelType::Kubernetes);
    let mut ctx = Context::<Cloudy>::new().with_juju_version("3.6.9".parse().unwrap());
    let err = ctx.run(Event::Install, state.clone()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, RunError::Inconsistent(_)), "{message}");
    assert!(message.contains("from Juju 3.6.10"), "{message}");
    assert!(message.contains("runs Juju 3.6.9"), "{message}");
    // The same state on a machine model, or with a newer Juju, is fine.
    ctx.run(
        Event::Install,
        state.clone().with_model_type(ModelType::Machine),
    )
    .unwrap();
    let mut ctx = Context::<Cloudy>::new().with_juju_version("3.6.10".parse().unwrap());
    let out = ctx.run(Event::Install, state).unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("kubernetes"));
}

#[test]
fn a_machine_model_has_no_containers() {
    #[derive(Default)]
    struct Quiet;

    #[charm(metadata_source = "name: quiet\ncontainers:\n  workload: {}\n")]
    impl Quiet {}

    let mut ctx = Context::<Quiet>::new();
    let with_container = |state: State| state.with_container(Container::new("workload"));
    let err = ctx
        .run(Event::Start, with_container(machine()))
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("the state has containers (`workload`), but a machine model"),
        "{message}"
    );
    ctx.run(Event::Start, with_container(State::new())).unwrap();
}

#[test]
fn relation_on_finds_a_relation_by_endpoint() {
    let state = State::new()
        .with_relation(Relation::new("db", 4))
        .with_relation(Relation::new("db", 9));
    assert_eq!(state.relation_on("db").map(|r| r.id), Some(4));
    assert!(state.relation_on("website").is_none());
}

#[derive(Default)]
struct Addresses;

#[charm(metadata_source = r#"
name: addresses
requires:
  db:
    interface: pgsql
"#)]
impl Addresses {
    #[on(db_relation_changed)]
    fn changed(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        let Event::RelationChanged(e) = cx.event().clone() else {
            return Ok(());
        };
        let remote = cx.relation_data(&e.relation, &Member::Unit("remote/0".into()))?;
        let local = cx.relation_data(&e.relation, &Member::LocalUnit)?;
        let show = |bag: &Databag| {
            ["private-address", "ingress-address", "egress-subnets"]
                .map(|k| bag.get(k).map_or("-", String::as_str).to_owned())
                .join(" ")
        };
        cx.set_workload_version(&format!("{} | {}", show(&remote), show(&local)))?;
        cx.update_relation_data(&e.relation, Bag::Unit, [("seen", "yes")])
    }
}

#[test]
fn unit_databags_carry_jujus_address_keys_unless_the_test_sets_them() {
    let mut ctx = Context::<Addresses>::new();
    let db = Relation::new("db", 3);
    let out = ctx
        .run(
            db.changed_event(Some("remote/0")),
            State::new().with_relation(db),
        )
        .unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("192.0.2.0 192.0.2.0 192.0.2.0/24 | 192.0.2.0 192.0.2.0 192.0.2.0/24")
    );
    // The output shows what the charm wrote, not the keys Juju added.
    let bag = &out.relation(3).unwrap().local_unit_data;
    assert_eq!(bag.len(), 1, "{bag:?}");
    assert_eq!(bag.get("seen").map(String::as_str), Some("yes"));

    // Keys the test sets win; this unit's come from its network on the endpoint.
    let network = Network {
        bind_addresses: vec![BindAddress {
            mac_address: String::new(),
            interface_name: "eth0".into(),
            addresses: vec![Address {
                hostname: String::new(),
                value: "10.1.1.7".into(),
                cidr: "10.1.1.0/24".into(),
            }],
        }],
        ingress_addresses: vec!["10.9.9.9".into()],
        egress_subnets: vec!["10.1.1.7/32".into()],
    };
    let db = Relation::new("db", 3)
        .with_remote_unit("remote/0", [("private-address", "10.5.5.5")])
        .with_local_unit_data([("egress-subnets", "10.0.0.0/8")]);
    let out = ctx
        .run(
            db.changed_event(Some("remote/0")),
            State::new().with_relation(db).with_network("db", network),
        )
        .unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("10.5.5.5 192.0.2.0 192.0.2.0/24 | 10.1.1.7 10.9.9.9 10.0.0.0/8")
    );
    let bag = &out.relation(3).unwrap().local_unit_data;
    assert_eq!(
        bag.get("egress-subnets").map(String::as_str),
        Some("10.0.0.0/8")
    );
    assert!(!bag.contains_key("private-address"), "{bag:?}");
}

#[derive(Default)]
struct Advertiser;

#[charm(metadata_source = r#"
name: advertiser
provides:
  website:
    interface: http
"#)]
impl Advertiser {
    /// Publishes its address under Juju's own key, with Juju's value, as
    /// the http interface's provider does.
    #[on(website_relation_joined)]
    fn joined(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        let Event::RelationJoined(e) = cx.event().clone() else {
            return Ok(());
        };
        let local = cx.relation_data(&e.relation, &Member::LocalUnit)?;
        let address = local.get("ingress-address").cloned().unwrap_or_default();
        cx.update_relation_data(
            &e.relation,
            Bag::Unit,
            [("private-address", address.as_str()), ("port", "80")],
        )
    }
}

#[test]
fn an_address_key_the_charm_writes_stays_in_the_output_even_with_jujus_value() {
    let mut ctx = Context::<Advertiser>::new();
    let website = Relation::new("website", 5);
    let out = ctx
        .run(
            website.joined_event("remote/0"),
            State::new().with_relation(website),
        )
        .unwrap();
    let bag = &out.relation(5).unwrap().local_unit_data;
    assert_eq!(
        bag.get("private-address").map(String::as_str),
        Some("192.0.2.0"),
        "{bag:?}"
    );
    assert_eq!(bag.get("port").map(String::as_str), Some("80"));
    // The keys Juju wrote and the charm did not stay out of the output.
    assert!(!bag.contains_key("ingress-address"), "{bag:?}");
    assert!(!bag.contains_key("egress-subnets"), "{bag:?}");
}

const CHECKS: &str = r#"
checks:
  alive: {override: replace, level: alive, threshold: 5, http: {url: "http://localhost/"}}
  later: {override: replace, startup: disabled, exec: {command: /bin/true}}
"#;

#[derive(Default)]
struct Checker;

#[charm(metadata_source = "name: checker\ncontainers:\n  web: {}\n")]
impl Checker {
    #[on(web_pebble_ready)]
    fn ready(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let layer = pebble::Layer::from_yaml(CHECKS)?;
        cx.container(Self::CONTAINER_WEB)
            .add_layer("checks", &layer, false)?;
        Ok(())
    }
}

#[test]
fn check_infos_come_from_the_plans_checks_as_pebble_makes_them() {
    let mut ctx = Context::<Checker>::new();
    let web = Container::new("web").with_can_connect(true);
    let out = ctx
        .run(web.pebble_ready_event(), State::new().with_container(web))
        .unwrap();
    let infos = &out.container("web").unwrap().check_infos;
    let summary: Vec<String> = infos
        .iter()
        .map(|i| {
            format!(
                "{} {:?} {:?} {:?} {}",
                i.name, i.level, i.startup, i.status, i.threshold
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "alive Some(Alive) Enabled Up 5",
            "later None Disabled Inactive 3",
        ]
    );
    // A layer in the input state gives its checks infos too: a check event on
    // one needs no hand-made info.
    let web = Container::new("web")
        .with_can_connect(true)
        .with_layer("checks", pebble::Layer::from_yaml(CHECKS).unwrap());
    ctx.run(
        web.check_failed_event("alive"),
        State::new().with_container(web),
    )
    .unwrap();
}

#[test]
fn a_hand_made_check_info_must_agree_with_the_plan() {
    let mut ctx = Context::<Checker>::new();
    let mut info = testing::check_info("alive");
    info.threshold = 9;
    let web = Container::new("web")
        .with_layer("checks", pebble::Layer::from_yaml(CHECKS).unwrap())
        .with_check_info(info);
    let err = ctx
        .run(Event::Start, State::new().with_container(web))
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("check info for `alive`"), "{message}");
    assert!(message.contains("threshold 9"), "{message}");
    assert!(message.contains("threshold 5"), "{message}");
}

#[test]
fn a_rocks_services_and_checks_make_a_replacing_base_layer() {
    let rockcraft = r#"
name: web
services:
  web: {command: /bin/web, startup: enabled}
  side: {override: merge, command: /bin/side}
checks:
  up: {level: ready, threshold: 4, http: {url: "http://localhost/"}}
parts: {}
"#;
    let layer = testing::layer_from_rockcraft(rockcraft).unwrap();
    let yaml = layer.to_yaml().unwrap();
    assert!(yaml.contains("override: replace"), "{yaml}");
    assert!(yaml.contains("override: merge"), "{yaml}");
    // The checks it defines get infos from the plan.
    let web = Container::new("web").with_layer("rock", layer);
    assert_eq!(web.plan().unwrap().services.len(), 2);
    let mut ctx = Context::<Checker>::new();
    let out = ctx
        .run(Event::Start, State::new().with_container(web))
        .unwrap();
    let up = &out.container("web").unwrap().check_infos[0];
    assert_eq!((up.name.as_str(), up.threshold), ("up", 4));
}

#[test]
fn a_bad_rockcraft_yaml_is_a_typed_error() {
    use ops_runtime::testing::{MAX_ROCKCRAFT_BYTES, RockcraftError, layer_from_rockcraft};
    let big = format!("name: x\n#{}\n", "a".repeat(MAX_ROCKCRAFT_BYTES));
    assert!(matches!(
        layer_from_rockcraft(&big),
        Err(RockcraftError::TooLarge { .. })
    ));
    assert!(matches!(
        layer_from_rockcraft("services: [a, b]"),
        Err(RockcraftError::NotAMapping("services"))
    ));
    assert!(matches!(
        layer_from_rockcraft("services: {web: {command: 3: 4}}"),
        Err(RockcraftError::Yaml(_))
    ));
    assert!(matches!(
        layer_from_rockcraft("checks: {up: {threshold: many}}"),
        Err(RockcraftError::Layer(_))
    ));
    assert!(
        layer_from_rockcraft("name: bare\n")
            .unwrap()
            .to_yaml()
            .is_ok()
    );
}
