//! The read itself. The first reads (packages, runtime, security material, Partner Directory) go
//! out together, while the companion's one-time key is made; then the companion is asked for the
//! secrets of what they listed (`companion.rs`); then each answer spawns the work it makes possible
//! (the artifacts of a package, a certificate's PEM, a partner's credentials) as tasks, so the
//! tenant's request limit stays busy until the end. Every file goes to the blob writer as soon
//! as it exists.

use super::companion::{self, Asked};
use super::secrets::{
    Revealed, SecretFile, SecretMarks, partner_credential, request_items, secret_file, secret_marks,
};
use super::{Companion, Progress, ReadError, ReadOptions, ReadResult, SecretMode, Warning, Writer};
use crate::client::{Client, ClientError};
use crate::git::{BlobId, StateFiles};
use crate::model::kinds::{self, Entry, Malformed};
use crate::model::{Kind, ObjectId};
use crate::store::layout::{Place, place};
use crate::store::marks::{Marks, SecretMark, Source as MarksSource, content_digest};
use crate::wire::designtime::{ArtifactKind, DesigntimeArtifact};
use crate::wire::keystore::{KeystoreEntry, OWNER_SAP};
use crate::wire::packages::IntegrationPackage;
use crate::wire::partner_directory::{
    AlternativePartner, AuthorizedUser, BinaryParameter, Partner, StringParameter,
};
use crate::wire::runtime::IntegrationRuntimeArtifact;
use crate::wire::security::PARTNER_DIRECTORY_CREDENTIAL_PREFIX;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::task::JoinSet;

/// What every read task shares.
pub(super) struct Shared {
    pub client: Client,
    pub writer: Writer,
    pub base: Arc<StateFiles>,
    pub old_marks: Marks,
    pub new_marks: Mutex<Marks>,
    mode: SecretMode,
    pub progress: Arc<dyn Progress>,
    warnings: Mutex<Vec<Warning>>,
    missing: Mutex<Vec<String>>,
    /// What the companion revealed (set once it answered, before any secret is stored).
    revealed: std::sync::OnceLock<Revealed>,
    pub runtime: HashMap<String, IntegrationRuntimeArtifact>,
    /// Whether an artifact's content was stored yet (the `export:read` fail point).
    pub first_content: std::sync::atomic::AtomicBool,
    /// Where the old marks came from.
    marks_source: MarksSource,
    unverified: Mutex<Vec<String>>,
    /// Size limits of artifact content.
    pub limits: crate::store::content::Limits,
    /// Change markers of the Partner Directory's `pd:` credentials, by `<Pid>/<Id>`.
    pd_markers: HashMap<String, String>,
}

/// Locks a mutex, keeping the data even if a task panicked while holding it.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

enum Job {
    /// A package's artifacts of one kind, listed by a task started as soon as the packages
    /// were known.
    Listed(Listing),
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

impl From<Malformed> for ReadError {
    fn from(m: Malformed) -> ReadError {
        ReadError::TenantData {
            object: m.object,
            reason: m.reason,
        }
    }
}

/// The Partner Directory's lists: `Partners` first; the entry lists only when some partner exists
/// (a partner exists exactly as long as some entry references it, reference 8.1), so a tenant
/// without a Partner Directory costs one request instead of five.
async fn partner_directory(c: &Client) -> Result<PartnerDirectory, ClientError> {
    let partners = c.partners().await?;
    if partners.is_empty() {
        return Ok((partners, Vec::new(), Vec::new(), Vec::new(), Vec::new()));
    }
    let (strings, binaries, alternatives, authorized) = tokio::try_join!(
        c.string_parameters(),
        c.binary_parameters(),
        c.alternative_partners(),
        c.authorized_users(),
    )?;
    Ok((partners, strings, binaries, alternatives, authorized))
}

/// A listing of one package's artifacts of one kind, running on a task of its own (aborted
/// when dropped unfinished).
struct Listing {
    package: String,
    read_only: bool,
    kind: ArtifactKind,
    task: tokio::task::JoinHandle<Result<Vec<DesigntimeArtifact>, ClientError>>,
}

impl Drop for Listing {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The packages, and the listings of their artifacts started at once (they need nothing else,
/// so they do not wait for the other first reads).
async fn packages_and_listings(
    c: &Client,
) -> Result<(Vec<IntegrationPackage>, Vec<Listing>), ClientError> {
    let packages = c.packages().await?;
    let mut listings = Vec::with_capacity(packages.len() * ArtifactKind::ALL.len());
    for p in &packages {
        let read_only = kinds::package::is_read_only(p);
        for kind in ArtifactKind::ALL {
            let (client, package) = (c.clone(), p.id.clone());
            listings.push(Listing {
                package: p.id.clone(),
                read_only,
                kind,
                task: tokio::spawn(async move { client.package_artifacts(&package, kind).await }),
            });
        }
    }
    Ok((packages, listings))
}

/// Partners, string and binary parameters, alternative partners, authorized users.
type PartnerDirectory = (
    Vec<Partner>,
    Vec<StringParameter>,
    Vec<BinaryParameter>,
    Vec<AlternativePartner>,
    Vec<AuthorizedUser>,
);

/// Reads the tenant of `client` into `writer` (see the module docs).
pub async fn read(
    client: Client,
    writer: Writer,
    options: ReadOptions,
) -> Result<ReadResult, ReadError> {
    let c = &client;
    let call = match &options.secrets {
        SecretMode::Export { companion, .. } => companion.clone(),
        SecretMode::Markers => None,
    };
    // The one-time key of the companion's request is made while the listings are read.
    let key = call.as_ref().map(|_| {
        tokio::task::spawn_blocking(crate::wire::companion::crypto::RecipientKey::generate)
    });
    let (
        (packages, listings),
        runtime,
        users,
        oauth,
        secure,
        keystore,
        mappings,
        policies,
        ranges,
        (partners, strings, binaries, alternatives, authorized),
    ) = tokio::try_join!(
        packages_and_listings(c),
        c.runtime_artifacts(),
        c.user_credentials(),
        c.oauth2_client_credentials(),
        c.secure_parameters(),
        c.keystore_entries(),
        c.certificate_user_mappings(),
        c.access_policies(),
        c.number_ranges(),
        partner_directory(c),
    )?;
    let pd_markers = users
        .iter()
        .filter_map(|u| {
            let (pid, id) = partner_credential(&u.name)?;
            Some((
                format!("{pid}/{id}"),
                u.security_artifact_descriptor
                    .as_ref()?
                    .deployed_on
                    .clone()?,
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
        revealed: std::sync::OnceLock::new(),
        runtime: runtime.iter().map(|r| (r.id.clone(), r.clone())).collect(),
        first_content: std::sync::atomic::AtomicBool::new(false),
        marks_source: options.marks_source,
        unverified: Mutex::new(Vec::new()),
        limits: options.limits,
        pd_markers,
    });
    let mut set = Tasks::new(shared.clone());
    for listing in listings {
        set.push(Job::Listed(listing));
    }
    // The companion is asked while the listings, and the artifacts they find, are read (they
    // hold no secret); secrets are stored once it answered.
    let items = call
        .as_ref()
        .map(|_| request_items(&users, &oauth, &secure, &keystore));
    let deployed = runtime.clone();
    let asking = async {
        Ok::<_, ReadError>(match (&call, key, items) {
            (Some(call), Some(key), Some(items)) => {
                let key = async {
                    key.await.unwrap_or_else(|e| {
                        Err(crate::wire::companion::crypto::CryptoError::Key(format!(
                            "the key task failed: {e}"
                        )))
                    })
                };
                match companion::ask(c, call, &deployed, items, key).await? {
                    Asked::Absent(why) => (Companion::Absent, Revealed::default(), Some(why)),
                    Asked::Answered { items, answers } => (
                        Companion::Used,
                        Revealed::index(c.name(), &items, &answers)?,
                        None,
                    ),
                }
            }
            _ => (Companion::NotAsked, Revealed::default(), None),
        })
    };
    tokio::pin!(asking);
    let (companion, absent) = loop {
        tokio::select! {
            asked = &mut asking => {
                let (companion, revealed, absent) = match asked {
                    Ok(a) => a,
                    Err(e) => {
                        set.running.abort_all();
                        return Err(e);
                    }
                };
                let _ = shared.revealed.set(revealed);
                break (companion, absent);
            }
            Some(joined) = set.running.join_next() => {
                if let Err(e) = set.follow(joined) {
                    set.running.abort_all();
                    return Err(e);
                }
            }
        }
    };
    if let Some(why) = absent {
        shared.warn_tenant(&format!("{why}: secrets come from git; objects whose secret git lacks are listed as missing (`cpi-gitops companion install` puts the companion on the tenant)"));
    }
    let managed_keys: Vec<KeystoreEntry> = keystore
        .into_iter()
        .filter(|e| e.owner.as_deref() != Some(OWNER_SAP))
        .collect();
    shared.progress.found(managed_keys.len() as u64);
    for entry in managed_keys {
        set.push(Job::Keystore(Box::new(entry)));
    }
    for p in &partners {
        set.push(Job::PartnerCredentials { pid: p.pid.clone() });
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
        s.store(kinds::package::read(p)).await?;
    }
    for u in own_users {
        s.store(kinds::user_credential::read(u)).await?;
    }
    for o in &oauth {
        s.store(kinds::oauth2_client_credential::read(o)).await?;
    }
    for p in &secure {
        s.store(kinds::secure_parameter::read(p)).await?;
    }
    for m in &mappings {
        match kinds::certificate_user_mapping::read(m) {
            Some(entry) => s.store(entry?).await?,
            None => s.warn_tenant(&format!(
                "lists a certificate-user mapping for user {} without an Id: it is not exported",
                m.user
            )),
        }
    }
    for p in &policies {
        s.store(kinds::access_policy::read(p)).await?;
    }
    for r in &ranges {
        s.store(kinds::number_range::read(r)).await?;
    }
    for p in &strings {
        s.store(kinds::string_parameter::read(p)).await?;
    }
    for p in &binaries {
        s.store(kinds::binary_parameter::read(p)?).await?;
    }
    for a in &alternatives {
        s.store(kinds::alternative_partner::read(a)).await?;
    }
    for u in &authorized {
        s.store(kinds::authorized_user::read(u)).await?;
    }

    while let Some(joined) = set.running.join_next().await {
        if let Err(e) = set.follow(joined) {
            set.running.abort_all();
            return Err(e);
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
    let mut unverified = shared
        .unverified
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    unverified.sort();
    Ok(ReadResult {
        unverified,
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

/// The most read tasks alive at once: enough to keep any request limit busy (each task makes at
/// most two requests in a row), few enough that what a task holds while it waits is bounded
/// (the jobs beyond wait in a queue, a few hundred bytes each).
const MAX_TASKS: usize = 256;

/// The read's tasks: jobs queue, and at most [`MAX_TASKS`] run.
struct Tasks {
    running: JoinSet<Result<Vec<Job>, ReadError>>,
    waiting: std::collections::VecDeque<Job>,
    shared: Arc<Shared>,
}

impl Tasks {
    fn new(shared: Arc<Shared>) -> Tasks {
        Tasks {
            running: JoinSet::new(),
            waiting: std::collections::VecDeque::new(),
            shared,
        }
    }

    /// Queues `job`, starting it when there is room.
    fn push(&mut self, job: Job) {
        self.waiting.push_back(job);
        self.fill();
    }

    fn fill(&mut self) {
        while self.running.len() < MAX_TASKS {
            let Some(job) = self.waiting.pop_front() else {
                return;
            };
            let shared = self.shared.clone();
            self.running.spawn(async move { shared.job(job).await });
        }
    }

    /// Queues the jobs a finished task found, or gives its error.
    fn follow(
        &mut self,
        joined: Result<Result<Vec<Job>, ReadError>, tokio::task::JoinError>,
    ) -> Result<(), ReadError> {
        match joined {
            Ok(Ok(more)) => {
                for job in more {
                    self.waiting.push_back(job);
                }
                self.fill();
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(e) => Err(ReadError::Internal(format!("a read task failed: {e}"))),
        }
    }
}

impl Shared {
    /// What the companion revealed (nothing before it answered).
    fn revealed(&self) -> &Revealed {
        self.revealed.get_or_init(Revealed::default)
    }

    pub(super) async fn file(&self, path: String, bytes: Vec<u8>) -> Result<BlobId, ReadError> {
        Ok(self.writer.write(path, bytes).await?)
    }

    pub(super) async fn json(
        &self,
        id: &ObjectId,
        path: &str,
        value: Value,
    ) -> Result<(), ReadError> {
        self.file(path.to_string(), crate::wire::canonical::to_vec(&value))
            .await?;
        if !id.kind.is_artifact() && id.kind != Kind::Certificate && id.kind != Kind::KeyPair {
            self.progress.done(id, 0);
        }
        Ok(())
    }

    /// Stores an object read from the tenant: the file beside its JSON, its JSON, its secrets.
    async fn store(&self, entry: Entry) -> Result<(), ReadError> {
        let at = place(&entry.id, entry.parent.as_deref());
        if let (Some(a), Some(bytes)) = (entry.id.kind.spec().attachment, entry.attachment) {
            self.file(at.file(a.suffix()), bytes).await?;
        }
        self.json(&entry.id, &at.json(), entry.json).await?;
        if !entry.id.kind.secret_slots().is_empty() {
            self.secrets(&entry.id, &at, entry.marker).await?;
        }
        Ok(())
    }

    /// Writes, keeps or reports the secret files of `id` by the rules of [`super::secrets`];
    /// `marker` is the tenant's change marker of the object's secrets (`None` when it gives
    /// none).
    async fn secrets(
        &self,
        id: &ObjectId,
        at: &Place,
        marker: Option<String>,
    ) -> Result<(), ReadError> {
        let marker = marker.filter(|m| !m.is_empty());
        let key = id.to_string();
        let (recipients, recipients_file) = match &self.mode {
            SecretMode::Markers => {
                if let Some(changed) = marker {
                    lock(&self.new_marks).secrets.insert(
                        key,
                        SecretMark {
                            changed,
                            recipients: String::new(),
                            files: String::new(),
                            unverified: false,
                        },
                    );
                }
                return Ok(());
            }
            SecretMode::Export {
                recipients,
                recipients_file,
                ..
            } => (recipients, recipients_file),
        };
        let paths: Vec<String> = id
            .kind
            .secret_slots()
            .iter()
            .map(|s| at.secret(*s))
            .collect();
        let in_git = content_digest(
            paths
                .iter()
                .filter_map(|p| self.base.get(p).map(|b| (p.as_str(), *b))),
        );
        // A mark proves something only while git still holds the files it describes (marks of
        // older versions recorded no files and were committed with them).
        let old = self
            .old_marks
            .secrets
            .get(&key)
            .filter(|m| m.files.is_empty() || m.files == in_git)
            .cloned();
        let fingerprint = recipients.as_ref().map(|r| r.fingerprint());
        let unchanged = match (&old, &marker, &fingerprint) {
            (Some(old), Some(m), Some(fp)) => &old.changed == m && &old.recipients == fp,
            _ => false,
        };
        let unverified = match &old {
            None => self.marks_source == MarksSource::None,
            Some(old) => old.unverified && unchanged,
        };
        let mut files = Vec::new();
        let mut blobs = Vec::new();
        for (slot, path) in id.kind.secret_slots().iter().zip(paths) {
            let revealed = self.revealed().get(id, slot);
            let file = secret_file(
                revealed.is_some(),
                self.base.get(&path).copied(),
                unchanged,
                unverified,
            );
            match (file, revealed) {
                (
                    SecretFile::KeepUnchanged(blob)
                    | SecretFile::KeepGits(blob)
                    | SecretFile::KeepUnverified(blob),
                    _,
                ) => {
                    self.writer.keep(path.clone(), blob).await?;
                    blobs.push((path, blob));
                }
                (SecretFile::Encrypt, Some(plaintext)) => {
                    let recipients =
                        recipients.as_ref().ok_or_else(|| ReadError::NoRecipients {
                            object: key.clone(),
                            file: recipients_file.clone(),
                        })?;
                    let sealed =
                        recipients
                            .encrypt(plaintext)
                            .map_err(|source| ReadError::Secrets {
                                file: path.clone(),
                                source,
                            })?;
                    let blob = self.file(path.clone(), sealed).await?;
                    blobs.push((path, blob));
                }
                (SecretFile::Encrypt, None) => {}
                (SecretFile::Missing, _) => lock(&self.missing).push(format!("{id}#{}", slot.name)),
            }
            if matches!(file, SecretFile::KeepUnverified(_)) {
                lock(&self.unverified).push(format!("{id}#{}", slot.name));
            }
            files.push(file);
        }
        if let Some(u) = self.revealed().unread(id) {
            let kept = if files
                .iter()
                .any(|f| matches!(f, SecretFile::KeepGits(_) | SecretFile::KeepUnverified(_)))
            {
                "git's copy is kept".to_string()
            } else {
                format!("git has none: set it with `cpi-gitops secret set {id}`")
            };
            self.warn(
                id,
                format!(
                    "the companion could not read its secret ({}: {}): {kept}",
                    u.status, u.reason
                ),
            );
        }
        let now_files = content_digest(blobs.iter().map(|(p, b)| (p.as_str(), *b)));
        if files
            .iter()
            .any(|f| matches!(f, SecretFile::KeepUnverified(_)))
        {
            if let (Some(changed), Some(recipients)) = (marker, fingerprint) {
                lock(&self.new_marks).secrets.insert(
                    key,
                    SecretMark {
                        changed,
                        recipients,
                        files: now_files,
                        unverified: true,
                    },
                );
            }
            return Ok(());
        }
        let SecretMarks { mark, warnings } = secret_marks(&files, old, marker, fingerprint);
        if let Some(mut mark) = mark {
            mark.files = now_files;
            lock(&self.new_marks).secrets.insert(key, mark);
        }
        for w in warnings {
            self.warn(id, w.message().into());
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
            Job::Listed(mut listing) => {
                let listed = (&mut listing.task)
                    .await
                    .map_err(|e| ReadError::Internal(format!("a listing task failed: {e}")))?;
                let (package, read_only, kind) =
                    (listing.package.clone(), listing.read_only, listing.kind);
                let artifacts = match listed {
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
                    let marker = self.pd_markers.get(&format!("{}/{}", p.pid, p.id)).cloned();
                    self.store(kinds::user_credential_parameter::read(&p, marker))
                        .await?;
                }
                Ok(vec![])
            }
        }
    }

    async fn keystore(&self, entry: &KeystoreEntry) -> Result<(), ReadError> {
        let pem = self.client.certificate_pem(&entry.hexalias).await?;
        let bytes = pem.len() as u64;
        let entry = kinds::certificate::read(entry, pem);
        let id = entry.id.clone();
        self.store(entry).await?;
        self.progress.done(&id, bytes);
        Ok(())
    }
}
