//! The charm's typed metadata at run time: a charm with rich metadata reads
//! each field through `HookContext::metadata` in a hook run by the harness,
//! and a component reads its endpoint's interface and limit.

use ops_runtime::metadata::{
    ConfigDefault, ConfigType, Metadata, ParamType, RelationScope, ResourceType, StorageRange,
    StorageType,
};
use ops_runtime::testing::{Action, Context, Relation, State};
use ops_runtime::*;
use serde_json::{Value, json};

#[derive(Default)]
struct Rich;

#[charm(metadata_source = r#"
name: rich
title: Rich Charm
summary: A charm that declares a bit of everything.
description: Long text that is not compiled in.
assumes:
  - juju >= 3.4
  - any-of:
      - k8s-api
      - juju >= 3.6
requires:
  db:
    interface: postgresql_client
    limit: 1
  logging:
    interface: loki_push_api
    optional: true
provides:
  metrics:
    interface: prometheus_scrape
peers:
  cluster: rich-peers
extra-bindings:
  public:
storage:
  data:
    type: filesystem
    location: /srv/data
    minimum-size: 10G
  disks:
    type: block
    multiple:
      range: 2-
    read-only: true
    shared: true
containers:
  web:
    resource: web-image
    mounts:
      - storage: data
        location: /var/lib/web
    uid: 584792
    gid: 584792
  sidecar:
    resource: sidecar-image
resources:
  web-image:
    type: oci-image
  sidecar-image:
    type: oci-image
  license:
    type: file
    filename: license.txt
actions:
  describe:
    description: Describe the metadata.
  backup:
    params:
      target:
        type: string
      level:
        type: [integer, "null"]
      tags: {}
    required: [target]
config:
  options:
    log-level:
      type: string
      default: info
    port:
      type: int
      default: -8080
    ratio:
      type: float
      default: 2
    debug:
      type: boolean
      default: false
    admin-password:
      type: secret
"#)]
impl Rich {
    /// Writes each field as the charm sees it at run time, one result per
    /// section.
    #[on(describe_action)]
    fn describe(&mut self, cx: &mut HookContext) -> Result<Value, CharmError> {
        Ok(describe(cx.metadata()))
    }
}

fn describe(m: &Metadata) -> Value {
    let join = |items: Vec<String>| items.join("; ");
    let opt = |s: Option<&str>| s.unwrap_or("-").to_owned();
    json!({
        "charm": format!(
            "{} | {} | {} | subordinate={}",
            m.name,
            opt(m.title),
            opt(m.summary),
            m.subordinate
        ),
        "assumes": m.assumes.join("; "),
        "relations": join(m.relations.iter().map(|r| format!(
            "{} {} {} limit={:?} optional={} scope={}",
            r.name, r.role.as_str(), r.interface, r.limit, r.optional, r.scope.as_str()
        )).collect()),
        "extra-bindings": m.extra_bindings.join("; "),
        "storage": join(m.storage.iter().map(|s| format!(
            "{} {} at={} multiple={} read-only={} shared={} min={}",
            s.name,
            s.kind.as_str(),
            opt(s.location),
            s.multiple.map_or("-".to_owned(), |r| r.to_string()),
            s.read_only,
            s.shared,
            opt(s.minimum_size)
        )).collect()),
        "containers": join(m.containers.iter().map(|c| format!(
            "{} resource={} mounts=[{}] uid={:?} gid={:?}",
            c.name,
            opt(c.resource),
            c.mounts.iter().map(|mount| format!("{}:{}", mount.storage, opt(mount.location))).collect::<Vec<_>>().join(","),
            c.uid,
            c.gid
        )).collect()),
        "resources": join(m.resources.iter().map(|r| format!(
            "{} {} file={}", r.name, r.kind.as_str(), opt(r.filename)
        )).collect()),
        "actions": join(m.actions.iter().map(|a| format!(
            "{} ({}) [{}]",
            a.name,
            opt(a.description),
            a.params.iter().map(|p| format!(
                "{}:{}{}",
                p.name,
                p.types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join("|"),
                if p.required { "!" } else { "" }
            )).collect::<Vec<_>>().join(",")
        )).collect()),
        "config": join(m.config.iter().map(|o| format!(
            "{} {} default={}",
            o.name,
            o.kind.as_str(),
            o.default.map_or("-".to_owned(), |d| format!("{d:?}"))
        )).collect()),
    })
}

#[test]
fn a_handler_reads_every_field_of_the_metadata() {
    let out = Context::<Rich>::new()
        .run_action(Action::new("describe"), State::new())
        .unwrap();
    assert_eq!(
        Value::Object(out.results),
        json!({
            "charm": "rich | Rich Charm | A charm that declares a bit of everything. | subordinate=false",
            "assumes": "juju >= 3.4; any-of(k8s-api, juju >= 3.6)",
            "relations": "db requires postgresql_client limit=Some(1) optional=false scope=global; \
                logging requires loki_push_api limit=None optional=true scope=global; \
                metrics provides prometheus_scrape limit=None optional=false scope=global; \
                cluster peers rich-peers limit=None optional=false scope=global",
            "extra-bindings": "public",
            "storage": "data filesystem at=/srv/data multiple=- read-only=false shared=false min=10G; \
                disks block at=- multiple=2+ read-only=true shared=true min=-",
            "containers": "web resource=web-image mounts=[data:/var/lib/web] uid=Some(584792) gid=Some(584792); \
                sidecar resource=sidecar-image mounts=[] uid=None gid=None",
            "resources": "web-image oci-image file=-; sidecar-image oci-image file=-; \
                license file file=license.txt",
            "actions": "describe (Describe the metadata.) []; \
                backup (-) [target:string!,level:integer|null,tags:]",
            "config": "log-level string default=String(\"info\"); port int default=Int(-8080); \
                ratio float default=Float(2.0); debug boolean default=Bool(false); \
                admin-password secret default=-",
        })
    );
}

#[test]
fn lookups_find_each_entity_by_name() {
    let m = Rich::META.metadata;
    let db = m.relation("db").unwrap();
    assert_eq!(
        (db.role, db.interface, db.limit),
        (RelationRole::Requires, "postgresql_client", Some(1))
    );
    assert_eq!(m.relation("cluster").unwrap().scope, RelationScope::Global);
    assert!(m.relation("database").is_none());
    let names = |it: &mut dyn Iterator<Item = &'static metadata::RelationMeta>| {
        it.map(|r| r.name).collect::<Vec<_>>()
    };
    assert_eq!(names(&mut m.requires()), ["db", "logging"]);
    assert_eq!(names(&mut m.provides()), ["metrics"]);
    assert_eq!(names(&mut m.peers()), ["cluster"]);
    assert!(m.is_binding("public") && m.is_binding("metrics") && !m.is_binding("data"));

    let disks = m.storage("disks").unwrap();
    assert_eq!(disks.kind, StorageType::Block);
    assert_eq!(disks.multiple, Some(StorageRange { min: 2, max: None }));
    assert!(disks.multiple.unwrap().contains(7) && !disks.multiple.unwrap().contains(1));

    let web = m.container("web").unwrap();
    assert_eq!(web.mount("data").unwrap().location, Some("/var/lib/web"));
    assert!(web.mount("disks").is_none());
    assert_eq!(
        m.resource(web.resource.unwrap()).unwrap().kind,
        ResourceType::OciImage
    );
    assert_eq!(m.resource("license").unwrap().filename, Some("license.txt"));

    let level = m.action("backup").unwrap().param("level").unwrap();
    assert_eq!(level.types, [ParamType::Integer, ParamType::Null]);
    assert!(!level.required);

    let port = m.config_option("port").unwrap();
    assert_eq!(
        (port.kind, port.default),
        (ConfigType::Int, Some(ConfigDefault::Int(-8080)))
    );
    assert_eq!(
        m.config_option("ratio")
            .unwrap()
            .default
            .unwrap()
            .to_value(),
        ConfigValue::Float(2.0)
    );
    assert!(m.config_option("log_level").is_none());
    assert!(
        m.container("db").is_none() && m.storage("web").is_none() && m.action("restart").is_none()
    );
}

/// Checked while the charm compiles: a lookup is a `const fn`.
const DB_LIMIT: Option<u32> = match Rich::META.metadata.relation("db") {
    Some(db) => db.limit,
    None => None,
};

#[test]
fn lookups_work_in_constants() {
    assert_eq!(DB_LIMIT, Some(1));
}

/// An interface component that reads its endpoint's interface and limit from
/// the metadata at run time and blocks the unit when there are more relations
/// than the limit.
#[derive(Default)]
struct LimitGuard {
    endpoint: Option<Endpoint>,
}

impl Component for LimitGuard {
    const EVENTS: &'static [&'static str] = &[];
    const INTERFACE: Option<Interface> = Some(Interface::requires(&["postgresql_client"]));

    fn bind(&mut self, endpoint: Endpoint) {
        self.endpoint = Some(endpoint);
    }

    fn observe(
        &mut self,
        _: &mut HookContext,
        _: &Event,
        _: &mut Emitter,
    ) -> Result<(), CharmError> {
        Ok(())
    }

    fn collect_unit_status(
        &mut self,
        cx: &mut HookContext,
        status: &CollectStatus,
    ) -> Result<(), CharmError> {
        let Some(endpoint) = self.endpoint else {
            return Ok(());
        };
        let Some(meta) = cx.metadata().relation(endpoint.name()) else {
            return Err(CharmError::msg(format!(
                "no endpoint `{endpoint}` in the metadata"
            )));
        };
        let related = cx.relations(endpoint)?.len();
        match meta.limit {
            Some(limit) if related > limit as usize => status.add(Status::blocked(format!(
                "`{endpoint}` ({}) takes at most {limit} relation(s), not {related}",
                meta.interface
            ))),
            _ => status.add(Status::active(format!(
                "{related} on `{endpoint}` ({})",
                meta.interface
            ))),
        }
        Ok(())
    }
}

#[derive(Default)]
struct Guarded {
    guard: LimitGuard,
}

#[charm(
    components(guard: LimitGuard = "database"),
    metadata_source = "name: guarded\nrequires:\n  database:\n    interface: postgresql_client\n    limit: 1\n"
)]
impl Guarded {}

#[test]
fn a_component_reads_its_endpoint_s_interface_and_limit() {
    let mut ctx = Context::<Guarded>::new();
    let one = State::new().with_relation(Relation::new("database", 1));
    let out = ctx.run(Event::UpdateStatus, one).unwrap();
    assert_eq!(
        out.unit_status,
        Status::active("1 on `database` (postgresql_client)")
    );
    let two = State::new()
        .with_relation(Relation::new("database", 1))
        .with_relation(Relation::new("database", 2));
    let out = ctx.run(Event::UpdateStatus, two).unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("`database` (postgresql_client) takes at most 1 relation(s), not 2")
    );
}

#[derive(Default)]
struct Subordinate;

#[charm(metadata_source = r#"
name: sub
subordinate: true
requires:
  juju-info:
    interface: juju-info
    scope: container
"#)]
impl Subordinate {
    #[on(install)]
    fn install(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        let m = cx.metadata();
        let info = m.relation("juju-info").map(|r| r.scope.as_str());
        cx.set_workload_version(&format!("subordinate={} scope={info:?}", m.subordinate))
    }
}

#[test]
fn a_subordinate_sees_its_container_scoped_endpoint() {
    let out = Context::<Subordinate>::new()
        .run(Event::Install, State::new())
        .unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("subordinate=true scope=Some(\"container\")")
    );
}

#[test]
fn a_charm_without_optional_keys_has_empty_metadata_sections() {
    #[derive(Default)]
    struct Bare;

    #[charm(metadata_source = "name: bare")]
    impl Bare {}

    let m = Bare::META.metadata;
    assert_eq!(m.name, "bare");
    assert_eq!(
        *m,
        Metadata {
            name: "bare",
            ..Metadata::EMPTY
        }
    );
}
