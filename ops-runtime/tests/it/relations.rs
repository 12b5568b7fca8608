//! Relations through the harness: ids, units, apps, databags, access rules,
//! typed data, broken semantics and the consistency checks.

use ops_runtime::testing::{Context, Relation, RunError, State};
use ops_runtime::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, Serialize, PartialEq)]
struct DbInfo {
    host: String,
    port: u16,
}

#[derive(Debug, Serialize)]
struct Request {
    database: String,
    #[serde(rename = "extra-user-roles")]
    roles: Vec<String>,
}

#[derive(Default)]
struct App;

#[charm(metadata_source = r#"
name: app
requires:
  db:
    interface: postgresql_client
provides:
  website:
    interface: http
peers:
  cluster:
    interface: app-cluster
"#)]
impl App {
    #[on(db_relation_joined)]
    fn request(
        &mut self,
        cx: &mut HookContext,
        event: RelationJoinedEvent,
    ) -> Result<(), ModelError> {
        let request = Request {
            database: "app".into(),
            roles: vec!["admin".into()],
        };
        cx.save_relation_data(&event.relation, Bag::Unit, &request)?;
        if cx.is_leader()? {
            cx.update_relation_data(&event.relation, Bag::App, [("requested", "yes")])?;
        }
        Ok(())
    }

    #[on(db_relation_changed)]
    fn connect(
        &mut self,
        cx: &mut HookContext,
        event: RelationChangedEvent,
    ) -> Result<(), CharmError> {
        let info: DbInfo = cx.load_relation_data(&event.relation, &Member::RemoteApp)?;
        let units = cx.relation_units(&event.relation)?;
        cx.set_workload_version(&format!(
            "{}:{} via {}",
            info.host,
            info.port,
            units.join(",")
        ))?;
        Ok(())
    }

    #[on(db_relation_departed)]
    fn left(
        &mut self,
        cx: &mut HookContext,
        event: RelationDepartedEvent,
    ) -> Result<(), CharmError> {
        // The departed unit is no longer listed, but its data can be read.
        let units = cx.relation_units(&event.relation)?;
        let last = cx.relation_data(&event.relation, &Member::Unit(event.unit.clone()))?;
        let address = last.get("ingress-address").cloned().unwrap_or_default();
        cx.set_workload_version(&format!("{} left {address}", units.join(",")))?;
        Ok(())
    }

    #[on(db_relation_broken)]
    fn gone(&mut self, cx: &mut HookContext, event: RelationBrokenEvent) -> Result<(), CharmError> {
        let active = cx.relations(Self::RELATION_DB)?;
        assert!(!cx.relation_active(&event.relation)?);
        assert!(cx.relation_active(&active[0])?);
        // The broken relation's data can still be read.
        let info: DbInfo = cx.load_relation_data(&event.relation, &Member::RemoteApp)?;
        cx.set_workload_version(&format!("{} active, last {}", active.len(), info.host))?;
        Ok(())
    }

    #[on(cluster_relation_changed)]
    fn peers(
        &mut self,
        cx: &mut HookContext,
        event: RelationChangedEvent,
    ) -> Result<(), CharmError> {
        // Any unit reads the peer application bag.
        let shared = cx.relation_data(&event.relation, &Member::LocalApp)?;
        let app = cx.relation_app(&event.relation)?.unwrap_or_default();
        let version = shared.get("version").cloned().unwrap_or_default();
        cx.set_workload_version(&format!("{app}:{version}"))?;
        Ok(())
    }

    #[on(website_relation_changed)]
    fn website(
        &mut self,
        cx: &mut HookContext,
        event: RelationChangedEvent,
    ) -> Result<(), CharmError> {
        // Non-leaders may neither read nor write their own app bag here.
        match cx.relation_data(&event.relation, &Member::LocalApp) {
            Err(ModelError::RelationDataAccess { .. }) => {}
            other => {
                return Err(CharmError::msg(format!(
                    "expected an access error, got {other:?}"
                )));
            }
        }
        cx.update_relation_data(&event.relation, Bag::App, [("url", "http://x")])?;
        Ok(())
    }

    #[on(config_changed)]
    fn count(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let one = cx.relation(Self::RELATION_DB)?;
        let missing = cx.relation_data(&event::RelationRef::new("db", 99), &Member::LocalUnit);
        let classified = matches!(missing, Err(ModelError::RelationNotFound { .. }));
        cx.set_workload_version(&format!("{:?} {classified}", one.map(|r| r.id)))?;
        Ok(())
    }
}

fn db() -> Relation {
    Relation::new("db", 1)
        .with_remote_app("pg")
        .with_remote_unit("pg/1", [("ingress-address", "10.0.0.9")])
        .with_remote_app_data([("host", "10.0.0.5"), ("port", "5432")])
}

#[test]
fn writes_unit_and_app_bags_with_only_changed_keys() {
    let mut ctx = Context::<App>::new();
    let rel = db().with_local_unit_data([("database", "app")]);
    let out = ctx
        .run(
            rel.joined_event("pg/0"),
            State::new().with_leader(true).with_relation(rel),
        )
        .unwrap();
    let after = out.relation(1).unwrap();
    assert_eq!(
        after
            .local_unit_data
            .get("extra-user-roles")
            .map(String::as_str),
        Some("[\"admin\"]")
    );
    assert_eq!(
        after.local_unit_data.get("database").map(String::as_str),
        Some("app")
    );
    assert_eq!(
        after.local_app_data.get("requested").map(String::as_str),
        Some("yes")
    );
    let sets = ctx
        .hook_tool_calls()
        .iter()
        .filter(|t| **t == "relation-set")
        .count();
    assert_eq!(sets, 2);
}

#[test]
fn reads_typed_remote_app_data_and_units() {
    let mut ctx = Context::<App>::new();
    let rel = db();
    let out = ctx
        .run(rel.changed_event(None), State::new().with_relation(rel))
        .unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("10.0.0.5:5432 via pg/0,pg/1")
    );
    // The remote app came from JUJU_REMOTE_APP: no `relation-list --app`.
    assert_eq!(
        ctx.hook_tool_calls()
            .iter()
            .filter(|t| **t == "relation-list")
            .count(),
        1
    );
}

#[test]
fn malformed_remote_data_names_relation_member_and_key() {
    let mut ctx = Context::<App>::new();
    let rel = db().with_remote_app_data([("host", "h"), ("port", "lots")]);
    let err = ctx
        .run(rel.changed_event(None), State::new().with_relation(rel))
        .unwrap_err();
    let RunError::Failed { error, .. } = err else {
        panic!("expected a failed hook")
    };
    assert!(
        error.to_string().ends_with(
            "relation `db:1`, data of the remote application: key `port` (a string of 4 \
             characters): expected u16"
        ),
        "{error}"
    );
}

#[test]
fn a_broken_relation_is_not_active_but_readable() {
    let mut ctx = Context::<App>::new();
    let rel = db();
    let state = State::new()
        .with_relation(rel.clone())
        .with_relation(Relation::new("db", 2).with_remote_app("pg2"));
    let out = ctx.run(rel.broken_event(), state).unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("1 active, last 10.0.0.5")
    );
}

#[test]
fn peers_share_the_app_bag() {
    let mut ctx = Context::<App>::new();
    let peers = Relation::peer("cluster", 3)
        .with_remote_unit("app/1", [("x", "1")])
        .with_local_app_data([("version", "7")]);
    let out = ctx
        .run(
            peers.changed_event(Some("app/1")),
            State::new().with_relation(peers),
        )
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("app:7"));
}

#[test]
fn non_leaders_cannot_touch_their_app_bag_and_no_tool_runs() {
    let mut ctx = Context::<App>::new();
    let site = Relation::new("website", 4);
    let err = ctx
        .run(
            site.changed_event(Some("remote/0")),
            State::new().with_relation(site),
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("cannot access the databag of relation `website:4`: only the leader may write this application's databag"),
        "{err}"
    );
    assert!(!ctx.hook_tool_calls().contains(&"relation-set"));
    assert!(!ctx.hook_tool_calls().contains(&"relation-get"));
}

#[test]
fn one_relation_or_too_many_and_relation_not_found() {
    let mut ctx = Context::<App>::new();
    let out = ctx
        .run(Event::ConfigChanged, State::new().with_relation(db()))
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("Some(1) true"));
    let two = State::new()
        .with_relation(db())
        .with_relation(Relation::new("db", 2));
    let err = ctx.run(Event::ConfigChanged, two).unwrap_err();
    assert!(
        err.to_string().contains("endpoint `db` has 2 relations"),
        "{err}"
    );
}

#[test]
fn inconsistent_relations_are_refused() {
    let mut ctx = Context::<App>::new();
    let state = State::new()
        .with_relation(Relation::new("cache", 1))
        .with_relation(Relation::new("cluster", 2))
        .with_relation(Relation::peer("db", 2))
        .with_relation(Relation::new("website", 5).with_remote_unit("app/0", [("k", "v")]));
    let err = ctx
        .run(
            Relation::new("db", 9).changed_event(Some("remote/3")),
            state,
        )
        .unwrap_err();
    let RunError::Inconsistent(problems) = err else {
        panic!("expected inconsistency")
    };
    assert_eq!(
        problems,
        [
            "relation 1 uses endpoint `cache`, which the charm's metadata does not declare",
            "`cluster` is a peer endpoint: build its relation with `Relation::peer`",
            "`db` is not a peer endpoint: build its relation with `Relation::new`",
            "relation id 2 is used twice",
            "relation 5 lists this unit (`app/0`) among its remote units",
            "the event is about relation db:9, which is not in the state; add it with `State::with_relation`",
        ]
    );
}

#[test]
fn endpoint_constants_name_the_metadata() {
    assert_eq!(App::RELATION_DB.name(), "db");
    assert_eq!(App::RELATION_CLUSTER.name(), "cluster");
    assert_eq!(<App as Charm>::META.peers, ["cluster"]);
}

/// A subordinate charm, related to its principal through a container-scoped endpoint.
#[derive(Default)]
struct Sidecar;

#[charm(metadata_source = r#"
name: sidecar
subordinate: true
requires:
  host:
    interface: juju-info
    scope: container
  metrics:
    interface: prometheus
"#)]
impl Sidecar {
    #[on(host_relation_joined)]
    fn joined(
        &mut self,
        cx: &mut HookContext,
        event: RelationJoinedEvent,
    ) -> Result<(), CharmError> {
        let principal = cx.juju().principal_unit.clone().unwrap_or_default();
        cx.set_workload_version(&format!("{principal} via {}", event.unit))?;
        Ok(())
    }
}

#[test]
fn a_subordinate_learns_its_principal() {
    let mut ctx = Context::<Sidecar>::new();
    let host = Relation::subordinate("host", 4, "mysql/2");
    assert_eq!(host.remote_app, "mysql");
    let out = ctx
        .run(
            host.joined_event("mysql/2"),
            State::new().with_relation(host),
        )
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("mysql/2 via mysql/2"));
}

#[test]
fn container_scoped_endpoints_need_subordinate_relations() {
    let mut ctx = Context::<Sidecar>::new();
    let mut problems = |state: State| match ctx_run(&mut ctx, state) {
        Err(RunError::Inconsistent(problems)) => problems,
        other => panic!("expected an inconsistent setup, got {other:?}"),
    };
    assert_eq!(
        problems(State::new().with_relation(Relation::new("host", 1))),
        ["`host` has `scope: container`: build its relation with `Relation::subordinate`"]
    );
    assert_eq!(
        problems(State::new().with_relation(Relation::subordinate("metrics", 2, "prom/0"))),
        ["`metrics` is not a `scope: container` endpoint: build its relation with `Relation::new`"]
    );
    let mut crowded = Relation::subordinate("host", 3, "mysql/0");
    crowded
        .remote_units
        .insert("mysql/1".into(), Default::default());
    assert_eq!(
        problems(State::new().with_relation(crowded)),
        [
            "subordinate relation 3 has 2 remote units; a container-scoped relation joins exactly \
          one unit on each side"
        ]
    );
}

fn ctx_run(ctx: &mut Context<Sidecar>, state: State) -> Result<State, RunError> {
    ctx.run(Event::UpdateStatus, state)
}

/// What a database provider writes for its requirer, as the database interfaces do:
/// the credentials as a secret, by id.
#[derive(Debug, PartialEq, Deserialize, Serialize)]
struct Credentials {
    endpoints: String,
    #[serde(rename = "secret-user")]
    secret_user: SecretId,
    #[serde(rename = "secret-tls")]
    secret_tls: Option<SecretId>,
}

#[test]
fn secret_ids_travel_in_databags_as_juju_uris() {
    let id: SecretId = "secret:d1b3hv2mp25c77a0m8ig".parse().unwrap();
    let credentials = Credentials {
        endpoints: "10.0.0.5:5432".into(),
        secret_user: id.clone(),
        secret_tls: None,
    };
    let bag = to_databag(&credentials).unwrap();
    assert_eq!(bag["secret-user"], "secret:d1b3hv2mp25c77a0m8ig");
    assert_eq!(bag["secret-tls"], "", "an absent id deletes the key");
    assert_eq!(from_databag::<Credentials>(&bag).unwrap(), credentials);

    // As Python's ops writes it too: JSON-quoted.
    let mut quoted = bag.clone();
    quoted.insert(
        "secret-user".into(),
        "\"secret:d1b3hv2mp25c77a0m8ig\"".into(),
    );
    assert_eq!(
        from_databag::<Credentials>(&quoted).unwrap().secret_user,
        id
    );

    // A value that is no secret id is an error naming the key, not quoting the value.
    let mut wrong = bag;
    wrong.insert("secret-user".into(), "hunter2".into());
    let error = from_databag::<Credentials>(&wrong).unwrap_err();
    assert_eq!(
        error.to_string(),
        "key `secret-user` (a string of 7 characters): expected a secret id (`secret:<id>` or \
         `secret://<model-uuid>/<id>`)"
    );
}

#[test]
fn relation_departed_no_longer_lists_the_departed_unit() {
    let mut ctx = Context::<App>::new();
    let rel = db().with_remote_unit("pg/2", [("ingress-address", "10.0.0.10")]);
    let out = ctx
        .run(rel.departed_event("pg/1"), State::new().with_relation(rel))
        .unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("pg/0,pg/2 left 10.0.0.9")
    );
}
