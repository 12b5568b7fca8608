//! The other side of `loki_push_api` in the harness: Loki, whose units have
//! published their push endpoints, and a log sender; and readers of what the
//! charm wrote.
//!
//! ```
//! use ops_interfaces::testing::loki_push_api;
//!
//! let loki = loki_push_api::provider("logging", 1, &["http://loki-0:3100/loki/api/v1/push"]);
//! assert_eq!(loki.remote_units["loki/0"]["endpoint"], r#"{"url": "http://loki-0:3100/loki/api/v1/push"}"#);
//! ```

use ops_runtime::testing::Relation;

use crate::cos::DataError;
use crate::loki_push_api::{ProviderAppData, ProviderUnitData, RequirerAppData};

/// A relation on `endpoint` to `loki`, whose units `loki/0`, `loki/1`, ...
/// published `urls` as their push endpoints.
pub fn provider(endpoint: &str, id: u64, urls: &[&str]) -> Relation {
    let mut relation = Relation::new(endpoint, id)
        .with_remote_app("loki")
        .without_remote_units();
    for (i, url) in urls.iter().enumerate() {
        relation = relation.with_remote_unit(
            format!("loki/{i}"),
            ProviderUnitData::new(*url).to_databag(),
        );
    }
    relation
}

/// `relation` with Loki's leader reporting `errors` about the charm's rules
/// (`None`: valid).
pub fn with_rule_errors(relation: Relation, errors: Option<&str>) -> Relation {
    let data = ProviderAppData {
        promtail_binary_zip_url: None,
        errors: errors.map(str::to_owned),
    };
    relation.with_remote_app_data(data.to_databag())
}

/// What the charm's leader published as a log sender in `relation`.
///
/// # Errors
///
/// The charm's application bag does not follow the interface.
pub fn sender(relation: &Relation) -> Result<RequirerAppData, DataError> {
    RequirerAppData::from_databag(&relation.local_app_data)
}
