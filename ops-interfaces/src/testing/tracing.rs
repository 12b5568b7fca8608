//! The other side of `tracing` in the harness: a trace collector (Tempo, say)
//! that has published its receivers, and a reader of what the charm requested.
//!
//! ```
//! use ops_interfaces::testing::tracing;
//! use ops_interfaces::tracing::Protocol;
//!
//! let tempo = tracing::provider("tracing", 1, &[(Protocol::OtlpGrpc, "tempo:4317")]);
//! assert_eq!(
//!     tempo.remote_app_data["receivers"],
//!     r#"[{"protocol": {"name": "otlp_grpc", "type": "grpc"}, "url": "tempo:4317"}]"#
//! );
//! ```

use ops_runtime::testing::Relation;

use crate::cos::DataError;
use crate::tracing::{Protocol, ProviderAppData, Receiver, RequirerAppData};

/// A relation on `endpoint` to `tempo`, whose leader published `receivers`
/// (protocol, URL).
pub fn provider(endpoint: &str, id: u64, receivers: &[(Protocol, &str)]) -> Relation {
    let data = ProviderAppData {
        receivers: receivers
            .iter()
            .map(|(protocol, url)| Receiver::new(*protocol, *url))
            .collect(),
    };
    Relation::new(endpoint, id)
        .with_remote_app("tempo")
        .with_remote_app_data(data.to_databag())
}

/// A relation on `endpoint` to `tempo`, which has not published yet.
pub fn provider_pending(endpoint: &str, id: u64) -> Relation {
    Relation::new(endpoint, id).with_remote_app("tempo")
}

/// The protocols the charm requested in `relation` (its application bag).
///
/// # Errors
///
/// The charm wrote no valid request.
pub fn requested(relation: &Relation) -> Result<Vec<Protocol>, DataError> {
    RequirerAppData::from_databag(&relation.local_app_data).map(|r| r.receivers)
}
