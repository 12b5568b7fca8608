//! The other side of `prometheus_scrape` in the harness: Prometheus for a
//! charm that exposes metrics, or a charm exposing metrics for one that
//! scrapes; and readers of what the charm wrote.
//!
//! ```
//! use ops_interfaces::testing::prometheus_scrape;
//!
//! let zinc = prometheus_scrape::provider("metrics-endpoint", 1, "zinc", &[("10.1.0.7", "/metrics", 4000)]);
//! assert_eq!(zinc.remote_units["zinc/0"]["prometheus_scrape_unit_address"], "10.1.0.7");
//! assert!(zinc.remote_app_data["scrape_jobs"].contains("*:4000"));
//! ```

use ops_runtime::testing::Relation;

use crate::cos::{DataError, JujuTopology};
use crate::prometheus_scrape::{ProviderAppData, ProviderUnitData, ScrapeJob, ValidationReport};

/// The model UUID of the remote applications these helpers build.
pub const REMOTE_MODEL_UUID: &str = "0b6c9f2e-9c1d-4f5e-8a7b-3c2d1e0f9a8b";

/// A relation on `endpoint` to `prometheus` (one unit, `prometheus/0`), which
/// has written nothing yet, as the interface has it.
pub fn requirer(endpoint: &str, id: u64) -> Relation {
    Relation::new(endpoint, id)
        .with_remote_app("prometheus")
        .with_remote_unit("prometheus/0", [("ingress-address", "10.0.0.2")])
}

/// `relation` with Prometheus's `event` report in its application bag.
pub fn with_report(relation: Relation, report: &ValidationReport) -> Relation {
    relation.with_remote_app_data([("event", report.to_json())])
}

/// A relation on `endpoint` to application `app`, whose leader published one
/// wildcard job per `(address, path, port)` and whose units `<app>/0`,
/// `<app>/1`, ... are at those addresses.
pub fn provider(endpoint: &str, id: u64, app: &str, units: &[(&str, &str, u16)]) -> Relation {
    let topology = JujuTopology::new("remote", REMOTE_MODEL_UUID, app, format!("{app}/0"), app);
    let mut jobs: Vec<ScrapeJob> = Vec::new();
    for (_, path, port) in units {
        let job = ScrapeJob::wildcard(*path, *port);
        if !jobs.contains(&job) {
            jobs.push(job);
        }
    }
    let mut relation = Relation::new(endpoint, id)
        .with_remote_app(app)
        .without_remote_units()
        .with_remote_app_data(ProviderAppData::new(topology, jobs).to_databag());
    for (i, (address, _, _)) in units.iter().enumerate() {
        let name = format!("{app}/{i}");
        let data = ProviderUnitData::new(*address, name.clone());
        let bag: Vec<(String, String)> = data
            .to_databag()
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        relation = relation.with_remote_unit(name, bag);
    }
    relation
}

/// What the charm's leader published in `relation`.
///
/// # Errors
///
/// The charm's application bag does not follow the interface.
pub fn published(relation: &Relation) -> Result<ProviderAppData, DataError> {
    ProviderAppData::from_databag(&relation.local_app_data)
}

/// What the charm's unit published in `relation`.
///
/// # Errors
///
/// The charm's unit bag has no address.
pub fn published_unit(relation: &Relation, unit: &str) -> Result<ProviderUnitData, DataError> {
    ProviderUnitData::from_databag(&relation.local_unit_data, unit)
}
