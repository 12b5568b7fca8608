//! `tls-certificates` v1: the exact databags of both sides (interfaces.md
//! §3.2, §3.3), tolerant and bounded reading, and both components through
//! the harness: keys in secrets only, certificates delivered, verified,
//! renewed and replaced when revoked.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use ops_interfaces::testing::tls_certificates::{self as remote, TestCa};
use ops_interfaces::tls_certificates::{
    Certificate, CertificateAuthority, CertificateAvailable, CertificateRequest,
    CertificateSigningRequest, CertificatesRequested, LIBID, Mode, PrivateKey, ProviderAppData,
    ProviderCertificate, RequestedCertificate, RequirerData, TlsCertificatesProvider,
    TlsCertificatesRequirer,
};
use ops_runtime::testing::{Context, Relation, State};
use ops_runtime::*;
use proptest::prelude::*;

fn bag(pairs: &[(&str, &str)]) -> Databag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `state` with `relation` in place of the relation of the same id.
fn with(mut state: State, relation: Relation) -> State {
    state.relations.retain(|r| r.id != relation.id);
    state.with_relation(relation)
}

const CSR_TEXT: &str =
    "-----BEGIN CERTIFICATE REQUEST-----\nMIIC...\n-----END CERTIFICATE REQUEST-----";

// ---------------------------------------------------------------------------
// Wire format

#[test]
fn requirer_bag_matches_the_reference_example() {
    let data = RequirerData {
        certificate_signing_requests: vec![RequestedCertificate::new(CSR_TEXT, false)],
    };
    let bag = data.to_databag();
    assert_eq!(bag.len(), 1);
    assert_eq!(
        bag["certificate_signing_requests"],
        r#"[{"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nMIIC...\n-----END CERTIFICATE REQUEST-----", "ca": false}]"#
    );
    assert_eq!(RequirerData::from_databag(&bag).unwrap(), data);
    // The trailing newline a PEM encoder leaves is not sent.
    let ca = RequestedCertificate::new(&format!("{CSR_TEXT}\n"), true);
    assert_eq!(ca.certificate_signing_request, CSR_TEXT);
    assert!(
        RequirerData {
            certificate_signing_requests: vec![ca]
        }
        .to_databag()["certificate_signing_requests"]
            .ends_with(r#"-----", "ca": true}]"#)
    );
    // No request: the key is left out, as the Python model omits defaults.
    assert!(RequirerData::default().to_databag().is_empty());
}

#[test]
fn requirer_bag_reading_is_tolerant() {
    for text in [
        r#"[{"certificate_signing_request": "X"}]"#,
        r#"[{"certificate_signing_request": "X", "ca": null}]"#,
        "[ {\"ca\" :false , \"certificate_signing_request\":\"X\\n\", \"extra\": 1} ]",
    ] {
        let read = RequirerData::from_databag(&bag(&[
            ("certificate_signing_requests", text),
            ("private-address", "10.0.0.1"),
        ]))
        .unwrap();
        assert_eq!(
            read.certificate_signing_requests,
            [RequestedCertificate::new("X", false)],
            "{text}"
        );
    }
    assert_eq!(
        RequirerData::from_databag(&bag(&[])).unwrap(),
        RequirerData::default()
    );
    for (text, problem) in [
        ("[{", "not JSON"),
        (r#"{"a": 1}"#, "not a JSON list"),
        (r#"["secret-looking"]"#, "entry 0 is not an object"),
        (
            r#"[{"ca": true}]"#,
            "`certificate_signing_request` is missing",
        ),
        (
            r#"[{"certificate_signing_request": "X", "ca": "yes-secret"}]"#,
            "`ca` is not a boolean",
        ),
    ] {
        let err = RequirerData::from_databag(&bag(&[("certificate_signing_requests", text)]))
            .unwrap_err();
        assert_eq!(err.key, "certificate_signing_requests");
        assert!(err.problem.contains(problem), "{text}: {err}");
        assert!(
            !err.to_string().contains("secret"),
            "never the value: {err}"
        );
    }
}

#[test]
fn provider_bag_matches_the_reference_format() {
    let certificate = ProviderCertificate {
        certificate: "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----".into(),
        certificate_signing_request: CSR_TEXT.into(),
        ca: "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----".into(),
        chain: vec![
            "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----".into(),
            "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----".into(),
        ],
        revoked: false,
    };
    let mut data = ProviderAppData {
        certificates: vec![certificate],
        request_errors: Vec::new(),
    };
    let written = data.to_databag();
    assert_eq!(written.len(), 1);
    let expected = r#"[{"ca": "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----", "certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nMIIC...\n-----END CERTIFICATE REQUEST-----", "certificate": "-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----", "chain": ["-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----"]}]"#;
    assert_eq!(
        written["certificates"], expected,
        "field order and spacing of the Python writer"
    );
    assert_eq!(ProviderAppData::from_databag(&written).unwrap(), data);
    data.certificates[0].revoked = true;
    assert!(
        data.to_databag()["certificates"]
            .ends_with(r#"-----END CERTIFICATE-----"], "revoked": true}]"#)
    );
    assert!(ProviderAppData::default().to_databag().is_empty());
}

#[test]
fn provider_bag_reading_takes_what_the_library_and_its_elders_write() {
    // The interfaces.md example (chain present, no `revoked`), a v3 provider's
    // extra field, a null chain, and the charmlibs `request_errors` under both
    // of its CSR keys.
    let text = r#"[{"ca": "CA", "certificate_signing_request": "CSR1\n", "certificate": "C1", "chain": ["C1", "CA"]},
                   {"ca": "CA", "certificate_signing_request": "CSR2", "certificate": "C2", "chain": null, "revoked": null, "recommended_expiry_notification_time": 168}]"#;
    let errors = r#"[{"csr": "CSR3", "error": {"code": 101, "name": "ip_not_allowed", "message": "no IPs"}},
                     {"certificate_signing_request": "CSR4", "error": {"code": 201, "name": "server_not_available", "message": "down"}},
                     {"broken": true}]"#;
    let read = ProviderAppData::from_databag(&bag(&[
        ("certificates", text),
        ("request_errors", errors),
        ("capabilities", r#"{"supports_ip_sans": false}"#),
    ]))
    .unwrap();
    assert_eq!(read.certificates.len(), 2);
    assert_eq!(read.certificates[0].certificate_signing_request, "CSR1");
    assert_eq!(read.certificates[0].chain, ["C1", "CA"]);
    assert!(read.certificates[1].chain.is_empty() && !read.certificates[1].revoked);
    let codes: Vec<_> = read
        .request_errors
        .iter()
        .map(|e| {
            (
                e.certificate_signing_request.as_str(),
                e.code,
                e.name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("CSR3", 101, "ip_not_allowed"),
            ("CSR4", 201, "server_not_available")
        ]
    );
    for (text, problem) in [
        (
            r#"[{"ca": "CA", "certificate": "C"}]"#,
            "`certificate_signing_request` is missing",
        ),
        (
            r#"[{"ca": "CA", "certificate_signing_request": "R", "certificate": 1}]"#,
            "`certificate` is not a string",
        ),
        (
            r#"[{"ca": "CA", "certificate_signing_request": "R", "certificate": "C", "chain": "C"}]"#,
            "`chain` is not a list of strings",
        ),
    ] {
        let err = ProviderAppData::from_databag(&bag(&[("certificates", text)])).unwrap_err();
        assert!(err.problem.contains(problem), "{text}: {err}");
    }
}

#[test]
fn reading_is_bounded() {
    let many = format!(
        "[{}]",
        vec![r#"{"certificate_signing_request": "X"}"#; 1001].join(",")
    );
    let err =
        RequirerData::from_databag(&bag(&[("certificate_signing_requests", &many)])).unwrap_err();
    assert!(err.problem.contains("more than the 1000"), "{err}");
    let huge = "x".repeat(5 << 20);
    let err = ProviderAppData::from_databag(&bag(&[("certificates", &huge)])).unwrap_err();
    assert!(err.problem.contains("bytes, more than"), "{err}");
    assert!(Certificate::from_pem(&"A".repeat(100_000)).is_err());
}

proptest! {
    #[test]
    fn any_bag_text_never_panics(text in ".{0,200}", key in prop::sample::select(vec!["certificate_signing_requests", "certificates", "request_errors"])) {
        let bag = bag(&[(key, &text)]);
        let _ = RequirerData::from_databag(&bag);
        let _ = ProviderAppData::from_databag(&bag);
        let _ = CertificateSigningRequest::from_pem(&text);
        let _ = Certificate::from_pem(&text);
        let _ = PrivateKey::from_pem(&text);
    }

    #[test]
    fn json_shaped_bags_never_panic(
        entries in prop::collection::vec(
            prop::collection::btree_map(
                prop::sample::select(vec!["certificate_signing_request", "ca", "certificate", "chain", "revoked", "csr", "error"]),
                prop_oneof![
                    Just("null".to_owned()), Just("true".to_owned()), Just("1".to_owned()),
                    Just(r#""-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----""#.to_owned()),
                    Just(r#"["a", 2]"#.to_owned()), Just("{}".to_owned()), "\"[ -~]{0,12}\"",
                ],
                0..6,
            ),
            0..4,
        )
    ) {
        let list = format!(
            "[{}]",
            entries
                .iter()
                .map(|e| format!("{{{}}}", e.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect::<Vec<_>>().join(", ")))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let bag = bag(&[("certificate_signing_requests", &list), ("certificates", &list), ("request_errors", &list)]);
        let _ = RequirerData::from_databag(&bag);
        if let Ok(data) = ProviderAppData::from_databag(&bag) {
            for c in data.certificates {
                let _ = Certificate::from_pem(&c.certificate);
            }
        }
    }

    #[test]
    fn mangled_pem_never_panics(cut in 0usize..600, flip in 0usize..600) {
        let key = test_key();
        let csr = CertificateRequest::new("zinc").generate_csr(key).unwrap();
        let mut bytes = csr.pem().as_bytes().to_vec();
        if flip < bytes.len() {
            bytes[flip] = bytes[flip].wrapping_add(1);
        }
        bytes.truncate(cut.max(1));
        let text = String::from_utf8_lossy(&bytes);
        let _ = CertificateSigningRequest::from_pem(&text);
        let _ = Certificate::from_pem(&text);
    }
}

fn test_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::generate().unwrap())
}

// ---------------------------------------------------------------------------
// Keys, CSRs, certificates

#[test]
fn a_csr_carries_what_was_requested_and_the_key() {
    let key = PrivateKey::generate().unwrap();
    let request = CertificateRequest::new("zinc.example.com")
        .with_sans_dns(["zinc.example.com", "zinc-0.zinc-endpoints"])
        .with_sans_ip(["10.1.2.3".parse().unwrap(), "::1".parse().unwrap()])
        .with_sans_oid(["1.2.3.4"])
        .with_organization("Example")
        .with_organizational_unit("Ops")
        .with_email_address("ops@example.com")
        .with_location("GB", "London", "Westminster");
    let csr = request.generate_csr(&key).unwrap();
    assert!(
        csr.pem()
            .starts_with("-----BEGIN CERTIFICATE REQUEST-----\n")
    );
    assert!(
        csr.pem().ends_with("-----END CERTIFICATE REQUEST-----"),
        "no trailing newline"
    );
    assert_eq!(csr.attributes(false), request);
    assert_eq!(csr.attributes(true), request.clone().ca());
    assert!(csr.matches_private_key(&key));
    assert!(!csr.matches_private_key(&PrivateKey::generate().unwrap()));
    // A unique id per CSR: the same request and key make new text.
    let again = request.generate_csr(&key).unwrap();
    assert_ne!(again.pem(), csr.pem());
    assert_eq!(again.attributes(false), request);
    assert_ne!(again.sha256_hex(), csr.sha256_hex());
    // Without it, only the signature's randomness... ECDSA here is deterministic.
    let plain = CertificateRequest::new("zinc").without_unique_id();
    assert_eq!(plain.generate_csr(&key).unwrap().attributes(false), plain);
    assert!(CertificateRequest::default().generate_csr(&key).is_err());
}

#[test]
fn keys_read_back_and_never_show() {
    let key = PrivateKey::generate().unwrap();
    let read = PrivateKey::from_pem(&format!("{}\n", key.pem())).unwrap();
    assert_eq!(read, key);
    assert_eq!(read.pem(), key.pem());
    assert!(!format!("{key:?}").contains("PRIVATE"));
    let ca = CertificateAuthority::self_signed(
        &CertificateRequest::new("CA"),
        Duration::from_secs(3600),
    )
    .unwrap();
    assert!(!format!("{ca:?}").contains(ca.private_key().pem()));
    let err = PrivateKey::from_pem(
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
    )
    .unwrap_err();
    assert!(!err.to_string().contains("MIIB"));
}

#[test]
fn the_ca_signs_what_was_asked_and_the_chain_verifies() {
    let ca = CertificateAuthority::self_signed(
        &CertificateRequest::new("Zinc CA").with_organization("Example"),
        Duration::from_secs(365 * 86_400),
    )
    .unwrap();
    assert!(ca.certificate().is_ca());
    assert!(
        ca.certificate().is_issued_by(ca.certificate()).unwrap(),
        "self-signed"
    );
    let key = PrivateKey::generate().unwrap();
    let request = CertificateRequest::new("zinc.example.com")
        .with_sans_dns(["zinc.example.com"])
        .with_sans_ip(["10.1.2.3".parse().unwrap()])
        .with_email_address("ops@example.com");
    let csr = request.generate_csr(&key).unwrap();
    let leaf = ca
        .sign(&csr, false, Duration::from_secs(30 * 86_400))
        .unwrap();
    assert!(leaf.is_issued_by(ca.certificate()).unwrap());
    assert!(!leaf.is_ca());
    assert!(leaf.matches_private_key(&key) && csr.matches_certificate(&leaf));
    assert_eq!(leaf.common_name(), Some("zinc.example.com"));
    assert_eq!(
        leaf.sans_dns().iter().collect::<Vec<_>>(),
        ["zinc.example.com"]
    );
    assert_eq!(
        leaf.sans_ip()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["10.1.2.3"]
    );
    let days = leaf
        .not_after()
        .duration_since(leaf.not_before())
        .unwrap()
        .as_secs()
        / 86_400;
    assert_eq!(days, 30);
    // Another CA's certificate does not verify it.
    let other = CertificateAuthority::self_signed(
        &CertificateRequest::new("Zinc CA").with_organization("Example"),
        Duration::from_secs(3600),
    )
    .unwrap();
    assert!(
        !leaf.is_issued_by(other.certificate()).unwrap(),
        "same name, other key"
    );
    // A CA certificate, and a leaf signed by it.
    let intermediate_key = PrivateKey::generate().unwrap();
    let intermediate_csr = CertificateRequest::new("Intermediate")
        .ca()
        .generate_csr(&intermediate_key)
        .unwrap();
    let intermediate = ca
        .sign(&intermediate_csr, true, Duration::from_secs(86_400))
        .unwrap();
    assert!(intermediate.is_ca() && intermediate.is_issued_by(ca.certificate()).unwrap());
    let sub = CertificateAuthority::new(intermediate.clone(), intermediate_key).unwrap();
    let leaf2 = sub.sign(&csr, false, Duration::from_secs(3600)).unwrap();
    assert!(leaf2.is_issued_by(&intermediate).unwrap());
    assert!(!leaf2.is_issued_by(ca.certificate()).unwrap());
    assert!(CertificateAuthority::new(leaf, key).is_err(), "not a CA");
}

// ---------------------------------------------------------------------------
// The requirer

fn zinc_request() -> CertificateRequest {
    CertificateRequest::new("zinc.example.com")
        .with_sans_dns(["zinc.example.com", "zinc-0.zinc-endpoints"])
        .with_sans_ip(["10.1.2.3".parse().unwrap()])
}

struct Zinc {
    tls: TlsCertificatesRequirer,
}

impl Default for Zinc {
    fn default() -> Self {
        Self {
            tls: TlsCertificatesRequirer::new(
                Endpoint::new_unchecked("certificates"),
                [zinc_request()],
            ),
        }
    }
}

#[charm(components(tls: TlsCertificatesRequirer = "certificates"), metadata_source = "name: zinc\nrequires:\n  certificates:\n    interface: tls-certificates\n    limit: 1\n")]
impl Zinc {
    #[on(tls::certificate_available)]
    fn available(
        &mut self,
        cx: &mut HookContext,
        event: Custom<CertificateAvailable>,
    ) -> Result<(), CharmError> {
        let key = self.tls.private_key(cx)?.expect("a key");
        let certificate = Certificate::from_pem(&event.certificate)?;
        assert!(certificate.matches_private_key(&key));
        cx.set_unit_status(Status::active(format!(
            "serving {}",
            certificate.common_name().unwrap_or_default()
        )))?;
        Ok(())
    }
}

fn key_label(unit: u32) -> String {
    format!("{LIBID}-private-key-{unit}-certificates")
}

fn available(ctx: &Context<Zinc>) -> Vec<CertificateAvailable> {
    ctx.emitted_events()
        .iter()
        .filter_map(|e| Custom::<CertificateAvailable>::from_event(e).ok().flatten())
        .map(Custom::into_inner)
        .collect()
}

/// A requirer that has published its CSR: the context and the state.
fn requested() -> (Context<Zinc>, State) {
    let relation = remote::provider("certificates", 1);
    let mut ctx = Context::<Zinc>::new();
    let out = ctx
        .run(
            relation.created_event(),
            State::new().with_relation(relation),
        )
        .unwrap();
    (ctx, out)
}

#[test]
fn the_requirer_keeps_its_key_in_a_secret_and_publishes_a_csr() {
    let (_, out) = requested();
    let secret = out
        .secret_by_label(&key_label(0))
        .expect("the key's secret");
    assert_eq!(secret.owner, Some(SecretOwner::Unit));
    let key =
        PrivateKey::from_pem(secret.latest_content().unwrap().get("private-key").unwrap()).unwrap();
    let relation = out.relation(1).unwrap();
    let requests = remote::requested(relation).unwrap();
    assert_eq!(requests.len(), 1);
    assert!(!requests[0].ca);
    assert!(
        relation.local_app_data.is_empty(),
        "unit mode: the unit bag only"
    );
    let csr =
        CertificateSigningRequest::from_pem(&requests[0].certificate_signing_request).unwrap();
    assert!(csr.matches_private_key(&key));
    assert_eq!(csr.attributes(false), zinc_request());
}

#[test]
fn a_hook_without_changes_keeps_the_csr() {
    let (mut ctx, out) = requested();
    let before = remote::requested(out.relation(1).unwrap()).unwrap();
    let out = ctx.run(Event::UpdateStatus, out).unwrap();
    assert_eq!(remote::requested(out.relation(1).unwrap()).unwrap(), before);
    assert_eq!(out.secrets.len(), 1, "one key, generated once");
}

#[test]
fn the_certificate_is_delivered_and_verifies_against_the_ca() {
    let (mut ctx, out) = requested();
    let ca = TestCa::new();
    let answered = ca.answer(out.relation(1).unwrap());
    let out = ctx
        .run(answered.changed_event(None), with(out, answered))
        .unwrap();
    assert_eq!(out.unit_status, Status::active("serving zinc.example.com"));
    let events = available(&ctx);
    assert_eq!(events.len(), 1);
    let event = &events[0];
    let leaf = Certificate::from_pem(&event.certificate).unwrap();
    let ca_cert = Certificate::from_pem(&event.ca).unwrap();
    assert_eq!(ca_cert, *ca.certificate());
    // The chain: leaf first, then the CA; the leaf's signature and issuer are the CA's.
    assert_eq!(event.chain, [event.certificate.clone(), event.ca.clone()]);
    assert!(leaf.is_issued_by(&ca_cert).unwrap());
    assert!(!leaf.is_issued_by(&leaf).unwrap());
    // What was asked for.
    assert_eq!(leaf.common_name(), Some("zinc.example.com"));
    assert_eq!(leaf.sans_dns(), &zinc_request().sans_dns);
    assert_eq!(leaf.sans_ip(), &zinc_request().sans_ip);
    // The requirer's state: the certificate in a secret that expires at the renewal time.
    let csr = CertificateSigningRequest::from_pem(&event.certificate_signing_request).unwrap();
    let label = format!("{LIBID}-certificate-0-certificates-{}", csr.sha256_hex());
    let secret = out
        .secret_by_label(&label)
        .expect("the certificate's secret");
    assert_eq!(
        secret.latest_content().unwrap().get("certificate"),
        Some(event.certificate.as_str())
    );
    assert_eq!(secret.latest_content().unwrap().get("csr"), Some(csr.pem()));
    let expire = secret.expire.as_deref().expect("an expiry");
    let renew_at = leaf.at_fraction_of_validity(0.9);
    let day = rfc3339_day(renew_at);
    assert!(expire.starts_with(&day), "{expire} ~ {day}");
    // The typed accessor, in a later hook.
    let mut seen = None;
    ctx.run_with(Event::UpdateStatus, out.clone(), |charm, cx| {
        let assigned = charm
            .tls
            .certificate(cx, &zinc_request())
            .unwrap()
            .expect("assigned");
        let key = charm.tls.private_key(cx).unwrap().unwrap();
        assert!(assigned.certificate.matches_private_key(&key));
        seen = Some(assigned.certificate.pem().to_owned());
    })
    .unwrap();
    assert_eq!(seen.as_deref(), Some(event.certificate.as_str()));
    assert!(
        available(&ctx).is_empty(),
        "the same certificate is announced once"
    );
}

/// `YYYY-MM-DD` of `t`, as an RFC 3339 timestamp starts.
fn rfc3339_day(t: SystemTime) -> String {
    let days = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() / 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[test]
fn the_private_key_is_in_no_bag_log_or_debug_output() {
    let (mut ctx, out) = requested();
    let answered = TestCa::new().answer(out.relation(1).unwrap());
    let out = ctx
        .run(answered.changed_event(None), with(out, answered))
        .unwrap();
    let key = out
        .secret_by_label(&key_label(0))
        .unwrap()
        .latest_content()
        .unwrap()
        .get("private-key")
        .unwrap()
        .to_owned();
    let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(body.len() > 40);
    let fragment = &body[10..40];
    for relation in &out.relations {
        for value in relation
            .local_unit_data
            .values()
            .chain(relation.local_app_data.values())
            .chain(relation.remote_app_data.values())
            .chain(relation.remote_units.values().flat_map(|b| b.values()))
        {
            assert!(!value.contains(fragment), "a databag holds the key");
        }
    }
    for line in ctx.juju_log() {
        assert!(
            !line.message.contains(fragment),
            "juju-log: {}",
            line.message
        );
    }
    assert!(!format!("{out:?}").contains(fragment), "the state's Debug");
    assert!(
        !format!("{:?}", ctx.emitted_events()).contains(fragment),
        "the events' Debug"
    );
    let mut debug = String::new();
    ctx.run_with(Event::UpdateStatus, out, |charm, cx| {
        let key = charm.tls.private_key(cx).unwrap().unwrap();
        let assigned = charm.tls.assigned_certificates(cx).unwrap();
        debug = format!("{:?} {key:?} {assigned:?}", charm.tls);
    })
    .unwrap();
    assert!(!debug.contains(fragment) && debug.contains("PrivateKey(<redacted>)"));
}

#[test]
fn an_expired_certificate_secret_renews_the_request() {
    let (mut ctx, out) = requested();
    let ca = TestCa::new();
    let answered = ca.answer(out.relation(1).unwrap());
    let out = ctx
        .run(answered.changed_event(None), with(out, answered))
        .unwrap();
    let old = remote::requested(out.relation(1).unwrap()).unwrap();
    let prefix = format!("{LIBID}-certificate-0-certificates-");
    let secret = out
        .secrets
        .iter()
        .find(|s| s.label.as_deref().is_some_and(|l| l.starts_with(&prefix)))
        .unwrap()
        .clone();
    let out = ctx
        .run(secret.expired_event(secret.latest_revision()), out)
        .unwrap();
    let new = remote::requested(out.relation(1).unwrap()).unwrap();
    assert_eq!(new.len(), 1);
    assert_ne!(new[0], old[0], "a new CSR");
    let csr = CertificateSigningRequest::from_pem(&new[0].certificate_signing_request).unwrap();
    assert_eq!(
        csr.attributes(false),
        zinc_request(),
        "for the same request"
    );
    assert!(
        out.secret(&secret.id).is_none(),
        "the old certificate's secret is gone"
    );
    assert!(
        out.secret_by_label(&key_label(0)).is_some(),
        "the key stays"
    );
    // The provider answers the new CSR (and drops the old certificate).
    let answered = ca.answer(out.relation(1).unwrap());
    assert_eq!(remote::issued(&answered).unwrap().certificates.len(), 1);
    let out = ctx
        .run(answered.changed_event(None), with(out, answered))
        .unwrap();
    assert_eq!(available(&ctx).len(), 1);
    assert_eq!(
        available(&ctx)[0].certificate_signing_request,
        new[0].certificate_signing_request
    );
    let _ = out;
}

#[test]
fn a_certificate_near_expiry_is_renewed_on_any_hook() {
    let (mut ctx, out) = requested();
    // 89 of 90 days gone: past the renewal time plus the safety margin.
    let ca = TestCa::new().backdated(Duration::from_secs(89 * 86_400));
    let answered = ca.answer(out.relation(1).unwrap());
    let csr = remote::requested(&answered).unwrap()[0].clone();
    let out = ctx
        .run(answered.changed_event(None), with(out, answered))
        .unwrap();
    let now = remote::requested(out.relation(1).unwrap()).unwrap();
    assert_ne!(now[0], csr, "a new CSR went out");
    assert!(
        ctx.juju_log()
            .iter()
            .any(|l| l.message.contains("near its expiry"))
    );
    // An expired one is not delivered, and renewed too.
    let (mut ctx, out) = requested();
    let ca = TestCa::new()
        .with_validity(Duration::from_secs(3600))
        .backdated(Duration::from_secs(7200));
    let answered = ca.answer(out.relation(1).unwrap());
    let csr = remote::requested(&answered).unwrap()[0].clone();
    let out = ctx
        .run(answered.changed_event(None), with(out, answered))
        .unwrap();
    assert!(available(&ctx).is_empty());
    assert_ne!(remote::requested(out.relation(1).unwrap()).unwrap()[0], csr);
}

#[test]
fn a_revoked_certificate_is_not_delivered_and_a_new_csr_goes_out() {
    let (mut ctx, out) = requested();
    let ca = TestCa::new();
    let answered = ca.answer(out.relation(1).unwrap());
    let out = ctx
        .run(answered.changed_event(None), with(out, answered))
        .unwrap();
    let old = remote::requested(out.relation(1).unwrap()).unwrap();
    let revoked = remote::revoke_all(out.relation(1).unwrap());
    let out = ctx
        .run(revoked.changed_event(None), with(out, revoked))
        .unwrap();
    assert!(
        available(&ctx).is_empty(),
        "a revoked certificate is not delivered"
    );
    let new = remote::requested(out.relation(1).unwrap()).unwrap();
    assert_eq!(new.len(), 1);
    assert_ne!(new[0], old[0]);
    let prefix = format!("{LIBID}-certificate-");
    assert!(
        !out.secrets
            .iter()
            .any(|s| s.label.as_deref().is_some_and(|l| l.starts_with(&prefix))),
        "the revoked certificate's secret is gone"
    );
    let mut none = true;
    ctx.run_with(Event::UpdateStatus, out.clone(), |charm, cx| {
        none = charm.tls.assigned_certificates(cx).unwrap().is_empty();
    })
    .unwrap();
    assert!(none, "nothing assigned until the provider answers anew");
    let answered = ca.answer(out.relation(1).unwrap());
    ctx.run(answered.changed_event(None), with(out, answered))
        .unwrap();
    assert_eq!(available(&ctx).len(), 1);
}

#[test]
fn certificates_for_another_key_or_kind_are_ignored() {
    let (mut ctx, out) = requested();
    let ca = TestCa::new();
    let mut relation = out.relation(1).unwrap().clone();
    let csr = remote::requested(&relation).unwrap()[0]
        .certificate_signing_request
        .clone();
    // A CA certificate for a non-CA request.
    let mut issued = ca.sign(&csr, true);
    relation.remote_app_data = ProviderAppData {
        certificates: vec![issued.clone()],
        request_errors: vec![],
    }
    .to_databag();
    let out = ctx
        .run(relation.changed_event(None), with(out, relation.clone()))
        .unwrap();
    assert!(available(&ctx).is_empty());
    assert!(
        ctx.juju_log()
            .iter()
            .any(|l| l.message.contains("a non-CA certificate was requested"))
    );
    // A certificate for another key, paired with this CSR's text.
    let other = CertificateRequest::new("zinc.example.com")
        .generate_csr(&PrivateKey::generate().unwrap())
        .unwrap();
    issued = ca.sign(other.pem(), false);
    issued.certificate_signing_request = csr;
    relation.remote_app_data = ProviderAppData {
        certificates: vec![issued],
        request_errors: vec![],
    }
    .to_databag();
    ctx.run(relation.changed_event(None), with(out, relation))
        .unwrap();
    assert!(available(&ctx).is_empty());
    assert!(
        ctx.juju_log()
            .iter()
            .any(|l| l.message.contains("not for this unit's key"))
    );
}

#[test]
fn a_malformed_provider_bag_is_logged_not_fatal() {
    let (mut ctx, out) = requested();
    let relation = out
        .relation(1)
        .unwrap()
        .clone()
        .with_remote_app_data([("certificates", "[{\"secret-value\"")]);
    ctx.run(relation.changed_event(None), with(out, relation))
        .unwrap();
    let warning = ctx
        .juju_log()
        .iter()
        .find(|l| l.message.contains("key `certificates`"))
        .expect("a warning");
    assert!(!warning.message.contains("secret-value"));
}

#[test]
fn relation_broken_removes_the_certificates_secrets() {
    let (mut ctx, out) = requested();
    let answered = TestCa::new().answer(out.relation(1).unwrap());
    let out = ctx
        .run(answered.changed_event(None), with(out, answered.clone()))
        .unwrap();
    assert_eq!(out.secrets.len(), 2);
    let out = ctx.run(answered.broken_event(), out).unwrap();
    assert_eq!(out.secrets.len(), 1);
    assert!(out.secret_by_label(&key_label(0)).is_some());
}

#[test]
fn stale_csrs_are_replaced_and_secret_revisions_removed() {
    // A CSR left from another request and another key (the charm's requests
    // changed, or its key was replaced).
    let stale = CertificateRequest::new("old.example.com")
        .generate_csr(&PrivateKey::generate().unwrap())
        .unwrap();
    let relation = remote::provider("certificates", 1).with_local_unit_data([(
        "certificate_signing_requests",
        RequirerData {
            certificate_signing_requests: vec![RequestedCertificate::new(stale.pem(), false)],
        }
        .to_databag()["certificate_signing_requests"]
            .clone(),
    )]);
    let mut ctx = Context::<Zinc>::new();
    let out = ctx
        .run(Event::UpdateStatus, State::new().with_relation(relation))
        .unwrap();
    let now = remote::requested(out.relation(1).unwrap()).unwrap();
    assert_eq!(now.len(), 1);
    let csr = CertificateSigningRequest::from_pem(&now[0].certificate_signing_request).unwrap();
    assert_eq!(csr.attributes(false), zinc_request());
    // secret-remove of one of its secrets' revisions removes it; of another's, nothing.
    let answered = TestCa::new().answer(out.relation(1).unwrap());
    let out = ctx
        .run(answered.changed_event(None), with(out, answered))
        .unwrap();
    let prefix = format!("{LIBID}-certificate-0-certificates-");
    let own = out
        .secrets
        .iter()
        .find(|s| s.label.as_deref().is_some_and(|l| l.starts_with(&prefix)))
        .unwrap()
        .clone();
    let other = ops_runtime::testing::Secret::new(SecretContent::new().with("password", "x"))
        .owned_by(SecretOwner::Unit)
        .with_label("someone-else");
    let out = ctx
        .run(own.remove_event(1), out.with_secret(other.clone()))
        .unwrap();
    assert_eq!(ctx.removed_secret_revisions(), [(own.id.clone(), 1)]);
    ctx.run(other.remove_event(1), out).unwrap();
    assert!(ctx.removed_secret_revisions().is_empty());
}

// App mode: the leader asks for the application's certificate.

struct Fleet {
    tls: TlsCertificatesRequirer,
}

impl Default for Fleet {
    fn default() -> Self {
        Self {
            tls: TlsCertificatesRequirer::with_requests_from(
                Endpoint::new_unchecked("certificates"),
                |cx| {
                    Ok(vec![
                        CertificateRequest::new(format!("{}.example.com", cx.app_name())).ca(),
                    ])
                },
            )
            .with_mode(Mode::App),
        }
    }
}

#[charm(components(tls: TlsCertificatesRequirer = "certificates"), metadata_source = "name: fleet\nrequires:\n  certificates:\n    interface: tls-certificates\n")]
impl Fleet {}

#[test]
fn app_mode_uses_the_application_bag_on_the_leader_only() {
    let relation = remote::provider("certificates", 1);
    let mut ctx = Context::<Fleet>::new().with_unit_id(2);
    let out = ctx
        .run(
            relation.created_event(),
            State::new()
                .with_leader(false)
                .with_relation(relation.clone()),
        )
        .unwrap();
    assert!(
        out.relation(1)
            .unwrap()
            .local_unit_data
            .keys()
            .all(|k| k.contains("address") || k == "egress-subnets")
    );
    assert!(out.secrets.is_empty(), "a follower makes no key");
    let out = ctx
        .run(
            relation.created_event(),
            State::new().with_leader(true).with_relation(relation),
        )
        .unwrap();
    let relation = out.relation(1).unwrap().clone();
    let asked = RequirerData::from_databag(&relation.local_app_data)
        .unwrap()
        .certificate_signing_requests;
    assert_eq!(asked.len(), 1);
    assert!(asked[0].ca);
    let csr = CertificateSigningRequest::from_pem(&asked[0].certificate_signing_request).unwrap();
    assert_eq!(csr.common_name(), Some("fleet.example.com"));
    let secret = out
        .secret_by_label(&format!("{LIBID}-private-key-app-certificates"))
        .unwrap();
    assert_eq!(secret.owner, Some(SecretOwner::App));
    let ca = TestCa::new();
    let answered = ca.answer(&relation);
    ctx.run(answered.changed_event(None), with(out, answered))
        .unwrap();
    let events: Vec<_> = ctx
        .emitted_events()
        .iter()
        .filter_map(|e| Custom::<CertificateAvailable>::from_event(e).ok().flatten())
        .collect();
    assert_eq!(events.len(), 1);
    assert!(
        Certificate::from_pem(&events[0].certificate)
            .unwrap()
            .is_ca()
    );
}

// ---------------------------------------------------------------------------
// The provider

fn authority() -> &'static CertificateAuthority {
    static CA: OnceLock<CertificateAuthority> = OnceLock::new();
    CA.get_or_init(|| {
        CertificateAuthority::self_signed(
            &CertificateRequest::new("Provider CA"),
            Duration::from_secs(365 * 86_400),
        )
        .unwrap()
    })
}

#[derive(Default)]
struct Signer {
    certificates: TlsCertificatesProvider,
}

#[charm(components(certificates: TlsCertificatesProvider = "certificates"), metadata_source = "name: signer\nprovides:\n  certificates:\n    interface: tls-certificates\n")]
impl Signer {
    #[on(certificates::certificates_requested)]
    fn sign(
        &mut self,
        cx: &mut HookContext,
        _event: Custom<CertificatesRequested>,
    ) -> Result<(), CharmError> {
        for request in self
            .certificates
            .outstanding_certificate_requests(cx, None)?
        {
            self.certificates
                .issue(cx, authority(), &request, Duration::from_secs(30 * 86_400))?;
        }
        Ok(())
    }

    #[on(config_changed)]
    fn rotate(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        self.certificates.revoke_all_certificates(cx)?;
        Ok(())
    }
}

#[test]
fn the_provider_signs_every_outstanding_request() {
    let web0 = [CertificateRequest::new("web-0").with_sans_dns(["web-0.example.com"])];
    let web1 = [
        CertificateRequest::new("web-1"),
        CertificateRequest::new("web-ca").ca(),
    ];
    let requirer = remote::test_requirer("certificates", 7, &[("web/0", &web0), ("web/1", &web1)]);
    let mut ctx = Context::<Signer>::new();
    let state = State::new()
        .with_leader(true)
        .with_relation(requirer.relation.clone());
    let out = ctx
        .run(requirer.relation.changed_event(Some("web/1")), state)
        .unwrap();
    let published = remote::certificates(out.relation(7).unwrap()).unwrap();
    assert_eq!(published.certificates.len(), 3);
    for entry in &published.certificates {
        let leaf = Certificate::from_pem(&entry.certificate).unwrap();
        assert!(leaf.is_issued_by(authority().certificate()).unwrap());
        assert_eq!(entry.ca, authority().certificate().pem());
        assert_eq!(entry.chain, [entry.certificate.clone(), entry.ca.clone()]);
        let csr = CertificateSigningRequest::from_pem(&entry.certificate_signing_request).unwrap();
        assert!(csr.matches_certificate(&leaf));
        assert_eq!(leaf.is_ca(), leaf.common_name() == Some("web-ca"));
        let owner = &requirer
            .keys
            .iter()
            .find(|(_, k)| leaf.matches_private_key(k))
            .expect("a unit's key")
            .0;
        assert_eq!(
            owner,
            if leaf.common_name() == Some("web-0") {
                "web/0"
            } else {
                "web/1"
            }
        );
    }
    // Nothing outstanding: nothing signed again.
    let again = ctx
        .run(requirer.relation.changed_event(Some("web/0")), out.clone())
        .unwrap();
    assert_eq!(
        again.relation(7).unwrap().local_app_data,
        out.relation(7).unwrap().local_app_data
    );
    assert!(ctx.emitted_events().is_empty());
}

#[test]
fn a_follower_provider_writes_nothing() {
    let requirer = remote::requirer(
        "certificates",
        7,
        &[("web/0", &[CertificateRequest::new("web-0")])],
    );
    let mut ctx = Context::<Signer>::new();
    let state = State::new()
        .with_leader(false)
        .with_relation(requirer.clone());
    let out = ctx
        .run(requirer.changed_event(Some("web/0")), state)
        .unwrap();
    assert!(out.relation(7).unwrap().local_app_data.is_empty());
    assert!(ctx.emitted_events().is_empty());
}

#[test]
fn the_provider_drops_certificates_no_longer_requested_and_revokes() {
    let requirer = remote::requirer(
        "certificates",
        7,
        &[("web/0", &[CertificateRequest::new("web-0")])],
    );
    let mut ctx = Context::<Signer>::new();
    let out = ctx
        .run(
            requirer.changed_event(Some("web/0")),
            State::new()
                .with_leader(true)
                .with_relation(requirer.clone()),
        )
        .unwrap();
    let mut relation = out.relation(7).unwrap().clone();
    // Revoke all (the charm's CA changed).
    let revoked = ctx.run(Event::ConfigChanged, out.clone()).unwrap();
    let published = remote::certificates(revoked.relation(7).unwrap()).unwrap();
    assert!(published.certificates.iter().all(|c| c.revoked));
    assert!(
        revoked.relation(7).unwrap().local_app_data["certificates"].contains(r#""revoked": true"#)
    );
    // The unit withdraws its CSR: its certificate goes.
    relation.remote_units.insert("web/0".into(), Databag::new());
    let out = ctx
        .run(relation.changed_event(Some("web/0")), with(out, relation))
        .unwrap();
    assert!(
        !out.relation(7)
            .unwrap()
            .local_app_data
            .contains_key("certificates")
    );
}

#[test]
fn rust_requirer_and_rust_provider_agree() {
    // The requirer publishes its CSR...
    let (mut zinc, out) = requested();
    let zinc_bag = out.relation(1).unwrap().local_unit_data.clone();
    // ... the provider reads it from the requirer's unit bag and signs it...
    let for_provider = Relation::new("certificates", 9)
        .without_remote_units()
        .with_remote_unit("zinc/0", zinc_bag)
        .with_remote_app("zinc");
    let mut signer = Context::<Signer>::new();
    let signed = signer
        .run(
            for_provider.changed_event(Some("zinc/0")),
            State::new().with_leader(true).with_relation(for_provider),
        )
        .unwrap();
    let provider_bag = signed.relation(9).unwrap().local_app_data.clone();
    // ... and the requirer receives it.
    let mut relation = out.relation(1).unwrap().clone();
    relation.remote_app_data = provider_bag;
    let out = zinc
        .run(relation.changed_event(None), with(out, relation))
        .unwrap();
    assert_eq!(out.unit_status, Status::active("serving zinc.example.com"));
    let events = available(&zinc);
    assert_eq!(events.len(), 1);
    let leaf = Certificate::from_pem(&events[0].certificate).unwrap();
    assert!(leaf.is_issued_by(authority().certificate()).unwrap());
}

// ---------------------------------------------------------------------------
// Against the Python library's own output

#[test]
fn python_bags_read_and_write_back_byte_for_byte() {
    let read =
        RequirerData::from_databag(&bag(&[("certificate_signing_requests", PY_REQUIRER_BAG)]))
            .unwrap();
    assert_eq!(
        read.certificate_signing_requests,
        [RequestedCertificate::new(PY_CSR, false)]
    );
    assert_eq!(
        read.to_databag()["certificate_signing_requests"],
        PY_REQUIRER_BAG
    );
    for text in [PY_PROVIDER_BAG, PY_REVOKED_BAG] {
        let read = ProviderAppData::from_databag(&bag(&[("certificates", text)])).unwrap();
        let entry = &read.certificates[0];
        assert_eq!(entry.certificate_signing_request, PY_CSR);
        assert_eq!(entry.chain, [PY_LEAF, PY_CA]);
        assert_eq!(entry.revoked, text == PY_REVOKED_BAG);
        assert_eq!(read.to_databag()["certificates"], text);
    }
}

#[test]
fn python_csrs_and_certificates_read() {
    let csr = CertificateSigningRequest::from_pem(PY_CSR).unwrap();
    let attributes = csr.attributes(false);
    assert_eq!(
        attributes.common_name.as_deref(),
        Some("python.example.com")
    );
    assert_eq!(attributes.organization.as_deref(), Some("Canonical"));
    assert!(attributes.add_unique_id_to_subject_name);
    assert_eq!(
        attributes.sans_dns.iter().collect::<Vec<_>>(),
        ["python.example.com"]
    );
    assert_eq!(
        attributes
            .sans_ip
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["10.0.0.7"]
    );
    let leaf = Certificate::from_pem(PY_LEAF).unwrap();
    let ca = Certificate::from_pem(PY_CA).unwrap();
    assert!(ca.is_ca() && !leaf.is_ca());
    assert!(csr.matches_certificate(&leaf));
    assert_eq!(leaf.common_name(), Some("python.example.com"));
    assert_eq!(leaf.sans_dns(), csr.sans_dns());
    assert!(leaf.not_after() > SystemTime::now());
    // RSA signatures are read, not verified: only P-256 is.
    assert!(leaf.is_issued_by(&ca).is_err());
}

#[test]
fn the_rust_provider_signs_a_python_requirers_rsa_csr() {
    let requirer = Relation::new("certificates", 3)
        .without_remote_units()
        .with_remote_unit(
            "python/0",
            bag(&[("certificate_signing_requests", PY_REQUIRER_BAG)]),
        )
        .with_remote_app("python");
    let mut ctx = Context::<Signer>::new();
    let out = ctx
        .run(
            requirer.changed_event(Some("python/0")),
            State::new().with_leader(true).with_relation(requirer),
        )
        .unwrap();
    let published = remote::certificates(out.relation(3).unwrap()).unwrap();
    assert_eq!(published.certificates.len(), 1);
    let entry = &published.certificates[0];
    assert_eq!(
        entry.certificate_signing_request, PY_CSR,
        "paired by the exact text"
    );
    let leaf = Certificate::from_pem(&entry.certificate).unwrap();
    let csr = CertificateSigningRequest::from_pem(PY_CSR).unwrap();
    assert!(csr.matches_certificate(&leaf), "the RSA key carried over");
    assert!(leaf.is_issued_by(authority().certificate()).unwrap());
    assert_eq!(leaf.common_name(), Some("python.example.com"));
    assert_eq!(leaf.organization(), Some("Canonical"));
    assert_eq!(leaf.sans_ip(), csr.sans_ip());
}
// What the Python library writes (cryptography 48, pydantic 2: an RSA-2048
// requirer's CSR, an RSA CA and its leaf, and the two bags as its models dump
// them).

const PY_CSR: &str = r##"-----BEGIN CERTIFICATE REQUEST-----
MIIC2zCCAcMCAQAwYDEbMBkGA1UEAwwScHl0aG9uLmV4YW1wbGUuY29tMS0wKwYD
VQQtDCRlYTExZTgyNy0yNTQ1LTQwMGEtOTBlYi1jODYxYmI3MWFlYmExEjAQBgNV
BAoMCUNhbm9uaWNhbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALdY
b9tVRYJLgBf025q8JbEpUsGQZov9mwxu9LpLLLg/x4Newgam1oLV68CdVgGCRyHh
dp1EagqFSyO7rk5UC3prMNQsbbO3fc+w4kc/+sWWVHRG74yegOTtBnTv5jGHF37g
+FlU/YL/H9Sa0xW5GqQEYhzb0mwfDsle9KPZUHNtyDvdqVRJ4Z8eIqS0j334Civ4
g7T765I60nvn2OSHx0O/gIbxPtx6+QhRLDZamDwqw2pSfGLIjwZM4ijdrQX8Frea
rLRmM9ifJ3as5f7JDqFizUFseIg2HakQWJkGyy3SRGrqseMcmkcL0yJQC/1LSoms
v1XoY+0OYs2XYP+Wep8CAwEAAaA2MDQGCSqGSIb3DQEJDjEnMCUwIwYDVR0RBBww
GocECgAAB4IScHl0aG9uLmV4YW1wbGUuY29tMA0GCSqGSIb3DQEBCwUAA4IBAQAh
M+Dxafn3q3GQOZKR8spSeI/HvmXuPtnkHTJaYC45afemMTIpdaVzxVMpEvTzYrYB
Rq1miM6xUNSLmIsb0d/OsRPIY8aFBxiJ4JfBN3wGc26IJ0tk40shjicP7JTEo+Kx
/v/zjmD6P6cs/LqCfaoIDoBvQPMQ65WX1S+3iUgYZFRfwfoGlFvgSvRnLMfywmZT
zpFRAKn1vMf2PNyrptea6ShxmX4nHpEIKs+NKzfrdRrt5rSQ+QQtM18bi3l9XG+6
mjIbC//2E+sbxexnfz/i63AzmQjYrVJGA9JjY7gX706i7BL9XGjYOAnuRYMnWerS
m5co5vVKffG0uej2gqAB
-----END CERTIFICATE REQUEST-----"##;

const PY_CA: &str = r##"-----BEGIN CERTIFICATE-----
MIIC6DCCAdCgAwIBAgIUaLBR9N7dptq5tiEM0MCDYhn8tT4wDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJUHl0aG9uIENBMB4XDTI2MTIwMjE2MDkwOFoXDTM2MTEy
OTE2MDkwOFowFDESMBAGA1UEAwwJUHl0aG9uIENBMIIBIjANBgkqhkiG9w0BAQEF
AAOCAQ8AMIIBCgKCAQEAxnbX8xQOV5KUUPeNxHJPzWkOqDw3P2ehpoWjsSo3eJCL
TBmSmKGQ6D8F7+D3Rs45S4bnVnHx+qQNHIOwfCZ+CuHwWir5CYoOrZmgxmUDuTKo
5wBE0l0afvYgl6tzrFRQTqivHK7R6BeXPbPdDxiOo3gK6gSHVMtXa72OhNy6XFki
XUJSD96ZciedB54StPwNy3d5wxEQXEFedBfSKwO4TZ+PsPIr0nvGtuEIDbafLr31
pZVDKY/qrmo1rczd+Un2dTR674R3GE8Drnb/AVJYGZ+sCHjL6C/9+bRzQCH8hkGM
CEDOVYF6GRhpEHvHqqHKZ6SIeJWWdwXQFNPvdr2utwIDAQABozIwMDAdBgNVHQ4E
FgQUOtptm1TaFuKjE++e8PZRONfsNIkwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG
9w0BAQsFAAOCAQEAaVSUbxOKlm1eR929kvGcC8Ea+R4cxkKWkGumdtF42daYA1NU
FEyYsCS9QyjjhhrUo1iJvm/FTee37Li4201voJJ1dcNDq2xLKs9F1eeMc3CQsYIo
bNO3MRB2zhmA677zTyPMcjuKchyFx4QJa7tSVgD4YnqA7fE6nI1KaBF3ZaKG5GYk
BhA9KwBuuokwSCeexDM0hAy8YsCDR4CR+LT7kigYSEnYtGVopCBbyh+P2Hr/tk0K
xgUIQuwBfY1ELmmvRZeaVF7VFQRB+yFIVUqvTEBEPkCN4g1JjTUsZpUOYFKi7k72
ROOyfXx0BpuloG3euFxzkthEP2H2bSnCBkx0gA==
-----END CERTIFICATE-----"##;

const PY_LEAF: &str = r##"-----BEGIN CERTIFICATE-----
MIIDdzCCAl+gAwIBAgIUB5NOvBphI0/KEU7ZL0jXK3J+yc0wDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJUHl0aG9uIENBMB4XDTI2MTIwMjE2MDkwOFoXDTM2MTEy
OTE2MDkwOFowYDEbMBkGA1UEAwwScHl0aG9uLmV4YW1wbGUuY29tMS0wKwYDVQQt
DCRlYTExZTgyNy0yNTQ1LTQwMGEtOTBlYi1jODYxYmI3MWFlYmExEjAQBgNVBAoM
CUNhbm9uaWNhbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALdYb9tV
RYJLgBf025q8JbEpUsGQZov9mwxu9LpLLLg/x4Newgam1oLV68CdVgGCRyHhdp1E
agqFSyO7rk5UC3prMNQsbbO3fc+w4kc/+sWWVHRG74yegOTtBnTv5jGHF37g+FlU
/YL/H9Sa0xW5GqQEYhzb0mwfDsle9KPZUHNtyDvdqVRJ4Z8eIqS0j334Civ4g7T7
65I60nvn2OSHx0O/gIbxPtx6+QhRLDZamDwqw2pSfGLIjwZM4ijdrQX8FrearLRm
M9ifJ3as5f7JDqFizUFseIg2HakQWJkGyy3SRGrqseMcmkcL0yJQC/1LSomsv1Xo
Y+0OYs2XYP+Wep8CAwEAAaN1MHMwHwYDVR0jBBgwFoAUOtptm1TaFuKjE++e8PZR
ONfsNIkwHQYDVR0OBBYEFDunxFsWuz+5BV20WdCKiw+H1KMEMAwGA1UdEwEB/wQC
MAAwIwYDVR0RBBwwGocECgAAB4IScHl0aG9uLmV4YW1wbGUuY29tMA0GCSqGSIb3
DQEBCwUAA4IBAQBWNN2mxI+nj4osLWYtRqcKpnRIB/jF+6qGHrg+1TlFgLzr/T2B
r6wCKmRNCIq2wkAvZKFV8ymmKvH+qEQUK9faLhNgGM7O7xObcofekVxBi4SwqD1N
OiwuzOdM6+4f3lKqteyWvE6+rgolkqpCVo+Jb5lTj7Qr0wZ5E4qS/zx91rNeXUsK
1aaVxj5qIkxDRvynBEllyX2M4C1Vah1/39dFTTlenUgdBc7opYUdTMgk5zK1vyLy
bX1/A5h1atezawmPoT6V3+X/HMDOfvCdvgIMYzJ2Dei1E41rHMsGwM1QynxCU7E3
tt4gF86RX3IRZTum2iI9ml+dG1MQjXOa/1Cy
-----END CERTIFICATE-----"##;

const PY_REQUIRER_BAG: &str = r##"[{"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nMIIC2zCCAcMCAQAwYDEbMBkGA1UEAwwScHl0aG9uLmV4YW1wbGUuY29tMS0wKwYD\nVQQtDCRlYTExZTgyNy0yNTQ1LTQwMGEtOTBlYi1jODYxYmI3MWFlYmExEjAQBgNV\nBAoMCUNhbm9uaWNhbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALdY\nb9tVRYJLgBf025q8JbEpUsGQZov9mwxu9LpLLLg/x4Newgam1oLV68CdVgGCRyHh\ndp1EagqFSyO7rk5UC3prMNQsbbO3fc+w4kc/+sWWVHRG74yegOTtBnTv5jGHF37g\n+FlU/YL/H9Sa0xW5GqQEYhzb0mwfDsle9KPZUHNtyDvdqVRJ4Z8eIqS0j334Civ4\ng7T765I60nvn2OSHx0O/gIbxPtx6+QhRLDZamDwqw2pSfGLIjwZM4ijdrQX8Frea\nrLRmM9ifJ3as5f7JDqFizUFseIg2HakQWJkGyy3SRGrqseMcmkcL0yJQC/1LSoms\nv1XoY+0OYs2XYP+Wep8CAwEAAaA2MDQGCSqGSIb3DQEJDjEnMCUwIwYDVR0RBBww\nGocECgAAB4IScHl0aG9uLmV4YW1wbGUuY29tMA0GCSqGSIb3DQEBCwUAA4IBAQAh\nM+Dxafn3q3GQOZKR8spSeI/HvmXuPtnkHTJaYC45afemMTIpdaVzxVMpEvTzYrYB\nRq1miM6xUNSLmIsb0d/OsRPIY8aFBxiJ4JfBN3wGc26IJ0tk40shjicP7JTEo+Kx\n/v/zjmD6P6cs/LqCfaoIDoBvQPMQ65WX1S+3iUgYZFRfwfoGlFvgSvRnLMfywmZT\nzpFRAKn1vMf2PNyrptea6ShxmX4nHpEIKs+NKzfrdRrt5rSQ+QQtM18bi3l9XG+6\nmjIbC//2E+sbxexnfz/i63AzmQjYrVJGA9JjY7gX706i7BL9XGjYOAnuRYMnWerS\nm5co5vVKffG0uej2gqAB\n-----END CERTIFICATE REQUEST-----", "ca": false}]"##;

const PY_PROVIDER_BAG: &str = r##"[{"ca": "-----BEGIN CERTIFICATE-----\nMIIC6DCCAdCgAwIBAgIUaLBR9N7dptq5tiEM0MCDYhn8tT4wDQYJKoZIhvcNAQEL\nBQAwFDESMBAGA1UEAwwJUHl0aG9uIENBMB4XDTI2MTIwMjE2MDkwOFoXDTM2MTEy\nOTE2MDkwOFowFDESMBAGA1UEAwwJUHl0aG9uIENBMIIBIjANBgkqhkiG9w0BAQEF\nAAOCAQ8AMIIBCgKCAQEAxnbX8xQOV5KUUPeNxHJPzWkOqDw3P2ehpoWjsSo3eJCL\nTBmSmKGQ6D8F7+D3Rs45S4bnVnHx+qQNHIOwfCZ+CuHwWir5CYoOrZmgxmUDuTKo\n5wBE0l0afvYgl6tzrFRQTqivHK7R6BeXPbPdDxiOo3gK6gSHVMtXa72OhNy6XFki\nXUJSD96ZciedB54StPwNy3d5wxEQXEFedBfSKwO4TZ+PsPIr0nvGtuEIDbafLr31\npZVDKY/qrmo1rczd+Un2dTR674R3GE8Drnb/AVJYGZ+sCHjL6C/9+bRzQCH8hkGM\nCEDOVYF6GRhpEHvHqqHKZ6SIeJWWdwXQFNPvdr2utwIDAQABozIwMDAdBgNVHQ4E\nFgQUOtptm1TaFuKjE++e8PZRONfsNIkwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG\n9w0BAQsFAAOCAQEAaVSUbxOKlm1eR929kvGcC8Ea+R4cxkKWkGumdtF42daYA1NU\nFEyYsCS9QyjjhhrUo1iJvm/FTee37Li4201voJJ1dcNDq2xLKs9F1eeMc3CQsYIo\nbNO3MRB2zhmA677zTyPMcjuKchyFx4QJa7tSVgD4YnqA7fE6nI1KaBF3ZaKG5GYk\nBhA9KwBuuokwSCeexDM0hAy8YsCDR4CR+LT7kigYSEnYtGVopCBbyh+P2Hr/tk0K\nxgUIQuwBfY1ELmmvRZeaVF7VFQRB+yFIVUqvTEBEPkCN4g1JjTUsZpUOYFKi7k72\nROOyfXx0BpuloG3euFxzkthEP2H2bSnCBkx0gA==\n-----END CERTIFICATE-----", "certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nMIIC2zCCAcMCAQAwYDEbMBkGA1UEAwwScHl0aG9uLmV4YW1wbGUuY29tMS0wKwYD\nVQQtDCRlYTExZTgyNy0yNTQ1LTQwMGEtOTBlYi1jODYxYmI3MWFlYmExEjAQBgNV\nBAoMCUNhbm9uaWNhbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALdY\nb9tVRYJLgBf025q8JbEpUsGQZov9mwxu9LpLLLg/x4Newgam1oLV68CdVgGCRyHh\ndp1EagqFSyO7rk5UC3prMNQsbbO3fc+w4kc/+sWWVHRG74yegOTtBnTv5jGHF37g\n+FlU/YL/H9Sa0xW5GqQEYhzb0mwfDsle9KPZUHNtyDvdqVRJ4Z8eIqS0j334Civ4\ng7T765I60nvn2OSHx0O/gIbxPtx6+QhRLDZamDwqw2pSfGLIjwZM4ijdrQX8Frea\nrLRmM9ifJ3as5f7JDqFizUFseIg2HakQWJkGyy3SRGrqseMcmkcL0yJQC/1LSoms\nv1XoY+0OYs2XYP+Wep8CAwEAAaA2MDQGCSqGSIb3DQEJDjEnMCUwIwYDVR0RBBww\nGocECgAAB4IScHl0aG9uLmV4YW1wbGUuY29tMA0GCSqGSIb3DQEBCwUAA4IBAQAh\nM+Dxafn3q3GQOZKR8spSeI/HvmXuPtnkHTJaYC45afemMTIpdaVzxVMpEvTzYrYB\nRq1miM6xUNSLmIsb0d/OsRPIY8aFBxiJ4JfBN3wGc26IJ0tk40shjicP7JTEo+Kx\n/v/zjmD6P6cs/LqCfaoIDoBvQPMQ65WX1S+3iUgYZFRfwfoGlFvgSvRnLMfywmZT\nzpFRAKn1vMf2PNyrptea6ShxmX4nHpEIKs+NKzfrdRrt5rSQ+QQtM18bi3l9XG+6\nmjIbC//2E+sbxexnfz/i63AzmQjYrVJGA9JjY7gX706i7BL9XGjYOAnuRYMnWerS\nm5co5vVKffG0uej2gqAB\n-----END CERTIFICATE REQUEST-----", "certificate": "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIUB5NOvBphI0/KEU7ZL0jXK3J+yc0wDQYJKoZIhvcNAQEL\nBQAwFDESMBAGA1UEAwwJUHl0aG9uIENBMB4XDTI2MTIwMjE2MDkwOFoXDTM2MTEy\nOTE2MDkwOFowYDEbMBkGA1UEAwwScHl0aG9uLmV4YW1wbGUuY29tMS0wKwYDVQQt\nDCRlYTExZTgyNy0yNTQ1LTQwMGEtOTBlYi1jODYxYmI3MWFlYmExEjAQBgNVBAoM\nCUNhbm9uaWNhbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALdYb9tV\nRYJLgBf025q8JbEpUsGQZov9mwxu9LpLLLg/x4Newgam1oLV68CdVgGCRyHhdp1E\nagqFSyO7rk5UC3prMNQsbbO3fc+w4kc/+sWWVHRG74yegOTtBnTv5jGHF37g+FlU\n/YL/H9Sa0xW5GqQEYhzb0mwfDsle9KPZUHNtyDvdqVRJ4Z8eIqS0j334Civ4g7T7\n65I60nvn2OSHx0O/gIbxPtx6+QhRLDZamDwqw2pSfGLIjwZM4ijdrQX8FrearLRm\nM9ifJ3as5f7JDqFizUFseIg2HakQWJkGyy3SRGrqseMcmkcL0yJQC/1LSomsv1Xo\nY+0OYs2XYP+Wep8CAwEAAaN1MHMwHwYDVR0jBBgwFoAUOtptm1TaFuKjE++e8PZR\nONfsNIkwHQYDVR0OBBYEFDunxFsWuz+5BV20WdCKiw+H1KMEMAwGA1UdEwEB/wQC\nMAAwIwYDVR0RBBwwGocECgAAB4IScHl0aG9uLmV4YW1wbGUuY29tMA0GCSqGSIb3\nDQEBCwUAA4IBAQBWNN2mxI+nj4osLWYtRqcKpnRIB/jF+6qGHrg+1TlFgLzr/T2B\nr6wCKmRNCIq2wkAvZKFV8ymmKvH+qEQUK9faLhNgGM7O7xObcofekVxBi4SwqD1N\nOiwuzOdM6+4f3lKqteyWvE6+rgolkqpCVo+Jb5lTj7Qr0wZ5E4qS/zx91rNeXUsK\n1aaVxj5qIkxDRvynBEllyX2M4C1Vah1/39dFTTlenUgdBc7opYUdTMgk5zK1vyLy\nbX1/A5h1atezawmPoT6V3+X/HMDOfvCdvgIMYzJ2Dei1E41rHMsGwM1QynxCU7E3\ntt4gF86RX3IRZTum2iI9ml+dG1MQjXOa/1Cy\n-----END CERTIFICATE-----", "chain": ["-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIUB5NOvBphI0/KEU7ZL0jXK3J+yc0wDQYJKoZIhvcNAQEL\nBQAwFDESMBAGA1UEAwwJUHl0aG9uIENBMB4XDTI2MTIwMjE2MDkwOFoXDTM2MTEy\nOTE2MDkwOFowYDEbMBkGA1UEAwwScHl0aG9uLmV4YW1wbGUuY29tMS0wKwYDVQQt\nDCRlYTExZTgyNy0yNTQ1LTQwMGEtOTBlYi1jODYxYmI3MWFlYmExEjAQBgNVBAoM\nCUNhbm9uaWNhbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALdYb9tV\nRYJLgBf025q8JbEpUsGQZov9mwxu9LpLLLg/x4Newgam1oLV68CdVgGCRyHhdp1E\nagqFSyO7rk5UC3prMNQsbbO3fc+w4kc/+sWWVHRG74yegOTtBnTv5jGHF37g+FlU\n/YL/H9Sa0xW5GqQEYhzb0mwfDsle9KPZUHNtyDvdqVRJ4Z8eIqS0j334Civ4g7T7\n65I60nvn2OSHx0O/gIbxPtx6+QhRLDZamDwqw2pSfGLIjwZM4ijdrQX8FrearLRm\nM9ifJ3as5f7JDqFizUFseIg2HakQWJkGyy3SRGrqseMcmkcL0yJQC/1LSomsv1Xo\nY+0OYs2XYP+Wep8CAwEAAaN1MHMwHwYDVR0jBBgwFoAUOtptm1TaFuKjE++e8PZR\nONfsNIkwHQYDVR0OBBYEFDunxFsWuz+5BV20WdCKiw+H1KMEMAwGA1UdEwEB/wQC\nMAAwIwYDVR0RBBwwGocECgAAB4IScHl0aG9uLmV4YW1wbGUuY29tMA0GCSqGSIb3\nDQEBCwUAA4IBAQBWNN2mxI+nj4osLWYtRqcKpnRIB/jF+6qGHrg+1TlFgLzr/T2B\nr6wCKmRNCIq2wkAvZKFV8ymmKvH+qEQUK9faLhNgGM7O7xObcofekVxBi4SwqD1N\nOiwuzOdM6+4f3lKqteyWvE6+rgolkqpCVo+Jb5lTj7Qr0wZ5E4qS/zx91rNeXUsK\n1aaVxj5qIkxDRvynBEllyX2M4C1Vah1/39dFTTlenUgdBc7opYUdTMgk5zK1vyLy\nbX1/A5h1atezawmPoT6V3+X/HMDOfvCdvgIMYzJ2Dei1E41rHMsGwM1QynxCU7E3\ntt4gF86RX3IRZTum2iI9ml+dG1MQjXOa/1Cy\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIC6DCCAdCgAwIBAgIUaLBR9N7dptq5tiEM0MCDYhn8tT4wDQYJKoZIhvcNAQEL\nBQAwFDESMBAGA1UEAwwJUHl0aG9uIENBMB4XDTI2MTIwMjE2MDkwOFoXDTM2MTEy\nOTE2MDkwOFowFDESMBAGA1UEAwwJUHl0aG9uIENBMIIBIjANBgkqhkiG9w0BAQEF\nAAOCAQ8AMIIBCgKCAQEAxnbX8xQOV5KUUPeNxHJPzWkOqDw3P2ehpoWjsSo3eJCL\nTBmSmKGQ6D8F7+D3Rs45S4bnVnHx+qQNHIOwfCZ+CuHwWir5CYoOrZmgxmUDuTKo\n5wBE0l0afvYgl6tzrFRQTqivHK7R6BeXPbPdDxiOo3gK6gSHVMtXa72OhNy6XFki\nXUJSD96ZciedB54StPwNy3d5wxEQXEFedBfSKwO4TZ+PsPIr0nvGtuEIDbafLr31\npZVDKY/qrmo1rczd+Un2dTR674R3GE8Drnb/AVJYGZ+sCHjL6C/9+bRzQCH8hkGM\nCEDOVYF6GRhpEHvHqqHKZ6SIeJWWdwXQFNPvdr2utwIDAQABozIwMDAdBgNVHQ4E\nFgQUOtptm1TaFuKjE++e8PZRONfsNIkwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG\n9w0BAQsFAAOCAQEAaVSUbxOKlm1eR929kvGcC8Ea+R4cxkKWkGumdtF42daYA1NU\nFEyYsCS9QyjjhhrUo1iJvm/FTee37Li4201voJJ1dcNDq2xLKs9F1eeMc3CQsYIo\nbNO3MRB2zhmA677zTyPMcjuKchyFx4QJa7tSVgD4YnqA7fE6nI1KaBF3ZaKG5GYk\nBhA9KwBuuokwSCeexDM0hAy8YsCDR4CR+LT7kigYSEnYtGVopCBbyh+P2Hr/tk0K\nxgUIQuwBfY1ELmmvRZeaVF7VFQRB+yFIVUqvTEBEPkCN4g1JjTUsZpUOYFKi7k72\nROOyfXx0BpuloG3euFxzkthEP2H2bSnCBkx0gA==\n-----END CERTIFICATE-----"]}]"##;

const PY_REVOKED_BAG: &str = r##"[{"ca": "-----BEGIN CERTIFICATE-----\nMIIC6DCCAdCgAwIBAgIUaLBR9N7dptq5tiEM0MCDYhn8tT4wDQYJKoZIhvcNAQEL\nBQAwFDESMBAGA1UEAwwJUHl0aG9uIENBMB4XDTI2MTIwMjE2MDkwOFoXDTM2MTEy\nOTE2MDkwOFowFDESMBAGA1UEAwwJUHl0aG9uIENBMIIBIjANBgkqhkiG9w0BAQEF\nAAOCAQ8AMIIBCgKCAQEAxnbX8xQOV5KUUPeNxHJPzWkOqDw3P2ehpoWjsSo3eJCL\nTBmSmKGQ6D8F7+D3Rs45S4bnVnHx+qQNHIOwfCZ+CuHwWir5CYoOrZmgxmUDuTKo\n5wBE0l0afvYgl6tzrFRQTqivHK7R6BeXPbPdDxiOo3gK6gSHVMtXa72OhNy6XFki\nXUJSD96ZciedB54StPwNy3d5wxEQXEFedBfSKwO4TZ+PsPIr0nvGtuEIDbafLr31\npZVDKY/qrmo1rczd+Un2dTR674R3GE8Drnb/AVJYGZ+sCHjL6C/9+bRzQCH8hkGM\nCEDOVYF6GRhpEHvHqqHKZ6SIeJWWdwXQFNPvdr2utwIDAQABozIwMDAdBgNVHQ4E\nFgQUOtptm1TaFuKjE++e8PZRONfsNIkwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG\n9w0BAQsFAAOCAQEAaVSUbxOKlm1eR929kvGcC8Ea+R4cxkKWkGumdtF42daYA1NU\nFEyYsCS9QyjjhhrUo1iJvm/FTee37Li4201voJJ1dcNDq2xLKs9F1eeMc3CQsYIo\nbNO3MRB2zhmA677zTyPMcjuKchyFx4QJa7tSVgD4YnqA7fE6nI1KaBF3ZaKG5GYk\nBhA9KwBuuokwSCeexDM0hAy8YsCDR4CR+LT7kigYSEnYtGVopCBbyh+P2Hr/tk0K\nxgUIQuwBfY1ELmmvRZeaVF7VFQRB+yFIVUqvTEBEPkCN4g1JjTUsZpUOYFKi7k72\nROOyfXx0BpuloG3euFxzkthEP2H2bSnCBkx0gA==\n-----END CERTIFICATE-----", "certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\nMIIC2zCCAcMCAQAwYDEbMBkGA1UEAwwScHl0aG9uLmV4YW1wbGUuY29tMS0wKwYD\nVQQtDCRlYTExZTgyNy0yNTQ1LTQwMGEtOTBlYi1jODYxYmI3MWFlYmExEjAQBgNV\nBAoMCUNhbm9uaWNhbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALdY\nb9tVRYJLgBf025q8JbEpUsGQZov9mwxu9LpLLLg/x4Newgam1oLV68CdVgGCRyHh\ndp1EagqFSyO7rk5UC3prMNQsbbO3fc+w4kc/+sWWVHRG74yegOTtBnTv5jGHF37g\n+FlU/YL/H9Sa0xW5GqQEYhzb0mwfDsle9KPZUHNtyDvdqVRJ4Z8eIqS0j334Civ4\ng7T765I60nvn2OSHx0O/gIbxPtx6+QhRLDZamDwqw2pSfGLIjwZM4ijdrQX8Frea\nrLRmM9ifJ3as5f7JDqFizUFseIg2HakQWJkGyy3SRGrqseMcmkcL0yJQC/1LSoms\nv1XoY+0OYs2XYP+Wep8CAwEAAaA2MDQGCSqGSIb3DQEJDjEnMCUwIwYDVR0RBBww\nGocECgAAB4IScHl0aG9uLmV4YW1wbGUuY29tMA0GCSqGSIb3DQEBCwUAA4IBAQAh\nM+Dxafn3q3GQOZKR8spSeI/HvmXuPtnkHTJaYC45afemMTIpdaVzxVMpEvTzYrYB\nRq1miM6xUNSLmIsb0d/OsRPIY8aFBxiJ4JfBN3wGc26IJ0tk40shjicP7JTEo+Kx\n/v/zjmD6P6cs/LqCfaoIDoBvQPMQ65WX1S+3iUgYZFRfwfoGlFvgSvRnLMfywmZT\nzpFRAKn1vMf2PNyrptea6ShxmX4nHpEIKs+NKzfrdRrt5rSQ+QQtM18bi3l9XG+6\nmjIbC//2E+sbxexnfz/i63AzmQjYrVJGA9JjY7gX706i7BL9XGjYOAnuRYMnWerS\nm5co5vVKffG0uej2gqAB\n-----END CERTIFICATE REQUEST-----", "certificate": "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIUB5NOvBphI0/KEU7ZL0jXK3J+yc0wDQYJKoZIhvcNAQEL\nBQAwFDESMBAGA1UEAwwJUHl0aG9uIENBMB4XDTI2MTIwMjE2MDkwOFoXDTM2MTEy\nOTE2MDkwOFowYDEbMBkGA1UEAwwScHl0aG9uLmV4YW1wbGUuY29tMS0wKwYDVQQt\nDCRlYTExZTgyNy0yNTQ1LTQwMGEtOTBlYi1jODYxYmI3MWFlYmExEjAQBgNVBAoM\nCUNhbm9uaWNhbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALdYb9tV\nRYJLgBf025q8JbEpUsGQZov9mwxu9LpLLLg/x4Newgam1oLV68CdVgGCRyHhdp1E\nagqFSyO7rk5UC3prMNQsbbO3fc+w4kc/+sWWVHRG74yegOTtBnTv5jGHF37g+FlU\n/YL/H9Sa0xW5GqQEYhzb0mwfDsle9KPZUHNtyDvdqVRJ4Z8eIqS0j334Civ4g7T7\n65I60nvn2OSHx0O/gIbxPtx6+QhRLDZamDwqw2pSfGLIjwZM4ijdrQX8FrearLRm\nM9ifJ3as5f7JDqFizUFseIg2HakQWJkGyy3SRGrqseMcmkcL0yJQC/1LSomsv1Xo\nY+0OYs2XYP+Wep8CAwEAAaN1MHMwHwYDVR0jBBgwFoAUOtptm1TaFuKjE++e8PZR\nONfsNIkwHQYDVR0OBBYEFDunxFsWuz+5BV20WdCKiw+H1KMEMAwGA1UdEwEB/wQC\nMAAwIwYDVR0RBBwwGocECgAAB4IScHl0aG9uLmV4YW1wbGUuY29tMA0GCSqGSIb3\nDQEBCwUAA4IBAQBWNN2mxI+nj4osLWYtRqcKpnRIB/jF+6qGHrg+1TlFgLzr/T2B\nr6wCKmRNCIq2wkAvZKFV8ymmKvH+qEQUK9faLhNgGM7O7xObcofekVxBi4SwqD1N\nOiwuzOdM6+4f3lKqteyWvE6+rgolkqpCVo+Jb5lTj7Qr0wZ5E4qS/zx91rNeXUsK\n1aaVxj5qIkxDRvynBEllyX2M4C1Vah1/39dFTTlenUgdBc7opYUdTMgk5zK1vyLy\nbX1/A5h1atezawmPoT6V3+X/HMDOfvCdvgIMYzJ2Dei1E41rHMsGwM1QynxCU7E3\ntt4gF86RX3IRZTum2iI9ml+dG1MQjXOa/1Cy\n-----END CERTIFICATE-----", "chain": ["-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIUB5NOvBphI0/KEU7ZL0jXK3J+yc0wDQYJKoZIhvcNAQEL\nBQAwFDESMBAGA1UEAwwJUHl0aG9uIENBMB4XDTI2MTIwMjE2MDkwOFoXDTM2MTEy\nOTE2MDkwOFowYDEbMBkGA1UEAwwScHl0aG9uLmV4YW1wbGUuY29tMS0wKwYDVQQt\nDCRlYTExZTgyNy0yNTQ1LTQwMGEtOTBlYi1jODYxYmI3MWFlYmExEjAQBgNVBAoM\nCUNhbm9uaWNhbDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALdYb9tV\nRYJLgBf025q8JbEpUsGQZov9mwxu9LpLLLg/x4Newgam1oLV68CdVgGCRyHhdp1E\nagqFSyO7rk5UC3prMNQsbbO3fc+w4kc/+sWWVHRG74yegOTtBnTv5jGHF37g+FlU\n/YL/H9Sa0xW5GqQEYhzb0mwfDsle9KPZUHNtyDvdqVRJ4Z8eIqS0j334Civ4g7T7\n65I60nvn2OSHx0O/gIbxPtx6+QhRLDZamDwqw2pSfGLIjwZM4ijdrQX8FrearLRm\nM9ifJ3as5f7JDqFizUFseIg2HakQWJkGyy3SRGrqseMcmkcL0yJQC/1LSomsv1Xo\nY+0OYs2XYP+Wep8CAwEAAaN1MHMwHwYDVR0jBBgwFoAUOtptm1TaFuKjE++e8PZR\nONfsNIkwHQYDVR0OBBYEFDunxFsWuz+5BV20WdCKiw+H1KMEMAwGA1UdEwEB/wQC\nMAAwIwYDVR0RBBwwGocECgAAB4IScHl0aG9uLmV4YW1wbGUuY29tMA0GCSqGSIb3\nDQEBCwUAA4IBAQBWNN2mxI+nj4osLWYtRqcKpnRIB/jF+6qGHrg+1TlFgLzr/T2B\nr6wCKmRNCIq2wkAvZKFV8ymmKvH+qEQUK9faLhNgGM7O7xObcofekVxBi4SwqD1N\nOiwuzOdM6+4f3lKqteyWvE6+rgolkqpCVo+Jb5lTj7Qr0wZ5E4qS/zx91rNeXUsK\n1aaVxj5qIkxDRvynBEllyX2M4C1Vah1/39dFTTlenUgdBc7opYUdTMgk5zK1vyLy\nbX1/A5h1atezawmPoT6V3+X/HMDOfvCdvgIMYzJ2Dei1E41rHMsGwM1QynxCU7E3\ntt4gF86RX3IRZTum2iI9ml+dG1MQjXOa/1Cy\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIC6DCCAdCgAwIBAgIUaLBR9N7dptq5tiEM0MCDYhn8tT4wDQYJKoZIhvcNAQEL\nBQAwFDESMBAGA1UEAwwJUHl0aG9uIENBMB4XDTI2MTIwMjE2MDkwOFoXDTM2MTEy\nOTE2MDkwOFowFDESMBAGA1UEAwwJUHl0aG9uIENBMIIBIjANBgkqhkiG9w0BAQEF\nAAOCAQ8AMIIBCgKCAQEAxnbX8xQOV5KUUPeNxHJPzWkOqDw3P2ehpoWjsSo3eJCL\nTBmSmKGQ6D8F7+D3Rs45S4bnVnHx+qQNHIOwfCZ+CuHwWir5CYoOrZmgxmUDuTKo\n5wBE0l0afvYgl6tzrFRQTqivHK7R6BeXPbPdDxiOo3gK6gSHVMtXa72OhNy6XFki\nXUJSD96ZciedB54StPwNy3d5wxEQXEFedBfSKwO4TZ+PsPIr0nvGtuEIDbafLr31\npZVDKY/qrmo1rczd+Un2dTR674R3GE8Drnb/AVJYGZ+sCHjL6C/9+bRzQCH8hkGM\nCEDOVYF6GRhpEHvHqqHKZ6SIeJWWdwXQFNPvdr2utwIDAQABozIwMDAdBgNVHQ4E\nFgQUOtptm1TaFuKjE++e8PZRONfsNIkwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG\n9w0BAQsFAAOCAQEAaVSUbxOKlm1eR929kvGcC8Ea+R4cxkKWkGumdtF42daYA1NU\nFEyYsCS9QyjjhhrUo1iJvm/FTee37Li4201voJJ1dcNDq2xLKs9F1eeMc3CQsYIo\nbNO3MRB2zhmA677zTyPMcjuKchyFx4QJa7tSVgD4YnqA7fE6nI1KaBF3ZaKG5GYk\nBhA9KwBuuokwSCeexDM0hAy8YsCDR4CR+LT7kigYSEnYtGVopCBbyh+P2Hr/tk0K\nxgUIQuwBfY1ELmmvRZeaVF7VFQRB+yFIVUqvTEBEPkCN4g1JjTUsZpUOYFKi7k72\nROOyfXx0BpuloG3euFxzkthEP2H2bSnCBkx0gA==\n-----END CERTIFICATE-----"], "revoked": true}]"##;
