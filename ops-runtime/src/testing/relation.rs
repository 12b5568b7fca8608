//! Relations in the harness's [`State`](super::State).

use crate::hook_tools::Databag;

/// A relation as the harness models it: its id, the remote side, and every
/// databag. The output state carries the local bags as the charm left them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Relation {
    /// The local endpoint.
    pub endpoint: String,
    /// The relation id.
    pub id: u64,
    /// The remote application (for a peer relation, this application).
    pub remote_app: String,
    /// The remote units and their databags, by unit name (for a peer relation,
    /// the other units of this application).
    pub remote_units: std::collections::BTreeMap<String, Databag>,
    /// This unit's databag.
    pub local_unit_data: Databag,
    /// This application's databag.
    pub local_app_data: Databag,
    /// The remote application's databag (unused for peers: they share
    /// `local_app_data`).
    pub remote_app_data: Databag,
    /// The remote model, when the relation crosses models.
    pub remote_model_uuid: Option<String>,
    /// Whether this is a peer relation.
    pub peer: bool,
    /// Whether this is a subordinate relation (a `scope: container` endpoint:
    /// one remote unit, the principal or the subordinate on the same machine).
    pub subordinate: bool,
}

fn bag<K: Into<String>, V: Into<String>>(data: impl IntoIterator<Item = (K, V)>) -> Databag {
    data.into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

impl Relation {
    /// A relation on `endpoint` to an application `remote` with one unit,
    /// `remote/0`, whose databag is empty.
    pub fn new(endpoint: impl Into<String>, id: u64) -> Self {
        Self {
            endpoint: endpoint.into(),
            id,
            remote_app: "remote".to_owned(),
            remote_units: [("remote/0".to_owned(), Databag::new())]
                .into_iter()
                .collect(),
            local_unit_data: Databag::new(),
            local_app_data: Databag::new(),
            remote_app_data: Databag::new(),
            remote_model_uuid: None,
            peer: false,
            subordinate: false,
        }
    }

    /// A relation on a `scope: container` endpoint with the one unit on the
    /// same machine, `unit` (such as `mysql/0`): for a subordinate charm, its
    /// principal. When the charm is subordinate, the harness sets
    /// `JUJU_PRINCIPAL_UNIT` to it, as Juju does.
    pub fn subordinate(endpoint: impl Into<String>, id: u64, unit: impl Into<String>) -> Self {
        let unit = unit.into();
        let app = unit.split_once('/').map_or(unit.as_str(), |(app, _)| app);
        Self {
            remote_app: app.to_owned(),
            remote_units: [(unit.clone(), Databag::new())].into_iter().collect(),
            subordinate: true,
            ..Self::new(endpoint, id)
        }
    }

    /// A peer relation on `endpoint`, with no other unit yet.
    pub fn peer(endpoint: impl Into<String>, id: u64) -> Self {
        Self {
            remote_app: String::new(),
            remote_units: std::collections::BTreeMap::new(),
            peer: true,
            ..Self::new(endpoint, id)
        }
    }

    /// Names the remote application; its units are renamed to match.
    #[must_use]
    pub fn with_remote_app(mut self, app: impl Into<String>) -> Self {
        let app = app.into();
        self.remote_units = std::mem::take(&mut self.remote_units)
            .into_iter()
            .map(|(unit, data)| {
                let n = unit.rsplit_once('/').map_or("0", |(_, n)| n).to_owned();
                (format!("{app}/{n}"), data)
            })
            .collect();
        self.remote_app = app;
        self
    }

    /// Replaces the remote units with none.
    #[must_use]
    pub fn without_remote_units(mut self) -> Self {
        self.remote_units.clear();
        self
    }

    /// Adds (or replaces) a remote unit with its databag.
    #[must_use]
    pub fn with_remote_unit<K: Into<String>, V: Into<String>>(
        mut self,
        unit: impl Into<String>,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_units.insert(unit.into(), bag(data));
        self
    }

    /// Sets this unit's databag.
    #[must_use]
    pub fn with_local_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.local_unit_data = bag(data);
        self
    }

    /// Sets this application's databag.
    #[must_use]
    pub fn with_local_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.local_app_data = bag(data);
        self
    }

    /// Sets the remote application's databag.
    #[must_use]
    pub fn with_remote_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_app_data = bag(data);
        self
    }

    /// Sets the remote model's UUID.
    #[must_use]
    pub fn with_remote_model(mut self, uuid: impl Into<String>) -> Self {
        self.remote_model_uuid = Some(uuid.into());
        self
    }

    /// The relation as events name it.
    pub fn reference(&self) -> crate::event::RelationRef {
        crate::event::RelationRef::new(self.endpoint.clone(), self.id)
    }

    /// `<endpoint>-relation-created` for this relation.
    pub fn created_event(&self) -> crate::Event {
        crate::Event::RelationCreated(crate::RelationCreatedEvent {
            relation: self.reference(),
            app: self.remote_app.clone(),
        })
    }

    /// `<endpoint>-relation-joined` for `unit` joining.
    pub fn joined_event(&self, unit: impl Into<String>) -> crate::Event {
        crate::Event::RelationJoined(crate::RelationJoinedEvent {
            relation: self.reference(),
            app: self.remote_app.clone(),
            unit: unit.into(),
        })
    }

    /// `<endpoint>-relation-changed` for `unit`'s data, or the remote application's
    /// when `unit` is `None`.
    pub fn changed_event(&self, unit: Option<&str>) -> crate::Event {
        crate::Event::RelationChanged(crate::RelationChangedEvent {
            relation: self.reference(),
            app: self.remote_app.clone(),
            unit: unit.map(str::to_owned),
        })
    }

    /// `<endpoint>-relation-departed` for `unit` leaving.
    pub fn departed_event(&self, unit: impl Into<String>) -> crate::Event {
        let unit = unit.into();
        crate::Event::RelationDeparted(crate::RelationDepartedEvent {
            relation: self.reference(),
            app: self.remote_app.clone(),
            departing_unit: Some(unit.clone()),
            unit,
        })
    }

    /// `<endpoint>-relation-broken` for this relation.
    pub fn broken_event(&self) -> crate::Event {
        crate::Event::RelationBroken(crate::RelationBrokenEvent {
            relation: self.reference(),
            app: Some(self.remote_app.clone()),
        })
    }
}

/// The keys Juju writes in each unit's databag of a relation when the unit
/// joins: its addresses on the endpoint's binding.
const ADDRESS_KEYS: [&str; 3] = ["egress-subnets", "ingress-address", "private-address"];

/// The values Juju writes under [`ADDRESS_KEYS`] for a unit on `network`.
fn address_values(network: &crate::model::Network) -> [String; 3] {
    let ingress = network.ingress_addresses.first().cloned();
    let private = network
        .bind_addresses
        .iter()
        .flat_map(|b| &b.addresses)
        .map(|a| a.value.clone())
        .next()
        .or_else(|| ingress.clone())
        .unwrap_or_default();
    [
        network.egress_subnets.join(","),
        ingress.unwrap_or_else(|| private.clone()),
        private,
    ]
}

/// Adds the address keys a test left out of `bag`.
fn fill(bag: &mut Databag, values: &[String; 3]) {
    for (key, value) in ADDRESS_KEYS.iter().zip(values) {
        if !bag.contains_key(*key) && !value.is_empty() {
            bag.insert((*key).to_owned(), value.clone());
        }
    }
}

impl Relation {
    /// The relation as the charm sees it: Juju's address keys in this unit's
    /// databag (from `local`, this unit's network on the endpoint) and in
    /// each remote unit's (the default network's), where the test did not
    /// set them.
    pub(super) fn with_juju_addresses(&self, local: &crate::model::Network) -> Self {
        let mut relation = self.clone();
        fill(&mut relation.local_unit_data, &address_values(local));
        let remote = address_values(&super::default_network());
        for bag in relation.remote_units.values_mut() {
            fill(bag, &remote);
        }
        relation
    }

    /// This unit's databag after a run, without the address keys
    /// [`Relation::with_juju_addresses`] added: those the test did not set and
    /// the charm did not write (`written`: the keys its `relation-set` calls
    /// wrote in this bag), so that a test compares the output with what it
    /// gave and what the charm wrote.
    pub(super) fn local_unit_data_without_juju_addresses(
        &self,
        after: &Databag,
        written: Option<&std::collections::BTreeSet<String>>,
    ) -> Databag {
        let mut bag = after.clone();
        for key in ADDRESS_KEYS {
            let wrote = written.is_some_and(|keys| keys.contains(key));
            if !self.local_unit_data.contains_key(key) && !wrote {
                bag.remove(key);
            }
        }
        bag
    }
}
