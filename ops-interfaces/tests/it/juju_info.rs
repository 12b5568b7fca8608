//! `juju-info` (interfaces.md §9): only Juju's own keys travel; a subordinate
//! learns its principal's address, and sees units come and go.

use ops_interfaces::juju_info::{JujuInfoRequirer, UnitAddresses, UnitAvailable, UnitDeparted};
use ops_runtime::testing::{Context, Relation, State};
use ops_runtime::*;

#[test]
fn addresses_read_from_jujus_keys_only() {
    let bag: Databag = [
        ("private-address", "10.0.0.5"),
        ("ingress-address", "10.0.9.5"),
        ("egress-subnets", "10.0.9.5/32, 10.0.8.0/24"),
        ("anything-else", "ignored"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let addresses = UnitAddresses::from_databag(&bag);
    assert_eq!(addresses.private_address.as_deref(), Some("10.0.0.5"));
    assert_eq!(addresses.address(), Some("10.0.9.5"));
    assert_eq!(addresses.egress_subnets, ["10.0.9.5/32", "10.0.8.0/24"]);
    assert_eq!(
        UnitAddresses::databag_for("fd00::5")["egress-subnets"],
        "fd00::5/128"
    );
}

#[derive(Default)]
struct Agent {
    host: JujuInfoRequirer,
}

#[charm(
    components(host: JujuInfoRequirer = "juju-info"),
    metadata_source = "name: agent\nsubordinate: true\nrequires:\n  juju-info:\n    interface: juju-info\n    scope: container\n"
)]
impl Agent {
    #[on(host::unit_available)]
    fn watch(
        &mut self,
        cx: &mut HookContext,
        event: Custom<UnitAvailable>,
    ) -> Result<(), ModelError> {
        let at = event.addresses.address().unwrap_or("nowhere");
        cx.set_workload_version(&format!("{} at {at}", event.unit))
    }

    #[on(host::unit_departed)]
    fn departed(
        &mut self,
        cx: &mut HookContext,
        event: Custom<UnitDeparted>,
    ) -> Result<(), ModelError> {
        cx.set_workload_version(&format!("{} left", event.unit))
    }

    #[on(host::relation_gone)]
    fn gone(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.set_workload_version("gone")
    }

    #[on(config_changed)]
    fn report(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        let principal = self.host.principal(cx)?;
        let text = match principal {
            Some((unit, addresses)) => format!("{unit}={}", addresses.address().unwrap_or("?")),
            None => "no principal".to_owned(),
        };
        cx.set_workload_version(&text)
    }
}

fn principal() -> Relation {
    Relation::subordinate("juju-info", 1, "mysql/0")
        .with_remote_unit("mysql/0", UnitAddresses::databag_for("10.0.0.5"))
}

#[test]
fn the_subordinate_learns_its_principal_and_writes_nothing() {
    let mut ctx = Context::<Agent>::new();
    for event in [
        principal().joined_event("mysql/0"),
        principal().changed_event(Some("mysql/0")),
    ] {
        let out = ctx
            .run(event, State::new().with_relation(principal()))
            .unwrap();
        assert_eq!(out.workload_version.as_deref(), Some("mysql/0 at 10.0.0.5"));
        let rel = out.relation(1).unwrap();
        assert!(rel.local_unit_data.is_empty() && rel.local_app_data.is_empty());
    }
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_relation(principal()),
        )
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("mysql/0=10.0.0.5"));
    let out = ctx.run(Event::ConfigChanged, State::new()).unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("no principal"));
}

#[test]
fn departed_and_broken_are_reported() {
    let mut ctx = Context::<Agent>::new();
    let out = ctx
        .run(
            principal().departed_event("mysql/0"),
            State::new().with_relation(principal()),
        )
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("mysql/0 left"));
    let out = ctx
        .run(
            principal().broken_event(),
            State::new().with_relation(principal()),
        )
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("gone"));
}

#[test]
fn a_global_requirer_sees_every_unit() {
    /// Bound to `targets`: the default endpoint, `juju-info`, is replaced.
    #[derive(Default)]
    struct Monitor {
        targets: JujuInfoRequirer,
    }

    #[charm(
        components(targets: JujuInfoRequirer = "targets"),
        metadata_source = "name: monitor\nrequires:\n  targets:\n    interface: juju-info\n"
    )]
    impl Monitor {
        #[on(config_changed)]
        fn report(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
            let units = self.targets.units(cx)?;
            let list: Vec<String> = units
                .iter()
                .map(|(u, a)| format!("{u}={}", a.address().unwrap_or("?")))
                .collect();
            cx.set_workload_version(&list.join(","))
        }
    }

    let targets = Relation::new("targets", 3)
        .with_remote_app("web")
        .without_remote_units()
        .with_remote_unit("web/0", UnitAddresses::databag_for("10.0.0.1"))
        .with_remote_unit("web/1", UnitAddresses::databag_for("10.0.0.2"));
    let out = Context::<Monitor>::new()
        .run(Event::ConfigChanged, State::new().with_relation(targets))
        .unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("web/0=10.0.0.1,web/1=10.0.0.2")
    );
}

#[test]
fn the_helpers_play_jujus_side() {
    let mysql =
        ops_interfaces::testing::juju_info::principal("juju-info", 1, "mysql/0", "10.0.0.5");
    let out = Context::<Agent>::new()
        .run(Event::ConfigChanged, State::new().with_relation(mysql))
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("mysql/0=10.0.0.5"));
}
