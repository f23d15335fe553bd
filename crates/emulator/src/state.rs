//! The emulated tenant's data: everything the API can read or write, plus internal bookkeeping
//! (stored artifact files, configured values, deployments in flight).
//!
//! All maps are `BTreeMap`s so that collections come out ordered by key (reference 12.17). The
//! whole `Tenant` serializes for `--data FILE`; that file holds secrets in plaintext, as the
//! tenant's own secure store does.

use cpi_gitops_wire::Secret;
use cpi_gitops_wire::access::ArtifactReference;
use cpi_gitops_wire::artifact::zip::Entry;
use cpi_gitops_wire::designtime::ArtifactKind;
use cpi_gitops_wire::number_ranges::NumberRange;
use cpi_gitops_wire::packages::IntegrationPackage;
use cpi_gitops_wire::security::{
    CustomParameter, OAuth2ClientCredential, SecureParameter, UserCredential,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One emulated tenant.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Tenant {
    pub packages: BTreeMap<String, IntegrationPackage>,
    /// Design-time artifacts of every kind, by Id (Ids are unique across kinds).
    pub artifacts: BTreeMap<String, Artifact>,
    /// Runtime state by artifact Id.
    pub deployments: BTreeMap<String, Deployment>,
    /// Deploy tasks by task id.
    pub tasks: BTreeMap<String, Task>,
    pub user_credentials: BTreeMap<String, UserCredential>,
    pub oauth2_client_credentials: BTreeMap<String, OAuth2Client>,
    pub secure_parameters: BTreeMap<String, SecureParameter>,
    /// The `system` keystore by alias.
    pub keystore: BTreeMap<String, KeyEntry>,
    /// Neo certificate-to-user mappings by Id.
    pub certificate_user_mappings: BTreeMap<String, CertificateMapping>,
    /// Access policies by their generated Id.
    pub access_policies: BTreeMap<i64, AccessPolicy>,
    pub number_ranges: BTreeMap<String, NumberRange>,
    pub partner_directory: PartnerDirectory,
    pub ids: IdGenerator,
}

/// A design-time artifact with its stored content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Artifact {
    pub id: String,
    pub kind: ArtifactKind,
    pub package_id: String,
    pub name: String,
    pub description: String,
    /// From the manifest's `Bundle-Version`.
    pub version: String,
    /// Edited but not saved: reported with version `Active`, blocks package export.
    pub draft: bool,
    /// The files as uploaded (without `metainfo.prop`), in upload order.
    pub files: Vec<StoredFile>,
    /// Values set through the Configurations API, kept across uploads.
    pub configured: BTreeMap<String, String>,
    pub sender: String,
    pub receiver: String,
    pub created_by: String,
    pub created_at: i64,
    pub modified_by: String,
    pub modified_at: i64,
}

/// A file of an artifact, bytes as uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFile {
    pub name: String,
    #[serde(with = "base64_bytes")]
    pub data: Vec<u8>,
}

impl From<Entry> for StoredFile {
    fn from(e: Entry) -> Self {
        StoredFile {
            name: e.name,
            data: e.data,
        }
    }
}

impl From<&StoredFile> for Entry {
    fn from(f: &StoredFile) -> Self {
        Entry {
            name: f.name.clone(),
            data: f.data.clone(),
        }
    }
}

impl Artifact {
    /// The stored file named `name`.
    pub fn file(&self, name: &str) -> Option<&StoredFile> {
        self.files.iter().find(|f| f.name == name)
    }

    /// The version as the API reports it.
    pub fn reported_version(&self) -> &str {
        if self.draft { "Active" } else { &self.version }
    }
}

/// What the runtime shows for one artifact, and a deploy or undeploy in flight.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Deployment {
    pub live: Option<LiveArtifact>,
    pub transition: Option<Transition>,
}

/// A runtime artifact that has settled (or the previous one while a new deploy is in flight).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveArtifact {
    pub kind: ArtifactKind,
    pub name: String,
    pub version: String,
    pub deployed_by: String,
    pub deployed_on: i64,
    /// `STARTED` or `ERROR` once settled.
    pub status: String,
    /// The error text of an `ERROR` deployment.
    pub error: Option<String>,
    /// Reads of `ErrorInformation/$value` so far (the first answers `204`).
    pub error_reads: u32,
}

/// A deploy or undeploy that moves forward one step per observation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Transition {
    Deploy {
        task: String,
        target: LiveArtifact,
        steps: u32,
    },
    Undeploy {
        steps: u32,
    },
}

/// A deploy task, addressed by `BuildAndDeployStatus(TaskId=..)`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Task {
    pub artifact_id: String,
}

/// An OAuth2 client credential with its custom parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OAuth2Client {
    pub credential: OAuth2ClientCredential,
    pub custom_parameters: Vec<CustomParameter>,
}

/// A keystore entry: a trusted certificate or a key pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyEntry {
    pub alias: String,
    pub key_pair: bool,
    /// `SAP` or `Tenant Administrator`.
    pub owner: String,
    /// The certificate (for a key pair: its own certificate).
    #[serde(with = "base64_bytes")]
    pub certificate: Vec<u8>,
    /// The uploaded PKCS#12 of a key pair and its password (never readable through the API).
    pub pkcs12: Option<Secret>,
    pub pkcs12_password: Option<Secret>,
    pub created_by: String,
    pub created_time: i64,
    pub modified_by: String,
    pub modified_time: i64,
}

/// A Neo certificate-to-user mapping.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificateMapping {
    pub user: String,
    /// PEM text of the certificate.
    pub certificate_pem: String,
    pub valid_until: i64,
    pub audit: Audit,
}

/// An access policy and its artifact references (references carry their generated Id).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessPolicy {
    pub role_name: String,
    pub description: String,
    pub references: Vec<ArtifactReference>,
}

/// Who changed an entry when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    pub created_by: String,
    pub created_time: i64,
    pub modified_by: String,
    pub modified_time: i64,
}

impl Audit {
    /// Created now by `user`.
    pub fn new(user: &str, now: i64) -> Self {
        Audit {
            created_by: user.into(),
            created_time: now,
            modified_by: user.into(),
            modified_time: now,
        }
    }

    /// Touched now by `user`.
    pub fn touch(&mut self, user: &str, now: i64) {
        self.modified_by = user.into();
        self.modified_time = now;
    }
}

/// The Partner Directory, by `Pid` then parameter `Id`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PartnerDirectory {
    pub string_parameters: BTreeMap<String, BTreeMap<String, StringParam>>,
    pub binary_parameters: BTreeMap<String, BTreeMap<String, BinaryParam>>,
    pub user_credential_parameters: BTreeMap<String, BTreeMap<String, UserCredentialParam>>,
    /// By (Agency, Scheme, Id) joined with NUL.
    pub alternative_partners: BTreeMap<String, AlternativePartner>,
    /// By lower-case user name.
    pub authorized_users: BTreeMap<String, AuthorizedUser>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StringParam {
    pub value: String,
    pub audit: Audit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BinaryParam {
    pub content_type: String,
    #[serde(with = "base64_bytes")]
    pub value: Vec<u8>,
    pub audit: Audit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserCredentialParam {
    pub user: String,
    pub password: Secret,
    pub audit: Audit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlternativePartner {
    pub agency: String,
    pub scheme: String,
    pub id: String,
    pub pid: String,
    pub audit: Audit,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizedUser {
    pub user: String,
    pub pid: String,
    pub audit: Audit,
}

impl PartnerDirectory {
    /// Every Pid that some entry references.
    pub fn partners(&self) -> std::collections::BTreeSet<String> {
        let mut pids: std::collections::BTreeSet<String> = self
            .string_parameters
            .keys()
            .chain(self.binary_parameters.keys())
            .chain(self.user_credential_parameters.keys())
            .cloned()
            .collect();
        pids.extend(self.alternative_partners.values().map(|a| a.pid.clone()));
        pids.extend(self.authorized_users.values().map(|a| a.pid.clone()));
        pids
    }
}

/// Deterministic ids (task ids, tokens, access-policy ids) from a seed (reference 12.17).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdGenerator {
    state: u64,
    next_policy_id: i64,
}

impl Default for IdGenerator {
    fn default() -> Self {
        IdGenerator::new(0)
    }
}

impl IdGenerator {
    /// A generator whose sequence depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        let mut g = IdGenerator {
            state: seed ^ 0x5DEE_CE66_D1CE_4E5B,
            next_policy_id: 0,
        };
        g.next_policy_id = 100 + (g.next_u64() % 900) as i64;
        g
    }

    /// The next pseudo-random number (SplitMix64).
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A UUID-shaped id.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    /// The next Int64 entity id.
    pub fn next_entity_id(&mut self) -> i64 {
        let id = self.next_policy_id;
        self.next_policy_id += 1;
        id
    }
}

/// Serde helper: bytes as a base64 string.
pub mod base64_bytes {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}
