//! [`Kind`] and [`ObjectId`]: what an object is and how it is named in ids, paths and reports.

use crate::wire::designtime::ArtifactKind;
use std::fmt;

/// Every kind of object cpi-gitops manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Package,
    IntegrationFlow,
    ValueMapping,
    MessageMapping,
    ScriptCollection,
    DataType,
    MessageType,
    FaultMessageType,
    ServiceInterface,
    UserCredential,
    OAuth2ClientCredential,
    SecureParameter,
    Certificate,
    KeyPair,
    CertificateUserMapping,
    AccessPolicy,
    NumberRange,
    StringParameter,
    BinaryParameter,
    UserCredentialParameter,
    AlternativePartner,
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
    /// Every kind (apply writes them in the order of `PHASES` in `sync::apply`).
    pub const ALL: [Kind; 22] = [
        Kind::UserCredential,
        Kind::OAuth2ClientCredential,
        Kind::SecureParameter,
        Kind::Certificate,
        Kind::KeyPair,
        Kind::CertificateUserMapping,
        Kind::AccessPolicy,
        Kind::NumberRange,
        Kind::StringParameter,
        Kind::BinaryParameter,
        Kind::UserCredentialParameter,
        Kind::AlternativePartner,
        Kind::AuthorizedUser,
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

    /// The name in ids and reports, e.g. `integration-flow`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Package => "package",
            Kind::IntegrationFlow => "integration-flow",
            Kind::ValueMapping => "value-mapping",
            Kind::MessageMapping => "message-mapping",
            Kind::ScriptCollection => "script-collection",
            Kind::DataType => "data-type",
            Kind::MessageType => "message-type",
            Kind::FaultMessageType => "fault-message-type",
            Kind::ServiceInterface => "service-interface",
            Kind::UserCredential => "user-credential",
            Kind::OAuth2ClientCredential => "oauth2-client-credential",
            Kind::SecureParameter => "secure-parameter",
            Kind::Certificate => "certificate",
            Kind::KeyPair => "key-pair",
            Kind::CertificateUserMapping => "certificate-user-mapping",
            Kind::AccessPolicy => "access-policy",
            Kind::NumberRange => "number-range",
            Kind::StringParameter => "string-parameter",
            Kind::BinaryParameter => "binary-parameter",
            Kind::UserCredentialParameter => "user-credential-parameter",
            Kind::AlternativePartner => "alternative-partner",
            Kind::AuthorizedUser => "authorized-user",
        }
    }

    /// The kind named `s` (as in [`Kind::as_str`]).
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The plural folder name, e.g. `integration-flows`, `access-policies`.
    pub fn folder(self) -> String {
        match self {
            Kind::AccessPolicy => "access-policies".to_string(),
            k => format!("{}s", k.as_str()),
        }
    }

    /// The design-time artifact kind, for the eight artifact kinds.
    pub fn artifact_kind(self) -> Option<ArtifactKind> {
        Some(match self {
            Kind::IntegrationFlow => ArtifactKind::IntegrationFlow,
            Kind::ValueMapping => ArtifactKind::ValueMapping,
            Kind::MessageMapping => ArtifactKind::MessageMapping,
            Kind::ScriptCollection => ArtifactKind::ScriptCollection,
            Kind::DataType => ArtifactKind::DataType,
            Kind::MessageType => ArtifactKind::MessageType,
            Kind::FaultMessageType => ArtifactKind::FaultMessageType,
            Kind::ServiceInterface => ArtifactKind::ServiceInterface,
            _ => return None,
        })
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
        const PASSWORD: SecretSlot = SecretSlot {
            name: "password",
            binary: false,
        };
        match self {
            Kind::UserCredential | Kind::UserCredentialParameter => &[PASSWORD],
            Kind::OAuth2ClientCredential => &[SecretSlot {
                name: "client-secret",
                binary: false,
            }],
            Kind::SecureParameter => &[SecretSlot {
                name: "value",
                binary: false,
            }],
            Kind::KeyPair => &[
                SecretSlot {
                    name: "p12",
                    binary: true,
                },
                PASSWORD,
            ],
            _ => &[],
        }
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
    pub kind: Kind,
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
}
