//! The database interfaces on the wire: the exact bags each side writes
//! (interfaces.md section 1), in secret and plain modes, the events each side
//! emits, and what a malformed remote bag does.

use ops_interfaces::database::{
    Credentials, DatabaseCreated, DatabaseError, DatabaseProvider, DatabaseRequest,
    DatabaseRequested, DatabaseRequirer, EndpointsChanged, ProviderData, ReadOnlyEndpointsChanged,
};
use ops_interfaces::testing::database::{self as remote, ProviderSide, RequirerSide};
use ops_runtime::testing::{Context, Relation, State};
use ops_runtime::*;

fn bag(pairs: &[(&str, &str)]) -> Databag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `state` with `relation` in place of the relation of the same id.
fn replaced(mut state: State, relation: &Relation) -> State {
    state.relations.retain(|r| r.id != relation.id);
    state.with_relation(relation.clone())
}

/// The `requested-secrets` of interfaces.md 1.2's example, byte for byte.
const REQUESTED: &str = r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#;

// ---------------------------------------------------------------------------
// A requirer charm.

struct App {
    db: DatabaseRequirer,
}

impl Default for App {
    fn default() -> Self {
        Self {
            db: DatabaseRequirer::new("myapp").with_extra_user_roles("CREATEDB,CREATEROLE"),
        }
    }
}

#[charm(
    components(db: DatabaseRequirer = "database"),
    metadata_source = "name: app\nrequires:\n  database:\n    interface: postgresql_client\n"
)]
impl App {
    #[on(db::database_created)]
    fn created(
        &mut self,
        cx: &mut HookContext,
        event: Custom<DatabaseCreated>,
    ) -> Result<(), CharmError> {
        let credentials = self.db.credentials(cx, &event.relation)?;
        let user = credentials.map_or_else(|| "none".to_owned(), |c| c.username);
        cx.set_workload_version(&format!("{user}@{}", event.endpoints.join(",")))?;
        Ok(())
    }

    #[on(db::endpoints_changed)]
    fn moved(
        &mut self,
        cx: &mut HookContext,
        event: Custom<EndpointsChanged>,
    ) -> Result<(), CharmError> {
        cx.set_workload_version(&format!("moved to {}", event.endpoints.join(",")))?;
        Ok(())
    }

    #[on(db::read_only_endpoints_changed)]
    fn replicas(
        &mut self,
        cx: &mut HookContext,
        event: Custom<ReadOnlyEndpointsChanged>,
    ) -> Result<(), CharmError> {
        cx.set_workload_version(&format!("replicas {}", event.read_only_endpoints.join(",")))?;
        Ok(())
    }

    #[on(collect_unit_status)]
    fn status(&mut self, status: CollectStatus) {
        status.add(Status::active(""));
    }
}

fn emitted(ctx: &Context<App>) -> Vec<String> {
    ctx.emitted_events().iter().map(Event::hook_name).collect()
}

#[test]
fn the_leader_writes_the_request_as_interfaces_md_shows_it() {
    let relation = ProviderSide::new("database", 1).pending();
    let state = State::new()
        .with_leader(true)
        .with_relation(relation.clone());
    let out = Context::<App>::new()
        .run(relation.created_event(), state)
        .unwrap();
    let written = &out.relation(1).unwrap();
    assert_eq!(
        written.local_app_data,
        bag(&[
            ("database", "myapp"),
            ("requested-secrets", REQUESTED),
            ("provided-secrets", r#"["mtls-cert"]"#),
            ("extra-user-roles", "CREATEDB,CREATEROLE"),
        ])
    );
    // The legacy copy in the leader's unit bag.
    assert_eq!(written.local_unit_data["requested-secrets"], REQUESTED);
    assert_eq!(
        written.local_unit_data["provided-secrets"],
        r#"["mtls-cert"]"#
    );
    assert_eq!(remote::requested(written).unwrap().database, "myapp");
}

#[test]
fn a_follower_writes_nothing_and_a_new_leader_writes_on_joined() {
    let relation = ProviderSide::new("database", 1).pending();
    let state = State::new().with_relation(relation.clone());
    let out = Context::<App>::new()
        .run(relation.created_event(), state)
        .unwrap();
    assert!(out.relation(1).unwrap().local_app_data.is_empty());
    let out = Context::<App>::new()
        .run(relation.joined_event("postgresql/0"), out.with_leader(true))
        .unwrap();
    assert_eq!(out.relation(1).unwrap().local_app_data["database"], "myapp");
}

#[test]
fn a_requirer_without_secrets_writes_only_the_database() {
    #[derive(Default)]
    struct Legacy {
        db: DatabaseRequirer,
    }

    #[charm(
        components(db: DatabaseRequirer = "db"),
        metadata_source = "name: legacy\nrequires:\n  db:\n    interface: mysql_client\n"
    )]
    impl Legacy {}

    let relation = Relation::new("db", 4).with_remote_app("mysql");
    let state = State::new()
        .with_leader(true)
        .with_relation(relation.clone());
    let ctx = Context::<Legacy>::with_charm(|| Legacy {
        db: DatabaseRequirer::with_request(DatabaseRequest::new("").without_secrets()),
    });
    let mut ctx = ctx;
    let out = ctx.run(relation.created_event(), state).unwrap();
    // An empty name asks for a database named after the application.
    assert_eq!(
        out.relation(4).unwrap().local_app_data,
        bag(&[("database", "legacy")])
    );
    assert!(out.relation(4).unwrap().local_unit_data.is_empty());
}

#[test]
fn credentials_in_a_secret_emit_database_created_once() {
    let mut ctx = Context::<App>::new();
    let (relation, secret) = ProviderSide::new("database", 1)
        .with_read_only_endpoints("10.0.0.6:5432")
        .answered();
    let secret_id = secret.id.clone();
    let state = State::new()
        .with_relation(relation.clone())
        .with_secret(secret);
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    assert_eq!(emitted(&ctx), ["db::database_created"]);
    assert_eq!(
        out.workload_version.as_deref(),
        Some("relation-1@10.0.0.5:5432")
    );
    let payload: DatabaseCreated = match &ctx.emitted_events()[0] {
        Event::Custom(data) => serde_json::from_value(data.payload.clone()).unwrap(),
        other => panic!("not a custom event: {other:?}"),
    };
    assert_eq!(payload.database.as_deref(), Some("myapp"));
    assert_eq!(payload.read_only_endpoints, ["10.0.0.6:5432"]);
    assert_eq!(payload.version.as_deref(), Some("16.8"));
    // No credential in the payload the state store may keep.
    assert!(!data_text(&ctx).contains(remote::PASSWORD));
    // The requirer labelled the secret as the reference says.
    assert_eq!(
        out.secret(&secret_id).unwrap().label.as_deref(),
        Some("database.1.user.secret")
    );
    // Its snapshot is in its unit bag, without the credentials.
    let snapshot = &out.relation(1).unwrap().local_unit_data["data"];
    assert!(
        snapshot.contains(r#""secret-user": "secret:"#),
        "{snapshot}"
    );
    assert!(!snapshot.contains(remote::PASSWORD));
    // The same bag again: nothing new, no event.
    ctx.run(relation.changed_event(None), out).unwrap();
    assert!(emitted(&ctx).is_empty());
}

fn data_text(ctx: &Context<App>) -> String {
    format!("{:?}", ctx.emitted_events())
}

#[test]
fn plain_credentials_emit_database_created_too() {
    let mut ctx = Context::<App>::new();
    let relation = ProviderSide::new("database", 2)
        .with_uris("postgresql://relation-2:pw@10.0.0.5:5432/myapp")
        .answered_plain();
    let state = State::new().with_relation(relation.clone());
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    assert_eq!(emitted(&ctx), ["db::database_created"]);
    assert_eq!(
        out.workload_version.as_deref(),
        Some("relation-2@10.0.0.5:5432")
    );
    assert_eq!(out.unit_status, Status::active(""));
}

#[test]
fn endpoints_then_read_only_endpoints_changed() {
    let mut ctx = Context::<App>::new();
    let (relation, secret) = ProviderSide::new("database", 1).answered();
    let state = State::new()
        .with_relation(relation.clone())
        .with_secret(secret);
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    let mut moved = out.relation(1).unwrap().clone();
    moved
        .remote_app_data
        .insert("endpoints".into(), "10.0.0.9:5432".into());
    let out = ctx
        .run(moved.changed_event(None), replaced(out, &moved))
        .unwrap();
    assert_eq!(emitted(&ctx), ["db::endpoints_changed"]);
    assert_eq!(
        out.workload_version.as_deref(),
        Some("moved to 10.0.0.9:5432")
    );
    let mut replicas = out.relation(1).unwrap().clone();
    replicas
        .remote_app_data
        .insert("read-only-endpoints".into(), "10.0.0.10:5432".into());
    let out = ctx
        .run(replicas.changed_event(None), replaced(out, &replicas))
        .unwrap();
    assert_eq!(emitted(&ctx), ["db::read_only_endpoints_changed"]);
    assert_eq!(
        out.workload_version.as_deref(),
        Some("replicas 10.0.0.10:5432")
    );
}

#[test]
fn endpoints_alone_are_endpoints_changed_before_database_created() {
    let mut ctx = Context::<App>::new();
    let relation = Relation::new("database", 1)
        .with_remote_app("postgresql")
        .with_remote_app_data([("database", "myapp"), ("endpoints", "10.0.0.5:5432")]);
    let state = State::new().with_relation(relation.clone());
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    assert_eq!(emitted(&ctx), ["db::endpoints_changed"]);
    assert_eq!(
        out.unit_status,
        Status::waiting("waiting for database credentials on `database`")
    );
}

#[test]
fn a_subordinate_provider_is_waited_for_until_its_unit_is_ready() {
    let mut ctx = Context::<App>::new();
    let (ready, secret) = ProviderSide::new("database", 1).subordinated().answered();
    let mut not_ready = ready.clone();
    not_ready.remote_units.values_mut().for_each(|b| {
        b.remove("state");
    });
    let state = State::new()
        .with_relation(not_ready.clone())
        .with_secret(secret);
    let out = ctx.run(not_ready.changed_event(None), state).unwrap();
    assert!(emitted(&ctx).is_empty());
    ctx.run(ready.changed_event(None), replaced(out, &ready))
        .unwrap();
    assert_eq!(emitted(&ctx), ["db::database_created"]);
}

#[test]
fn a_malformed_provider_bag_names_the_relation_and_key_never_the_value() {
    let mut ctx = Context::<App>::new();
    let (relation, secret) = ProviderSide::new("database", 3).answered();
    let relation = relation.with_remote_app_data([("subordinated", "hunter2"), ("database", "x")]);
    let state = State::new()
        .with_relation(relation.clone())
        .with_secret(secret);
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    assert!(emitted(&ctx).is_empty());
    let expected = "relation `database:3`, data of the remote application, key `subordinated`: \
                    neither `true` nor `false`";
    assert_eq!(
        out.unit_status,
        Status::blocked(format!("database: {expected}"))
    );
    let log: Vec<&str> = ctx.juju_log().iter().map(|l| l.message.as_str()).collect();
    assert!(log.iter().any(|m| m.contains(expected)), "{log:?}");
    assert!(!log.iter().any(|m| m.contains("hunter2")));
    let err = ProviderData::from_databag(&bag(&[("subordinated", "hunter2")])).unwrap_err();
    assert_eq!(err.key, "subordinated");
}

#[test]
fn a_secret_without_a_password_is_an_error_naming_the_key() {
    let relation = Relation::new("database", 1).with_remote_app("postgresql");
    let secret = ops_runtime::testing::Secret::new(SecretContent::new().with("username", "u"));
    let relation = relation.with_remote_app_data([("secret-user", secret.id.clone())]);
    let state = State::new()
        .with_relation(relation.clone())
        .with_secret(secret);
    let err = Context::<App>::new()
        .run(relation.changed_event(None), state)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("relation `database:1`: the secret in `secret-user` has no `password`"),
        "{err}"
    );
}

#[test]
fn departed_and_broken_change_no_bag_and_emit_nothing() {
    let mut ctx = Context::<App>::new();
    let (relation, secret) = ProviderSide::new("database", 1).answered();
    let state = State::new()
        .with_leader(true)
        .with_relation(relation.clone())
        .with_secret(secret);
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    let before = out.relation(1).unwrap().clone();
    let out = ctx
        .run(relation.departed_event("postgresql/0"), out)
        .unwrap();
    assert!(emitted(&ctx).is_empty());
    assert_eq!(
        out.relation(1).unwrap().local_app_data,
        before.local_app_data
    );
    assert_eq!(
        out.relation(1).unwrap().local_unit_data,
        before.local_unit_data
    );
    let out = ctx.run(relation.broken_event(), out).unwrap();
    assert!(emitted(&ctx).is_empty());
    assert_eq!(
        out.relation(1).unwrap().local_unit_data,
        before.local_unit_data
    );
}

#[test]
fn no_relation_no_status_pending_relation_waits() {
    let mut ctx = Context::<App>::new();
    let out = ctx.run(Event::UpdateStatus, State::new()).unwrap();
    assert_eq!(out.unit_status, Status::active(""));
    let relation = ProviderSide::new("database", 1).pending();
    let out = ctx
        .run(Event::UpdateStatus, State::new().with_relation(relation))
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::waiting("waiting for database credentials on `database`")
    );
}

#[test]
fn credentials_never_show_in_debug_output() {
    let credentials =
        Credentials::new("u", "hunter2").with_uris("postgresql://u:hunter2@h/db", None);
    assert!(!format!("{credentials:?}").contains("hunter2"));
    let data =
        ProviderData::from_databag(&bag(&[("username", "u"), ("password", "hunter2")])).unwrap();
    assert!(!format!("{data:?}").contains("hunter2"));
}

// ---------------------------------------------------------------------------
// A provider charm.

#[derive(Default)]
struct Postgres {
    db: DatabaseProvider,
}

#[charm(
    components(db: DatabaseProvider = "database"),
    metadata_source = "name: postgresql\nprovides:\n  database:\n    interface: postgresql_client\n"
)]
impl Postgres {
    #[on(db::database_requested)]
    fn create(
        &mut self,
        cx: &mut HookContext,
        event: Custom<DatabaseRequested>,
    ) -> Result<(), CharmError> {
        let relation = &event.relation;
        let user = format!("relation-{}", relation.id);
        let uris = format!(
            "postgresql://{user}:pw-{}@10.1.2.3:5432/{}",
            relation.id, event.request.database
        );
        self.db
            .set_database(cx, relation, &event.request.database)?;
        self.db.set_endpoints(cx, relation, &["10.1.2.3:5432"])?;
        self.db.set_version(cx, relation, "16.8")?;
        self.db.set_credentials(
            cx,
            relation,
            &Credentials::new(user, format!("pw-{}", relation.id)).with_uris(uris, None),
        )?;
        Ok(())
    }
}

#[test]
fn the_provider_answers_in_a_secret_granted_to_the_relation() {
    let mut ctx = Context::<Postgres>::new();
    let relation = RequirerSide::new("database", 1, "myappB").requested();
    let state = State::new()
        .with_leader(true)
        .with_relation(relation.clone());
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    assert_eq!(
        ctx.emitted_events()
            .iter()
            .map(Event::hook_name)
            .collect::<Vec<_>>(),
        ["db::database_requested"]
    );
    let secret = out.secret_by_label("database.1.user.secret").unwrap();
    assert!(secret.grants.contains_key(&1), "{:?}", secret.grants);
    let content = secret.latest_content().unwrap();
    assert_eq!(content.get("username"), Some("relation-1"));
    assert_eq!(content.get("password"), Some("pw-1"));
    assert_eq!(
        content.get("uris"),
        Some("postgresql://relation-1:pw-1@10.1.2.3:5432/myappB")
    );
    let written = out.relation(1).unwrap();
    let snapshot = format!(
        r#"{{"database": "myappB", "provided-secrets": "[\"mtls-cert\"]", "requested-secrets": "{}"}}"#,
        REQUESTED.replace('"', "\\\"")
    );
    assert_eq!(
        written.local_app_data,
        bag(&[
            ("database", "myappB"),
            ("endpoints", "10.1.2.3:5432"),
            ("version", "16.8"),
            ("secret-user", secret.id.as_str()),
            ("data", snapshot.as_str()),
        ])
    );
    let published = remote::published(&out, written).unwrap();
    assert_eq!(published.username, "relation-1");
    assert_eq!(published.password.expose(), "pw-1");
    // The same request again: no new event.
    ctx.run(relation.changed_event(None), out).unwrap();
    assert!(ctx.emitted_events().is_empty());
}

#[test]
fn the_provider_answers_a_requirer_without_secrets_in_plain_fields() {
    let mut ctx = Context::<Postgres>::new();
    let relation = RequirerSide::new("database", 14, "myappB")
        .without_secrets()
        .requested();
    let state = State::new()
        .with_leader(true)
        .with_relation(relation.clone());
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    assert!(out.secret_by_label("database.14.user.secret").is_none());
    let written = &out.relation(14).unwrap().local_app_data;
    assert_eq!(
        written,
        &bag(&[
            ("database", "myappB"),
            ("endpoints", "10.1.2.3:5432"),
            ("version", "16.8"),
            ("username", "relation-14"),
            ("password", "pw-14"),
            (
                "uris",
                "postgresql://relation-14:pw-14@10.1.2.3:5432/myappB"
            ),
            ("data", r#"{"database": "myappB"}"#),
        ])
    );
}

#[test]
fn a_rotated_password_is_a_new_revision_of_the_same_secret() {
    let mut ctx = Context::<Postgres>::new();
    let relation = RequirerSide::new("database", 1, "myappB").requested();
    let state = State::new()
        .with_leader(true)
        .with_relation(relation.clone());
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    let id = out
        .secret_by_label("database.1.user.secret")
        .unwrap()
        .id
        .clone();
    // A second request from the same hook path (the snapshot is reset).
    let mut again = out.relation(1).unwrap().clone();
    again.local_app_data.remove("data");
    let out = ctx
        .run(again.changed_event(None), replaced(out, &again))
        .unwrap();
    let secret = out.secret_by_label("database.1.user.secret").unwrap();
    assert_eq!(secret.id, id);
    assert_eq!(secret.latest_revision(), 2);
    assert_eq!(out.relation(1).unwrap().local_app_data["secret-user"], id);
}

#[test]
fn a_malformed_request_is_logged_with_its_key_and_emits_nothing() {
    let mut ctx = Context::<Postgres>::new();
    let relation = Relation::new("database", 5)
        .with_remote_app("client")
        .with_remote_app_data([
            ("database", "app"),
            ("requested-secrets", "username,password"),
        ]);
    let state = State::new()
        .with_leader(true)
        .with_relation(relation.clone());
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    assert!(ctx.emitted_events().is_empty());
    let log: Vec<&str> = ctx.juju_log().iter().map(|l| l.message.as_str()).collect();
    assert!(
        log.iter().any(|m| m.contains(
            "relation `database:5`, data of the remote application, key `requested-secrets`: not a JSON list of strings"
        )),
        "{log:?}"
    );
    assert!(!log.iter().any(|m| m.contains("username,password")));
    // Not acknowledged: the fixed request is reported.
    assert!(!out.relation(5).unwrap().local_app_data.contains_key("data"));
}

#[test]
fn credentials_before_a_request_are_refused() {
    #[derive(Default)]
    struct Eager {
        db: DatabaseProvider,
    }

    #[charm(
        components(db: DatabaseProvider = "database"),
        metadata_source = "name: pg\nprovides:\n  database:\n    interface: postgresql_client\n"
    )]
    impl Eager {
        #[on(database_relation_joined)]
        fn joined(
            &mut self,
            cx: &mut HookContext,
            event: RelationJoinedEvent,
        ) -> Result<(), CharmError> {
            // Where to connect may come first; the database's name may not.
            self.db
                .set_endpoints(cx, &event.relation, &["10.1.2.3:5432"])?;
            assert!(matches!(
                self.db.set_database(cx, &event.relation, "x"),
                Err(DatabaseError::NoRequest { .. })
            ));
            let result = self
                .db
                .set_credentials(cx, &event.relation, &Credentials::new("u", "p"));
            match result {
                Err(DatabaseError::NoRequest { relation }) => {
                    cx.set_workload_version(&format!("refused on {relation}"))?;
                    Ok(())
                }
                other => Ok(other?),
            }
        }
    }

    let relation = RequirerSide::new("database", 2, "x").pending();
    let state = State::new()
        .with_leader(true)
        .with_relation(relation.clone());
    let out = Context::<Eager>::new()
        .run(relation.joined_event("client/0"), state)
        .unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("refused on database:2")
    );
    assert_eq!(
        out.relation(2).unwrap().local_app_data,
        bag(&[("endpoints", "10.1.2.3:5432")])
    );
}

#[test]
fn the_request_reads_back_and_entity_permissions_are_json_objects() {
    use ops_interfaces::database::{EntityPermission, EntityType};

    let request = DatabaseRequest::new("db").with_entity(
        EntityType::Group,
        Some(vec![EntityPermission {
            resource_name: "db".into(),
            resource_type: "database".into(),
            privileges: vec!["SELECT".into()],
        }]),
    );
    let written = request.to_databag();
    assert_eq!(written["entity-type"], "GROUP");
    assert_eq!(
        written["entity-permissions"],
        r#"[{"resource_name": "db", "resource_type": "database", "privileges": ["SELECT"]}]"#
    );
    assert_eq!(DatabaseRequest::from_databag(&written).unwrap(), request);
    // Unknown keys and Juju's own are ignored.
    let mut tolerant = written.clone();
    tolerant.insert("alias".into(), "x".into());
    tolerant.insert("egress-subnets".into(), "10.0.0.1/32".into());
    assert_eq!(DatabaseRequest::from_databag(&tolerant).unwrap(), request);
    let err = DatabaseRequest::from_databag(&bag(&[("database", "db"), ("entity-type", "ROBOT")]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "key `entity-type`: neither `USER` nor `GROUP`"
    );
}

#[test]
fn two_requirers_on_two_endpoints_each_read_their_own() {
    #[derive(Default)]
    struct Two {
        main: DatabaseRequirer,
        cache: DatabaseRequirer,
    }

    #[charm(
        components(main: DatabaseRequirer = "main-db", cache: DatabaseRequirer = "cache-db"),
        metadata_source = "name: two\nrequires:\n  main-db:\n    interface: postgresql_client\n  cache-db:\n    interface: mongodb_client\n"
    )]
    impl Two {
        #[on(cache::database_created)]
        fn cache(
            &mut self,
            cx: &mut HookContext,
            event: Custom<DatabaseCreated>,
        ) -> Result<(), CharmError> {
            let main = self.main.ready(cx)?.map(|(r, _)| r.to_string());
            cx.set_workload_version(&format!("cache on {} main {main:?}", event.relation))?;
            Ok(())
        }
    }

    let (cache, secret) = ProviderSide::new("cache-db", 7)
        .with_app("mongodb")
        .answered();
    let main = ProviderSide::new("main-db", 8).pending();
    let state = State::new()
        .with_relation(cache.clone())
        .with_relation(main)
        .with_secret(secret);
    let mut ctx = Context::<Two>::new();
    let out = ctx.run(cache.changed_event(None), state).unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("cache on cache-db:7 main None")
    );
    assert_eq!(
        ctx.emitted_events()
            .iter()
            .map(Event::hook_name)
            .collect::<Vec<_>>(),
        ["cache::database_created"]
    );
    assert_eq!(
        out.unit_status,
        Status::waiting("waiting for database credentials on `main-db`")
    );
}

#[test]
fn a_requested_entity_is_database_entity_created_then_prefix_databases_changed() {
    use ops_interfaces::database::{DatabaseEntityCreated, EntityType, PrefixDatabasesChanged};

    #[derive(Default)]
    struct Entity {
        db: DatabaseRequirer,
    }

    #[charm(
        components(db: DatabaseRequirer = "database"),
        metadata_source = "name: entity\nrequires:\n  database:\n    interface: postgresql_client\n"
    )]
    impl Entity {
        #[on(db::database_entity_created)]
        fn entity(
            &mut self,
            cx: &mut HookContext,
            event: Custom<DatabaseEntityCreated>,
        ) -> Result<(), CharmError> {
            let entity = self.db.entity_credentials(cx, &event.relation)?;
            let (name, password) = entity.ok_or_else(|| CharmError::msg("no entity"))?;
            let shown = password.map(|p| p.to_string()).unwrap_or_default();
            cx.set_workload_version(&format!("entity {name} {shown}"))?;
            Ok(())
        }

        #[on(db::prefix_databases_changed)]
        fn prefixes(
            &mut self,
            cx: &mut HookContext,
            event: Custom<PrefixDatabasesChanged>,
        ) -> Result<(), CharmError> {
            cx.set_workload_version(&event.databases.join("+"))?;
            Ok(())
        }
    }

    let mut ctx = Context::<Entity>::with_charm(|| Entity {
        db: DatabaseRequirer::with_request(
            DatabaseRequest::new("app").with_entity(EntityType::User, None),
        ),
    });
    let secret = ops_runtime::testing::Secret::new(
        SecretContent::new()
            .with("entity-name", "reporting")
            .with("entity-password", "hunter2"),
    );
    let relation = Relation::new("database", 1)
        .with_remote_app("postgresql")
        .with_remote_app_data([("database", "app"), ("secret-entity", secret.id.as_str())]);
    let state = State::new()
        .with_relation(relation.clone())
        .with_secret(secret);
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    assert_eq!(
        emitted_names(ctx.emitted_events()),
        ["db::database_entity_created"]
    );
    // The password is shown redacted, never as it is.
    assert_eq!(
        out.workload_version.as_deref(),
        Some("entity reporting <redacted>")
    );
    let mut prefixed = out.relation(1).unwrap().clone();
    prefixed
        .remote_app_data
        .insert("prefix-databases".into(), "app_a,app_b".into());
    let out = ctx
        .run(prefixed.changed_event(None), replaced(out, &prefixed))
        .unwrap();
    assert_eq!(
        emitted_names(ctx.emitted_events()),
        ["db::prefix_databases_changed"]
    );
    assert_eq!(out.workload_version.as_deref(), Some("app_a+app_b"));
}

fn emitted_names(events: &[Event]) -> Vec<String> {
    events.iter().map(Event::hook_name).collect()
}

#[test]
fn the_provider_answers_an_entity_in_its_own_secret() {
    use ops_interfaces::database::{DatabaseEntityRequested, EntityType, Sensitive};

    #[derive(Default)]
    struct Pg {
        db: DatabaseProvider,
    }

    #[charm(
        components(db: DatabaseProvider = "database"),
        metadata_source = "name: pg\nprovides:\n  database:\n    interface: postgresql_client\n"
    )]
    impl Pg {
        #[on(db::database_entity_requested)]
        fn entity(
            &mut self,
            cx: &mut HookContext,
            event: Custom<DatabaseEntityRequested>,
        ) -> Result<(), CharmError> {
            assert_eq!(event.request.entity_type, Some(EntityType::Group));
            self.db.set_entity_credentials(
                cx,
                &event.relation,
                "readers",
                &Sensitive::new("pw"),
            )?;
            Ok(())
        }
    }

    let request = DatabaseRequest::new("app").with_entity(EntityType::Group, None);
    let relation = RequirerSide::new("database", 9, "app")
        .with_request(request)
        .requested();
    let state = State::new()
        .with_leader(true)
        .with_relation(relation.clone());
    let mut ctx = Context::<Pg>::new();
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    assert_eq!(
        emitted_names(ctx.emitted_events()),
        ["db::database_entity_requested"]
    );
    let secret = out.secret_by_label("database.9.entity.secret").unwrap();
    assert_eq!(
        secret.latest_content().unwrap().get("entity-name"),
        Some("readers")
    );
    assert_eq!(
        out.relation(9).unwrap().local_app_data["secret-entity"],
        secret.id
    );
}

#[test]
fn a_rotated_password_reaches_a_secret_changed_handler() {
    #[derive(Default)]
    struct Rotating {
        db: DatabaseRequirer,
    }

    #[charm(
        components(db: DatabaseRequirer = "database"),
        metadata_source = "name: rotating\nrequires:\n  database:\n    interface: postgresql_client\n"
    )]
    impl Rotating {
        #[on(secret_changed)]
        fn rotated(
            &mut self,
            cx: &mut HookContext,
            event: SecretChangedEvent,
        ) -> Result<(), CharmError> {
            let Some(relation) = self.db.relation_of_secret(&event.secret) else {
                return Ok(());
            };
            let credentials = self
                .db
                .credentials(cx, &relation)?
                .ok_or_else(|| CharmError::msg("gone"))?;
            let len = credentials.password.expose().len();
            cx.set_workload_version(&format!("{relation}: {len} characters"))?;
            Ok(())
        }
    }

    let mut ctx = Context::<Rotating>::new();
    let (relation, secret) = ProviderSide::new("database", 1).answered();
    let state = State::new()
        .with_relation(relation.clone())
        .with_secret(secret);
    let out = ctx.run(relation.changed_event(None), state).unwrap();
    // The provider sets a new revision; the requirer's copy carries its label.
    let mut secret = out.secrets[0].clone();
    assert_eq!(secret.label.as_deref(), Some("database.1.user.secret"));
    secret = secret.with_new_revision(
        SecretContent::new()
            .with("username", "relation-1")
            .with("password", "a-much-longer-rotated-password"),
    );
    let event = secret.changed_event();
    let mut state = out;
    state.secrets = vec![secret];
    let out = ctx.run(event, state).unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("database:1: 30 characters")
    );
}
