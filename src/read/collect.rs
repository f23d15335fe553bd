//! The read itself. The first reads (packages, runtime, security material, Partner Directory,
//! the companion endpoint) go out together; then each answer spawns the work it makes possible
//! (the artifacts of a package, a certificate's PEM, a partner's credentials) as tasks, so the
//! tenant's request limit stays busy until the end. Every file goes to the blob writer as soon
//! as it exists.

use super::secrets::Revealed;
use super::{Companion, Progress, ReadError, ReadOptions, ReadResult, SecretMode, Warning, Writer};
use crate::client::Client;
use crate::git::StateFiles;
use crate::model::normalize::normalize;
use crate::model::{Kind, ObjectId};
use crate::store::content;
use crate::store::layout::{escape, place};
use crate::store::marks::{ArtifactMark, Marks, content_digest};
use crate::wire::designtime::{ArtifactKind, DesigntimeArtifact};
use crate::wire::keystore::{KeystoreEntry, OWNER_SAP, TYPE_KEY_PAIR};
use crate::wire::packages::MODE_READ_ONLY;
use crate::wire::runtime::IntegrationRuntimeArtifact;
use crate::wire::security::PARTNER_DIRECTORY_CREDENTIAL_PREFIX;
use base64::Engine;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::task::JoinSet;

pub(super) struct Shared {
    pub client: Client,
    pub writer: Writer,
    pub base: Arc<StateFiles>,
    pub old_marks: Marks,
    pub new_marks: Mutex<Marks>,
    pub mode: SecretMode,
    pub progress: Arc<dyn Progress>,
    pub warnings: Mutex<Vec<Warning>>,
    pub missing: Mutex<Vec<String>>,
    pub revealed: Revealed,
    runtime: HashMap<String, IntegrationRuntimeArtifact>,
    /// Change markers of the Partner Directory's `pd:` credentials, by `<Pid>/<Id>`.
    pd_markers: HashMap<String, String>,
}

/// Locks a mutex, keeping the data even if a task panicked while holding it.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn insert(v: &mut Value, key: &str, value: Value) {
    if let Value::Object(m) = v {
        m.insert(key.to_string(), value);
    }
}

fn marker_of(d: &Option<crate::wire::security::SecurityArtifactDescriptor>) -> Option<String> {
    d.as_ref().and_then(|d| d.deployed_on.clone())
}

fn base64(object: &ObjectId, what: &str, text: &str) -> Result<Vec<u8>, ReadError> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| ReadError::TenantData {
            object: object.to_string(),
            reason: format!("the tenant's {what} is not base64"),
        })
}

/// The id of an alternative partner: its agency, scheme and id, each escaped (they may hold `/`).
pub fn alternative_partner_id(agency: &str, scheme: &str, id: &str) -> ObjectId {
    ObjectId::new(
        Kind::AlternativePartner,
        format!("{}/{}/{}", escape(agency), escape(scheme), escape(id)),
    )
}

/// Reads the tenant of `client` into `writer` (see the module docs).
pub async fn read(
    client: Client,
    writer: Writer,
    options: ReadOptions,
) -> Result<ReadResult, ReadError> {
    let c = &client;
    let companion_path = match &options.secrets {
        SecretMode::Export { companion_path, .. } => companion_path.clone(),
        SecretMode::Markers => None,
    };
    let companion = async {
        match &companion_path {
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
    let companion = match (&companion_path, &material) {
        (None, _) => Companion::NotAsked,
        (Some(_), Some(_)) => Companion::Used,
        (Some(_), None) => Companion::Absent,
    };
    let revealed = Revealed::index(material)?;
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
                marker_of(&u.security_artifact_descriptor)?,
            ))
        })
        .collect();
    let shared = Arc::new(Shared {
        client: client.clone(),
        writer,
        base: options.base,
        old_marks: options.marks,
        new_marks: Mutex::new(Marks::default()),
        mode: options.secrets,
        progress: options.progress,
        warnings: Mutex::new(Vec::new()),
        missing: Mutex::new(Vec::new()),
        revealed,
        runtime: runtime.iter().map(|r| (r.id.clone(), r.clone())).collect(),
        pd_markers,
    });
    if companion == Companion::Absent {
        shared.warn_tenant("has no companion endpoint (404): secrets come from git; objects whose secret git lacks are listed as missing");
    }

    let mut set: JoinSet<Result<Vec<Job>, ReadError>> = JoinSet::new();
    let spawn = |set: &mut JoinSet<Result<Vec<Job>, ReadError>>, job: Job| {
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
    let managed_keys: Vec<KeystoreEntry> = keystore
        .into_iter()
        .filter(|e| e.owner.as_deref() != Some(OWNER_SAP))
        .collect();
    shared.progress.found(managed_keys.len() as u64);
    for entry in managed_keys {
        spawn(&mut set, Job::Keystore(Box::new(entry)));
    }
    for p in &partners {
        spawn(&mut set, Job::PartnerCredentials { pid: p.pid.clone() });
    }

    let s = &shared;
    let own_users: Vec<_> = users
        .iter()
        .filter(|u| !u.name.starts_with(PARTNER_DIRECTORY_CREDENTIAL_PREFIX))
        .collect();
    let mappings = mappings.unwrap_or_default();
    s.progress.found(
        (packages.len()
            + own_users.len()
            + oauth.len()
            + secure.len()
            + mappings.len()
            + policies.len()
            + ranges.len()
            + strings.len()
            + binaries.len()
            + alternatives.len()
            + authorized.len()) as u64,
    );
    for p in &packages {
        let id = ObjectId::new(Kind::Package, &p.id);
        s.json(
            &id,
            &place(&id, None).json(),
            normalize(Kind::Package, &to_value(p)),
        )
        .await?;
    }
    for u in own_users {
        let id = ObjectId::new(Kind::UserCredential, &u.name);
        let at = place(&id, None);
        s.json(
            &id,
            &at.json(),
            normalize(Kind::UserCredential, &to_value(u)),
        )
        .await?;
        s.secrets(&id, &at, marker_of(&u.security_artifact_descriptor))
            .await?;
    }
    for o in &oauth {
        let id = ObjectId::new(Kind::OAuth2ClientCredential, &o.name);
        let at = place(&id, None);
        let mut v = normalize(Kind::OAuth2ClientCredential, &to_value(o));
        let params: Vec<Value> = o
            .custom_parameters
            .0
            .iter()
            .flatten()
            .map(to_value)
            .collect();
        insert(&mut v, "CustomParameters", Value::Array(params));
        s.json(&id, &at.json(), normalize(Kind::OAuth2ClientCredential, &v))
            .await?;
        s.secrets(&id, &at, marker_of(&o.security_artifact_descriptor))
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
        s.secrets(&id, &at, p.deployed_on.clone()).await?;
    }
    for m in &mappings {
        let Some(key) = m.id.clone().filter(|k| !k.is_empty()) else {
            s.warn_tenant(&format!(
                "lists a certificate-user mapping for user {} without an Id: it is not exported",
                m.user
            ));
            continue;
        };
        let id = ObjectId::new(Kind::CertificateUserMapping, &key);
        let at = place(&id, None);
        s.file(at.file("pem"), base64(&id, "Certificate", &m.certificate)?)
            .await?;
        s.json(
            &id,
            &at.json(),
            normalize(Kind::CertificateUserMapping, &to_value(m)),
        )
        .await?;
    }
    for p in &policies {
        let id = ObjectId::new(Kind::AccessPolicy, &p.role_name);
        let mut v = to_value(p);
        let refs: Vec<Value> = p
            .artifact_references
            .0
            .iter()
            .flatten()
            .map(to_value)
            .collect();
        insert(&mut v, "ArtifactReferences", Value::Array(refs));
        s.json(
            &id,
            &place(&id, None).json(),
            normalize(Kind::AccessPolicy, &v),
        )
        .await?;
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
        s.file(at.file("value"), base64(&id, "Value", &p.value)?)
            .await?;
        let mut v = normalize(Kind::BinaryParameter, &to_value(p));
        if let Value::Object(m) = &mut v {
            m.remove("Value");
        }
        s.json(&id, &at.json(), v).await?;
    }
    for a in &alternatives {
        let id = alternative_partner_id(&a.agency, &a.scheme, &a.id);
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
                return Err(ReadError::Internal(format!("a read task failed: {e}")));
            }
        }
    }
    drop(set);
    let shared = Arc::try_unwrap(shared)
        .map_err(|_| ReadError::Internal("read tasks still running".into()))?;
    let mut warnings = shared
        .warnings
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    warnings.sort_by(|a, b| a.object.cmp(&b.object).then(a.message.cmp(&b.message)));
    let mut missing = shared
        .missing
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    missing.sort();
    Ok(ReadResult {
        marks: shared
            .new_marks
            .into_inner()
            .unwrap_or_else(|p| p.into_inner()),
        warnings,
        missing,
        runtime,
        companion,
    })
}

impl Shared {
    pub(super) async fn file(&self, path: String, bytes: Vec<u8>) -> Result<(), ReadError> {
        Ok(self.writer.write(path, bytes).await?)
    }

    async fn json(&self, id: &ObjectId, path: &str, value: Value) -> Result<(), ReadError> {
        self.file(path.to_string(), crate::wire::canonical::to_vec(&value))
            .await?;
        if !id.kind.is_artifact() && id.kind != Kind::Certificate && id.kind != Kind::KeyPair {
            self.progress.done(id, 0);
        }
        Ok(())
    }

    pub(super) fn warn(&self, id: &ObjectId, message: String) {
        lock(&self.warnings).push(Warning {
            object: id.to_string(),
            message,
        });
    }

    fn warn_tenant(&self, message: &str) {
        lock(&self.warnings).push(Warning {
            object: "tenant".into(),
            message: message.into(),
        });
    }

    async fn job(&self, job: Job) -> Result<Vec<Job>, ReadError> {
        match job {
            Job::List {
                package,
                read_only,
                kind,
            } => {
                let artifacts = match self.client.package_artifacts(&package, kind).await {
                    Ok(a) => a,
                    Err(e) if e.is_not_found() => {
                        self.warn(
                            &ObjectId::new(Kind::Package, &package),
                            format!(
                                "the tenant does not list {} (404): none are read",
                                kind.entity_set()
                            ),
                        );
                        vec![]
                    }
                    Err(e) => return Err(e.into()),
                };
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
                let list = self.client.user_credential_parameters(&pid).await?;
                self.progress.found(list.len() as u64);
                for p in list {
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

    async fn keystore(&self, entry: &KeystoreEntry) -> Result<(), ReadError> {
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
    ) -> Result<(), ReadError> {
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
                "is in draft state (edited on the tenant, not saved as a version): not read until it is saved"
            } else {
                "is in draft state (edited on the tenant, not saved as a version): the last saved state in git is kept"
            };
            self.warn(&id, message.to_string());
            for (path, blob) in kept {
                self.writer.keep(path, blob).await?;
            }
            if let Some(m) = self.old_marks.artifacts.get(&id.to_string()) {
                lock(&self.new_marks)
                    .artifacts
                    .insert(id.to_string(), m.clone());
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
                        "is deployed at version {} but its design-time version is {}: the design-time version is what git records (and what apply deploys)",
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
                crate::wire::canonical::to_vec(&Value::Object(configuration)),
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
            lock(&self.new_marks).artifacts.insert(
                id.to_string(),
                ArtifactMark {
                    version: a.version.clone(),
                    modified_at,
                    content: digest,
                },
            );
        }
        self.progress.done(&id, bytes);
        Ok(())
    }
}
