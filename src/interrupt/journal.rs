//! The journal of one operation (see the module docs of [`crate::interrupt`] for what each
//! operation journals): a JSON document written before the risky writes begin, lines appended
//! as they go, both removed when the operation ends. A journal that outlives its run (SIGKILL)
//! is found by the next command ([`Journal::find`]), which recovers and then clears it.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An operation's journal, written by the run that holds the operation's lock.
#[derive(Debug)]
pub struct Journal {
    document: PathBuf,
    log: PathBuf,
    lines: Option<File>,
}

/// A journal left behind by a run that did not end (see [`Journal::find`]).
#[derive(Debug)]
pub struct Leftover<T> {
    /// The journal's document.
    pub document: T,
    /// The lines appended after it, in order (a line cut by the kill is left out).
    pub lines: Vec<serde_json::Value>,
    journal: Journal,
}

impl<T> Leftover<T> {
    /// Removes the journal, once what it says is recovered.
    pub fn clear(self) -> std::io::Result<()> {
        self.journal.finish()
    }
}

/// The folder of the journals of the repository whose `.git` folder is `git_dir`.
pub fn dir(git_dir: &Path) -> PathBuf {
    git_dir.join("cpi-gitops").join("journal")
}

impl Journal {
    fn at(dir: &Path, operation: &str) -> Journal {
        Journal {
            document: dir.join(format!("{operation}.json")),
            log: dir.join(format!("{operation}.log")),
            lines: None,
        }
    }

    /// Starts the journal of `operation` in `dir` with `document` (written to a temporary
    /// file, synced, then renamed into place, so it is whole or absent).
    pub fn begin<T: Serialize>(
        dir: &Path,
        operation: &str,
        document: &T,
    ) -> std::io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let journal = Journal::at(dir, operation);
        let _ = std::fs::remove_file(&journal.log);
        let bytes = serde_json::to_vec(document).map_err(std::io::Error::other)?;
        let tmp = dir.join(format!("{operation}.json.tmp"));
        {
            let mut file = File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, &journal.document)?;
        Ok(journal)
    }

    /// Appends `line` (one JSON document on one line, written with one system call).
    pub fn append<L: Serialize>(&mut self, line: &L) -> std::io::Result<()> {
        if self.lines.is_none() {
            self.lines = Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.log)?,
            );
        }
        let mut bytes = serde_json::to_vec(line).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        match &mut self.lines {
            Some(file) => file.write_all(&bytes),
            None => Ok(()),
        }
    }

    /// Removes the journal: the operation ended (or what it left was recovered).
    pub fn finish(mut self) -> std::io::Result<()> {
        self.lines = None;
        match std::fs::remove_file(&self.log) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        match std::fs::remove_file(&self.document) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// The journal `operation` left in `dir`, if any. Call it only while holding the
    /// operation's lock: a journal is a leftover only when its run is gone. A document that
    /// cannot be read is an error naming its file.
    pub fn find<T: DeserializeOwned>(
        dir: &Path,
        operation: &str,
    ) -> std::io::Result<Option<Leftover<T>>> {
        let journal = Journal::at(dir, operation);
        let bytes = match std::fs::read(&journal.document) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let _ = std::fs::remove_file(&journal.log);
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let document = serde_json::from_slice(&bytes).map_err(|e| {
            std::io::Error::other(format!(
                "{} is not readable: {e}",
                journal.document.display()
            ))
        })?;
        let lines = match std::fs::read(&journal.log) {
            Ok(text) => text
                .split(|b| *b == b'\n')
                .filter_map(|l| serde_json::from_slice(l).ok())
                .collect(),
            Err(_) => Vec::new(),
        };
        Ok(Some(Leftover {
            document,
            lines,
            journal,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn a_journal_is_found_until_it_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            Journal::find::<Value>(dir.path(), "export")
                .unwrap()
                .is_none()
        );
        let mut j = Journal::begin(dir.path(), "apply.t", &json!({"revision": "abc"})).unwrap();
        j.append(&json!({"written": "a"})).unwrap();
        j.append(&json!({"written": "b"})).unwrap();
        // A line cut by a kill is left out.
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("apply.t.log"))
            .unwrap()
            .write_all(b"{\"writ")
            .unwrap();
        let left = Journal::find::<Value>(dir.path(), "apply.t")
            .unwrap()
            .unwrap();
        assert_eq!(left.document, json!({"revision": "abc"}));
        assert_eq!(
            left.lines,
            vec![json!({"written": "a"}), json!({"written": "b"})]
        );
        left.clear().unwrap();
        assert!(
            Journal::find::<Value>(dir.path(), "apply.t")
                .unwrap()
                .is_none()
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let j = Journal::begin(dir.path(), "export", &json!(1)).unwrap();
        j.finish().unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
