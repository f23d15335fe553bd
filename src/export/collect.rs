//! Reads a tenant and turns every object into files of the state folder.
//!
//! The first reads (packages, runtime, security material, Partner Directory, the companion
//! endpoint) go out together; then each answer spawns the work it makes possible (the artifacts
//! of a package, a certificate's PEM, a partner's credentials) as tasks, so the tenant's request
//! limit stays busy until the end. Every file goes to the blob writer as soon as it exists.

use super::{ExportError, Progress, Warning};
use crate::client::Client;
use crate::git::{BlobWriter, StateFiles};
use crate::model::normalize::normalize;
use crate::model::{Kind, ObjectId, SecretSlot};
use crate::secrets::Recipients;
use crate::store::content;
use crate::store::layout::{Place, place};
use crate::store::marks::{ArtifactMark, Marks, SecretMark, content_digest};
use crate::wire::designtime::{ArtifactKind, DesigntimeArtifact};
use crate::wire::keystore::{KeystoreEntry, OWNER_SAP, TYPE_KEY_PAIR};
use crate::wire::packages::MODE_READ_ONLY;
use crate::wire::runtime::IntegrationRuntimeArtifact;
use crate::wire::security::PARTNER_DIRECTORY_CREDENTIAL_PREFIX;
use base64::Engine;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::task::JoinSet;

/// What the collector needs.
pub struct Inputs {
    pub client: Client,
    pub writer: BlobWriter,
    pub base: Arc<StateFiles>,
    pub marks: Marks,
    pub recipients: Option<Arc<Recipients>>,
    pub recipients_file: String,
    pub companion_path: Option<String>,
    pub progress: Arc<dyn Progress>,
}

/// What the collector found besides the files.
pub struct Collected {
    pub marks: Marks,
    pub warnings: Vec<super::Warning>,
    pub missing: Vec<String>,
}

/// Secrets the companion endpoint revealed, by object id.
#[derive(Default)]
struct Material {
    by_object: HashMap<ObjectId, Vec<(SecretSlot, Vec<u8>)>>,
    available: bool,
}

struct Shared {
    client: Client,
    writer: BlobWriter,
    base: Arc<StateFiles>,
    old_marks: Marks,
    new_marks: Mutex<Marks>,
    recipients: Option<Arc<Recipients>>,
    recipients_file: String,
    progress: Arc<dyn Progress>,
    warnings: Mutex<Vec<Warning>>,
    missing: Mutex<Vec<String>>,
    material: Material,
    runtime: HashMap<String, IntegrationRuntimeArtifact>,
    /// Change markers of the Partner Directory's `pd:` credentials, by `<Pid>/<Id>`.
    pd_markers: HashMap<String, String>,
}

enum Job {
    List {
        package: String,
        read_only: bool,
        kind: ArtifactKind,
    },
    Artifact {
        package: String,
        read_only: bool,
        kind: ArtifactKind,
        artifact: Box<DesigntimeArtifact>,
    },
    Keystore(Box<KeystoreEntry>),
    PartnerCredentials {
        pid: String,
    },
}

pub struct Collector;

impl Collector {
    pub async fn run(inputs: Inputs) -> Result<Collected, ExportError> {
        let c = &inputs.client;
        let companion = async {
            match &inputs.companion_path {
                Some(path) => c.security_material(path).await,
                None => Ok(None),
            }
        };
        let (
            packages,
            runtime,
            users,
            oauth,
            secure,
            keystore,
            mappings,
            policies,
            ranges,
            strings,
            binaries,
            partners,
            alternatives,
            authorized,
            material,
        ) = tokio::try_join!(
            c.packages(),
            c.runtime_artifacts(),
            c.user_credentials(),
            c.oauth2_client_credentials(),
            c.secure_parameters(),
            c.keystore_entries(),
            c.certificate_user_mappings(),
            c.access_policies(),
            c.number_ranges(),
            c.string_parameters(),
            c.binary_parameters(),
            c.partners(),
            c.alternative_partners(),
            c.authorized_users(),
            companion,
        )?;
        let material = index_material(material)?;
        let pd_markers = users
            .iter()
            .filter_map(|u| {
                let rest = u
                    .name
                    .strip_prefix(PARTNER_DIRECTORY_CREDENTIAL_PREFIX)?
                    .strip_suffix(":UserCredential")?;
                let (pid, id) = rest.split_once(':')?;
                Some((
                    format!("{pid}/{id}"),
                    marker_of_descriptor(&u.security_artifact_descriptor),
                ))
            })
            .collect();
        let shared = Arc::new(Shared {
            client: inputs.client.clone(),
            writer: inputs.writer,
            base: inputs.base,
            old_marks: inputs.marks,
            new_marks: Mutex::new(Marks::default()),
            recipients: inputs.recipients,
            recipients_file: inputs.recipients_file,
            progress: inputs.progress,
            warnings: Mutex::new(Vec::new()),
            missing: Mutex::new(Vec::new()),
            material,
            runtime: runtime.into_iter().map(|r| (r.id.clone(), r)).collect(),
            pd_markers,
        });

        let mut set: JoinSet<Result<Vec<Job>, ExportError>> = JoinSet::new();
        let spawn = |set: &mut JoinSet<Result<Vec<Job>, ExportError>>, job: Job| {
            let shared = shared.clone();
            set.spawn(async move { shared.job(job).await });
        };
        for p in &packages {
            let read_only = p.mode.as_deref() == Some(MODE_READ_ONLY);
            for kind in ArtifactKind::ALL {
                spawn(
                    &mut set,
                    Job::List {
                        package: p.id.clone(),
                        read_only,
                        kind,
                    },
                );
            }
        }
        for entry in keystore
            .into_iter()
            .filter(|e| e.owner.as_deref() != Some(OWNER_SAP))
        {
            shared.progress.found(1);
            spawn(&mut set, Job::Keystore(Box::new(entry)));
        }
        for p in &partners {
            spawn(&mut set, Job::PartnerCredentials { pid: p.pid.clone() });
        }

        let s = &shared;
        for p in &packages {
            let id = ObjectId::new(Kind::Package, &p.id);
            s.json(
                &id,
                &place(&id, None).json(),
                normalize(Kind::Package, &to_value(p)),
            )
            .await?;
        }
        for u in users
            .iter()
            .filter(|u| !u.name.starts_with(PARTNER_DIRECTORY_CREDENTIAL_PREFIX))
        {
            let id = ObjectId::new(Kind::UserCredential, &u.name);
            let at = place(&id, None);
            s.json(
                &id,
                &at.json(),
                normalize(Kind::UserCredential, &to_value(u)),
            )
            .await?;
            s.secrets(
                &id,
                &at,
                Some(marker_of_descriptor(&u.security_artifact_descriptor)),
            )
            .await?;
        }
        for o in &oauth {
            let id = ObjectId::new(Kind::OAuth2ClientCredential, &o.name);
            let at = place(&id, None);
            let mut v = normalize(Kind::OAuth2ClientCredential, &to_value(o));
            let mut params: Vec<Value> = o
                .custom_parameters
                .0
                .iter()
                .flatten()
                .map(to_value)
                .collect();
            params.sort_by_key(|p| p.to_string());
            insert(&mut v, "CustomParameters", Value::Array(params));
            s.json(&id, &at.json(), v).await?;
            s.secrets(
                &id,
                &at,
                Some(marker_of_descriptor(&o.security_artifact_descriptor)),
            )
            .await?;
        }
        for p in &secure {
            let id = ObjectId::new(Kind::SecureParameter, &p.name);
            let at = place(&id, None);
            s.json(
                &id,
                &at.json(),
                normalize(Kind::SecureParameter, &to_value(p)),
            )
            .await?;
            s.secrets(&id, &at, Some(p.deployed_on.clone().unwrap_or_default()))
                .await?;
        }
        for m in mappings.iter().flatten() {
            let key = m.id.clone().unwrap_or_default();
            let id = ObjectId::new(Kind::CertificateUserMapping, &key);
            let at = place(&id, None);
            let pem = base64::engine::general_purpose::STANDARD
                .decode(m.certificate.trim())
                .unwrap_or_else(|_| m.certificate.clone().into_bytes());
            s.file(at.file("pem"), pem).await?;
            s.json(
                &id,
                &at.json(),
                normalize(Kind::CertificateUserMapping, &to_value(m)),
            )
            .await?;
        }
        for p in &policies {
            let id = ObjectId::new(Kind::AccessPolicy, &p.role_name);
            let mut v = normalize(Kind::AccessPolicy, &to_value(p));
            let refs: Vec<Value> = p
                .artifact_references
                .0
                .iter()
                .flatten()
                .map(to_value)
                .collect();
            insert(&mut v, "ArtifactReferences", Value::Array(refs));
            let v = normalize(Kind::AccessPolicy, &v);
            s.json(&id, &place(&id, None).json(), v).await?;
        }
        for r in &ranges {
            let id = ObjectId::new(Kind::NumberRange, &r.name);
            s.json(
                &id,
                &place(&id, None).json(),
                normalize(Kind::NumberRange, &to_value(r)),
            )
            .await?;
        }
        for p in &strings {
            let id = ObjectId::new(Kind::StringParameter, format!("{}/{}", p.pid, p.id));
            s.json(
                &id,
                &place(&id, None).json(),
                normalize(Kind::StringParameter, &to_value(p)),
            )
            .await?;
        }
        for p in &binaries {
            let id = ObjectId::new(Kind::BinaryParameter, format!("{}/{}", p.pid, p.id));
            let at = place(&id, None);
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(p.value.trim())
                .map_err(|_| {
                    ExportError::Internal(format!("{id}: the tenant's Value is not base64"))
                })?;
            s.file(at.file("value"), bytes).await?;
            let mut v = normalize(Kind::BinaryParameter, &to_value(p));
            if let Value::Object(m) = &mut v {
                m.remove("Value");
            }
            s.json(&id, &at.json(), v).await?;
        }
        for a in &alternatives {
            let id = ObjectId::new(
                Kind::AlternativePartner,
                format!("{}/{}/{}", a.agency, a.scheme, a.id),
            );
            s.json(
                &id,
                &place(&id, Some(&a.pid)).json(),
                normalize(Kind::AlternativePartner, &to_value(a)),
            )
            .await?;
        }
        for u in &authorized {
            let id = ObjectId::new(Kind::AuthorizedUser, &u.user);
            s.json(
                &id,
                &place(&id, Some(&u.pid)).json(),
                normalize(Kind::AuthorizedUser, &to_value(u)),
            )
            .await?;
        }

        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(Ok(more)) => {
                    for job in more {
                        spawn(&mut set, job);
                    }
                }
                Ok(Err(e)) => {
                    set.abort_all();
                    return Err(e);
                }
                Err(e) => {
                    set.abort_all();
                    return Err(ExportError::Internal(format!("an export task failed: {e}")));
                }
            }
        }
        drop(set);
        let shared = Arc::try_unwrap(shared)
            .map_err(|_| ExportError::Internal("export tasks still running".into()))?;
        let mut warnings = shared.warnings.into_inner().unwrap_or_default();
        warnings.sort_by(|a, b| a.object.cmp(&b.object));
        let mut missing = shared.missing.into_inner().unwrap_or_default();
        missing.sort();
        Ok(Collected {
            marks: shared.new_marks.into_inner().unwrap_or_default(),
            warnings,
            missing,
        })
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn insert(v: &mut Value, key: &str, value: Value) {
    if let Value::Object(m) = v {
        m.insert(key.to_string(), value);
    }
}

fn marker_of_descriptor(d: &Option<crate::wire::security::SecurityArtifactDescriptor>) -> String {
    d.as_ref()
        .and_then(|d| d.deployed_on.clone())
        .unwrap_or_default()
}

fn index_material(
    material: Option<crate::wire::companion::SecurityMaterial>,
) -> Result<Material, ExportError> {
    let Some(m) = material else {
        return Ok(Material::default());
    };
    let mut by_object: HashMap<ObjectId, Vec<(SecretSlot, Vec<u8>)>> = HashMap::new();
    let slot = |kind: Kind, i: usize| kind.secret_slots()[i];
    for u in m.user_credentials {
        let id = match u
            .name
            .strip_prefix(PARTNER_DIRECTORY_CREDENTIAL_PREFIX)
            .and_then(|r| r.strip_suffix(":UserCredential"))
        {
            Some(rest) => match rest.split_once(':') {
                Some((pid, id)) => {
                    ObjectId::new(Kind::UserCredentialParameter, format!("{pid}/{id}"))
                }
                None => continue,
            },
            None => ObjectId::new(Kind::UserCredential, &u.name),
        };
        let kind = id.kind;
        by_object
            .entry(id)
            .or_default()
            .push((slot(kind, 0), u.password.expose().as_bytes().to_vec()));
    }
    for o in m.oauth2_client_credentials {
        let id = ObjectId::new(Kind::OAuth2ClientCredential, &o.name);
        by_object.entry(id).or_default().push((
            slot(Kind::OAuth2ClientCredential, 0),
            o.client_secret.expose().as_bytes().to_vec(),
        ));
    }
    for p in m.secure_parameters {
        let id = ObjectId::new(Kind::SecureParameter, &p.name);
        by_object.entry(id).or_default().push((
            slot(Kind::SecureParameter, 0),
            p.value.expose().as_bytes().to_vec(),
        ));
    }
    for k in m.key_pairs {
        let p12 = base64::engine::general_purpose::STANDARD
            .decode(k.pkcs12.expose().trim())
            .map_err(|_| {
                ExportError::Internal(format!(
                    "key-pair/{}: the companion endpoint's pkcs12 is not base64",
                    k.alias
                ))
            })?;
        let id = ObjectId::new(Kind::KeyPair, &k.alias);
        by_object.entry(id).or_default().extend([
            (slot(Kind::KeyPair, 0), p12),
            (
                slot(Kind::KeyPair, 1),
                k.password.expose().as_bytes().to_vec(),
            ),
        ]);
    }
    Ok(Material {
        by_object,
        available: true,
    })
}

impl Shared {
    async fn file(&self, path: String, bytes: Vec<u8>) -> Result<(), ExportError> {
        Ok(self.writer.write(path, bytes).await?)
    }

    async fn json(&self, id: &ObjectId, path: &str, value: Value) -> Result<(), ExportError> {
        self.file(path.to_string(), crate::canonical::to_vec(&value))
            .await?;
        if !id.kind.is_artifact() && id.kind != Kind::Certificate && id.kind != Kind::KeyPair {
            self.progress.done(id, 0);
        }
        Ok(())
    }

    fn warn(&self, id: &ObjectId, message: String) {
        if let Ok(mut w) = self.warnings.lock() {
            w.push(Warning {
                object: id.to_string(),
                message,
            });
        }
    }

    /// Writes (or keeps) an object's secret files. `marker` is the tenant's change marker.
    async fn secrets(
        &self,
        id: &ObjectId,
        at: &Place,
        marker: Option<String>,
    ) -> Result<(), ExportError> {
        let revealed = self.material.by_object.get(id);
        let key = id.to_string();
        let old = self.old_marks.secrets.get(&key);
        let fingerprint = self.recipients.as_ref().map(|r| r.fingerprint());
        let unchanged = match (old, &marker, &fingerprint) {
            (Some(old), Some(m), Some(fp)) => &old.changed == m && &old.recipients == fp,
            _ => false,
        };
        let mut wrote_from_tenant = false;
        for slot in id.kind.secret_slots() {
            let path = at.secret(*slot);
            let existing = self.base.get(&path).copied();
            let value = revealed
                .and_then(|v| v.iter().find(|(s, _)| s == slot))
                .map(|(_, v)| v);
            match (value, existing) {
                (Some(_), Some(blob)) if unchanged => {
                    self.writer.keep(path, blob).await?;
                    wrote_from_tenant = true;
                }
                (Some(plaintext), _) => {
                    let recipients =
                        self.recipients
                            .as_ref()
                            .ok_or_else(|| ExportError::NoRecipients {
                                object: id.to_string(),
                                file: self.recipients_file.clone(),
                            })?;
                    let sealed =
                        recipients
                            .encrypt(plaintext)
                            .map_err(|source| ExportError::Secrets {
                                file: path.clone(),
                                source,
                            })?;
                    self.file(path, sealed).await?;
                    wrote_from_tenant = true;
                }
                (None, Some(blob)) => self.writer.keep(path, blob).await?,
                (None, None) => {
                    if let Ok(mut m) = self.missing.lock() {
                        m.push(format!("{id}#{}", slot.name));
                    }
                }
            }
        }
        if wrote_from_tenant {
            if let (Some(marker), Some(fp), Ok(mut marks)) =
                (marker, fingerprint, self.new_marks.lock())
            {
                marks.secrets.insert(
                    key,
                    SecretMark {
                        changed: marker,
                        recipients: fp,
                    },
                );
            }
        } else if let (Some(old), Ok(mut marks)) = (old, self.new_marks.lock()) {
            if !self.material.available {
                marks.secrets.insert(key, old.clone());
            }
        }
        Ok(())
    }

    async fn job(&self, job: Job) -> Result<Vec<Job>, ExportError> {
        match job {
            Job::List {
                package,
                read_only,
                kind,
            } => {
                let artifacts = self.client.package_artifacts(&package, kind).await?;
                self.progress.found(artifacts.len() as u64);
                Ok(artifacts
                    .into_iter()
                    .map(|a| Job::Artifact {
                        package: package.clone(),
                        read_only,
                        kind,
                        artifact: Box::new(a),
                    })
                    .collect())
            }
            Job::Artifact {
                package,
                read_only,
                kind,
                artifact,
            } => {
                self.artifact(&package, read_only, kind, &artifact).await?;
                Ok(vec![])
            }
            Job::Keystore(entry) => {
                self.keystore(&entry).await?;
                Ok(vec![])
            }
            Job::PartnerCredentials { pid } => {
                for p in self.client.user_credential_parameters(&pid).await? {
                    let id =
                        ObjectId::new(Kind::UserCredentialParameter, format!("{}/{}", p.pid, p.id));
                    let at = place(&id, None);
                    self.json(
                        &id,
                        &at.json(),
                        normalize(Kind::UserCredentialParameter, &to_value(&p)),
                    )
                    .await?;
                    let marker = self.pd_markers.get(&format!("{}/{}", p.pid, p.id)).cloned();
                    self.secrets(&id, &at, marker).await?;
                }
                Ok(vec![])
            }
        }
    }

    async fn keystore(&self, entry: &KeystoreEntry) -> Result<(), ExportError> {
        let kind = if entry.kind == TYPE_KEY_PAIR {
            Kind::KeyPair
        } else {
            Kind::Certificate
        };
        let id = ObjectId::new(kind, &entry.alias);
        let at = place(&id, None);
        let pem = self.client.certificate_pem(&entry.hexalias).await?;
        let bytes = pem.len() as u64;
        self.file(at.file("pem"), pem).await?;
        self.json(&id, &at.json(), normalize(kind, &to_value(entry)))
            .await?;
        if kind == Kind::KeyPair {
            self.secrets(&id, &at, entry.last_modified_time.clone())
                .await?;
        }
        self.progress.done(&id, bytes);
        Ok(())
    }

    async fn artifact(
        &self,
        package: &str,
        read_only: bool,
        kind: ArtifactKind,
        a: &DesigntimeArtifact,
    ) -> Result<(), ExportError> {
        let id = ObjectId::new(Kind::of_artifact(kind), &a.id);
        let at = place(&id, Some(package));
        let prefix = format!("{}/", at.dir());
        if a.version.eq_ignore_ascii_case("active") {
            let kept: Vec<(String, git2::Oid)> = self
                .base
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .map(|(p, i)| (p.clone(), *i))
                .collect();
            let message = if kept.is_empty() {
                "is in draft state (edited on the tenant, not saved as a version): not exported until it is saved".to_string()
            } else {
                "is in draft state (edited on the tenant, not saved as a version): the last saved export in git is kept".to_string()
            };
            self.warn(&id, message);
            for (path, blob) in kept {
                self.writer.keep(path, blob).await?;
            }
            if let (Some(m), Ok(mut marks)) = (
                self.old_marks.artifacts.get(&id.to_string()),
                self.new_marks.lock(),
            ) {
                marks.artifacts.insert(id.to_string(), m.clone());
            }
            self.progress.done(&id, 0);
            return Ok(());
        }
        let deployed = self.runtime.get(&a.id);
        if let Some(rt) = deployed {
            if rt.version != a.version {
                self.warn(
                    &id,
                    format!(
                        "is deployed at version {} but its design-time version is {}: the design-time version is exported and will be deployed by apply",
                        rt.version, a.version
                    ),
                );
            }
        }
        let mut meta = normalize(id.kind, &to_value(a));
        insert(&mut meta, "Deployed", Value::Bool(deployed.is_some()));
        self.json(&id, &at.json(), meta).await?;
        if kind == ArtifactKind::IntegrationFlow {
            let mut configuration = Map::new();
            for c in self.client.configurations(&a.id).await? {
                configuration.insert(
                    c.parameter_key,
                    json!({ "DataType": c.data_type, "Value": c.parameter_value }),
                );
            }
            self.file(
                at.configuration(),
                crate::canonical::to_vec(&Value::Object(configuration)),
            )
            .await?;
        }
        if read_only {
            self.progress.done(&id, 0);
            return Ok(());
        }
        let content_dir = at.content_dir();
        let in_git: Vec<(String, git2::Oid)> = self
            .base
            .range(content_dir.clone()..)
            .take_while(|(p, _)| p.starts_with(&content_dir))
            .map(|(p, i)| (p.clone(), *i))
            .collect();
        let git_digest = content_digest(in_git.iter().map(|(p, i)| (&p[content_dir.len()..], *i)));
        let modified_at = a.modified_at.clone().unwrap_or_default();
        let proven = kind == ArtifactKind::IntegrationFlow
            && !modified_at.is_empty()
            && !in_git.is_empty()
            && self
                .old_marks
                .artifacts
                .get(&id.to_string())
                .is_some_and(|m| {
                    m.version == a.version
                        && m.modified_at == modified_at
                        && m.content == git_digest
                });
        let (digest, bytes) = if proven {
            for (path, blob) in in_git {
                self.writer.keep(path, blob).await?;
            }
            (git_digest, 0)
        } else {
            let zip = self.client.download_artifact(kind, &a.id).await?;
            let bytes = zip.len() as u64;
            let files = content::unpack(id.kind, &id.to_string(), &zip)?;
            let digest = content_digest(files.iter().map(|(p, data)| {
                (
                    p.as_str(),
                    git2::Oid::hash_object(git2::ObjectType::Blob, data)
                        .unwrap_or(git2::Oid::ZERO_SHA1),
                )
            }));
            for (name, data) in files {
                self.file(format!("{content_dir}{name}"), data).await?;
            }
            (digest, bytes)
        };
        if kind == ArtifactKind::IntegrationFlow && !modified_at.is_empty() {
            if let Ok(mut marks) = self.new_marks.lock() {
                marks.artifacts.insert(
                    id.to_string(),
                    ArtifactMark {
                        version: a.version.clone(),
                        modified_at,
                        content: digest,
                    },
                );
            }
        }
        self.progress.done(&id, bytes);
        Ok(())
    }
}
