//! The other side of `grafana_dashboard` in the harness: Grafana, and a
//! reader of the dashboards the charm published.
//!
//! ```
//! use ops_interfaces::testing::grafana_dashboard;
//!
//! let grafana = grafana_dashboard::with_errors(
//!     grafana_dashboard::requirer("grafana-dashboard", 1),
//!     &[("file:zinc", "Input format not supported by decoder")],
//! );
//! assert!(grafana.remote_app_data["event"].contains("file:zinc"));
//! ```

use std::collections::BTreeMap;

use ops_runtime::testing::Relation;

use crate::cos::DataError;
use crate::grafana_dashboard::{DashboardError, DashboardErrors, ProviderAppData};

/// A relation on `endpoint` to `grafana` (one unit, `grafana/0`), which has
/// written nothing.
pub fn requirer(endpoint: &str, id: u64) -> Relation {
    Relation::new(endpoint, id)
        .with_remote_app("grafana")
        .with_remote_unit("grafana/0", [("ingress-address", "10.0.0.3")])
}

/// `relation` with Grafana reporting dashboards it could not decode, as
/// `(template id, error)`.
pub fn with_errors(relation: Relation, errors: &[(&str, &str)]) -> Relation {
    let report = DashboardErrors {
        valid: None,
        errors: errors
            .iter()
            .map(|(id, error)| DashboardError {
                dashboard_id: (*id).to_owned(),
                error: (*error).to_owned(),
            })
            .collect(),
    };
    relation.with_remote_app_data([("event", report.to_json())])
}

/// The dashboards the charm's leader published in `relation`, decoded, by
/// template id.
///
/// # Errors
///
/// The charm's application bag does not follow the interface, or a
/// dashboard does not decode (the error names it).
pub fn dashboards(relation: &Relation) -> Result<BTreeMap<String, String>, DataError> {
    let data = ProviderAppData::from_databag(&relation.local_app_data)?;
    data.templates
        .into_iter()
        .map(|(id, template)| match template.dashboard() {
            Ok(json) => Ok((id, json)),
            Err(e) => Err(DataError {
                key: "dashboards".into(),
                problem: format!("template `{id}`: {e}"),
            }),
        })
        .collect()
}

/// What the charm's leader published in `relation`, encoded.
///
/// # Errors
///
/// The charm's application bag does not follow the interface.
pub fn published(relation: &Relation) -> Result<ProviderAppData, DataError> {
    ProviderAppData::from_databag(&relation.local_app_data)
}
