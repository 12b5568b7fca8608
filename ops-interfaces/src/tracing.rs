//! The `tracing` interface, version 2: a charm (the **requirer**, endpoint
//! `tracing` or `charm-tracing` by convention) asks a trace collector (Tempo,
//! or an OpenTelemetry collector relaying to it: the **provider**) for the
//! receivers it will push spans with, and reads their URLs.
//!
//! The requirer's leader writes `receivers`, a JSON list of protocol names,
//! into its application bag; the provider's leader answers with `receivers`, a
//! JSON list of `{"protocol": {"name", "type"}, "url"}`, every receiver it
//! runs. Both writers clear their bag first. Only the five protocol names of
//! [`Protocol`] may be requested: a Python provider that meets any other
//! rejects the whole request and does not answer.
//!
//! ```
//! use ops_interfaces::tracing::{Protocol, ProviderAppData, Receiver, RequirerAppData};
//!
//! let request = RequirerAppData::new([Protocol::OtlpHttp, Protocol::OtlpGrpc]);
//! assert_eq!(request.to_databag()["receivers"], r#"["otlp_http", "otlp_grpc"]"#);
//!
//! let answer = ProviderAppData {
//!     receivers: vec![
//!         Receiver::new(Protocol::OtlpHttp, "http://tempo-0.tempo-endpoints:4318"),
//!         Receiver::new(Protocol::OtlpGrpc, "tempo-0.tempo-endpoints:4317"),
//!     ],
//! };
//! let bag = answer.to_databag();
//! assert_eq!(
//!     bag["receivers"],
//!     r#"[{"protocol": {"name": "otlp_http", "type": "http"}, "url": "http://tempo-0.tempo-endpoints:4318"}, {"protocol": {"name": "otlp_grpc", "type": "grpc"}, "url": "tempo-0.tempo-endpoints:4317"}]"#
//! );
//! let read = ProviderAppData::from_databag(&bag).unwrap();
//! assert_eq!(read.url(Protocol::OtlpGrpc), Some("tempo-0.tempo-endpoints:4317"));
//! ```

use std::fmt;

use ops_runtime::Databag;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cos::{DataError, kind, parse_json, py_json_of};

/// The interface name in charmcraft.yaml.
pub const INTERFACE: &str = "tracing";

/// The conventional requirer endpoint.
pub const DEFAULT_ENDPOINT: &str = "tracing";

/// A receiver protocol a requirer may ask for: exactly the names the Python
/// provider accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// `zipkin`, over HTTP.
    Zipkin,
    /// `otlp_grpc`, OTLP over gRPC.
    OtlpGrpc,
    /// `otlp_http`, OTLP over HTTP (what charm tracing uses).
    OtlpHttp,
    /// `jaeger_grpc`, over gRPC.
    JaegerGrpc,
    /// `jaeger_thrift_http`, over HTTP.
    JaegerThriftHttp,
}

impl Protocol {
    /// Every protocol.
    pub const ALL: [Protocol; 5] = [
        Protocol::Zipkin,
        Protocol::OtlpGrpc,
        Protocol::OtlpHttp,
        Protocol::JaegerGrpc,
        Protocol::JaegerThriftHttp,
    ];

    /// Its name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Protocol::Zipkin => "zipkin",
            Protocol::OtlpGrpc => "otlp_grpc",
            Protocol::OtlpHttp => "otlp_http",
            Protocol::JaegerGrpc => "jaeger_grpc",
            Protocol::JaegerThriftHttp => "jaeger_thrift_http",
        }
    }

    /// The protocol named `name`, if it is one of the five.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Its transport: gRPC for `otlp_grpc` and `jaeger_grpc`, HTTP otherwise.
    pub const fn transport(self) -> Transport {
        match self {
            Protocol::OtlpGrpc | Protocol::JaegerGrpc => Transport::Grpc,
            _ => Transport::Http,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a receiver is reached: a gRPC URL has no scheme (`host:port`), an
/// HTTP one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// `http`.
    Http,
    /// `grpc`.
    Grpc,
}

/// The requirer's application bag: the protocols it will push with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirerAppData {
    /// The protocols requested, in order, without repeats.
    pub receivers: Vec<Protocol>,
}

impl RequirerAppData {
    /// A request for `protocols` (repeats dropped, first occurrence kept).
    pub fn new(protocols: impl IntoIterator<Item = Protocol>) -> Self {
        let mut receivers = Vec::new();
        for p in protocols {
            if !receivers.contains(&p) {
                receivers.push(p);
            }
        }
        Self { receivers }
    }

    /// The bag: `receivers` alone (the writer clears the bag first).
    pub fn to_databag(&self) -> Databag {
        [("receivers".to_owned(), py_json_of(&self.receivers, false))].into()
    }

    /// Reads the bag as the provider does.
    ///
    /// # Errors
    ///
    /// `receivers` is missing, not a JSON list of strings, empty, or names a
    /// protocol outside [`Protocol::ALL`].
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let text = bag
            .get("receivers")
            .ok_or_else(|| DataError::new("receivers", "missing"))?;
        let Value::Array(items) = parse_json("receivers", text)? else {
            return Err(DataError::new("receivers", "not a JSON list"));
        };
        if items.is_empty() {
            return Err(DataError::new("receivers", "an empty list"));
        }
        let mut receivers = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let Value::String(name) = item else {
                return Err(DataError::new(
                    "receivers",
                    format!("item {i} is {}, not a string", kind(item)),
                ));
            };
            let protocol = Protocol::from_name(name).ok_or_else(|| {
                DataError::new("receivers", format!("item {i} is not a known protocol"))
            })?;
            receivers.push(protocol);
        }
        Ok(Self::new(receivers))
    }
}

/// One receiver the provider runs: its protocol and URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receiver {
    /// The protocol (its name may be one this crate does not know).
    pub protocol: ReceiverProtocol,
    /// `http(s)://host:port` for HTTP, `host:port` for gRPC.
    pub url: String,
}

/// A receiver's protocol as the provider describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiverProtocol {
    /// The name (`otlp_http`...).
    pub name: String,
    /// The transport.
    #[serde(rename = "type")]
    pub transport: Transport,
}

impl Receiver {
    /// A receiver of `protocol` at `url`.
    pub fn new(protocol: Protocol, url: impl Into<String>) -> Self {
        Self {
            protocol: ReceiverProtocol {
                name: protocol.as_str().to_owned(),
                transport: protocol.transport(),
            },
            url: url.into(),
        }
    }
}

/// The provider's application bag: every receiver it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAppData {
    /// The receivers.
    pub receivers: Vec<Receiver>,
}

impl ProviderAppData {
    /// The bag: `receivers` alone.
    pub fn to_databag(&self) -> Databag {
        [("receivers".to_owned(), py_json_of(&self.receivers, false))].into()
    }

    /// Reads the bag as the requirer does.
    ///
    /// # Errors
    ///
    /// `receivers` is missing, or not a JSON list of
    /// `{"protocol": {"name": str, "type": "http"|"grpc"}, "url": str}`.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let text = bag
            .get("receivers")
            .ok_or_else(|| DataError::new("receivers", "missing"))?;
        let Value::Array(items) = parse_json("receivers", text)? else {
            return Err(DataError::new("receivers", "not a JSON list"));
        };
        let mut receivers = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let receiver: Receiver = serde_json::from_value(item).map_err(|_| {
                DataError::new(
                    "receivers",
                    format!("item {i} is not {{\"protocol\": {{\"name\", \"type\"}}, \"url\"}}"),
                )
            })?;
            receivers.push(receiver);
        }
        Ok(Self { receivers })
    }

    /// The URL of the receiver for `protocol`, if the provider runs one.
    pub fn url(&self, protocol: Protocol) -> Option<&str> {
        self.receivers
            .iter()
            .find(|r| r.protocol.name == protocol.as_str())
            .map(|r| r.url.as_str())
    }
}
