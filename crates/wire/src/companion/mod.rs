//! The companion package (design.md sections 4 and 9): cpi-gitops' own integration flows on a
//! tenant, and the protocol of its security-material flow. Not part of SAP's API; cpi-gitops
//! defines it (docs/companion.md describes every field), and the exporter, `companion install`
//! and the emulator all speak it from here.
//!
//! | module | what |
//! |---|---|
//! | this one | the ids, addresses and roles; the request, envelope, refusal and answer types |
//! | [`crypto`] | the one-time RSA key, RSA-OAEP-256 wrapping AES-256-GCM, the envelope |
//! | [`pkcs12`] | reading and building the PKCS#12 files that carry key pairs |
//! | [`source`] | the package's files (`companion/` of the repository), embedded at build time |
//!
//! **Versions.** [`PROTOCOL`] is the version this build speaks; [`ACCEPTED_PROTOCOLS`] the ones
//! it reads: the current one and, once there is one, the previous one, so that an exporter
//! newer than the companion on a tenant keeps working until `companion install` updates it. A
//! request names one version; the companion answers in that version or refuses with
//! `unsupported_protocol`, naming the version it speaks ([`Refusal::protocol`]); the exporter
//! then asks again in that version when it reads it. Protocol 1 is the first, so today both lists
//! hold only 1. Protocol 2 would add `2` in front of [`ACCEPTED_PROTOCOLS`], its algorithm to
//! [`algorithm`], and its own test vector; answers are checked against the version asked for.

pub mod crypto;
pub mod pkcs12;
pub mod source;

use crate::Secret;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The protocol version this build speaks.
pub const PROTOCOL: u32 = 1;
/// The protocol versions this build reads, newest first: the current one and the previous one.
pub const ACCEPTED_PROTOCOLS: &[u32] = &[1];

/// The algorithm of a protocol version's envelope, `None` for a version this build does not know.
pub fn algorithm(protocol: u32) -> Option<&'static str> {
    match protocol {
        1 => Some("RSA-OAEP-256+A256GCM"),
        _ => None,
    }
}

/// The package's id.
pub const PACKAGE_ID: &str = "CPIGitOps";
/// The security-material flow's id (and `Bundle-SymbolicName`).
pub const SECURITY_MATERIAL_FLOW: &str = "CPIGitOps_SecurityMaterial";
/// The ping flow's id (and `Bundle-SymbolicName`).
pub const PING_FLOW: &str = "CPIGitOps_Ping";
/// The externalized parameter holding a flow's address below `/http`.
pub const ADDRESS_PARAMETER: &str = "SenderAddress";
/// The externalized parameter holding the role a caller of a flow needs.
pub const ROLE_PARAMETER: &str = "SenderRole";
/// The security-material flow's default address below `/http`.
pub const DEFAULT_SECURITY_MATERIAL_ADDRESS: &str = "/cpi-gitops/security-material";
/// The ping flow's default address below `/http`.
pub const DEFAULT_PING_ADDRESS: &str = "/cpi-gitops/ping";
/// The security-material flow's default role.
pub const DEFAULT_SECURITY_MATERIAL_ROLE: &str = "CPIGitOps.SecurityMaterial";
/// The ping flow's default role.
pub const DEFAULT_PING_ROLE: &str = "CPIGitOps.Ping";
/// Where a flow's address is, below the runtime URL.
pub const HTTP_PREFIX: &str = "/http";
/// The security-material endpoint's default path below the runtime URL.
pub const DEFAULT_PATH: &str = "/http/cpi-gitops/security-material";
/// The ping's default path below the runtime URL (the probe's default).
pub const DEFAULT_PING_PATH: &str = "/http/cpi-gitops/ping";
/// The smallest recipient key a companion accepts, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// The largest recipient key a companion accepts, in bits.
pub const MAX_RSA_BITS: usize = 16384;

/// The two flows of the package.
pub const FLOWS: [&str; 2] = [SECURITY_MATERIAL_FLOW, PING_FLOW];

/// What a request item asks for, named as cpi-gitops names object kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ItemKind {
    /// A user credential (`SecureStoreService.getUserCredential`).
    #[serde(rename = "user-credential")]
    UserCredential,
    /// A secure parameter (`getUserCredential`, the value is the password).
    #[serde(rename = "secure-parameter")]
    SecureParameter,
    /// An OAuth2 client credential (`getUserCredential`: client id and secret).
    #[serde(rename = "oauth2-client-credential")]
    OAuth2ClientCredential,
    /// A Partner Directory user-credential parameter (`pd:<Pid>:<Id>:UserCredential`).
    #[serde(rename = "user-credential-parameter")]
    UserCredentialParameter,
    /// A key pair of the tenant keystore (`KeystoreService`).
    #[serde(rename = "key-pair")]
    KeyPair,
}

impl ItemKind {
    /// Every kind of protocol 1.
    pub const ALL: [ItemKind; 5] = [
        ItemKind::UserCredential,
        ItemKind::SecureParameter,
        ItemKind::OAuth2ClientCredential,
        ItemKind::UserCredentialParameter,
        ItemKind::KeyPair,
    ];

    /// The kind as the protocol writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::UserCredential => "user-credential",
            ItemKind::SecureParameter => "secure-parameter",
            ItemKind::OAuth2ClientCredential => "oauth2-client-credential",
            ItemKind::UserCredentialParameter => "user-credential-parameter",
            ItemKind::KeyPair => "key-pair",
        }
    }

    /// The kind written `text`, if protocol 1 has it.
    pub fn parse(text: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One thing the exporter asks for: a kind and a name, or (Partner Directory) a partner and an id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestItem {
    /// What it is.
    pub kind: ItemKind,
    /// Its name (an alias for a key pair); absent for a Partner Directory credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The partner of a Partner Directory credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    /// The id of a Partner Directory credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl RequestItem {
    /// An item named `name`.
    pub fn named(kind: ItemKind, name: impl Into<String>) -> RequestItem {
        RequestItem {
            kind,
            name: Some(name.into()),
            pid: None,
            id: None,
        }
    }

    /// A Partner Directory user-credential parameter.
    pub fn partner(pid: impl Into<String>, id: impl Into<String>) -> RequestItem {
        RequestItem {
            kind: ItemKind::UserCredentialParameter,
            name: None,
            pid: Some(pid.into()),
            id: Some(id.into()),
        }
    }

    /// `kind/name` or `kind/pid/id`, for messages.
    pub fn label(&self) -> String {
        match (&self.name, &self.pid, &self.id) {
            (Some(name), _, _) => format!("{}/{name}", self.kind.as_str()),
            (None, Some(pid), Some(id)) => format!("{}/{pid}/{id}", self.kind.as_str()),
            _ => self.kind.as_str().to_string(),
        }
    }
}

/// The body of the POST to the security-material flow.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// The protocol version the exporter asks in.
    pub protocol: u32,
    /// Standard base64 of the DER `SubjectPublicKeyInfo` of the one-time RSA key.
    pub public_key: String,
    /// What to read.
    pub items: Vec<RequestItem>,
}

/// The answer of the security-material flow: the encrypted document and how to open it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The protocol version of the answer (also bound into the ciphertext).
    pub protocol: u32,
    /// The package version that answered.
    pub companion_version: String,
    /// The algorithm, [`algorithm`] of `protocol`.
    pub alg: String,
    /// Base64 of the AES key encrypted with RSA-OAEP-256.
    pub encrypted_key: String,
    /// Base64 of the 12-byte GCM nonce.
    pub iv: String,
    /// Base64 of the AES-256-GCM ciphertext with its tag appended.
    pub ciphertext: String,
}

/// A request the companion refused before reading anything (`4xx`/`5xx` with a JSON body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The protocol version the companion speaks.
    #[serde(default)]
    pub protocol: Option<u32>,
    /// The package version that refused.
    #[serde(default)]
    pub companion_version: Option<String>,
    /// `method_not_allowed`, `bad_request`, `unsupported_protocol`, `bad_public_key`,
    /// `encryption_failed`.
    pub error: String,
    /// A sentence for people.
    #[serde(default)]
    pub message: String,
}

/// The `error` of a refusal in a version the companion does not speak.
pub const UNSUPPORTED_PROTOCOL: &str = "unsupported_protocol";

/// The status of one answered item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The values are there.
    Ok,
    /// The script API has nothing under that name.
    NotFound,
    /// The entry exists, but the script API gives no secret for it.
    Unreadable,
    /// The credential is stored as another kind.
    WrongKind,
    /// The script API threw.
    Error,
    /// The companion does not read that kind.
    UnsupportedKind,
    /// The request item was malformed.
    Invalid,
}

impl Status {
    /// The status as the protocol writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotFound => "not_found",
            Status::Unreadable => "unreadable",
            Status::WrongKind => "wrong_kind",
            Status::Error => "error",
            Status::UnsupportedKind => "unsupported_kind",
            Status::Invalid => "invalid",
        }
    }
}

/// The decrypted document: one answer per request item, in order.
#[derive(Debug, Clone, Deserialize)]
pub struct Answers {
    /// The answers.
    pub items: Vec<Answer>,
}

/// One answered item. Secret fields are [`Secret`]s; everything else may be shown.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Answer {
    /// The kind, as asked.
    pub kind: Value,
    /// The name, as asked (for a Partner Directory credential: the secure store name read).
    pub name: Value,
    /// The partner, as asked.
    pub pid: Value,
    /// The id, as asked.
    pub id: Value,
    /// `ok`, or why not.
    pub status: String,
    /// Why not, for people.
    pub reason: Option<String>,
    /// User name of a user credential or Partner Directory credential.
    pub user: Option<String>,
    /// Password of a user credential or Partner Directory credential.
    pub password: Option<Secret>,
    /// Value of a secure parameter.
    pub value: Option<Secret>,
    /// Client id of an OAuth2 client credential.
    pub client_id: Option<String>,
    /// Client secret of an OAuth2 client credential.
    pub client_secret: Option<Secret>,
    /// Base64 of the PKCS#12 of a key pair.
    pub pkcs12: Option<Secret>,
    /// The PKCS#12's password.
    pub pkcs12_password: Option<Secret>,
    /// The key pair's algorithm (`RSA`, `EC`, ...).
    pub key_algorithm: Option<String>,
    /// The length of the key pair's chain.
    pub certificates: Option<u32>,
    /// The kind a `wrong_kind` credential is stored as.
    pub stored_kind: Option<String>,
}

impl Answer {
    /// The status, `None` when this build does not know it (a newer companion's).
    pub fn status(&self) -> Option<Status> {
        [
            Status::Ok,
            Status::NotFound,
            Status::Unreadable,
            Status::WrongKind,
            Status::Error,
            Status::UnsupportedKind,
            Status::Invalid,
        ]
        .into_iter()
        .find(|s| s.as_str() == self.status)
    }

    /// Whether this answers `item`: the same kind and identity fields.
    pub fn answers(&self, item: &RequestItem) -> bool {
        let text = |v: &Value, want: &Option<String>| match want {
            Some(w) => v.as_str() == Some(w.as_str()),
            None => v.is_null(),
        };
        let kind = self.kind.as_str() == Some(item.kind.as_str());
        match item.kind {
            ItemKind::UserCredentialParameter => {
                kind && text(&self.pid, &item.pid) && text(&self.id, &item.id)
            }
            _ => kind && text(&self.name, &item.name) && self.pid.is_null() && self.id.is_null(),
        }
    }
}

/// The secure store name of a Partner Directory user-credential parameter.
pub fn partner_credential_name(pid: &str, id: &str) -> String {
    format!("pd:{pid}:{id}:UserCredential")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_serialize_as_the_protocol_says() {
        let items = vec![
            RequestItem::named(ItemKind::OAuth2ClientCredential, "S4"),
            RequestItem::partner("ACME", "sftp"),
        ];
        assert_eq!(
            serde_json::to_value(&items).unwrap(),
            serde_json::json!([
                {"kind": "oauth2-client-credential", "name": "S4"},
                {"kind": "user-credential-parameter", "pid": "ACME", "id": "sftp"}
            ])
        );
        for k in ItemKind::ALL {
            assert_eq!(ItemKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                Value::String(k.as_str().into())
            );
        }
    }

    #[test]
    fn an_answer_must_repeat_the_identity_it_answers() {
        let parse = |v: Value| serde_json::from_value::<Answer>(v).unwrap();
        let a = parse(serde_json::json!({"kind": "user-credential", "name": "A", "status": "ok"}));
        assert!(a.answers(&RequestItem::named(ItemKind::UserCredential, "A")));
        assert!(!a.answers(&RequestItem::named(ItemKind::UserCredential, "B")));
        assert!(!a.answers(&RequestItem::named(ItemKind::SecureParameter, "A")));
        let p = parse(
            serde_json::json!({"kind": "user-credential-parameter", "pid": "P", "id": "i", "name": "pd:P:i:UserCredential", "status": "not_found"}),
        );
        assert!(p.answers(&RequestItem::partner("P", "i")));
        assert!(!p.answers(&RequestItem::partner("P", "j")));
        assert_eq!(p.status(), Some(Status::NotFound));
        assert_eq!(parse(serde_json::json!({"status": "later"})).status(), None);
    }

    #[test]
    fn debug_of_an_answer_hides_its_secrets() {
        let a: Answer = serde_json::from_value(serde_json::json!({
            "kind": "key-pair", "name": "k", "status": "ok", "pkcs12": "canary-p12",
            "pkcs12_password": "canary-pw", "password": "canary-pass", "value": "canary-v",
            "client_secret": "canary-cs"}))
        .unwrap();
        assert!(!format!("{a:?}").contains("canary"));
    }

    #[test]
    fn every_accepted_version_has_an_algorithm() {
        assert_eq!(ACCEPTED_PROTOCOLS[0], PROTOCOL);
        assert!(
            ACCEPTED_PROTOCOLS.len() <= 2,
            "the current and the previous version"
        );
        for p in ACCEPTED_PROTOCOLS {
            assert!(algorithm(*p).is_some(), "protocol {p}");
        }
        assert_eq!(algorithm(0), None);
        assert_eq!(algorithm(PROTOCOL + 1), None);
    }
}
