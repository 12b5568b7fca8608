//! Keys, certificate signing requests and certificates: generated with p256
//! (ECDSA P-256) and encoded with rcgen, read with x509-cert. Everything is
//! PEM text without a trailing newline, as the Python libraries write it.

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey as EcdsaKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use p256::elliptic_curve::zeroize::Zeroizing;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue, IsCa,
    Issuer, KeyIdMethod, KeyUsagePurpose, PublicKeyData, SerialNumber, SignatureAlgorithm,
};
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{Any, Ia5String, ObjectIdentifier};
use x509_cert::der::{Decode, DecodePem, Encode, Tag, Tagged};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints as BasicConstraintsExt, SubjectAltName};
use x509_cert::request::CertReq;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

/// The most bytes of one PEM value read (a certificate, a CSR, a chain
/// element); real ones are a few kilobytes.
pub const MAX_PEM_BYTES: usize = 64 << 10;

const OID_COMMON_NAME: &str = "2.5.4.3";
const OID_UNIQUE_IDENTIFIER: &str = "2.5.4.45";
const OID_ORGANIZATION: &str = "2.5.4.10";
const OID_ORGANIZATIONAL_UNIT: &str = "2.5.4.11";
const OID_EMAIL: &str = "1.2.840.113549.1.9.1";
const OID_COUNTRY: &str = "2.5.4.6";
const OID_STATE: &str = "2.5.4.8";
const OID_LOCALITY: &str = "2.5.4.7";
const OID_EXTENSION_REQUEST: &str = "1.2.840.113549.1.9.14";
const OID_SAN: &str = "2.5.29.17";
const OID_SKI: &str = "2.5.29.14";
const OID_AKI: &str = "2.5.29.35";
const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";

/// Why a key, CSR or certificate could not be made or read (never its text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CryptoError(String);

impl CryptoError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

fn oid(text: &str) -> ObjectIdentifier {
    // Only the constants above, which are valid.
    ObjectIdentifier::new(text).unwrap_or(ObjectIdentifier::new_unwrap("2.5.4.3"))
}

fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| CryptoError::new(format!("no randomness: {e}")))?;
    Ok(bytes)
}

/// A random UUID (version 4), as the Python library puts in a CSR's subject.
fn uuid4() -> Result<String, CryptoError> {
    let mut b = random_bytes::<16>()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// `text` with its surrounding whitespace removed: how PEM values travel.
pub(crate) fn normalize_pem(text: &str) -> String {
    text.trim().to_owned()
}

fn check_size(what: &str, text: &str) -> Result<(), CryptoError> {
    if text.len() > MAX_PEM_BYTES {
        return Err(CryptoError::new(format!(
            "the {what} is {} bytes, more than the {MAX_PEM_BYTES} accepted",
            text.len()
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Private keys

/// An ECDSA P-256 private key. Its `Debug` output never shows it; read its
/// PEM (PKCS#8) with [`PrivateKey::pem`] to hand it to the workload.
///
/// ```
/// use ops_interfaces::tls_certificates::PrivateKey;
///
/// let key = PrivateKey::generate().unwrap();
/// assert!(key.pem().starts_with("-----BEGIN PRIVATE KEY-----"));
/// assert_eq!(format!("{key:?}"), "PrivateKey(<redacted>)");
/// ```
#[derive(Clone)]
pub struct PrivateKey {
    /// Zeroed on drop, as the PEM text.
    key: EcdsaKey,
    pem: Zeroizing<String>,
    public: Vec<u8>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.public == other.public
    }
}

impl Eq for PrivateKey {}

impl PrivateKey {
    /// A new random key.
    ///
    /// # Errors
    ///
    /// The system has no randomness to give.
    pub fn generate() -> Result<Self, CryptoError> {
        let key = EcdsaKey::try_generate()
            .map_err(|e| CryptoError::new(format!("no randomness: {e}")))?;
        Self::from_key(key)
    }

    fn from_key(key: EcdsaKey) -> Result<Self, CryptoError> {
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|_| CryptoError::new("cannot encode the private key"))?;
        let public = key.verifying_key().to_sec1_bytes().to_vec();
        Ok(Self {
            pem: Zeroizing::new(pem.trim().to_owned()),
            key,
            public,
        })
    }

    /// Reads a P-256 key in PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1 (`BEGIN
    /// EC PRIVATE KEY`).
    ///
    /// # Errors
    ///
    /// Not PEM, or not an ECDSA P-256 key (RSA keys are not supported).
    pub fn from_pem(pem: &str) -> Result<Self, CryptoError> {
        check_size("private key", pem)?;
        let pem = pem.trim();
        let key = EcdsaKey::from_pkcs8_pem(pem)
            .ok()
            .or_else(|| p256::SecretKey::from_sec1_pem(pem).ok().map(EcdsaKey::from))
            .ok_or_else(|| CryptoError::new("not an ECDSA P-256 private key in PEM"))?;
        Self::from_key(key)
    }

    /// The key in PEM (PKCS#8), without a trailing newline.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// Its public key as a DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> Vec<u8> {
        Ecdsa(self).subject_public_key_info()
    }
}

/// A [`PrivateKey`] as rcgen's signer.
struct Ecdsa<'a>(&'a PrivateKey);

impl PublicKeyData for Ecdsa<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.0.public
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for Ecdsa<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let signature: Signature = self.0.key.sign(msg);
        Ok(signature.to_der().as_bytes().to_vec())
    }
}

/// A subject public key taken from a CSR, for rcgen.
struct SubjectKey {
    bits: Vec<u8>,
    alg: &'static SignatureAlgorithm,
}

impl PublicKeyData for SubjectKey {
    fn der_bytes(&self) -> &[u8] {
        &self.bits
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg
    }
}

impl SubjectKey {
    fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Self, CryptoError> {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        let alg = match spki.algorithm.oid.to_string().as_str() {
            OID_RSA => &rcgen::PKCS_RSA_SHA256,
            OID_ED25519 => &rcgen::PKCS_ED25519,
            OID_EC_PUBLIC_KEY if curve == Some(oid(OID_P256)) => &rcgen::PKCS_ECDSA_P256_SHA256,
            OID_EC_PUBLIC_KEY if curve == Some(oid(OID_P384)) => &rcgen::PKCS_ECDSA_P384_SHA384,
            _ => {
                return Err(CryptoError::new(
                    "the CSR's public key is not RSA, ECDSA P-256/P-384 or Ed25519",
                ));
            }
        };
        Ok(Self {
            bits: spki.subject_public_key.raw_bytes().to_vec(),
            alg,
        })
    }
}

/// The key identifier of a public key: the first 20 bytes of the SHA-256 of
/// its `SubjectPublicKeyInfo`, as rcgen derives it.
fn key_identifier(spki_der: &[u8]) -> Vec<u8> {
    Sha256::digest(spki_der)[..20].to_vec()
}

// ---------------------------------------------------------------------------
// What a certificate is asked for

/// What a certificate is requested for: the subject and alternative names of
/// the CSR, and whether a CA certificate is wanted (the v4 library's
/// `CertificateRequestAttributes`). Two requests are the same when every
/// field is (the SANs compared as sets).
///
/// ```
/// use ops_interfaces::tls_certificates::CertificateRequest;
///
/// let request = CertificateRequest::new("zinc.example.com")
///     .with_sans_dns(["zinc.example.com", "zinc-0.zinc-endpoints"])
///     .with_sans_ip(["10.1.2.3".parse().unwrap()])
///     .with_organization("Example");
/// assert!(request.is_valid());
/// assert!(!CertificateRequest::default().is_valid());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateRequest {
    /// The subject's common name.
    pub common_name: Option<String>,
    /// DNS names.
    pub sans_dns: BTreeSet<String>,
    /// IP addresses.
    pub sans_ip: BTreeSet<IpAddr>,
    /// Registered OIDs, dotted (`1.2.3.4`).
    pub sans_oid: BTreeSet<String>,
    /// The subject's email address.
    pub email_address: Option<String>,
    /// The subject's organization.
    pub organization: Option<String>,
    /// The subject's organizational unit.
    pub organizational_unit: Option<String>,
    /// The subject's country (two letters).
    pub country_name: Option<String>,
    /// The subject's state or province.
    pub state_or_province_name: Option<String>,
    /// The subject's locality.
    pub locality_name: Option<String>,
    /// Whether a CA certificate is requested.
    pub is_ca: bool,
    /// Whether the CSR's subject carries a random unique identifier
    /// (`x500UniqueIdentifier`, default `true`), so each CSR, a renewal's
    /// too, is new text even for the same key.
    pub add_unique_id_to_subject_name: bool,
}

impl Default for CertificateRequest {
    fn default() -> Self {
        Self {
            common_name: None,
            sans_dns: BTreeSet::new(),
            sans_ip: BTreeSet::new(),
            sans_oid: BTreeSet::new(),
            email_address: None,
            organization: None,
            organizational_unit: None,
            country_name: None,
            state_or_province_name: None,
            locality_name: None,
            is_ca: false,
            add_unique_id_to_subject_name: true,
        }
    }
}

impl CertificateRequest {
    /// A request for a certificate whose subject's common name is
    /// `common_name`.
    pub fn new(common_name: impl Into<String>) -> Self {
        Self {
            common_name: Some(common_name.into()).filter(|c| !c.is_empty()),
            ..Self::default()
        }
    }

    /// Adds DNS names.
    #[must_use]
    pub fn with_sans_dns<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.sans_dns.extend(names.into_iter().map(Into::into));
        self
    }

    /// Adds IP addresses.
    #[must_use]
    pub fn with_sans_ip(mut self, addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        self.sans_ip.extend(addresses);
        self
    }

    /// Adds registered OIDs (dotted).
    #[must_use]
    pub fn with_sans_oid<S: Into<String>>(mut self, oids: impl IntoIterator<Item = S>) -> Self {
        self.sans_oid.extend(oids.into_iter().map(Into::into));
        self
    }

    /// Sets the organization.
    #[must_use]
    pub fn with_organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// Sets the organizational unit.
    #[must_use]
    pub fn with_organizational_unit(mut self, unit: impl Into<String>) -> Self {
        self.organizational_unit = Some(unit.into());
        self
    }

    /// Sets the email address.
    #[must_use]
    pub fn with_email_address(mut self, email: impl Into<String>) -> Self {
        self.email_address = Some(email.into());
        self
    }

    /// Sets the country, state or province, and locality.
    #[must_use]
    pub fn with_location(
        mut self,
        country: impl Into<String>,
        state_or_province: impl Into<String>,
        locality: impl Into<String>,
    ) -> Self {
        self.country_name = Some(country.into()).filter(|c| !c.is_empty());
        self.state_or_province_name = Some(state_or_province.into()).filter(|c| !c.is_empty());
        self.locality_name = Some(locality.into()).filter(|c| !c.is_empty());
        self
    }

    /// Asks for a CA certificate.
    #[must_use]
    pub fn ca(mut self) -> Self {
        self.is_ca = true;
        self
    }

    /// Leaves the unique identifier out of the subject.
    #[must_use]
    pub fn without_unique_id(mut self) -> Self {
        self.add_unique_id_to_subject_name = false;
        self
    }

    /// Whether it names something: a common name or at least one SAN.
    pub fn is_valid(&self) -> bool {
        self.common_name.as_deref().is_some_and(|c| !c.is_empty())
            || !self.sans_dns.is_empty()
            || !self.sans_ip.is_empty()
            || !self.sans_oid.is_empty()
    }

    /// A CSR for this request, signed with `key`.
    ///
    /// # Errors
    ///
    /// The request names nothing, a value cannot be encoded (a country that
    /// is not printable, a malformed OID), or there is no randomness.
    pub fn generate_csr(&self, key: &PrivateKey) -> Result<CertificateSigningRequest, CryptoError> {
        if !self.is_valid() {
            return Err(CryptoError::new(
                "a certificate request needs a common name or a subject alternative name",
            ));
        }
        let mut params = CertificateParams::default();
        params.distinguished_name = self.subject()?;
        let mut names = Vec::new();
        for dns in &self.sans_dns {
            let name =
                Ia5String::new(dns).map_err(|_| CryptoError::new("a DNS name is not ASCII"))?;
            names.push(GeneralName::DnsName(name));
        }
        for ip in &self.sans_ip {
            names.push(GeneralName::from(*ip));
        }
        for text in &self.sans_oid {
            let id = ObjectIdentifier::new(text)
                .map_err(|_| CryptoError::new(format!("`{text}` is not an OID")))?;
            names.push(GeneralName::RegisteredId(id));
        }
        if !names.is_empty() {
            let der = SubjectAltName(names)
                .to_der()
                .map_err(|_| CryptoError::new("cannot encode the subject alternative names"))?;
            let mut ext = CustomExtension::from_oid_content(&arcs(OID_SAN), der);
            ext.set_criticality(params.distinguished_name.iter().next().is_none());
            params.custom_extensions.push(ext);
        }
        let csr = params
            .serialize_request(&Ecdsa(key))
            .and_then(|csr| csr.pem())
            .map_err(|e| CryptoError::new(format!("cannot make the CSR: {e}")))?;
        CertificateSigningRequest::from_pem(&csr)
    }

    /// The subject, in the order the Python library writes it.
    fn subject(&self) -> Result<DistinguishedName, CryptoError> {
        let mut dn = DistinguishedName::new();
        if let Some(cn) = self.common_name.as_deref().filter(|c| !c.is_empty()) {
            dn.push(DnType::CommonName, DnValue::Utf8String(cn.to_owned()));
        }
        if self.add_unique_id_to_subject_name {
            dn.push(
                DnType::CustomDnType(arcs(OID_UNIQUE_IDENTIFIER)),
                DnValue::Utf8String(uuid4()?),
            );
        }
        if let Some(o) = &self.organization {
            dn.push(DnType::OrganizationName, DnValue::Utf8String(o.clone()));
        }
        if let Some(ou) = &self.organizational_unit {
            dn.push(
                DnType::OrganizationalUnitName,
                DnValue::Utf8String(ou.clone()),
            );
        }
        if let Some(email) = &self.email_address {
            let value = rcgen::string::Ia5String::try_from(email.as_str())
                .map_err(|_| CryptoError::new("the email address is not ASCII"))?;
            dn.push(
                DnType::CustomDnType(arcs(OID_EMAIL)),
                DnValue::Ia5String(value),
            );
        }
        if let Some(c) = &self.country_name {
            let value = rcgen::string::PrintableString::try_from(c.as_str())
                .map_err(|_| CryptoError::new("the country is not a printable string"))?;
            dn.push(DnType::CountryName, DnValue::PrintableString(value));
        }
        if let Some(st) = &self.state_or_province_name {
            dn.push(DnType::StateOrProvinceName, DnValue::Utf8String(st.clone()));
        }
        if let Some(l) = &self.locality_name {
            dn.push(DnType::LocalityName, DnValue::Utf8String(l.clone()));
        }
        Ok(dn)
    }
}

fn arcs(text: &str) -> Vec<u64> {
    oid(text).arcs().map(u64::from).collect()
}

// ---------------------------------------------------------------------------
// Reading names

/// The text of a directory string (UTF-8, printable, IA5, teletex or BMP;
/// `der` reads no UniversalString).
fn directory_string(value: &Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            String::from_utf8(bytes.to_vec()).ok()
        }
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// The subject attributes the library reads, by OID (the first of each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct NameParts {
    common_name: Option<String>,
    unique_id: bool,
    organization: Option<String>,
    organizational_unit: Option<String>,
    email: Option<String>,
    country: Option<String>,
    state: Option<String>,
    locality: Option<String>,
}

fn name_parts(name: &x509_cert::name::Name) -> NameParts {
    let mut parts = NameParts::default();
    for atv in name.iter() {
        let text = directory_string(&atv.value);
        let slot = match atv.oid.to_string().as_str() {
            OID_COMMON_NAME => &mut parts.common_name,
            OID_ORGANIZATION => &mut parts.organization,
            OID_ORGANIZATIONAL_UNIT => &mut parts.organizational_unit,
            OID_EMAIL => &mut parts.email,
            OID_COUNTRY => &mut parts.country,
            OID_STATE => &mut parts.state,
            OID_LOCALITY => &mut parts.locality,
            OID_UNIQUE_IDENTIFIER => {
                parts.unique_id = true;
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            *slot = text;
        }
    }
    parts
}

/// `name` as rcgen's distinguished name, keeping each value's string type.
fn rcgen_name(name: &x509_cert::name::Name) -> Result<DistinguishedName, CryptoError> {
    let mut dn = DistinguishedName::new();
    for atv in name.iter() {
        let ty = DnType::from_oid(&atv.oid.arcs().map(u64::from).collect::<Vec<_>>());
        let bytes = atv.value.value();
        let unsupported = || CryptoError::new("a name attribute has an unsupported string type");
        let text = || String::from_utf8(bytes.to_vec()).map_err(|_| unsupported());
        let value = match atv.value.tag() {
            Tag::Utf8String => DnValue::Utf8String(text()?),
            Tag::PrintableString => DnValue::PrintableString(
                rcgen::string::PrintableString::try_from(text()?).map_err(|_| unsupported())?,
            ),
            Tag::Ia5String => DnValue::Ia5String(
                rcgen::string::Ia5String::try_from(text()?).map_err(|_| unsupported())?,
            ),
            Tag::TeletexString => DnValue::TeletexString(
                rcgen::string::TeletexString::try_from(text()?).map_err(|_| unsupported())?,
            ),
            Tag::BmpString => DnValue::BmpString(
                rcgen::string::BmpString::from_utf16be(bytes.to_vec())
                    .map_err(|_| unsupported())?,
            ),
            _ => return Err(unsupported()),
        };
        dn.push(ty, value);
    }
    Ok(dn)
}

/// The names of a SAN extension's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Sans {
    dns: BTreeSet<String>,
    ip: BTreeSet<IpAddr>,
    oid: BTreeSet<String>,
    email: BTreeSet<String>,
}

fn read_sans(der: &[u8]) -> Result<(SubjectAltName, Sans), CryptoError> {
    let san = SubjectAltName::from_der(der)
        .map_err(|_| CryptoError::new("the subject alternative names do not decode"))?;
    let mut sans = Sans::default();
    for name in &san.0 {
        match name {
            GeneralName::DnsName(s) => {
                sans.dns.insert(s.to_string());
            }
            GeneralName::Rfc822Name(s) => {
                sans.email.insert(s.to_string());
            }
            GeneralName::RegisteredId(id) => {
                sans.oid.insert(id.to_string());
            }
            GeneralName::IpAddress(octets) => {
                let b = octets.as_bytes();
                if let Ok(v4) = <[u8; 4]>::try_from(b) {
                    sans.ip.insert(IpAddr::from(v4));
                } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
                    sans.ip.insert(IpAddr::from(v6));
                }
            }
            _ => {}
        }
    }
    Ok((san, sans))
}

// ---------------------------------------------------------------------------
// CSRs

/// A certificate signing request, read from PEM.
#[derive(Clone)]
pub struct CertificateSigningRequest {
    pem: String,
    subject: NameParts,
    subject_der: Vec<u8>,
    sans: Sans,
    spki: SubjectPublicKeyInfoOwned,
    spki_der: Vec<u8>,
    /// The requested extensions other than the SANs, as (OID, critical, value).
    other_extensions: Vec<(ObjectIdentifier, bool, Vec<u8>)>,
    san_extension: Option<SubjectAltName>,
}

impl fmt::Debug for CertificateSigningRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateSigningRequest")
            .field("common_name", &self.subject.common_name)
            .field("sans_dns", &self.sans.dns)
            .field("sans_ip", &self.sans.ip)
            .finish_non_exhaustive()
    }
}

impl PartialEq for CertificateSigningRequest {
    fn eq(&self, other: &Self) -> bool {
        self.pem == other.pem
    }
}

impl Eq for CertificateSigningRequest {}

impl CertificateSigningRequest {
    /// Reads a CSR (`BEGIN CERTIFICATE REQUEST`).
    ///
    /// # Errors
    ///
    /// Too large, not PEM, or not a CSR.
    pub fn from_pem(pem: &str) -> Result<Self, CryptoError> {
        check_size("CSR", pem)?;
        let pem = normalize_pem(pem);
        let req = CertReq::from_pem(pem.as_bytes())
            .map_err(|_| CryptoError::new("not a certificate signing request in PEM"))?;
        let info = &req.info;
        let mut sans = Sans::default();
        let mut san_extension = None;
        let mut other_extensions = Vec::new();
        for attribute in info.attributes.iter() {
            if attribute.oid != oid(OID_EXTENSION_REQUEST) {
                continue;
            }
            for value in attribute.values.iter() {
                let extensions: Vec<x509_cert::ext::Extension> = value
                    .decode_as()
                    .map_err(|_| CryptoError::new("the CSR's extension request does not decode"))?;
                for ext in extensions {
                    if ext.extn_id == oid(OID_SAN) {
                        let (san, read) = read_sans(ext.extn_value.as_bytes())?;
                        sans = read;
                        san_extension = Some(san);
                    } else {
                        other_extensions.push((
                            ext.extn_id,
                            ext.critical,
                            ext.extn_value.as_bytes().to_vec(),
                        ));
                    }
                }
            }
        }
        Ok(Self {
            subject: name_parts(&info.subject),
            subject_der: info.subject.to_der().unwrap_or_default(),
            sans,
            spki_der: info.public_key.to_der().unwrap_or_default(),
            spki: info.public_key.clone(),
            other_extensions,
            san_extension,
            pem,
        })
    }

    /// The PEM text, without surrounding whitespace.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The subject's common name.
    pub fn common_name(&self) -> Option<&str> {
        self.subject.common_name.as_deref()
    }

    /// The DNS names requested.
    pub fn sans_dns(&self) -> &BTreeSet<String> {
        &self.sans.dns
    }

    /// The IP addresses requested.
    pub fn sans_ip(&self) -> &BTreeSet<IpAddr> {
        &self.sans.ip
    }

    /// The public key, a DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// Whether `key` is the CSR's key.
    pub fn matches_private_key(&self, key: &PrivateKey) -> bool {
        self.spki_der == key.public_key_der()
    }

    /// Whether `certificate` certifies the CSR's key.
    pub fn matches_certificate(&self, certificate: &Certificate) -> bool {
        self.spki_der == certificate.spki_der
    }

    /// What the CSR asks for, `is_ca` as its requirer said.
    pub fn attributes(&self, is_ca: bool) -> CertificateRequest {
        let s = &self.subject;
        CertificateRequest {
            common_name: s.common_name.clone().filter(|c| !c.is_empty()),
            sans_dns: self.sans.dns.clone(),
            sans_ip: self.sans.ip.clone(),
            sans_oid: self.sans.oid.clone(),
            email_address: s.email.clone(),
            organization: s.organization.clone(),
            organizational_unit: s.organizational_unit.clone(),
            country_name: s.country.clone(),
            state_or_province_name: s.state.clone(),
            locality_name: s.locality.clone(),
            is_ca,
            add_unique_id_to_subject_name: s.unique_id,
        }
    }

    /// The SHA-256 of the PEM text, in hexadecimal (how the library labels
    /// the secret of a CSR's certificate).
    pub fn sha256_hex(&self) -> String {
        Sha256::digest(self.pem.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Certificates

/// An X.509 certificate, read from PEM.
#[derive(Clone)]
pub struct Certificate {
    pem: String,
    subject: NameParts,
    subject_der: Vec<u8>,
    issuer_der: Vec<u8>,
    sans: Sans,
    not_before: SystemTime,
    not_after: SystemTime,
    is_ca: bool,
    spki_der: Vec<u8>,
    spki: SubjectPublicKeyInfoOwned,
    subject_key_id: Option<Vec<u8>>,
    tbs_der: Vec<u8>,
    signature_algorithm: ObjectIdentifier,
    signature: Vec<u8>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("common_name", &self.subject.common_name)
            .field("sans_dns", &self.sans.dns)
            .field("sans_ip", &self.sans.ip)
            .field("not_after", &self.not_after)
            .field("is_ca", &self.is_ca)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.pem == other.pem
    }
}

impl Eq for Certificate {}

impl Certificate {
    /// Reads a certificate (`BEGIN CERTIFICATE`).
    ///
    /// # Errors
    ///
    /// Too large, not PEM, or not a certificate.
    pub fn from_pem(pem: &str) -> Result<Self, CryptoError> {
        check_size("certificate", pem)?;
        let pem = normalize_pem(pem);
        let cert = x509_cert::Certificate::from_pem(pem.as_bytes())
            .map_err(|_| CryptoError::new("not a certificate in PEM"))?;
        let tbs = cert.tbs_certificate();
        let mut sans = Sans::default();
        let mut is_ca = false;
        let mut subject_key_id = None;
        for ext in tbs.extensions().map(Vec::as_slice).unwrap_or_default() {
            let value = ext.extn_value.as_bytes();
            match ext.extn_id.to_string().as_str() {
                OID_SAN => sans = read_sans(value)?.1,
                OID_BASIC_CONSTRAINTS => {
                    is_ca = BasicConstraintsExt::from_der(value).is_ok_and(|bc| bc.ca);
                }
                OID_SKI => {
                    subject_key_id = x509_cert::der::asn1::OctetString::from_der(value)
                        .ok()
                        .map(|o| o.as_bytes().to_vec());
                }
                _ => {}
            }
        }
        let validity = tbs.validity();
        Ok(Self {
            subject: name_parts(tbs.subject()),
            subject_der: tbs.subject().to_der().unwrap_or_default(),
            issuer_der: tbs.issuer().to_der().unwrap_or_default(),
            sans,
            not_before: validity.not_before.to_system_time(),
            not_after: validity.not_after.to_system_time(),
            is_ca,
            spki_der: tbs.subject_public_key_info().to_der().unwrap_or_default(),
            spki: tbs.subject_public_key_info().clone(),
            subject_key_id,
            tbs_der: tbs.to_der().unwrap_or_default(),
            signature_algorithm: cert.signature_algorithm().oid,
            signature: cert.signature().raw_bytes().to_vec(),
            pem,
        })
    }

    /// The PEM text, without surrounding whitespace.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The subject's common name.
    pub fn common_name(&self) -> Option<&str> {
        self.subject.common_name.as_deref()
    }

    /// The subject's organization.
    pub fn organization(&self) -> Option<&str> {
        self.subject.organization.as_deref()
    }

    /// The DNS names it is valid for.
    pub fn sans_dns(&self) -> &BTreeSet<String> {
        &self.sans.dns
    }

    /// The IP addresses it is valid for.
    pub fn sans_ip(&self) -> &BTreeSet<IpAddr> {
        &self.sans.ip
    }

    /// The start of its validity.
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// The end of its validity.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// Whether it is a CA certificate (basic constraints `cA`).
    pub fn is_ca(&self) -> bool {
        self.is_ca
    }

    /// Its public key, a DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// Whether it certifies `key`.
    pub fn matches_private_key(&self, key: &PrivateKey) -> bool {
        self.spki_der == key.public_key_der()
    }

    /// Whether `issuer` issued it: its issuer name is `issuer`'s subject and
    /// `issuer`'s key verifies its signature (ECDSA P-256 with SHA-256, what
    /// [`CertificateAuthority`] signs with; any other algorithm is an error).
    ///
    /// # Errors
    ///
    /// The signature algorithm or `issuer`'s key is not ECDSA P-256.
    pub fn is_issued_by(&self, issuer: &Certificate) -> Result<bool, CryptoError> {
        if self.issuer_der != issuer.subject_der {
            return Ok(false);
        }
        if self.signature_algorithm != oid(OID_ECDSA_SHA256) {
            return Err(CryptoError::new(
                "only ECDSA P-256 with SHA-256 signatures are verified",
            ));
        }
        let key = VerifyingKey::from_sec1_bytes(issuer.spki.subject_public_key.raw_bytes())
            .map_err(|_| CryptoError::new("the issuer's key is not ECDSA P-256"))?;
        let Ok(signature) = Signature::from_der(&self.signature) else {
            return Ok(false);
        };
        Ok(key.verify(&self.tbs_der, &signature).is_ok())
    }

    /// The instant at `fraction` (0 to 1) of its validity period.
    pub fn at_fraction_of_validity(&self, fraction: f64) -> SystemTime {
        let period = self
            .not_after
            .duration_since(self.not_before)
            .unwrap_or_default();
        self.not_before + period.mul_f64(fraction.clamp(0.0, 1.0))
    }
}

// ---------------------------------------------------------------------------
// A certificate authority

/// A CA the charm holds: its certificate and private key, to sign CSRs with
/// ([`TlsCertificatesProvider`](super::TlsCertificatesProvider) publishes
/// what it signs). Its `Debug` output never shows the key.
///
/// ```
/// use std::time::Duration;
/// use ops_interfaces::tls_certificates::{CertificateAuthority, CertificateRequest, PrivateKey};
///
/// let ca = CertificateAuthority::self_signed(
///     &CertificateRequest::new("Zinc CA").ca(),
///     Duration::from_secs(365 * 86_400),
/// )
/// .unwrap();
/// let key = PrivateKey::generate().unwrap();
/// let csr = CertificateRequest::new("zinc.example.com").generate_csr(&key).unwrap();
/// let leaf = ca.sign(&csr, false, Duration::from_secs(90 * 86_400)).unwrap();
/// assert!(leaf.is_issued_by(ca.certificate()).unwrap());
/// assert!(leaf.matches_private_key(&key));
/// ```
#[derive(Clone)]
pub struct CertificateAuthority {
    certificate: Certificate,
    key: PrivateKey,
}

impl fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("certificate", &self.certificate)
            .field("key", &self.key)
            .finish()
    }
}

impl CertificateAuthority {
    /// A CA from its certificate and key (P-256).
    ///
    /// # Errors
    ///
    /// The certificate is not a CA certificate or is not the key's.
    pub fn new(certificate: Certificate, key: PrivateKey) -> Result<Self, CryptoError> {
        if !certificate.is_ca() {
            return Err(CryptoError::new("the certificate is not a CA certificate"));
        }
        if !certificate.matches_private_key(&key) {
            return Err(CryptoError::new("the CA certificate is not the key's"));
        }
        Ok(Self { certificate, key })
    }

    /// A new self-signed root CA with a fresh key, valid for `validity` from
    /// now, its subject and SANs from `attributes`.
    ///
    /// # Errors
    ///
    /// A value cannot be encoded, or there is no randomness.
    pub fn self_signed(
        attributes: &CertificateRequest,
        validity: Duration,
    ) -> Result<Self, CryptoError> {
        let key = PrivateKey::generate()?;
        let request = CertificateRequest {
            add_unique_id_to_subject_name: false,
            is_ca: true,
            ..attributes.clone()
        };
        let csr = request.generate_csr(&key)?;
        let spki = key.public_key_der();
        let now = SystemTime::now();
        let mut params = leaf_params(&csr, true, now, now + validity, &spki)?;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.use_authority_key_identifier_extension = false;
        let der = params
            .self_signed(&Ecdsa(&key))
            .map_err(|e| CryptoError::new(format!("cannot make the CA certificate: {e}")))?;
        let certificate = Certificate::from_pem(&der.pem())?;
        Self::new(certificate, key)
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The CA's private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// Signs `csr`: a certificate for its subject, SANs and key, valid from
    /// now for `validity`, issued by this CA (a CA certificate when `is_ca`),
    /// with the extensions the Python library's provider gives (key
    /// identifiers, basic constraints, the CSR's other extensions).
    ///
    /// # Errors
    ///
    /// The CSR's subject or key cannot be carried over, or there is no
    /// randomness.
    pub fn sign(
        &self,
        csr: &CertificateSigningRequest,
        is_ca: bool,
        validity: Duration,
    ) -> Result<Certificate, CryptoError> {
        let now = SystemTime::now();
        self.sign_for_period(csr, is_ca, now, now + validity)
    }

    /// [`sign`](Self::sign), valid from `not_before` to `not_after`.
    ///
    /// # Errors
    ///
    /// As [`sign`](Self::sign).
    pub fn sign_for_period(
        &self,
        csr: &CertificateSigningRequest,
        is_ca: bool,
        not_before: SystemTime,
        not_after: SystemTime,
    ) -> Result<Certificate, CryptoError> {
        let subject_key = SubjectKey::from_spki(&csr.spki)?;
        let params = leaf_params(csr, is_ca, not_before, not_after, &csr.spki_der)?;
        let issuer_der = x509_cert::Certificate::from_pem(self.certificate.pem.as_bytes())
            .map_err(|_| CryptoError::new("the CA certificate does not decode"))?;
        let mut issuer_params = CertificateParams::default();
        issuer_params.distinguished_name = rcgen_name(issuer_der.tbs_certificate().subject())?;
        issuer_params.key_identifier_method = KeyIdMethod::PreSpecified(
            self.certificate
                .subject_key_id
                .clone()
                .unwrap_or_else(|| key_identifier(&self.certificate.spki_der)),
        );
        let issuer = Issuer::new(issuer_params, Ecdsa(&self.key));
        let cert = params
            .signed_by(&subject_key, &issuer)
            .map_err(|e| CryptoError::new(format!("cannot sign the certificate: {e}")))?;
        Certificate::from_pem(&cert.pem())
    }
}

/// The parameters of a certificate for `csr`: its subject, its SANs (with
/// the subject's email added, as the Python provider does) and its other
/// extensions, a random serial, the validity, and the CA extensions.
fn leaf_params(
    csr: &CertificateSigningRequest,
    is_ca: bool,
    not_before: SystemTime,
    not_after: SystemTime,
    subject_spki: &[u8],
) -> Result<CertificateParams, CryptoError> {
    let mut params = CertificateParams::default();
    let subject = x509_cert::name::Name::from_der(&csr.subject_der)
        .map_err(|_| CryptoError::new("the CSR's subject does not decode"))?;
    params.distinguished_name = rcgen_name(&subject)?;
    let mut serial = random_bytes::<16>()?;
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    params.serial_number = Some(SerialNumber::from(serial.to_vec()));
    params.not_before = time::OffsetDateTime::from(not_before);
    params.not_after = time::OffsetDateTime::from(not_after);
    params.key_identifier_method = KeyIdMethod::PreSpecified(key_identifier(subject_spki));
    params.use_authority_key_identifier_extension = true;
    if is_ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        params.is_ca = IsCa::ExplicitNoCa;
    }
    let mut san = csr.san_extension.clone();
    if let Some(email) = &csr.subject.email
        && let Ok(email) = Ia5String::new(email)
    {
        let name = GeneralName::Rfc822Name(email);
        let names = san.get_or_insert_with(|| SubjectAltName(Vec::new()));
        if !names.0.contains(&name) {
            names.0.push(name);
        }
    }
    if let Some(san) = san.filter(|s| !s.0.is_empty()) {
        let der = san
            .to_der()
            .map_err(|_| CryptoError::new("cannot encode the subject alternative names"))?;
        let mut ext = CustomExtension::from_oid_content(&arcs(OID_SAN), der);
        ext.set_criticality(csr.subject_der.len() <= 2);
        params.custom_extensions.push(ext);
    }
    let managed = [OID_SKI, OID_AKI, OID_BASIC_CONSTRAINTS, OID_SAN];
    for (id, critical, value) in &csr.other_extensions {
        let text = id.to_string();
        if managed.contains(&text.as_str()) || (is_ca && text == OID_KEY_USAGE) {
            continue;
        }
        let mut ext = CustomExtension::from_oid_content(
            &id.arcs().map(u64::from).collect::<Vec<_>>(),
            value.clone(),
        );
        ext.set_criticality(*critical);
        params.custom_extensions.push(ext);
    }
    Ok(params)
}
