//! The provider side: requests read, certificates published and revoked.

use std::time::Duration;

use ops_runtime::event::RelationRef;
use ops_runtime::{
    Bag, CharmError, Component, CustomEvent, Emitter, Endpoint, Event, HookContext, Interface,
    LogLevel, Member, ModelError,
};
use serde::{Deserialize, Serialize};

use super::crypto::{Certificate, CertificateAuthority, CertificateSigningRequest};
use super::{
    DEFAULT_ENDPOINT, INTERFACE, ProviderAppData, ProviderCertificate, RequirerData, TlsError,
};

/// A CSR a requirer published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirerCertificateRequest {
    /// The relation.
    pub relation: RelationRef,
    /// Whose bag it is in: a unit (`app/0`, [`Mode::Unit`]) or the
    /// application (`app`, [`Mode::App`]).
    ///
    /// [`Mode::Unit`]: super::Mode::Unit
    /// [`Mode::App`]: super::Mode::App
    pub requester: String,
    /// The CSR.
    pub certificate_signing_request: CertificateSigningRequest,
    /// Whether a CA certificate is requested.
    pub is_ca: bool,
}

/// A certificate this provider published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The relation.
    pub relation: RelationRef,
    /// What the bag holds.
    pub certificate: ProviderCertificate,
}

/// Requirers wait for certificates: the payload of
/// `<component>::certificates_requested`, emitted on the leader when a
/// relation has outstanding requests after relation-joined,
/// relation-changed or update-status (read them with
/// [`TlsCertificatesProvider::outstanding_certificate_requests`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificatesRequested {
    /// The relation.
    pub relation: RelationRef,
    /// How many requests have no certificate.
    pub outstanding: usize,
}

impl CustomEvent for CertificatesRequested {
    const NAME: &'static str = "certificates_requested";
}

/// The provider side of `tls-certificates`, as a component (its leader
/// writes).
///
/// On relation-joined, relation-changed and update-status its leader drops
/// from its bag the certificates whose CSR no requirer publishes any more,
/// then emits [`CertificatesRequested`] for each relation with outstanding
/// requests. The charm signs them (with a [`CertificateAuthority`] it holds:
/// [`issue`](Self::issue)) or sets certificates signed elsewhere
/// ([`set_relation_certificate`](Self::set_relation_certificate)), and can
/// [`revoke_all_certificates`](Self::revoke_all_certificates) when its CA
/// changes.
///
/// ```
/// use std::time::Duration;
/// use ops_interfaces::tls_certificates::{
///     CertificateAuthority, CertificateRequest, CertificatesRequested, TlsCertificatesProvider,
/// };
/// use ops_interfaces::testing::tls_certificates as remote;
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Ca {
///     certificates: TlsCertificatesProvider,
/// }
///
/// #[charm(
///     components(certificates: TlsCertificatesProvider = "certificates"),
///     metadata_source = "name: ca\nprovides:\n  certificates:\n    interface: tls-certificates\n"
/// )]
/// impl Ca {
///     #[on(certificates::certificates_requested)]
///     fn sign(&mut self, cx: &mut HookContext, _event: Custom<CertificatesRequested>) -> Result<(), CharmError> {
///         // A real charm keeps its CA in a secret.
///         let ca = CertificateAuthority::self_signed(&CertificateRequest::new("CA").ca(), Duration::from_secs(86_400 * 365))?;
///         for request in self.certificates.outstanding_certificate_requests(cx, None)? {
///             self.certificates.issue(cx, &ca, &request, Duration::from_secs(86_400 * 90))?;
///         }
///         Ok(())
///     }
/// }
///
/// let requirer = remote::requirer("certificates", 1, &[("web/0", &[CertificateRequest::new("web-0")])]);
/// let state = State::new().with_leader(true).with_relation(requirer.clone());
/// let out = Context::<Ca>::new().run(requirer.changed_event(Some("web/0")), state).unwrap();
/// let issued = remote::certificates(out.relation(1).unwrap()).unwrap();
/// assert_eq!(issued.certificates.len(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct TlsCertificatesProvider {
    endpoint: Endpoint,
}

impl Default for TlsCertificatesProvider {
    /// A provider on the conventional endpoint, `certificates`.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked(DEFAULT_ENDPOINT))
    }
}

impl TlsCertificatesProvider {
    /// A provider on `endpoint`.
    pub fn new(endpoint: Endpoint) -> Self {
        Self { endpoint }
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    fn relations(
        &self,
        cx: &mut HookContext,
        relation: Option<&RelationRef>,
    ) -> Result<Vec<RelationRef>, TlsError> {
        let all = cx.relations(self.endpoint)?;
        match relation {
            None => Ok(all),
            Some(r) if all.contains(r) => Ok(vec![r.clone()]),
            Some(r) => Err(TlsError::UnknownRelation(r.to_string())),
        }
    }

    /// The CSRs the requirers published (every unit bag and the application
    /// bag of `relation`, or of every relation). A bag that does not follow
    /// the interface, or an entry whose CSR does not read, is skipped with a
    /// warning in the log.
    ///
    /// # Errors
    ///
    /// `relation` is not on the endpoint, or a hook tool failed.
    pub fn certificate_requests(
        &self,
        cx: &mut HookContext,
        relation: Option<&RelationRef>,
    ) -> Result<Vec<RequirerCertificateRequest>, TlsError> {
        let mut requests = Vec::new();
        for relation in self.relations(cx, relation)? {
            let mut members: Vec<(Member, String)> = cx
                .relation_units(&relation)?
                .into_iter()
                .map(|u| (Member::Unit(u.clone()), u))
                .collect();
            if let Some(app) = cx.relation_app(&relation)? {
                members.push((Member::RemoteApp, app));
            }
            for (member, requester) in members {
                let bag = cx.relation_data(&relation, &member)?;
                let data = match RequirerData::from_databag(&bag) {
                    Ok(data) => data,
                    Err(e) => {
                        let error = TlsError::invalid(&relation, &member, e);
                        cx.juju_log(LogLevel::Warning, &format!("tls-certificates: {error}"))?;
                        continue;
                    }
                };
                for entry in data.certificate_signing_requests {
                    match CertificateSigningRequest::from_pem(&entry.certificate_signing_request) {
                        Ok(csr) => requests.push(RequirerCertificateRequest {
                            relation: relation.clone(),
                            requester: requester.clone(),
                            certificate_signing_request: csr,
                            is_ca: entry.ca,
                        }),
                        Err(e) => cx.juju_log(
                            LogLevel::Warning,
                            &format!("tls-certificates: relation `{relation}`, data of {member}: a CSR does not read ({e})"),
                        )?,
                    }
                }
            }
        }
        Ok(requests)
    }

    fn own_data(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<ProviderAppData, ModelError> {
        let bag = cx.relation_data(relation, &Member::LocalApp)?;
        Ok(ProviderAppData::from_databag(&bag).unwrap_or_default())
    }

    fn write(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        data: &ProviderAppData,
    ) -> Result<(), ModelError> {
        let current = cx.relation_data(relation, &Member::LocalApp)?;
        cx.update_relation_data(relation, Bag::App, data.changes(&current))
    }

    /// Every certificate published, revoked ones included (leader only;
    /// empty on other units).
    ///
    /// # Errors
    ///
    /// `relation` is not on the endpoint, or a hook tool failed.
    pub fn provider_certificates(
        &self,
        cx: &mut HookContext,
        relation: Option<&RelationRef>,
    ) -> Result<Vec<IssuedCertificate>, TlsError> {
        if !cx.is_leader()? {
            return Ok(Vec::new());
        }
        let mut issued = Vec::new();
        for relation in self.relations(cx, relation)? {
            for certificate in self.own_data(cx, &relation)?.certificates {
                issued.push(IssuedCertificate {
                    relation: relation.clone(),
                    certificate,
                });
            }
        }
        Ok(issued)
    }

    /// The certificates published and not revoked (leader only).
    ///
    /// # Errors
    ///
    /// As [`provider_certificates`](Self::provider_certificates).
    pub fn issued_certificates(
        &self,
        cx: &mut HookContext,
        relation: Option<&RelationRef>,
    ) -> Result<Vec<IssuedCertificate>, TlsError> {
        Ok(self
            .provider_certificates(cx, relation)?
            .into_iter()
            .filter(|c| !c.certificate.revoked)
            .collect())
    }

    /// The requests without a non-revoked certificate for their key (leader
    /// only: other units cannot read what was published).
    ///
    /// # Errors
    ///
    /// As [`certificate_requests`](Self::certificate_requests).
    pub fn outstanding_certificate_requests(
        &self,
        cx: &mut HookContext,
        relation: Option<&RelationRef>,
    ) -> Result<Vec<RequirerCertificateRequest>, TlsError> {
        let issued = self.issued_certificates(cx, relation)?;
        Ok(self
            .certificate_requests(cx, relation)?
            .into_iter()
            .filter(|request| {
                !issued.iter().any(|i| {
                    i.relation == request.relation
                        && i.certificate.certificate_signing_request
                            == request.certificate_signing_request.pem()
                        && Certificate::from_pem(&i.certificate.certificate).is_ok_and(|c| {
                            request.certificate_signing_request.matches_certificate(&c)
                        })
                })
            })
            .collect())
    }

    /// Publishes `certificate` on `relation`, replacing any entry for the same
    /// CSR (leader only; a no-op with a warning on other units).
    ///
    /// # Errors
    ///
    /// `relation` is not on the endpoint, or a hook tool failed.
    pub fn set_relation_certificate(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        certificate: ProviderCertificate,
    ) -> Result<(), TlsError> {
        if !cx.is_leader()? {
            cx.juju_log(
                LogLevel::Warning,
                "tls-certificates: only the leader publishes certificates",
            )?;
            return Ok(());
        }
        self.relations(cx, Some(relation))?;
        if certificate.chain.first() != Some(&certificate.certificate) {
            cx.juju_log(
                LogLevel::Warning,
                "tls-certificates: the chain should start with the certificate itself",
            )?;
        }
        let mut data = self.own_data(cx, relation)?;
        data.certificates
            .retain(|c| c.certificate_signing_request != certificate.certificate_signing_request);
        data.certificates.push(certificate);
        self.write(cx, relation, &data)?;
        Ok(())
    }

    /// Signs `request` with `ca` (valid from now for `validity`, a CA
    /// certificate when requested) and publishes it with the chain `[leaf,
    /// CA]`.
    ///
    /// # Errors
    ///
    /// The CSR cannot be signed, or as
    /// [`set_relation_certificate`](Self::set_relation_certificate).
    pub fn issue(
        &self,
        cx: &mut HookContext,
        ca: &CertificateAuthority,
        request: &RequirerCertificateRequest,
        validity: Duration,
    ) -> Result<ProviderCertificate, TlsError> {
        let leaf = ca.sign(
            &request.certificate_signing_request,
            request.is_ca,
            validity,
        )?;
        let certificate = ProviderCertificate::new(
            &leaf,
            &request.certificate_signing_request,
            ca.certificate(),
        );
        self.set_relation_certificate(cx, &request.relation, certificate.clone())?;
        Ok(certificate)
    }

    /// Marks every published certificate revoked (when the CA changed); the
    /// requirers ask anew (leader only).
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn revoke_all_certificates(&self, cx: &mut HookContext) -> Result<(), TlsError> {
        if !cx.is_leader()? {
            return Ok(());
        }
        for relation in self.relations(cx, None)? {
            let mut data = self.own_data(cx, &relation)?;
            for certificate in &mut data.certificates {
                certificate.revoked = true;
            }
            self.write(cx, &relation, &data)?;
        }
        cx.juju_log(
            LogLevel::Warning,
            "tls-certificates: all certificates revoked",
        )?;
        Ok(())
    }

    /// Drops the certificates whose CSR no requirer publishes.
    fn remove_unrequested(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<(), TlsError> {
        let requested: Vec<String> = self
            .certificate_requests(cx, Some(relation))?
            .into_iter()
            .map(|r| r.certificate_signing_request.pem().to_owned())
            .collect();
        let mut data = self.own_data(cx, relation)?;
        let before = data.certificates.len();
        data.certificates
            .retain(|c| requested.contains(&c.certificate_signing_request));
        if data.certificates.len() != before {
            self.write(cx, relation, &data)?;
        }
        Ok(())
    }

    fn configure(&self, cx: &mut HookContext, emit: &mut Emitter) -> Result<(), CharmError> {
        if !cx.is_leader()? {
            return Ok(());
        }
        for relation in cx.relations(self.endpoint)? {
            self.remove_unrequested(cx, &relation)?;
            let outstanding = self
                .outstanding_certificate_requests(cx, Some(&relation))?
                .len();
            if outstanding > 0 {
                emit.emit(&CertificatesRequested {
                    relation,
                    outstanding,
                })?;
            }
        }
        Ok(())
    }
}

impl Component for TlsCertificatesProvider {
    const EVENTS: &'static [&'static str] = &[CertificatesRequested::NAME];
    const INTERFACE: Option<Interface> = Some(Interface::provides(&[INTERFACE]));

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
        match event {
            Event::RelationJoined(e) if e.relation.endpoint == name => self.configure(cx, emit),
            Event::RelationChanged(e) if e.relation.endpoint == name => self.configure(cx, emit),
            Event::UpdateStatus => self.configure(cx, emit),
            _ => Ok(()),
        }
    }
}
