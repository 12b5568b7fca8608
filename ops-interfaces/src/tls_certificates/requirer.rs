//! The requirer side: a private key in a secret, CSRs in the bag,
//! certificates delivered, renewed and replaced.

use std::time::SystemTime;

use ops_runtime::event::RelationRef;
use ops_runtime::{
    Bag, CharmError, Component, CustomEvent, Emitter, Endpoint, Event, HookContext, Interface,
    LogLevel, Member, ModelError, Revision, Secret, SecretContent, SecretExpiry, SecretOptions,
    SecretOwner,
};
use serde::{Deserialize, Serialize};

use super::crypto::{Certificate, CertificateRequest, CertificateSigningRequest, PrivateKey};
use super::{
    DEFAULT_ENDPOINT, INTERFACE, LIBID, ProviderAppData, RequestedCertificate, RequirerData,
    TlsError,
};

/// Whose certificates the requirer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Each unit asks for its own, in its unit bag, with its own key (the
    /// default).
    #[default]
    Unit,
    /// The leader asks for the application's, in the application bag, with
    /// a key in an application-owned secret; other units do nothing.
    App,
}

/// Computes the requests in each hook, from what the context tells (the
/// unit's name, the configuration...).
pub type RequestsFn = fn(&mut HookContext) -> Result<Vec<CertificateRequest>, ModelError>;

/// A certificate the provider issued for one of this requirer's CSRs:
/// checked (not revoked, CA flag as asked, the requirer's key) and ready to
/// use with [`TlsCertificatesRequirer::private_key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedCertificate {
    /// The relation it came on.
    pub relation: RelationRef,
    /// What was requested.
    pub request: CertificateRequest,
    /// The certificate.
    pub certificate: Certificate,
    /// The CSR it answers.
    pub certificate_signing_request: CertificateSigningRequest,
    /// The issuing CA's certificate, PEM.
    pub ca: String,
    /// The chain, leaf first, PEM.
    pub chain: Vec<String>,
}

impl AssignedCertificate {
    /// The chain as one PEM text, certificates separated by a blank line.
    pub fn chain_pem(&self) -> String {
        self.chain.join("\n\n")
    }
}

/// A certificate is available (new, renewed or changed): the payload of
/// `<component>::certificate_available`. Certificates are public; the key
/// is read with [`TlsCertificatesRequirer::private_key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateAvailable {
    /// The relation.
    pub relation: RelationRef,
    /// The certificate, PEM.
    pub certificate: String,
    /// The CSR it answers, PEM.
    pub certificate_signing_request: String,
    /// The issuing CA's certificate, PEM.
    pub ca: String,
    /// The chain, leaf first, PEM.
    pub chain: Vec<String>,
}

impl CustomEvent for CertificateAvailable {
    const NAME: &'static str = "certificate_available";
}

/// The requirer side of `tls-certificates`, as a component.
///
/// On relation-created and relation-changed of its endpoint, and on
/// config-changed, upgrade-charm, leader-elected and update-status, it makes
/// sure the private key exists (a new ECDSA P-256 key in a secret labelled
/// `<LIBID>-private-key-<unit number>-<endpoint>`, or an application-owned one
/// in [`Mode::App`]), drops from its bag the CSRs that no longer match a
/// request or the key, adds one per request that has none, and delivers each
/// certificate the provider issued for them: a [`CertificateAvailable`] when
/// its text is new, and a unit-owned secret holding it whose expiry is the
/// renewal time (`renewal_relative_time` of the way to its expiry, 0.9 by
/// default). On that secret's `secret-expired`, or on any of those hooks
/// once the certificate is past its renewal time plus 5% (a safety net), or
/// when the provider revokes it, the CSR is replaced by a new one (same key,
/// new unique id), and the provider issues a new certificate.
///
/// ```
/// use ops_interfaces::tls_certificates::{CertificateAvailable, CertificateRequest, TlsCertificatesRequirer};
/// use ops_interfaces::testing::tls_certificates::{self as remote, TestCa};
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::*;
///
/// struct Zinc {
///     tls: TlsCertificatesRequirer,
/// }
///
/// impl Default for Zinc {
///     fn default() -> Self {
///         let request = CertificateRequest::new("zinc.example.com").with_sans_dns(["zinc.example.com"]);
///         Self { tls: TlsCertificatesRequirer::new(Endpoint::new_unchecked("certificates"), [request]) }
///     }
/// }
///
/// #[charm(
///     components(tls: TlsCertificatesRequirer = "certificates"),
///     metadata_source = "name: zinc\nrequires:\n  certificates:\n    interface: tls-certificates\n    limit: 1\n"
/// )]
/// impl Zinc {
///     #[on(tls::certificate_available)]
///     fn certified(&mut self, cx: &mut HookContext, event: Custom<CertificateAvailable>) -> Result<(), CharmError> {
///         let key = self.tls.private_key(cx)?.expect("the key exists once a CSR was sent");
///         // Write event.certificate and key.pem() where the workload reads them.
///         let _ = (&event.certificate, key.pem());
///         cx.set_unit_status(Status::active("serving TLS"))?;
///         Ok(())
///     }
/// }
///
/// // The unit publishes its CSR when the relation is created...
/// let relation = remote::provider("certificates", 1);
/// let mut ctx = Context::<Zinc>::new();
/// let out = ctx.run(relation.created_event(), State::new().with_relation(relation)).unwrap();
/// let relation = out.relation(1).unwrap().clone();
/// assert_eq!(remote::requested(&relation).unwrap().len(), 1);
///
/// // ... and gets its certificate when the provider answers.
/// let answered = TestCa::new().answer(&relation);
/// let mut state = out.clone();
/// state.relations = vec![answered.clone()];
/// let out = ctx.run(answered.changed_event(None), state).unwrap();
/// assert_eq!(out.unit_status, Status::active("serving TLS"));
/// ```
///
/// Bound to an endpoint of another interface, it does not compile:
///
/// ```compile_fail
/// use ops_interfaces::tls_certificates::TlsCertificatesRequirer;
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Zinc {
///     tls: TlsCertificatesRequirer,
/// }
///
/// // error: component `tls` (`TlsCertificatesRequirer`) is bound to endpoint
/// // `db`, whose interface is `postgresql_client`, but it speaks `tls-certificates`
/// #[charm(
///     components(tls: TlsCertificatesRequirer = "db"),
///     metadata_source = "name: zinc\nrequires:\n  db:\n    interface: postgresql_client\n"
/// )]
/// impl Zinc {}
/// ```
#[derive(Debug, Clone)]
pub struct TlsCertificatesRequirer {
    endpoint: Endpoint,
    requests: Vec<CertificateRequest>,
    requests_fn: Option<RequestsFn>,
    mode: Mode,
    renewal_relative_time: f64,
}

impl Default for TlsCertificatesRequirer {
    /// A requirer on the conventional endpoint, `certificates`, with no
    /// request yet (give them with [`TlsCertificatesRequirer::new`] or
    /// [`TlsCertificatesRequirer::with_requests_from`]).
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked(DEFAULT_ENDPOINT), [])
    }
}

/// The safety net renews this much later than the renewal time (a fraction
/// of the validity), as the charmlibs library does.
const SAFETY_MARGIN: f64 = 0.05;

impl TlsCertificatesRequirer {
    /// A requirer on `endpoint` asking for `requests` (those that name
    /// nothing, see [`CertificateRequest::is_valid`], are ignored), in
    /// [`Mode::Unit`].
    pub fn new(endpoint: Endpoint, requests: impl IntoIterator<Item = CertificateRequest>) -> Self {
        Self {
            endpoint,
            requests: requests
                .into_iter()
                .filter(CertificateRequest::is_valid)
                .collect(),
            requests_fn: None,
            mode: Mode::Unit,
            renewal_relative_time: 0.9,
        }
    }

    /// A requirer whose requests `requests` computes in each hook.
    pub fn with_requests_from(endpoint: Endpoint, requests: RequestsFn) -> Self {
        Self {
            requests_fn: Some(requests),
            ..Self::new(endpoint, [])
        }
    }

    /// Sets the mode.
    #[must_use]
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets when certificates are renewed: at `fraction` of the time left
    /// until their expiry when they arrive (0.9 by default; kept within 0.5
    /// to 1.0, the library's bounds).
    #[must_use]
    pub fn with_renewal_relative_time(mut self, fraction: f64) -> Self {
        self.renewal_relative_time = if fraction.is_nan() {
            0.9
        } else {
            fraction.clamp(0.5, 1.0)
        };
        self
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The requests in this hook.
    ///
    /// # Errors
    ///
    /// The request function failed.
    pub fn requests(&self, cx: &mut HookContext) -> Result<Vec<CertificateRequest>, ModelError> {
        match self.requests_fn {
            Some(f) => Ok(f(cx)?
                .into_iter()
                .filter(CertificateRequest::is_valid)
                .collect()),
            None => Ok(self.requests.clone()),
        }
    }

    fn unit_number(cx: &HookContext) -> String {
        cx.unit_name()
            .rsplit_once('/')
            .map_or("0", |(_, n)| n)
            .to_owned()
    }

    fn key_label(&self, cx: &HookContext) -> String {
        match self.mode {
            Mode::Unit => format!(
                "{LIBID}-private-key-{}-{}",
                Self::unit_number(cx),
                self.endpoint.name()
            ),
            Mode::App => format!("{LIBID}-private-key-app-{}", self.endpoint.name()),
        }
    }

    fn certificate_label_prefix(&self, cx: &HookContext) -> String {
        match self.mode {
            Mode::Unit => format!(
                "{LIBID}-certificate-{}-{}-",
                Self::unit_number(cx),
                self.endpoint.name()
            ),
            Mode::App => format!("{LIBID}-certificate-{}-", self.endpoint.name()),
        }
    }

    fn certificate_label(&self, cx: &HookContext, csr: &CertificateSigningRequest) -> String {
        format!("{}{}", self.certificate_label_prefix(cx), csr.sha256_hex())
    }

    /// Whether this unit manages the requests (always in [`Mode::Unit`];
    /// the leader only in [`Mode::App`]).
    fn active(&self, cx: &mut HookContext) -> Result<bool, ModelError> {
        Ok(self.mode == Mode::Unit || cx.is_leader()?)
    }

    fn bag(&self) -> (Bag, Member) {
        match self.mode {
            Mode::Unit => (Bag::Unit, Member::LocalUnit),
            Mode::App => (Bag::App, Member::LocalApp),
        }
    }

    /// An owned secret by label, `None` when there is none.
    fn find_secret(
        cx: &mut HookContext,
        label: &str,
    ) -> Result<Option<(Secret, SecretContent)>, ModelError> {
        // The label's content may be cached for the hook: the refreshed read
        // says whether the secret is still there (this hook may have removed it).
        let found = cx.get_secret(None, Some(label)).and_then(|secret| {
            let content = cx.secret_content(&secret, Revision::Refresh)?;
            Ok((secret, content))
        });
        match found {
            Ok(found) => Ok(Some(found)),
            Err(ModelError::SecretNotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The private key, `None` before one was generated (or on a unit that
    /// does not manage the requests in [`Mode::App`]).
    ///
    /// # Errors
    ///
    /// A hook tool failed, or the stored key does not read.
    pub fn private_key(&self, cx: &mut HookContext) -> Result<Option<PrivateKey>, TlsError> {
        if !self.active(cx)? {
            return Ok(None);
        }
        let label = self.key_label(cx);
        match Self::find_secret(cx, &label)? {
            Some((_, content)) => match content.get("private-key") {
                Some(pem) => Ok(Some(PrivateKey::from_pem(pem)?)),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// The key, generated and stored when missing (or when the stored one is
    /// not a P-256 key, such as the Python library's RSA key).
    fn ensure_private_key(&self, cx: &mut HookContext) -> Result<PrivateKey, TlsError> {
        let label = self.key_label(cx);
        let existing = Self::find_secret(cx, &label)?;
        if let Some((_, content)) = &existing
            && let Some(Ok(key)) = content.get("private-key").map(PrivateKey::from_pem)
        {
            return Ok(key);
        }
        let key = PrivateKey::generate()?;
        let content = SecretContent::new().with("private-key", key.pem());
        match existing {
            Some((secret, _)) => {
                cx.juju_log(
                    LogLevel::Warning,
                    "tls-certificates: the stored private key is not an ECDSA P-256 key; replacing it",
                )?;
                cx.set_secret_content(&secret, &content)?;
            }
            None => {
                let owner = match self.mode {
                    Mode::Unit => SecretOwner::Unit,
                    Mode::App => SecretOwner::App,
                };
                let options = SecretOptions {
                    label: Some(label),
                    ..SecretOptions::default()
                };
                cx.add_secret(owner, &content, &options)?;
            }
        }
        cx.juju_log(LogLevel::Info, "tls-certificates: private key generated")?;
        Ok(key)
    }

    /// Replaces the private key with a new one, and the CSRs with new ones
    /// signed by it.
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn regenerate_private_key(&self, cx: &mut HookContext) -> Result<(), TlsError> {
        if !self.active(cx)? {
            return Ok(());
        }
        let label = self.key_label(cx);
        let key = PrivateKey::generate()?;
        let content = SecretContent::new().with("private-key", key.pem());
        match Self::find_secret(cx, &label)? {
            Some((secret, _)) => cx.set_secret_content(&secret, &content)?,
            None => return self.sync(cx),
        }
        if let Some(relation) = cx.relation(self.endpoint)? {
            self.reconcile(cx, &relation, &key)?;
        }
        Ok(())
    }

    /// The CSRs in this side's bag; entries whose CSR does not read are left
    /// out.
    fn own_requests(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<Vec<(CertificateSigningRequest, bool)>, ModelError> {
        let (_, member) = self.bag();
        let bag = cx.relation_data(relation, &member)?;
        Ok(RequirerData::from_databag(&bag)
            .unwrap_or_default()
            .certificate_signing_requests
            .into_iter()
            .filter_map(|r| {
                CertificateSigningRequest::from_pem(&r.certificate_signing_request)
                    .ok()
                    .map(|csr| (csr, r.ca))
            })
            .collect())
    }

    fn write_requests(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        requests: &[(CertificateSigningRequest, bool)],
    ) -> Result<(), ModelError> {
        let (bag, member) = self.bag();
        let current = cx.relation_data(relation, &member)?;
        let data = RequirerData {
            certificate_signing_requests: requests
                .iter()
                .map(|(csr, ca)| RequestedCertificate::new(csr.pem(), *ca))
                .collect(),
        };
        cx.update_relation_data(relation, bag, data.changes(&current))
    }

    /// Drops the CSRs that match no request or not `key`, and adds one per
    /// request that has none.
    fn reconcile(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        key: &PrivateKey,
    ) -> Result<(), TlsError> {
        let wanted = self.requests(cx)?;
        let mut kept: Vec<(CertificateSigningRequest, bool)> = self
            .own_requests(cx, relation)?
            .into_iter()
            .filter(|(csr, ca)| {
                csr.matches_private_key(key) && wanted.contains(&csr.attributes(*ca))
            })
            .collect();
        for request in &wanted {
            if !kept.iter().any(|(csr, ca)| csr.attributes(*ca) == *request) {
                kept.push((request.generate_csr(key)?, request.is_ca));
            }
        }
        self.write_requests(cx, relation, &kept)?;
        Ok(())
    }

    /// Ensures the key, reconciles the CSRs, delivers the certificates the
    /// provider issued and renews those due, as on the component's events.
    /// A charm whose requests change outside those events calls it.
    ///
    /// # Errors
    ///
    /// A hook tool failed, or a CSR could not be made.
    pub fn sync(&self, cx: &mut HookContext) -> Result<(), TlsError> {
        self.configure(cx).map(drop)
    }

    /// [`sync`](Self::sync), returning the certificates to announce.
    fn configure(&self, cx: &mut HookContext) -> Result<Vec<CertificateAvailable>, TlsError> {
        let Some(relation) = cx.relation(self.endpoint)? else {
            return Ok(Vec::new());
        };
        if !self.active(cx)? {
            return Ok(Vec::new());
        }
        let key = self.ensure_private_key(cx)?;
        self.reconcile(cx, &relation, &key)?;
        let available = self.deliver(cx, &relation, &key)?;
        self.renew_expiring(cx, &relation, &key)?;
        Ok(available)
    }

    /// The provider's certificates, or none (with a warning) when its bag
    /// does not follow the interface.
    fn provider_certificates(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<ProviderAppData, ModelError> {
        let bag = cx.relation_data(relation, &Member::RemoteApp)?;
        match ProviderAppData::from_databag(&bag) {
            Ok(data) => Ok(data),
            Err(e) => {
                let error = TlsError::invalid(relation, &Member::RemoteApp, e);
                cx.juju_log(LogLevel::Warning, &format!("tls-certificates: {error}"))?;
                Ok(ProviderAppData::default())
            }
        }
    }

    /// Emits the certificates issued for this side's CSRs that are new, and
    /// keeps each in a secret whose expiry is its renewal time; drops the
    /// secrets of revoked ones and asks anew.
    fn deliver(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        key: &PrivateKey,
    ) -> Result<Vec<CertificateAvailable>, TlsError> {
        let mut available = Vec::new();
        let own = self.own_requests(cx, relation)?;
        let wanted = self.requests(cx)?;
        let data = self.provider_certificates(cx, relation)?;
        let mut renew = Vec::new();
        for entry in &data.certificates {
            let Some((csr, ca)) = own
                .iter()
                .find(|(csr, _)| csr.pem() == entry.certificate_signing_request)
            else {
                continue;
            };
            let label = self.certificate_label(cx, csr);
            if entry.revoked {
                if let Some((secret, _)) = Self::find_secret(cx, &label)? {
                    cx.remove_secret(&secret)?;
                }
                cx.juju_log(
                    LogLevel::Info,
                    "tls-certificates: the provider revoked a certificate; requesting a new one",
                )?;
                renew.push(csr.clone());
                continue;
            }
            let Some(certificate) = self.check(cx, entry, csr, *ca, key, &wanted)? else {
                continue;
            };
            let now = SystemTime::now();
            if certificate.not_after() <= now {
                renew.push(csr.clone());
                continue;
            }
            let remaining = certificate
                .not_after()
                .duration_since(now)
                .unwrap_or_default();
            let expire = SecretExpiry::At(now + remaining.mul_f64(self.renewal_relative_time));
            let content = SecretContent::new()
                .with("certificate", certificate.pem())
                .with("csr", csr.pem());
            match Self::find_secret(cx, &label)? {
                Some((_, stored)) if stored.get("certificate") == Some(certificate.pem()) => {
                    continue;
                }
                Some((secret, _)) => {
                    cx.set_secret_content(&secret, &content)?;
                    cx.set_secret_info(
                        &secret,
                        &SecretOptions {
                            expire: Some(expire),
                            ..SecretOptions::default()
                        },
                    )?;
                }
                None => {
                    let options = SecretOptions {
                        label: Some(label),
                        expire: Some(expire),
                        ..SecretOptions::default()
                    };
                    cx.add_secret(SecretOwner::Unit, &content, &options)?;
                }
            }
            available.push(CertificateAvailable {
                relation: relation.clone(),
                certificate: entry.certificate.clone(),
                certificate_signing_request: entry.certificate_signing_request.clone(),
                ca: entry.ca.clone(),
                chain: entry.chain.clone(),
            });
        }
        for csr in renew {
            self.renew_csr(cx, relation, &csr, key)?;
        }
        Ok(available)
    }

    /// The certificate of `entry` when it may be delivered: it reads, its CA
    /// flag is what was asked, it certifies `key`, and its CSR is one of the
    /// requests.
    fn check(
        &self,
        cx: &mut HookContext,
        entry: &super::ProviderCertificate,
        csr: &CertificateSigningRequest,
        ca: bool,
        key: &PrivateKey,
        wanted: &[CertificateRequest],
    ) -> Result<Option<Certificate>, ModelError> {
        let problem = match Certificate::from_pem(&entry.certificate) {
            Err(e) => format!("the certificate does not read: {e}"),
            Ok(c) if c.is_ca() != ca => format!(
                "a {} certificate was requested, the provider gave a {} one; ignoring it",
                if ca { "CA" } else { "non-CA" },
                if c.is_ca() { "CA" } else { "non-CA" }
            ),
            Ok(c) if !c.matches_private_key(key) => {
                "the certificate is not for this unit's key; ignoring it".to_owned()
            }
            Ok(_) if !wanted.contains(&csr.attributes(ca)) => return Ok(None),
            Ok(c) => return Ok(Some(c)),
        };
        cx.juju_log(LogLevel::Warning, &format!("tls-certificates: {problem}"))?;
        Ok(None)
    }

    /// Replaces `csr` in the bag by a new CSR for the same request, and drops
    /// its certificate's secret.
    fn renew_csr(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        csr: &CertificateSigningRequest,
        key: &PrivateKey,
    ) -> Result<(), TlsError> {
        let remaining: Vec<_> = self
            .own_requests(cx, relation)?
            .into_iter()
            .filter(|(own, _)| own.pem() != csr.pem())
            .collect();
        self.write_requests(cx, relation, &remaining)?;
        self.reconcile(cx, relation, key)?;
        let label = self.certificate_label(cx, csr);
        if let Some((secret, _)) = Self::find_secret(cx, &label)? {
            cx.remove_secret(&secret)?;
        }
        cx.juju_log(
            LogLevel::Info,
            "tls-certificates: certificate request renewed",
        )?;
        Ok(())
    }

    /// The safety net: renews the certificates past their renewal time plus
    /// a margin, should `secret-expired` not have come.
    fn renew_expiring(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        key: &PrivateKey,
    ) -> Result<(), TlsError> {
        let threshold = (self.renewal_relative_time + SAFETY_MARGIN).min(0.99);
        let now = SystemTime::now();
        for assigned in self.assigned_on(cx, relation, key)? {
            if now >= assigned.certificate.at_fraction_of_validity(threshold) {
                cx.juju_log(
                    LogLevel::Warning,
                    "tls-certificates: a certificate is near its expiry and was not renewed; renewing it",
                )?;
                self.renew_csr(cx, relation, &assigned.certificate_signing_request, key)?;
            }
        }
        Ok(())
    }

    fn assigned_on(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        key: &PrivateKey,
    ) -> Result<Vec<AssignedCertificate>, TlsError> {
        let own = self.own_requests(cx, relation)?;
        let data = self.provider_certificates(cx, relation)?;
        let mut assigned = Vec::new();
        for (csr, ca) in own {
            let Some(entry) = data
                .certificates
                .iter()
                .find(|e| e.certificate_signing_request == csr.pem() && !e.revoked)
            else {
                continue;
            };
            let Ok(certificate) = Certificate::from_pem(&entry.certificate) else {
                continue;
            };
            if certificate.is_ca() != ca || !certificate.matches_private_key(key) {
                continue;
            }
            assigned.push(AssignedCertificate {
                relation: relation.clone(),
                request: csr.attributes(ca),
                certificate,
                certificate_signing_request: csr,
                ca: entry.ca.clone(),
                chain: entry.chain.clone(),
            });
        }
        Ok(assigned)
    }

    /// Every certificate the provider issued for this side's current CSRs
    /// and that is still valid to use (not revoked, for the key, with the CA
    /// flag asked): read this on any hook.
    ///
    /// # Errors
    ///
    /// A hook tool failed, or the stored key does not read.
    pub fn assigned_certificates(
        &self,
        cx: &mut HookContext,
    ) -> Result<Vec<AssignedCertificate>, TlsError> {
        let Some(relation) = cx.relation(self.endpoint)? else {
            return Ok(Vec::new());
        };
        let Some(key) = self.private_key(cx)? else {
            return Ok(Vec::new());
        };
        self.assigned_on(cx, &relation, &key)
    }

    /// The certificate issued for `request`, if any.
    ///
    /// # Errors
    ///
    /// As [`TlsCertificatesRequirer::assigned_certificates`].
    pub fn certificate(
        &self,
        cx: &mut HookContext,
        request: &CertificateRequest,
    ) -> Result<Option<AssignedCertificate>, TlsError> {
        Ok(self
            .assigned_certificates(cx)?
            .into_iter()
            .find(|a| a.request == *request))
    }

    /// Asks for a new certificate in place of `certificate` (a new CSR).
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn renew(
        &self,
        cx: &mut HookContext,
        certificate: &AssignedCertificate,
    ) -> Result<(), TlsError> {
        let Some(key) = self.private_key(cx)? else {
            return Ok(());
        };
        self.renew_csr(
            cx,
            &certificate.relation,
            &certificate.certificate_signing_request,
            &key,
        )
    }

    fn on_secret_expired(&self, cx: &mut HookContext, secret: &Secret) -> Result<(), TlsError> {
        let Some(relation) = cx.relation(self.endpoint)? else {
            return Ok(());
        };
        if !self.active(cx)? {
            return Ok(());
        }
        let content = cx.secret_content(secret, Revision::Refresh)?;
        let csr = content
            .get("csr")
            .and_then(|pem| CertificateSigningRequest::from_pem(pem).ok());
        let key = self.ensure_private_key(cx)?;
        match csr {
            Some(csr) => self.renew_csr(cx, &relation, &csr, &key)?,
            None => cx.remove_secret(secret)?,
        }
        Ok(())
    }

    /// On relation-broken: the certificates' secrets go (the key stays, for
    /// the next relation).
    fn on_broken(&self, cx: &mut HookContext) -> Result<(), TlsError> {
        let prefix = self.certificate_label_prefix(cx);
        for id in cx.secret_ids()? {
            let secret = match cx.get_secret(Some(&id), None) {
                Ok(secret) => secret,
                Err(ModelError::SecretNotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            let info = cx.secret_info(&secret)?;
            if info
                .label
                .as_deref()
                .is_some_and(|l| l.starts_with(&prefix))
            {
                cx.remove_secret(&secret)?;
            }
        }
        Ok(())
    }

    /// Whether `label` is one of this requirer's certificate secrets.
    fn is_certificate_label(&self, cx: &HookContext, label: Option<&str>) -> bool {
        label.is_some_and(|l| l.starts_with(&self.certificate_label_prefix(cx)))
    }

    /// Whether `label` is one of this requirer's secrets (key or certificate).
    fn is_own_label(&self, cx: &HookContext, label: Option<&str>) -> bool {
        self.is_certificate_label(cx, label) || label == Some(self.key_label(cx).as_str())
    }
}

impl Component for TlsCertificatesRequirer {
    const EVENTS: &'static [&'static str] = &[CertificateAvailable::NAME];
    const INTERFACE: Option<Interface> = Some(Interface::requires(&[INTERFACE]));

    fn bind(&mut self, endpoint: Endpoint) {
        self.endpoint = endpoint;
    }

    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        let name = self.endpoint.name();
        let configure = match event {
            Event::RelationCreated(e) => e.relation.endpoint == name,
            Event::RelationChanged(e) => e.relation.endpoint == name,
            Event::ConfigChanged
            | Event::UpgradeCharm
            | Event::LeaderElected
            | Event::UpdateStatus => true,
            _ => false,
        };
        if configure {
            for available in self.configure(cx)? {
                emit.emit(&available)?;
            }
            return Ok(());
        }
        match event {
            Event::RelationBroken(e) if e.relation.endpoint == name => {
                self.on_broken(cx)?;
            }
            Event::SecretExpired(e) if self.is_certificate_label(cx, e.secret.label.as_deref()) => {
                self.on_secret_expired(cx, &Secret::from(&e.secret))?;
            }
            Event::SecretRemove(e) if self.is_own_label(cx, e.secret.label.as_deref()) => {
                match cx.remove_secret_revision(&Secret::from(&e.secret), e.revision) {
                    Ok(()) | Err(ModelError::SecretNotFound { .. }) => {}
                    Err(error) => return Err(error.into()),
                }
            }
            _ => {}
        }
        Ok(())
    }
}
