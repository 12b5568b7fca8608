//! The other side of `tls-certificates` in the harness: a certificate
//! provider with a test CA that signs what the charm asked for, and a
//! requirer whose units published CSRs, for a provider charm's tests.
//!
//! ```
//! use ops_interfaces::testing::tls_certificates::{self as remote, TestCa};
//! use ops_interfaces::tls_certificates::{CertificateRequest, PrivateKey, RequestedCertificate};
//!
//! // What a requirer charm would have published in its unit bag.
//! let key = PrivateKey::generate().unwrap();
//! let csr = CertificateRequest::new("web-0").generate_csr(&key).unwrap();
//! let mut relation = remote::provider("certificates", 1);
//! relation.local_unit_data = remote::csr_bag(&[RequestedCertificate::new(csr.pem(), false)]);
//!
//! let ca = TestCa::new();
//! let answered = ca.answer(&relation);
//! let issued = remote::issued(&answered).unwrap();
//! assert_eq!(issued.certificates[0].certificate_signing_request, csr.pem());
//! assert!(issued.certificates[0].chain.len() == 2);
//! ```

use std::time::{Duration, SystemTime};

use ops_runtime::Databag;
use ops_runtime::testing::Relation;

use crate::tls_certificates::{
    Certificate, CertificateAuthority, CertificateRequest, CertificateSigningRequest, DataError,
    PrivateKey, ProviderAppData, ProviderCertificate, RequestedCertificate, RequirerData,
};

/// The provider application's name in the relations these helpers build.
pub const PROVIDER_APP: &str = "self-signed-certificates";

/// The requirer application's name in the relations these helpers build.
pub const REQUIRER_APP: &str = "requirer";

/// A relation on `endpoint` to a certificate provider that has issued
/// nothing yet.
pub fn provider(endpoint: &str, id: u64) -> Relation {
    Relation::new(endpoint, id)
        .without_remote_units()
        .with_remote_unit(format!("{PROVIDER_APP}/0"), Databag::new())
        .with_remote_app(PROVIDER_APP)
}

/// A bag holding `requests`, as a requirer writes it.
pub fn csr_bag(requests: &[RequestedCertificate]) -> Databag {
    RequirerData {
        certificate_signing_requests: requests.to_vec(),
    }
    .to_databag()
}

/// The CSRs the charm published in `relation`: its unit bag's, then its
/// application bag's.
///
/// # Errors
///
/// A bag the charm wrote does not follow the interface.
pub fn requested(relation: &Relation) -> Result<Vec<RequestedCertificate>, DataError> {
    let mut all =
        RequirerData::from_databag(&relation.local_unit_data)?.certificate_signing_requests;
    all.extend(RequirerData::from_databag(&relation.local_app_data)?.certificate_signing_requests);
    Ok(all)
}

/// What the provider published in `relation` (its application bag, as
/// [`TestCa::answer`] wrote it).
///
/// # Errors
///
/// The bag does not follow the interface.
pub fn issued(relation: &Relation) -> Result<ProviderAppData, DataError> {
    ProviderAppData::from_databag(&relation.remote_app_data)
}

/// `relation` with every certificate the provider published marked revoked.
///
/// # Panics
///
/// The provider's bag does not follow the interface.
pub fn revoke_all(relation: &Relation) -> Relation {
    let mut data = issued(relation).expect("the provider's bag follows the interface");
    for certificate in &mut data.certificates {
        certificate.revoked = true;
    }
    let mut relation = relation.clone();
    relation.remote_app_data = data.to_databag();
    relation
}

/// A certificate authority for tests: a self-signed root CA (`Test CA`,
/// ECDSA P-256) that answers what a requirer charm asked for.
#[derive(Debug, Clone)]
pub struct TestCa {
    authority: CertificateAuthority,
    validity: Duration,
    elapsed: Duration,
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCa {
    /// A new CA, issuing certificates valid for 90 days from now.
    ///
    /// # Panics
    ///
    /// The system has no randomness.
    pub fn new() -> Self {
        let authority = CertificateAuthority::self_signed(
            &CertificateRequest::new("Test CA").with_organization("ops-interfaces"),
            Duration::from_secs(10 * 365 * 86_400),
        )
        .expect("a test CA");
        Self {
            authority,
            validity: Duration::from_secs(90 * 86_400),
            elapsed: Duration::ZERO,
        }
    }

    /// Issues certificates valid for `validity`.
    #[must_use]
    pub fn with_validity(mut self, validity: Duration) -> Self {
        self.validity = validity;
        self
    }

    /// Issues certificates whose validity started `elapsed` ago (to test
    /// renewal: with `elapsed` past 95% of the validity, the requirer's
    /// safety net renews at once).
    #[must_use]
    pub fn backdated(mut self, elapsed: Duration) -> Self {
        self.elapsed = elapsed;
        self
    }

    /// The CA.
    pub fn authority(&self) -> &CertificateAuthority {
        &self.authority
    }

    /// The CA's certificate.
    pub fn certificate(&self) -> &Certificate {
        self.authority.certificate()
    }

    /// Signs `csr` (a CA certificate when `is_ca`), the chain `[leaf, CA]`.
    ///
    /// # Panics
    ///
    /// The CSR does not read or cannot be signed.
    pub fn sign(&self, csr: &str, is_ca: bool) -> ProviderCertificate {
        let csr = CertificateSigningRequest::from_pem(csr).expect("a CSR");
        let not_before = SystemTime::now() - self.elapsed;
        let leaf = self
            .authority
            .sign_for_period(&csr, is_ca, not_before, not_before + self.validity)
            .expect("the CSR signs");
        ProviderCertificate::new(&leaf, &csr, self.certificate())
    }

    /// `relation` after this CA answered the charm: a certificate for each
    /// CSR the charm published (unit bag and application bag) that has
    /// none, and no certificate for a CSR the charm no longer publishes, as
    /// a provider's leader writes them.
    ///
    /// # Panics
    ///
    /// A bag does not follow the interface or a CSR does not sign.
    pub fn answer(&self, relation: &Relation) -> Relation {
        let requests = requested(relation).expect("the charm's bags follow the interface");
        let mut data = issued(relation).expect("the provider's bag follows the interface");
        data.certificates.retain(|c| {
            requests
                .iter()
                .any(|r| r.certificate_signing_request == c.certificate_signing_request)
        });
        for request in &requests {
            if !data
                .certificates
                .iter()
                .any(|c| c.certificate_signing_request == request.certificate_signing_request)
            {
                data.certificates
                    .push(self.sign(&request.certificate_signing_request, request.ca));
            }
        }
        let mut relation = relation.clone();
        relation.remote_app_data = data.to_databag();
        relation
    }
}

/// A requirer, for a provider charm's tests: the key and CSR of each unit's
/// requests.
#[derive(Debug, Clone)]
pub struct TestRequirer {
    /// Each unit's key.
    pub keys: Vec<(String, PrivateKey)>,
    /// The relation, CSRs in the remote units' bags.
    pub relation: Relation,
}

/// A relation on `endpoint` to an application whose units (`name`, their
/// requests) published CSRs in their unit bags.
///
/// # Panics
///
/// A request names nothing, or there is no randomness.
pub fn requirer(endpoint: &str, id: u64, units: &[(&str, &[CertificateRequest])]) -> Relation {
    test_requirer(endpoint, id, units).relation
}

/// [`requirer`], with the units' keys.
///
/// # Panics
///
/// As [`requirer`].
pub fn test_requirer(
    endpoint: &str,
    id: u64,
    units: &[(&str, &[CertificateRequest])],
) -> TestRequirer {
    let app = units
        .first()
        .and_then(|(u, _)| u.split_once('/'))
        .map_or(REQUIRER_APP, |(app, _)| app);
    let mut relation = Relation::new(endpoint, id)
        .without_remote_units()
        .with_remote_app(app);
    let mut keys = Vec::new();
    for (unit, requests) in units {
        let key = PrivateKey::generate().expect("a key");
        let entries: Vec<RequestedCertificate> = requests
            .iter()
            .map(|r| {
                let csr = r.generate_csr(&key).expect("a CSR");
                RequestedCertificate::new(csr.pem(), r.is_ca)
            })
            .collect();
        relation = relation.with_remote_unit(*unit, csr_bag(&entries));
        keys.push(((*unit).to_owned(), key));
    }
    TestRequirer { keys, relation }
}

/// What the charm (the provider) published in `relation`: its application
/// bag.
///
/// # Errors
///
/// The bag does not follow the interface.
pub fn certificates(relation: &Relation) -> Result<ProviderAppData, DataError> {
    ProviderAppData::from_databag(&relation.local_app_data)
}
