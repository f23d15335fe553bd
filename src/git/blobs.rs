//! [`BlobSink`]: writes blobs on a thread of its own while downloads go on, so that content is
//! stored as it arrives and never held in memory for the whole tenant.

use super::{BlobId, GitError};
use git2::Repository;
use std::collections::BTreeMap;
use std::path::PathBuf;

enum Message {
    Write { path: String, bytes: Vec<u8> },
    Keep { path: String, id: BlobId },
}

/// Collects the files of a new state; [`BlobSink::writer`] hands out cheap handles for
/// concurrent tasks, [`BlobSink::finish`] returns path -> blob id once every handle is dropped.
pub struct BlobSink {
    tx: tokio::sync::mpsc::Sender<Message>,
    thread: std::thread::JoinHandle<Result<BTreeMap<String, BlobId>, GitError>>,
}

/// A handle that writes into a [`BlobSink`].
#[derive(Clone)]
pub struct BlobWriter {
    tx: tokio::sync::mpsc::Sender<Message>,
}

impl BlobSink {
    /// Opens a second handle on the repository at `git_dir` for a writer thread.
    pub fn start(git_dir: PathBuf) -> Result<BlobSink, GitError> {
        let repo = Repository::open(&git_dir)
            .map_err(GitError::failed("open the repository for writing"))?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Message>(64);
        let thread = std::thread::spawn(move || {
            let mut files = BTreeMap::new();
            while let Some(message) = rx.blocking_recv() {
                match message {
                    Message::Write { path, bytes } => {
                        let id = repo
                            .blob(&bytes)
                            .map(BlobId)
                            .map_err(GitError::failed(format!("write {path}")))?;
                        files.insert(path, id);
                    }
                    Message::Keep { path, id } => {
                        files.insert(path, id);
                    }
                }
            }
            Ok(files)
        });
        Ok(BlobSink { tx, thread })
    }

    /// A handle for writing.
    pub fn writer(&self) -> BlobWriter {
        BlobWriter {
            tx: self.tx.clone(),
        }
    }

    /// Waits for every write; returns the files. Every [`BlobWriter`] must be dropped first.
    pub fn finish(self) -> Result<BTreeMap<String, BlobId>, GitError> {
        drop(self.tx);
        self.thread.join().map_err(|_| GitError::Failed {
            action: "write blobs".into(),
            reason: "the writer thread panicked".into(),
        })?
    }
}

impl BlobWriter {
    /// Stores `bytes` as the file at `path`.
    pub async fn write(&self, path: String, bytes: Vec<u8>) -> Result<(), GitError> {
        self.tx
            .send(Message::Write { path, bytes })
            .await
            .map_err(|_| GitError::Failed {
                action: "write a blob".into(),
                reason: "the blob writer stopped".into(),
            })
    }

    /// Reuses blob `id` as the file at `path`.
    pub async fn keep(&self, path: String, id: BlobId) -> Result<(), GitError> {
        self.tx
            .send(Message::Keep { path, id })
            .await
            .map_err(|_| GitError::Failed {
                action: "record a blob".into(),
                reason: "the blob writer stopped".into(),
            })
    }
}
