//! [`BlobSink`]: the files of a state stored as they arrive, so that content is never held for
//! the whole tenant and the local work overlaps the requests.
//!
//! Files are hashed once, and those the repository does not have yet are compressed into one
//! pack ([`super::pack`]); the CPU work (unpacking a download, hashing, compressing) runs on a
//! pool of threads sized to the cores. What waits for the pool is bounded by bytes, not by
//! count: a job reserves its bytes from a budget before it is queued, and a download that finds
//! the budget spent waits (holding no request slot of the tenant), so peak memory stays flat
//! however fast the tenant answers.

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

struct Shared {
    pack_dir: PathBuf,
    label: String,
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
        let shared = Arc::new(Shared {
            pack_dir: git_dir.join("objects").join("pack"),
            label: label.to_string(),
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
        Stored { files, pack }
    }

    /// Stops: writes still running fail, and the pack written so far is removed.
    pub fn abort(self) {
        let mut state = lock(&self.shared.pack);
        state.aborted = true;
        state.writer = None;
    }
}

/// Stores files from a job on the pool ([`BlobWriter::job`]).
pub struct Store<'a> {
    shared: &'a Shared,
}

impl Store<'_> {
    /// Stores `data` as the file at `path`; returns its blob id.
    pub fn put(&mut self, path: String, data: &[u8]) -> Result<BlobId, GitError> {
        let id = self.shared.store(data)?;
        self.shared.record(path, id);
        Ok(id)
    }
}

impl BlobWriter {
    /// Stores `bytes` as the file at `path`; returns its blob id.
    pub async fn write(&self, path: String, bytes: Vec<u8>) -> Result<BlobId, GitError> {
        if bytes.len() < INLINE_BYTES {
            let id = self.shared.store(&bytes)?;
            self.shared.record(path, id);
            return Ok(id);
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
