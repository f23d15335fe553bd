//! [`BlobSink`]: the files of a state stored as they arrive, so that content is never held for
//! the whole tenant and the local work overlaps the requests.
//!
//! Files are hashed once, and those the repository does not have yet are compressed into one
//! pack ([`super::pack`]); the CPU work (unpacking a download, hashing, compressing) runs on a
//! pool of threads sized to the cores. What waits for the pool is bounded by bytes, not by
//! count: a job reserves its bytes from a budget before it is queued, and a download that finds
//! the budget spent waits (holding no request slot of the tenant), so peak memory stays flat
//! however fast the tenant answers.
//!
//! A sink may also stage the files the work tree will need ([`Stage`]): each file the work tree
//! lacks is written at its path below a folder of `.git` while the requests go on (folders
//! made there too), so that the commit phase moves whole new folders and single changed files
//! into place instead of writing them after the last answer.

use super::pack::{self, ObjectKind, PackWriter};
use super::{BlobId, GitError};
use git2::Oid;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

/// What may wait for or be worked on by the pool at once, in bytes (a single larger job runs
/// alone).
pub const BUDGET_BYTES: u64 = 8 << 20;
/// Files smaller than this are stored on the caller's thread (a pool job would cost more).
const INLINE_BYTES: usize = 32 << 10;

type Job = Box<dyn FnOnce() + Send>;

/// Where to stage the files the work tree will need, and what it holds now.
pub struct Stage {
    /// The staging folder (made empty when the sink starts); files in it are at their paths.
    pub dir: PathBuf,
    /// The files the work tree holds now: a file found there unchanged is not staged.
    pub base: Arc<super::StateFiles>,
}

/// What a sink staged: the folder, and the blob staged at each path.
pub struct Staged {
    /// The staging folder.
    pub dir: PathBuf,
    /// The blob each staged path holds.
    pub files: super::StateFiles,
}

#[derive(Default)]
struct StageState {
    files: super::StateFiles,
    dirs: HashSet<String>,
}

struct Shared {
    pack_dir: PathBuf,
    label: String,
    stage: Option<Stage>,
    staged: Mutex<StageState>,
    /// Blobs the repository is known to have: never written again.
    known: HashSet<Oid>,
    pack: Mutex<PackState>,
    files: Mutex<BTreeMap<String, BlobId>>,
}

#[derive(Default)]
struct PackState {
    writer: Option<PackWriter>,
    aborted: bool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// Stores `data` as a blob (hashed once; compressed and packed unless the repository or the
    /// pack has it).
    fn store(&self, data: &[u8]) -> Result<BlobId, GitError> {
        let id = pack::object_id(ObjectKind::Blob, data);
        if self.known.contains(&id) {
            return Ok(BlobId(id));
        }
        if lock(&self.pack)
            .writer
            .as_ref()
            .is_some_and(|w| w.contains(id))
        {
            return Ok(BlobId(id));
        }
        let encoded = pack::compress(ObjectKind::Blob, data, id);
        let mut state = lock(&self.pack);
        if state.aborted {
            return Err(GitError::Failed {
                action: "write a blob".into(),
                reason: "the run was stopped".into(),
            });
        }
        if state.writer.is_none() {
            state.writer = Some(
                PackWriter::create(&self.pack_dir, &self.label)
                    .map_err(io_error("start a pack"))?,
            );
        }
        if let Some(w) = state.writer.as_mut() {
            w.append(&encoded).map_err(io_error("write a pack"))?;
        }
        Ok(BlobId(id))
    }

    /// Stores `data` as the file at `path`, staging it when the work tree will need it.
    fn file(&self, path: String, data: &[u8]) -> Result<BlobId, GitError> {
        let id = self.store(data)?;
        self.stage(&path, id, data);
        lock(&self.files).insert(path, id);
        Ok(id)
    }

    /// Writes `data` into the staging folder at `path` unless the work tree has blob `id` there.
    /// Best effort: a file that cannot be staged is written from the pack in the commit phase.
    fn stage(&self, path: &str, id: BlobId, data: &[u8]) {
        let Some(stage) = &self.stage else {
            return;
        };
        if stage.base.get(path) == Some(&id) {
            return;
        }
        let parent = path.rsplit_once('/').map(|(d, _)| d);
        if let Some(dir) = parent {
            let known = lock(&self.staged).dirs.contains(dir);
            if !known {
                if let Err(e) = std::fs::create_dir_all(stage.dir.join(dir)) {
                    tracing::debug!("could not stage {path}: {e}");
                    return;
                }
                lock(&self.staged).dirs.insert(dir.to_string());
            }
        }
        match std::fs::write(stage.dir.join(path), data) {
            Ok(()) => {
                lock(&self.staged).files.insert(path.to_string(), id);
            }
            Err(e) => tracing::debug!("could not stage {path}: {e}"),
        }
    }

    fn record(&self, path: String, id: BlobId) {
        lock(&self.files).insert(path, id);
    }
}

fn io_error(action: &str) -> impl FnOnce(std::io::Error) -> GitError + '_ {
    move |e| GitError::Failed {
        action: action.into(),
        reason: e.to_string(),
    }
}

/// Collects the files of a new state; [`BlobSink::writer`] hands out cheap handles for
/// concurrent tasks, [`BlobSink::finish`] returns path -> blob id and the pack of new objects.
pub struct BlobSink {
    shared: Arc<Shared>,
    jobs: mpsc::Sender<Job>,
    budget: Arc<tokio::sync::Semaphore>,
}

/// A handle that writes into a [`BlobSink`].
#[derive(Clone)]
pub struct BlobWriter {
    shared: Arc<Shared>,
    jobs: mpsc::Sender<Job>,
    budget: Arc<tokio::sync::Semaphore>,
}

/// What a sink stored.
pub struct Stored {
    /// Every file, by path.
    pub files: BTreeMap<String, BlobId>,
    /// The pack of the objects the repository did not have (not yet finished), if any.
    pub pack: Option<PackWriter>,
    /// What the sink staged, when it did.
    pub staged: Option<Staged>,
}

impl Stored {
    /// The bytes of blob `id`: from the pack being written, else from `repo`.
    pub fn blob(&self, repo: &super::Repo, id: BlobId) -> Result<Vec<u8>, GitError> {
        if let Some(pack) = &self.pack {
            if let Some(bytes) = pack
                .read(id.0)
                .map_err(io_error("read the pack being written"))?
            {
                return Ok(bytes);
            }
        }
        repo.blob(id)
    }

    /// Stores `bytes` as a blob of this run: into its pack (started in `repo` for a run holding
    /// the lock `label` when there is none yet) unless `repo` or the pack has it already.
    pub fn add_blob(
        &mut self,
        repo: &super::Repo,
        label: &str,
        bytes: &[u8],
    ) -> Result<BlobId, GitError> {
        let id = pack::object_id(ObjectKind::Blob, bytes);
        if self.pack.as_ref().is_some_and(|p| p.contains(id)) || repo.has_blob(BlobId(id)) {
            return Ok(BlobId(id));
        }
        let pack = match &mut self.pack {
            Some(pack) => pack,
            None => self.pack.insert(
                PackWriter::create(&repo.git_dir().join("objects").join("pack"), label)
                    .map_err(io_error("start a pack"))?,
            ),
        };
        pack.add(ObjectKind::Blob, bytes)
            .map_err(io_error("write a pack"))?;
        Ok(BlobId(id))
    }
}

/// The budget in permits (kibibytes).
fn permits(bytes: u64) -> u32 {
    (bytes.div_ceil(1024)).clamp(1, BUDGET_BYTES / 1024) as u32
}

impl BlobSink {
    /// A sink writing into the repository whose `.git` folder is `git_dir`, for a run holding
    /// the lock `label`; `known` are blobs the repository has (they are not written again).
    pub fn start(
        git_dir: &Path,
        label: &str,
        known: impl IntoIterator<Item = BlobId>,
    ) -> Result<BlobSink, GitError> {
        BlobSink::start_staged(git_dir, label, known, None)
    }

    /// [`BlobSink::start`], staging the files the work tree will need into `stage`.
    pub fn start_staged(
        git_dir: &Path,
        label: &str,
        known: impl IntoIterator<Item = BlobId>,
        stage: Option<Stage>,
    ) -> Result<BlobSink, GitError> {
        if let Some(stage) = &stage {
            remove_stage(&stage.dir);
            std::fs::create_dir_all(&stage.dir).map_err(io_error("create the staging folder"))?;
        }
        let shared = Arc::new(Shared {
            pack_dir: git_dir.join("objects").join("pack"),
            label: label.to_string(),
            stage,
            staged: Mutex::new(StageState::default()),
            known: known.into_iter().map(|b| b.0).collect(),
            pack: Mutex::new(PackState::default()),
            files: Mutex::new(BTreeMap::new()),
        });
        let (jobs, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        for i in 0..threads {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("cpi-gitops-store-{i}"))
                .spawn(move || {
                    loop {
                        let job = lock(&receiver).recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => break,
                        }
                    }
                })
                .map_err(io_error("start the threads that store files"))?;
        }
        Ok(BlobSink {
            shared,
            jobs,
            budget: Arc::new(tokio::sync::Semaphore::new(permits(BUDGET_BYTES) as usize)),
        })
    }

    /// A handle for writing.
    pub fn writer(&self) -> BlobWriter {
        BlobWriter {
            shared: self.shared.clone(),
            jobs: self.jobs.clone(),
            budget: self.budget.clone(),
        }
    }

    /// The files and the pack. Every [`BlobWriter`] must be done (their writes awaited).
    pub fn finish(self) -> Stored {
        let files = std::mem::take(&mut *lock(&self.shared.files));
        let pack = lock(&self.shared.pack).writer.take();
        let staged = self.shared.stage.as_ref().map(|s| Staged {
            dir: s.dir.clone(),
            files: std::mem::take(&mut lock(&self.shared.staged).files),
        });
        Stored {
            files,
            pack,
            staged,
        }
    }

    /// Stops: writes still running fail, and the pack written so far and the staged files are
    /// removed.
    pub fn abort(self) {
        let mut state = lock(&self.shared.pack);
        state.aborted = true;
        state.writer = None;
        if let Some(stage) = &self.shared.stage {
            remove_stage(&stage.dir);
        }
    }
}

/// Removes a staging folder and what it holds (gone already is fine).
pub fn remove_stage(dir: &Path) {
    if let Err(e) = std::fs::remove_dir_all(dir) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::debug!("could not remove {}: {e}", dir.display());
        }
    }
}

/// Stores files from a job on the pool ([`BlobWriter::job`]).
pub struct Store<'a> {
    shared: &'a Shared,
}

impl Store<'_> {
    /// Stores `data` as the file at `path`; returns its blob id.
    pub fn put(&mut self, path: String, data: &[u8]) -> Result<BlobId, GitError> {
        self.shared.file(path, data)
    }
}

impl BlobWriter {
    /// Stores `bytes` as the file at `path`; returns its blob id.
    pub async fn write(&self, path: String, bytes: Vec<u8>) -> Result<BlobId, GitError> {
        if bytes.len() < INLINE_BYTES {
            return self.shared.file(path, &bytes);
        }
        let size = bytes.len() as u64;
        self.job(size * 2, move |store| store.put(path, &bytes))
            .await?
    }

    /// Runs `work` on the pool with a [`Store`], once `bytes` (what the job holds at most: its
    /// input, what it unpacks, what it compresses) fit in the budget.
    pub async fn job<R: Send + 'static>(
        &self,
        bytes: u64,
        work: impl FnOnce(&mut Store<'_>) -> R + Send + 'static,
    ) -> Result<R, GitError> {
        let stopped = || GitError::Failed {
            action: "store files".into(),
            reason: "the threads that store files stopped".into(),
        };
        let permit = self
            .budget
            .clone()
            .acquire_many_owned(permits(bytes))
            .await
            .map_err(|_| stopped())?;
        let (done, result) = tokio::sync::oneshot::channel();
        let shared = self.shared.clone();
        let job: Job = Box::new(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                work(&mut Store { shared: &shared })
            }));
            drop(permit);
            let _ = done.send(out);
        });
        self.jobs.send(job).map_err(|_| stopped())?;
        match result.await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(GitError::Failed {
                action: "store files".into(),
                reason: "a job panicked".into(),
            }),
            Err(_) => Err(stopped()),
        }
    }

    /// Reuses blob `id` as the file at `path`.
    pub async fn keep(&self, path: String, id: BlobId) -> Result<(), GitError> {
        self.shared.record(path, id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_are_stored_once_in_one_pack_and_known_blobs_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let git = dir.path().join(".git");
        let known = BlobId::hash(b"known");
        let sink = BlobSink::start(&git, "test", [known]).unwrap();
        let w = sink.writer();
        w.write("a".into(), b"small".to_vec()).await.unwrap();
        w.write("b".into(), vec![7u8; 100_000]).await.unwrap();
        w.write("c".into(), b"known".to_vec()).await.unwrap();
        let ids = w
            .job(10, |s| {
                (
                    s.put("d".into(), b"small").unwrap(),
                    s.put("e".into(), b"other").unwrap(),
                )
            })
            .await
            .unwrap();
        assert_eq!(ids.0, BlobId::hash(b"small"));
        w.keep("f".into(), known).await.unwrap();
        drop(w);
        let stored = sink.finish();
        assert_eq!(stored.files.len(), 6);
        assert_eq!(stored.files["c"], known);
        assert_eq!(
            stored.pack.as_ref().unwrap().len(),
            3,
            "small, the big one, other"
        );
    }

    #[tokio::test]
    async fn stored_blobs_read_back_from_the_pack_being_written_and_new_ones_join_it() {
        let dir = tempfile::tempdir().unwrap();
        let git2_repo = git2::Repository::init(dir.path()).unwrap();
        let in_repo = BlobId(git2_repo.blob(b"in the repository").unwrap());
        let repo = super::super::Repo::discover(dir.path()).unwrap();
        let sink = BlobSink::start(repo.git_dir(), "test", [in_repo]).unwrap();
        let w = sink.writer();
        let big = vec![5u8; 100_000];
        let small = w.write("a".into(), b"{\"a\": 1}".to_vec()).await.unwrap();
        let large = w.write("b".into(), big.clone()).await.unwrap();
        drop(w);
        let mut stored = sink.finish();
        assert_eq!(stored.blob(&repo, small).unwrap(), b"{\"a\": 1}");
        assert_eq!(stored.blob(&repo, large).unwrap(), big);
        assert_eq!(stored.blob(&repo, in_repo).unwrap(), b"in the repository");
        // A new blob joins the pack; one the repository or the pack has is not written again.
        let added = stored.add_blob(&repo, "test", b"{\"a\": 2}").unwrap();
        assert_eq!(added, BlobId::hash(b"{\"a\": 2}"));
        assert_eq!(stored.blob(&repo, added).unwrap(), b"{\"a\": 2}");
        assert_eq!(
            stored
                .add_blob(&repo, "test", b"in the repository")
                .unwrap(),
            in_repo
        );
        assert_eq!(
            stored.add_blob(&repo, "test", b"{\"a\": 1}").unwrap(),
            small
        );
        assert_eq!(stored.pack.as_ref().unwrap().len(), 3);
        // Without a pack yet, the first new blob starts one.
        let mut empty = Stored {
            files: BTreeMap::new(),
            pack: None,
            staged: None,
        };
        let id = empty.add_blob(&repo, "test", b"new").unwrap();
        assert_eq!(empty.blob(&repo, id).unwrap(), b"new");
    }

    #[tokio::test]
    async fn an_aborted_sink_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let git = dir.path().join(".git");
        let sink = BlobSink::start(&git, "test", []).unwrap();
        sink.writer()
            .write("a".into(), b"x".to_vec())
            .await
            .unwrap();
        sink.abort();
        let left = std::fs::read_dir(git.join("objects/pack")).unwrap().count();
        assert_eq!(left, 0);
    }
}
