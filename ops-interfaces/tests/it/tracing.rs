//! `tracing` v2: the exact databags of both sides (interfaces.md §7.2, §7.3) and
//! strict reading of the other side's.

use ops_interfaces::tracing::{Protocol, ProviderAppData, Receiver, RequirerAppData, Transport};
use proptest::prelude::*;

use crate::cos_support::bag;

#[test]
fn requirer_bag_is_a_json_list_of_names() {
    let request =
        RequirerAppData::new([Protocol::OtlpHttp, Protocol::OtlpGrpc, Protocol::OtlpHttp]);
    let bag = request.to_databag();
    assert_eq!(bag.len(), 1);
    assert_eq!(bag["receivers"], r#"["otlp_http", "otlp_grpc"]"#);
    assert_eq!(RequirerAppData::from_databag(&bag).unwrap(), request);
}

#[test]
fn the_provider_rejects_what_the_python_provider_rejects() {
    for (text, problem) in [
        ("[]", "empty"),
        (r#"["otlp_http", "carrier_pigeon"]"#, "not a known protocol"),
        (r#"[1]"#, "not a string"),
        (r#"{"a": 1}"#, "not a JSON list"),
    ] {
        let err = RequirerAppData::from_databag(&bag(&[("receivers", text)])).unwrap_err();
        assert!(err.problem.contains(problem), "{text}: {err}");
        assert!(!err.to_string().contains("carrier_pigeon"));
    }
}

#[test]
fn provider_bag_matches_the_reference_example() {
    let example = r#"[{"protocol": {"name": "otlp_http", "type": "http"}, "url": "http://tempo-0.tempo-endpoints.cos.svc.cluster.local:4318"}, {"protocol": {"name": "otlp_grpc", "type": "grpc"}, "url": "tempo-0.tempo-endpoints.cos.svc.cluster.local:4317"}]"#;
    let read = ProviderAppData::from_databag(&bag(&[("receivers", example)])).unwrap();
    assert_eq!(
        read.url(Protocol::OtlpHttp),
        Some("http://tempo-0.tempo-endpoints.cos.svc.cluster.local:4318")
    );
    assert_eq!(
        read.url(Protocol::OtlpGrpc),
        Some("tempo-0.tempo-endpoints.cos.svc.cluster.local:4317")
    );
    assert_eq!(
        read.url(Protocol::Zipkin),
        None,
        "requested but not offered: none"
    );
    assert_eq!(read.receivers[1].protocol.transport, Transport::Grpc);
    assert_eq!(
        read.to_databag()["receivers"],
        example,
        "written back byte for byte"
    );
}

#[test]
fn provider_receivers_of_unknown_protocols_are_kept() {
    let text = r#"[{"protocol": {"name": "kafka", "type": "grpc"}, "url": "h:1"}]"#;
    let read = ProviderAppData::from_databag(&bag(&[("receivers", text)])).unwrap();
    assert_eq!(read.receivers[0].protocol.name, "kafka");
}

#[test]
fn malformed_provider_data_names_the_key_only() {
    let text = r#"[{"protocol": {"name": "otlp_http", "type": "carrier"}, "url": "secret-host"}]"#;
    let err = ProviderAppData::from_databag(&bag(&[("receivers", text)])).unwrap_err();
    assert_eq!(err.key, "receivers");
    assert!(!err.to_string().contains("secret-host") && !err.to_string().contains("carrier"));
    let err = ProviderAppData::from_databag(&bag(&[])).unwrap_err();
    assert_eq!(err.to_string(), "key `receivers`: missing");
}

#[test]
fn transports_follow_the_names() {
    assert_eq!(Protocol::OtlpGrpc.transport(), Transport::Grpc);
    assert_eq!(Protocol::JaegerGrpc.transport(), Transport::Grpc);
    for p in [
        Protocol::Zipkin,
        Protocol::OtlpHttp,
        Protocol::JaegerThriftHttp,
    ] {
        assert_eq!(p.transport(), Transport::Http);
    }
    assert_eq!(
        Receiver::new(Protocol::Zipkin, "http://h:9411")
            .protocol
            .name,
        "zipkin"
    );
}

proptest! {
    #[test]
    fn any_receivers_text_never_panics(text in ".{0,80}") {
        let bag = bag(&[("receivers", &text)]);
        let _ = RequirerAppData::from_databag(&bag);
        let _ = ProviderAppData::from_databag(&bag);
    }

    #[test]
    fn requests_round_trip(picks in proptest::collection::vec(0usize..5, 1..8)) {
        let request = RequirerAppData::new(picks.into_iter().map(|i| Protocol::ALL[i]));
        prop_assert_eq!(RequirerAppData::from_databag(&request.to_databag()).unwrap(), request);
    }
}

// --- The requirer component in the harness ----------------------------------------------

mod component {
    use ops_interfaces::testing::tracing as remote;
    use ops_interfaces::tracing::{
        EndpointChanged, Protocol, TracingEndpointRequirer, TracingError,
    };
    use ops_runtime::testing::{Context, State};
    use ops_runtime::*;

    struct Zinc {
        tracing: TracingEndpointRequirer,
    }

    impl Default for Zinc {
        fn default() -> Self {
            Self {
                tracing: TracingEndpointRequirer::new(
                    Endpoint::new_unchecked("charm-tracing"),
                    [Protocol::OtlpHttp, Protocol::OtlpGrpc],
                ),
            }
        }
    }

    #[charm(
        components(tracing: TracingEndpointRequirer = "charm-tracing"),
        metadata_source = "name: zinc\nrequires:\n  charm-tracing:\n    interface: tracing\n    limit: 1\n"
    )]
    impl Zinc {
        #[on(tracing::endpoint_changed)]
        fn changed(
            &mut self,
            cx: &mut HookContext,
            event: Custom<EndpointChanged>,
        ) -> Result<(), CharmError> {
            let grpc = self
                .tracing
                .url(cx, Protocol::OtlpGrpc)?
                .unwrap_or_default();
            let n = event.receivers.len();
            cx.set_unit_status(Status::active(format!("{n} receivers, grpc at {grpc}")))?;
            Ok(())
        }

        #[on(tracing::endpoint_removed)]
        fn removed(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
            cx.set_unit_status(Status::waiting("no tracing"))?;
            Ok(())
        }

        #[on(config_changed)]
        fn ask_for_zipkin(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
            match self.tracing.url(cx, Protocol::Zipkin) {
                Err(TracingError::NotRequested(p)) => {
                    cx.set_unit_status(Status::blocked(format!("{p} not requested")))?;
                }
                other => {
                    other?;
                }
            }
            Ok(())
        }
    }

    #[test]
    fn the_leader_requests_from_relation_created_on_and_clears_the_bag() {
        let rel =
            remote::provider_pending("charm-tracing", 1).with_local_app_data([("stale", "x")]);
        let state = State::new().with_leader(true).with_relation(rel.clone());
        let out = Context::<Zinc>::new()
            .run(rel.created_event(), state)
            .unwrap();
        let written = &out.relation(1).unwrap().local_app_data;
        assert_eq!(written.len(), 1, "the bag is cleared: {written:?}");
        assert_eq!(written["receivers"], r#"["otlp_http", "otlp_grpc"]"#);

        let state = State::new().with_relation(rel.clone());
        let out = Context::<Zinc>::new()
            .run(rel.created_event(), state)
            .unwrap();
        assert_eq!(
            out.relation(1).unwrap().local_app_data["stale"],
            "x",
            "a non-leader writes nothing"
        );
    }

    /// The spec's requirer test: a schema-valid request after each of
    /// created, joined and changed.
    #[test]
    fn the_request_is_there_after_created_joined_and_changed() {
        let rel = remote::provider_pending("charm-tracing", 1);
        for event in [
            rel.created_event(),
            rel.joined_event("tempo/0"),
            rel.changed_event(Some("tempo/0")),
        ] {
            let state = State::new().with_leader(true).with_relation(rel.clone());
            let out = Context::<Zinc>::new().run(event, state).unwrap();
            assert_eq!(
                remote::requested(out.relation(1).unwrap()).unwrap(),
                [Protocol::OtlpHttp, Protocol::OtlpGrpc]
            );
        }
    }

    #[test]
    fn endpoint_changed_then_removed() {
        let mut ctx = Context::<Zinc>::new();
        let rel = remote::provider(
            "charm-tracing",
            1,
            &[
                (Protocol::OtlpHttp, "http://tempo:4318"),
                (Protocol::OtlpGrpc, "tempo:4317"),
            ],
        );
        let out = ctx
            .run(
                rel.changed_event(None),
                State::new().with_relation(rel.clone()),
            )
            .unwrap();
        assert_eq!(
            out.unit_status,
            Status::active("2 receivers, grpc at tempo:4317")
        );
        assert_eq!(
            ctx.emitted_events()[0].hook_name(),
            "tracing::endpoint_changed"
        );

        let out = ctx.run(rel.broken_event(), out).unwrap();
        assert_eq!(out.unit_status, Status::waiting("no tracing"));
        assert_eq!(
            ctx.emitted_events()[0].hook_name(),
            "tracing::endpoint_removed"
        );
    }

    #[test]
    fn invalid_provider_data_is_removed_and_logged_without_its_value() {
        let mut ctx = Context::<Zinc>::new();
        let rel = remote::provider_pending("charm-tracing", 1)
            .with_remote_app_data([("receivers", "[{\"url\": \"secret-host\"}]")]);
        let out = ctx
            .run(rel.changed_event(None), State::new().with_relation(rel))
            .unwrap();
        assert_eq!(out.unit_status, Status::waiting("no tracing"));
        let log: Vec<&str> = ctx.juju_log().iter().map(|l| l.message.as_str()).collect();
        assert!(
            log.iter()
                .any(|l| l.contains("charm-tracing:1") && l.contains("`receivers`")),
            "{log:?}"
        );
        assert!(log.iter().all(|l| !l.contains("secret-host")), "{log:?}");
    }

    #[test]
    fn asking_for_a_protocol_never_requested_is_an_error() {
        let out = Context::<Zinc>::new()
            .run(Event::ConfigChanged, State::new())
            .unwrap();
        assert_eq!(out.unit_status, Status::blocked("zipkin not requested"));
    }
}
