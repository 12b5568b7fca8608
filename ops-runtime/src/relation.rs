//! Relations: endpoints, the units and applications on the other side, and
//! their databags, with Juju's access rules checked before any hook tool runs.

use std::collections::HashMap;
use std::fmt;

use crate::context::{HookContext, ModelError};
use crate::databag::{from_databag, to_databag};
use crate::event::{Event, RelationRef};
use crate::hook_tools::Databag;

/// A relation endpoint of this charm. `#[charm]` generates one constant per
/// endpoint in the metadata (`MyCharm::RELATION_DB` for `db`), so a misspelt
/// endpoint is a compile error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint(&'static str);

impl Endpoint {
    /// An endpoint by name, unchecked: prefer the constants `#[charm]` generates.
    pub const fn new_unchecked(name: &'static str) -> Self {
        Endpoint(name)
    }

    /// The endpoint's name.
    pub const fn name(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Whose databag to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Member {
    /// This unit.
    LocalUnit,
    /// This application (readable by the leader, or by any unit on a peer relation).
    LocalApp,
    /// The remote application.
    RemoteApp,
    /// A unit by name: a remote unit, a peer, or a departing unit.
    Unit(String),
}

impl fmt::Display for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Member::LocalUnit => f.write_str("this unit"),
            Member::LocalApp => f.write_str("this application"),
            Member::RemoteApp => f.write_str("the remote application"),
            Member::Unit(unit) => write!(f, "unit `{unit}`"),
        }
    }
}

/// Which local databag to write: the only two a unit may write.
///
/// There is no `Bag::RemoteApp` or `Bag::RemoteUnit`: Juju lets a unit write
/// its own databag and, as leader, its application's; the other side's
/// databags are read-only, written by the other side's charm. Read them with
/// [`HookContext::relation_data`] or [`HookContext::load_relation_data`] and a
/// [`Member`] (`Member::RemoteApp`, `Member::Unit(name)`); a charm that needs
/// the other side to change its data asks for it by writing its own.
///
/// ```compile_fail
/// # use ops_runtime::{Bag, HookContext, ModelError, RelationChangedEvent};
/// fn answer(cx: &mut HookContext, event: &RelationChangedEvent) -> Result<(), ModelError> {
///     // error: expected `Bag`, found `RemoteDatabagsAreReadOnly`
///     cx.update_relation_data(&event.relation, Bag::RemoteApp, [("ack", "yes")])
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bag {
    /// This unit's databag.
    Unit,
    /// This application's databag (leader only).
    App,
}

/// The type of `Bag::RemoteApp` and `Bag::RemoteUnit`, which exist only so that
/// writing the other side's databag fails with an error that says why: "expected
/// `Bag`, found `RemoteDatabagsAreReadOnly`". See [`Bag`].
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct RemoteDatabagsAreReadOnly(());

#[doc(hidden)]
#[allow(non_upper_case_globals)]
impl Bag {
    /// Not a databag a unit may write: the remote application's databag is
    /// read-only; read it with `cx.relation_data(&relation, &Member::RemoteApp)`.
    pub const RemoteApp: RemoteDatabagsAreReadOnly = RemoteDatabagsAreReadOnly(());
    /// Not a databag a unit may write: a remote unit's databag is read-only;
    /// read it with `cx.relation_data(&relation, &Member::Unit(name))`.
    pub const RemoteUnit: RemoteDatabagsAreReadOnly = RemoteDatabagsAreReadOnly(());
}

/// Relation data cached for the hook.
#[derive(Debug, Default)]
pub(crate) struct RelationCache {
    ids: HashMap<&'static str, Vec<u64>>,
    units: HashMap<u64, Vec<String>>,
    remote_apps: HashMap<u64, Option<String>>,
    bags: HashMap<(u64, String, bool), Databag>,
}

impl HookContext {
    /// Whether `endpoint` is a peer endpoint of this charm.
    fn is_peer(&self, endpoint: &str) -> bool {
        self.meta().peers.contains(&endpoint)
    }

    /// The relation being broken in this hook, which no longer counts as active.
    fn broken(&self) -> Option<&RelationRef> {
        match self.event() {
            Event::RelationBroken(e) => Some(&e.relation),
            _ => None,
        }
    }

    /// The active relations of `endpoint` (`relation-ids`, once per hook). In
    /// `*-relation-broken`, the broken relation is left out.
    pub fn relations(&mut self, endpoint: Endpoint) -> Result<Vec<RelationRef>, ModelError> {
        let ids = match self.relation_cache.ids.get(endpoint.0) {
            Some(ids) => ids.clone(),
            None => {
                let ids = self.hook_tools().relation_ids(endpoint.0)?;
                self.relation_cache.ids.insert(endpoint.0, ids.clone());
                ids
            }
        };
        let broken = self.broken().cloned();
        Ok(ids
            .into_iter()
            .map(|id| RelationRef::new(endpoint.0, id))
            .filter(|r| Some(r) != broken.as_ref())
            .collect())
    }

    /// Whether `relation` is active: listed by Juju and not being broken in this
    /// hook. A broken relation's data stays readable in its `relation-broken`.
    pub fn relation_active(&mut self, relation: &RelationRef) -> Result<bool, ModelError> {
        let declared = self
            .meta()
            .relations
            .iter()
            .copied()
            .find(|e| *e == relation.endpoint);
        let Some(name) = declared else {
            return Ok(false);
        };
        Ok(self
            .relations(Endpoint::new_unchecked(name))?
            .contains(relation))
    }

    /// The one active relation of `endpoint`: `None` when there is none, an error
    /// when there are several (look them up with [`HookContext::relations`]).
    ///
    /// Outside a relation's own events, this is how a handler finds it:
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, Relation, State};
    /// # use ops_runtime::{Bag, Event, HookContext, ModelError, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// provides:
    ///   website:
    ///     interface: http
    /// config:
    ///   options:
    ///     port:
    ///       type: int
    ///       default: 8080
    /// "#)]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         let port = cx.config()?.get_int("port").unwrap_or(8080).to_string();
    ///         if let Some(website) = cx.relation(Self::RELATION_WEBSITE)? {
    ///             cx.update_relation_data(&website, Bag::Unit, [("port", port)])?;
    ///         }
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let state = State::new()
    ///     .with_config("port", 9090)
    ///     .with_relation(Relation::new("website", 3));
    /// let out = Context::<Demo>::new().run(Event::ConfigChanged, state).unwrap();
    /// assert_eq!(out.relation(3).unwrap().local_unit_data["port"], "9090");
    /// ```
    pub fn relation(&mut self, endpoint: Endpoint) -> Result<Option<RelationRef>, ModelError> {
        let mut relations = self.relations(endpoint)?;
        match relations.len() {
            0 | 1 => Ok(relations.pop()),
            count => Err(ModelError::TooManyRelatedApps {
                endpoint: endpoint.0,
                count,
            }),
        }
    }

    /// The remote units of `relation` (`relation-list`); for a peer relation, the
    /// other units of this application.
    pub fn relation_units(&mut self, relation: &RelationRef) -> Result<Vec<String>, ModelError> {
        if let Some(units) = self.relation_cache.units.get(&relation.id) {
            return Ok(units.clone());
        }
        let units = self.hook_tools().relation_list(relation)?;
        self.relation_cache.units.insert(relation.id, units.clone());
        Ok(units)
    }

    /// The application on the other side of `relation` (this application for a
    /// peer relation): from the event when it is about this relation, otherwise
    /// from `relation-list --app`.
    pub fn relation_app(&mut self, relation: &RelationRef) -> Result<Option<String>, ModelError> {
        if self.is_peer(&relation.endpoint) {
            return Ok(Some(self.app_name().to_owned()));
        }
        if self.juju().relation_id == Some(relation.id)
            && let Some(app) = self.juju().remote_app.clone()
        {
            return Ok(Some(app));
        }
        if let Some(app) = self.relation_cache.remote_apps.get(&relation.id) {
            return Ok(app.clone());
        }
        let app = self.hook_tools().relation_remote_app(relation)?;
        self.relation_cache
            .remote_apps
            .insert(relation.id, app.clone());
        Ok(app)
    }

    /// The UUID of the model on the other side of `relation` (`relation-model-get`).
    pub fn relation_model_uuid(&mut self, relation: &RelationRef) -> Result<String, ModelError> {
        Ok(self.hook_tools().relation_model_get(relation)?)
    }

    /// Resolves `member` to the name and kind `relation-get` takes, checking
    /// Juju's read rules first.
    fn bag_key(
        &mut self,
        relation: &RelationRef,
        member: &Member,
    ) -> Result<(String, bool), ModelError> {
        Ok(match member {
            Member::LocalUnit => (self.unit_name().to_owned(), false),
            Member::Unit(unit) => (unit.clone(), false),
            Member::LocalApp => {
                if !self.is_peer(&relation.endpoint) && !self.is_leader()? {
                    return Err(ModelError::RelationDataAccess {
                        relation: relation.to_string(),
                        reason: "only the leader may read this application's databag (except on a peer relation)".into(),
                    });
                }
                (self.app_name().to_owned(), true)
            }
            Member::RemoteApp => {
                let app =
                    self.relation_app(relation)?
                        .ok_or_else(|| ModelError::RelationDataAccess {
                            relation: relation.to_string(),
                            reason: "Juju names no remote application for it".into(),
                        })?;
                (app, true)
            }
        })
    }

    /// A databag of `relation` (`relation-get`, cached for the hook).
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, Relation, State};
    /// # use ops_runtime::{HookContext, Member, ModelError, RelationChangedEvent, Status, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// requires:
    ///   db:
    ///     interface: postgresql_client
    /// "#)]
    /// impl Demo {
    ///     #[on(db_relation_changed)]
    ///     fn db_changed(
    ///         &mut self,
    ///         cx: &mut HookContext,
    ///         event: RelationChangedEvent,
    ///     ) -> Result<(), ModelError> {
    ///         let remote = cx.relation_data(&event.relation, &Member::RemoteApp)?;
    ///         match remote.get("endpoints") {
    ///             Some(at) => cx.set_unit_status(Status::active(format!("database at {at}"))),
    ///             None => cx.set_unit_status(Status::waiting("waiting for the database")),
    ///         }
    ///     }
    /// }
    ///
    /// let db = Relation::new("db", 1).with_remote_app_data([("endpoints", "10.0.0.5:5432")]);
    /// let event = db.changed_event(None);
    /// let out = Context::<Demo>::new().run(event, State::new().with_relation(db)).unwrap();
    /// assert_eq!(out.unit_status, Status::active("database at 10.0.0.5:5432"));
    /// ```
    pub fn relation_data(
        &mut self,
        relation: &RelationRef,
        member: &Member,
    ) -> Result<Databag, ModelError> {
        let (name, app) = self.bag_key(relation, member)?;
        let key = (relation.id, name, app);
        if let Some(bag) = self.relation_cache.bags.get(&key) {
            return Ok(bag.clone());
        }
        let bag = self.hook_tools().relation_get(relation, &key.1, app)?;
        self.relation_cache.bags.insert(key, bag.clone());
        Ok(bag)
    }

    /// Updates this unit's or (as leader) this application's databag: only keys
    /// whose value changes are sent, in one `relation-set`; an empty value
    /// deletes the key.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, Relation, State};
    /// # use ops_runtime::{Bag, HookContext, ModelError, RelationJoinedEvent, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// provides:
    ///   website:
    ///     interface: http
    /// "#)]
    /// impl Demo {
    ///     #[on(website_relation_joined)]
    ///     fn website_joined(
    ///         &mut self,
    ///         cx: &mut HookContext,
    ///         event: RelationJoinedEvent,
    ///     ) -> Result<(), ModelError> {
    ///         cx.update_relation_data(&event.relation, Bag::Unit, [("port", "8080")])
    ///     }
    /// }
    ///
    /// let website = Relation::new("website", 1);
    /// let event = website.joined_event("remote/0");
    /// let out = Context::<Demo>::new().run(event, State::new().with_relation(website)).unwrap();
    /// assert_eq!(out.relation(1).unwrap().local_unit_data["port"], "8080");
    /// ```
    pub fn update_relation_data<K, V>(
        &mut self,
        relation: &RelationRef,
        bag: Bag,
        changes: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), ModelError>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let app = bag == Bag::App;
        if app && !self.is_leader()? {
            return Err(ModelError::RelationDataAccess {
                relation: relation.to_string(),
                reason: "only the leader may write this application's databag".into(),
            });
        }
        let member = if app {
            Member::LocalApp
        } else {
            Member::LocalUnit
        };
        let current = self.relation_data(relation, &member)?;
        // Every key asked for goes in the one `relation-set` call (a key
        // already holding its value changes nothing in Juju, and the call
        // then records all the charm wrote), but only when one of them
        // changes something; removing an absent key changes nothing.
        let changed: Databag = changes
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(k, v)| !v.is_empty() || current.contains_key(k))
            .collect();
        if changed.iter().all(|(k, v)| current.get(k) == Some(v)) {
            return Ok(());
        }
        self.hook_tools().relation_set(relation, app, &changed)?;
        let (name, app) = self.bag_key(relation, &member)?;
        let cached = self
            .relation_cache
            .bags
            .entry((relation.id, name, app))
            .or_default();
        for (k, v) in changed {
            if v.is_empty() {
                cached.remove(&k);
            } else {
                cached.insert(k, v);
            }
        }
        Ok(())
    }

    /// Reads a databag into `T` (any `Deserialize` struct): strings as stored,
    /// other fields as JSON; keys `T` does not declare are ignored.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, Relation, State};
    /// # use ops_runtime::{HookContext, Member, ModelError, RelationChangedEvent, Status, charm};
    /// #[derive(serde::Deserialize)]
    /// struct Database {
    ///     host: String,
    ///     port: u16,
    /// }
    ///
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// requires:
    ///   db:
    ///     interface: postgresql_client
    /// "#)]
    /// impl Demo {
    ///     #[on(db_relation_changed)]
    ///     fn db_changed(
    ///         &mut self,
    ///         cx: &mut HookContext,
    ///         event: RelationChangedEvent,
    ///     ) -> Result<(), ModelError> {
    ///         let db: Database = cx.load_relation_data(&event.relation, &Member::RemoteApp)?;
    ///         cx.set_unit_status(Status::active(format!("database at {}:{}", db.host, db.port)))
    ///     }
    /// }
    ///
    /// let db = Relation::new("db", 1).with_remote_app_data([("host", "10.0.0.5"), ("port", "5432")]);
    /// let event = db.changed_event(None);
    /// let out = Context::<Demo>::new().run(event, State::new().with_relation(db)).unwrap();
    /// assert_eq!(out.unit_status, Status::active("database at 10.0.0.5:5432"));
    /// ```
    pub fn load_relation_data<T: serde::de::DeserializeOwned>(
        &mut self,
        relation: &RelationRef,
        member: &Member,
    ) -> Result<T, ModelError> {
        let bag = self.relation_data(relation, member)?;
        from_databag(&bag).map_err(|e| ModelError::RelationData {
            relation: relation.to_string(),
            member: member.to_string(),
            message: e.0,
        })
    }

    /// Writes `value` (any `Serialize` struct) to a local databag: strings as they
    /// are, other fields as JSON, `None` fields deleted.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, Relation, State};
    /// # use ops_runtime::{Bag, HookContext, ModelError, RelationJoinedEvent, charm};
    /// #[derive(serde::Serialize)]
    /// struct Website {
    ///     url: String,
    ///     tls: bool,
    /// }
    ///
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// provides:
    ///   website:
    ///     interface: http
    /// "#)]
    /// impl Demo {
    ///     #[on(website_relation_joined)]
    ///     fn website_joined(
    ///         &mut self,
    ///         cx: &mut HookContext,
    ///         event: RelationJoinedEvent,
    ///     ) -> Result<(), ModelError> {
    ///         // Only the leader may write the application's databag.
    ///         if !cx.is_leader()? {
    ///             return Ok(());
    ///         }
    ///         let site = Website { url: "https://web.example".into(), tls: true };
    ///         cx.save_relation_data(&event.relation, Bag::App, &site)
    ///     }
    /// }
    ///
    /// let website = Relation::new("website", 1);
    /// let event = website.joined_event("remote/0");
    /// let state = State::new().with_leader(true).with_relation(website);
    /// let out = Context::<Demo>::new().run(event, state).unwrap();
    /// let bag = &out.relation(1).unwrap().local_app_data;
    /// assert_eq!(bag["url"], "https://web.example");
    /// assert_eq!(bag["tls"], "true");
    /// ```
    pub fn save_relation_data<T: serde::Serialize>(
        &mut self,
        relation: &RelationRef,
        bag: Bag,
        value: &T,
    ) -> Result<(), ModelError> {
        let data = to_databag(value).map_err(|e| ModelError::RelationData {
            relation: relation.to_string(),
            member: match bag {
                Bag::Unit => Member::LocalUnit.to_string(),
                Bag::App => Member::LocalApp.to_string(),
            },
            message: e.0,
        })?;
        self.update_relation_data(relation, bag, data)
    }
}
