//! [`Kind`] and [`ObjectId`]: what an object is and how it is named in ids, paths and reports.
//!
//! [`Kind::spec`] is the one match over every kind: it names the module in [`super::kinds`] that
//! holds the kind's knowledge, so a new kind cannot be added without one.

use super::kinds;
use super::phase::Phase;
use super::spec::Spec;
use crate::wire::designtime::ArtifactKind;
use std::fmt;

/// Every kind of object cpi-gitops manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// An integration package.
    Package,
    /// An integration flow (a design-time artifact).
    IntegrationFlow,
    /// A value mapping (a design-time artifact).
    ValueMapping,
    /// A message mapping (a design-time artifact).
    MessageMapping,
    /// A script collection (a design-time artifact).
    ScriptCollection,
    /// A data type (a design-time artifact).
    DataType,
    /// A message type (a design-time artifact).
    MessageType,
    /// A fault message type (a design-time artifact).
    FaultMessageType,
    /// A service interface (a design-time artifact).
    ServiceInterface,
    /// A user credential (with its password).
    UserCredential,
    /// An OAuth2 client credential (with its client secret).
    OAuth2ClientCredential,
    /// A secure parameter (with its value).
    SecureParameter,
    /// A trusted certificate in the keystore.
    Certificate,
    /// A key pair in the keystore (with its PKCS#12 and password).
    KeyPair,
    /// A certificate-to-user mapping (Neo).
    CertificateUserMapping,
    /// An access policy with its artifact references.
    AccessPolicy,
    /// A number range.
    NumberRange,
    /// A Partner Directory string parameter.
    StringParameter,
    /// A Partner Directory binary parameter.
    BinaryParameter,
    /// A Partner Directory user-credential parameter (with its password).
    UserCredentialParameter,
    /// A Partner Directory alternative partner.
    AlternativePartner,
    /// A Partner Directory authorized user.
    AuthorizedUser,
}

/// A secret that belongs to an object, stored as its own age file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretSlot {
    /// The file suffix before `.age`, e.g. `password` in `ERP_Basic.password.age`.
    pub name: &'static str,
    /// Whether the plaintext is binary (a PKCS#12 file) rather than UTF-8 text.
    pub binary: bool,
}

impl Kind {
    /// Every kind, in the order of their phases (see [`Phase`]).
    pub const ALL: [Kind; 22] = [
        Kind::UserCredential,
        Kind::OAuth2ClientCredential,
        Kind::SecureParameter,
        Kind::Certificate,
        Kind::KeyPair,
        Kind::CertificateUserMapping,
        Kind::NumberRange,
        Kind::StringParameter,
        Kind::BinaryParameter,
        Kind::UserCredentialParameter,
        Kind::AlternativePartner,
        Kind::AuthorizedUser,
        Kind::AccessPolicy,
        Kind::Package,
        Kind::ScriptCollection,
        Kind::DataType,
        Kind::MessageType,
        Kind::FaultMessageType,
        Kind::ServiceInterface,
        Kind::MessageMapping,
        Kind::ValueMapping,
        Kind::IntegrationFlow,
    ];

    /// What cpi-gitops knows of this kind, from its module in [`kinds`].
    pub fn spec(self) -> &'static Spec {
        match self {
            Kind::Package => &kinds::package::SPEC,
            Kind::IntegrationFlow => &kinds::artifact::INTEGRATION_FLOW,
            Kind::ValueMapping => &kinds::artifact::VALUE_MAPPING,
            Kind::MessageMapping => &kinds::artifact::MESSAGE_MAPPING,
            Kind::ScriptCollection => &kinds::artifact::SCRIPT_COLLECTION,
            Kind::DataType => &kinds::artifact::DATA_TYPE,
            Kind::MessageType => &kinds::artifact::MESSAGE_TYPE,
            Kind::FaultMessageType => &kinds::artifact::FAULT_MESSAGE_TYPE,
            Kind::ServiceInterface => &kinds::artifact::SERVICE_INTERFACE,
            Kind::UserCredential => &kinds::user_credential::SPEC,
            Kind::OAuth2ClientCredential => &kinds::oauth2_client_credential::SPEC,
            Kind::SecureParameter => &kinds::secure_parameter::SPEC,
            Kind::Certificate => &kinds::certificate::SPEC,
            Kind::KeyPair => &kinds::key_pair::SPEC,
            Kind::CertificateUserMapping => &kinds::certificate_user_mapping::SPEC,
            Kind::AccessPolicy => &kinds::access_policy::SPEC,
            Kind::NumberRange => &kinds::number_range::SPEC,
            Kind::StringParameter => &kinds::string_parameter::SPEC,
            Kind::BinaryParameter => &kinds::binary_parameter::SPEC,
            Kind::UserCredentialParameter => &kinds::user_credential_parameter::SPEC,
            Kind::AlternativePartner => &kinds::alternative_partner::SPEC,
            Kind::AuthorizedUser => &kinds::authorized_user::SPEC,
        }
    }

    /// The name in ids and reports, e.g. `integration-flow`.
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }

    /// The kind named `s` (as in [`Kind::as_str`]).
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The plural folder name, e.g. `integration-flows`, `access-policies`.
    pub fn folder(self) -> &'static str {
        self.spec().folder
    }

    /// When apply writes objects of this kind.
    pub fn phase(self) -> Phase {
        self.spec().phase
    }

    /// The design-time artifact kind, for the eight artifact kinds.
    pub fn artifact_kind(self) -> Option<ArtifactKind> {
        self.spec().artifact
    }

    /// The object kind of a design-time artifact kind.
    pub fn of_artifact(kind: ArtifactKind) -> Kind {
        match kind {
            ArtifactKind::IntegrationFlow => Kind::IntegrationFlow,
            ArtifactKind::ValueMapping => Kind::ValueMapping,
            ArtifactKind::MessageMapping => Kind::MessageMapping,
            ArtifactKind::ScriptCollection => Kind::ScriptCollection,
            ArtifactKind::DataType => Kind::DataType,
            ArtifactKind::MessageType => Kind::MessageType,
            ArtifactKind::FaultMessageType => Kind::FaultMessageType,
            ArtifactKind::ServiceInterface => Kind::ServiceInterface,
        }
    }

    /// Whether this is one of the design-time artifact kinds that live in packages.
    pub fn is_artifact(self) -> bool {
        self.artifact_kind().is_some()
    }

    /// The secrets an object of this kind has.
    pub fn secret_slots(self) -> &'static [SecretSlot] {
        self.spec().secrets
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An object's identity: `kind/key`. Keys of Partner Directory parameters are `<Pid>/<Id>`,
/// of alternative partners `<Agency>/<Scheme>/<Id>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    /// What the object is.
    pub kind: Kind,
    /// Its name among the objects of its kind.
    pub key: String,
}

impl ObjectId {
    /// An id.
    pub fn new(kind: Kind, key: impl Into<String>) -> Self {
        ObjectId {
            kind,
            key: key.into(),
        }
    }

    /// Parses `kind/key`.
    pub fn parse(s: &str) -> Option<ObjectId> {
        let (kind, key) = s.split_once('/')?;
        let kind = Kind::parse(kind)?;
        (!key.is_empty()).then(|| ObjectId::new(kind, key))
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            if let Some(a) = kind.artifact_kind() {
                assert_eq!(Kind::of_artifact(a), kind);
            }
        }
        let id = ObjectId::parse("string-parameter/ACME/ReceiverURL").unwrap();
        assert_eq!(
            (id.kind, id.key.as_str()),
            (Kind::StringParameter, "ACME/ReceiverURL")
        );
        assert_eq!(id.to_string(), "string-parameter/ACME/ReceiverURL");
        assert!(ObjectId::parse("nope/x").is_none());
    }

    #[test]
    fn every_kind_is_listed_once_in_phase_order() {
        let mut seen = std::collections::BTreeSet::new();
        for kind in Kind::ALL {
            assert!(seen.insert(kind), "{kind} is listed twice");
        }
        assert!(
            Kind::ALL.windows(2).all(|w| w[0].phase() <= w[1].phase()),
            "ALL is in phase order"
        );
    }
}
