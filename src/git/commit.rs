//! The commit phase of an export: the state folder's new trees and the commit written into the
//! run's pack ([`Repo::prepare_commit`]); then, under a journal, the work tree brought along in
//! one pass over the paths that differ, the branch moved, and the index updated
//! ([`Repo::write_commit`]); and the recovery of a commit phase a SIGKILL cut short
//! ([`Repo::recover_commit`]).
//!
//! Atomicity (see `crate::interrupt`): objects first (a pack installed whole), then the journal,
//! then the work tree, then the branch (compare-and-swap on the commit the state was read from),
//! then the index, then the journal is removed. Whatever step a kill cuts, the branch and index
//! point at the old commit or the new one, and the journal names every path that may differ
//! from them.

use super::blobs::Stored;
use super::pack::{FinishedPack, ObjectKind, PackWriter, tree_bytes};
use super::{BlobId, CommitId, GitError, Repo, StateFiles, TreeId};
use crate::interrupt::failpoint;
use crate::interrupt::journal::{self, Journal};
use git2::{ObjectType, Oid};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

/// The journal of the export's commit phase.
pub const JOURNAL: &str = "export";

/// What the journal of a commit phase holds.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct CommitJournal {
    /// The state folder, relative to the repository root.
    pub state_dir: String,
    /// Its tree before (none: it did not exist).
    pub old_tree: Option<String>,
    /// Its tree after.
    pub new_tree: String,
    /// The commit being made (none with `--no-commit`).
    pub commit: Option<String>,
    /// The process that wrote the journal.
    pub pid: u32,
}

/// A new state, its objects written, ready to become the work tree (and a commit).
pub struct Prepared {
    pack: FinishedPack,
    state_dir: String,
    old: StateFiles,
    old_tree: Option<Oid>,
    new: StateFiles,
    new_tree: Oid,
    commit: Option<Oid>,
    head: Option<CommitId>,
    message: String,
    /// What the run staged of the files the work tree needs.
    staged: Option<super::blobs::Staged>,
}

impl Prepared {
    /// The state folder's new tree.
    pub fn tree(&self) -> TreeId {
        TreeId(self.new_tree)
    }

    /// Makes the pack visible to git (before anything refers to its objects).
    pub fn install(&mut self, repo: &Repo) -> Result<(), GitError> {
        self.pack.install().map_err(io("install the pack"))?;
        repo.refresh_objects()
    }
}

fn io(action: &str) -> impl FnOnce(std::io::Error) -> GitError + '_ {
    move |e| GitError::Failed {
        action: action.into(),
        reason: e.to_string(),
    }
}

#[derive(Default)]
struct Dir {
    files: BTreeMap<String, Oid>,
    dirs: BTreeMap<String, Dir>,
}

impl Repo {
    /// Finishes and installs `pack` (when it holds anything).
    pub fn install_pack(&self, pack: PackWriter) -> Result<(), GitError> {
        if pack.is_empty() {
            return Ok(());
        }
        let mut finished = pack.finish().map_err(io("finish the pack"))?;
        finished.install().map_err(io("install the pack"))?;
        self.refresh_objects()
    }

    /// Makes this handle see packs installed since it was opened (once per pack, never per
    /// object).
    pub fn refresh_objects(&self) -> Result<(), GitError> {
        self.repo
            .odb()
            .and_then(|odb| odb.refresh())
            .map_err(GitError::failed("read the new pack"))
    }

    /// The tree of `state_dir` in `commit` (none when either is missing).
    fn state_tree(
        &self,
        commit: Option<CommitId>,
        state_dir: &str,
    ) -> Result<Option<Oid>, GitError> {
        let Some(commit) = commit else {
            return Ok(None);
        };
        let tree = self
            .repo
            .find_commit(commit.0)
            .and_then(|c| c.tree())
            .map_err(GitError::failed("read HEAD"))?;
        Ok(tree
            .get_path(Path::new(state_dir))
            .ok()
            .filter(|e| e.kind() == Some(ObjectType::Tree))
            .map(|e| e.id()))
    }

    /// Every tree id below (and including) `tree`.
    fn tree_ids(&self, tree: Option<Oid>) -> Result<HashSet<Oid>, GitError> {
        let mut ids = HashSet::new();
        let Some(tree) = tree else {
            return Ok(ids);
        };
        ids.insert(tree);
        let t = self
            .repo
            .find_tree(tree)
            .map_err(GitError::failed("read the state's tree"))?;
        t.walk(git2::TreeWalkMode::PreOrder, |_, e| {
            if e.kind() == Some(ObjectType::Tree) {
                ids.insert(e.id());
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(GitError::failed("read the state's tree"))?;
        Ok(ids)
    }

    /// The files of `tree` (a state folder's), by relative path.
    pub fn tree_files(&self, tree: TreeId) -> Result<StateFiles, GitError> {
        let mut files = StateFiles::new();
        let t = self
            .repo
            .find_tree(tree.0)
            .map_err(GitError::failed(format!("read tree {}", tree.0)))?;
        t.walk(git2::TreeWalkMode::PreOrder, |root, e| {
            if e.kind() == Some(ObjectType::Blob) {
                files.insert(
                    format!("{root}{}", e.name().unwrap_or_default()),
                    BlobId(e.id()),
                );
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(GitError::failed(format!("read tree {}", tree.0)))?;
        Ok(files)
    }

    /// Paths below `state_dir` in `commit` that are not plain files (symbolic links,
    /// submodules): export refuses them, since writing through them could leave the folder.
    pub fn unusual_entries(
        &self,
        commit: Option<CommitId>,
        state_dir: &str,
    ) -> Result<Vec<String>, GitError> {
        let mut out = Vec::new();
        if let Some(tree) = self.state_tree(commit, state_dir)? {
            let t = self
                .repo
                .find_tree(tree)
                .map_err(GitError::failed("read the state's tree"))?;
            t.walk(git2::TreeWalkMode::PreOrder, |root, e| {
                let mode = e.filemode();
                if mode != 0o100644 && mode != 0o100755 && mode != 0o040000 {
                    out.push(format!(
                        "{state_dir}/{root}{}",
                        e.name().unwrap_or_default()
                    ));
                }
                git2::TreeWalkResult::Ok
            })
            .map_err(GitError::failed("read the state's tree"))?;
        }
        Ok(out)
    }

    /// Writes the trees of the new state folder `files` and, when `commit`, a commit of it on
    /// top of `head` (the commit `old` was read from) into the run's pack, and finishes the pack
    /// (not yet installed).
    #[allow(clippy::too_many_arguments)]
    pub fn prepare_commit(
        &self,
        state_dir: &str,
        stored: Stored,
        old: StateFiles,
        message: &str,
        commit: bool,
        head: Option<CommitId>,
        label: &str,
    ) -> Result<Prepared, GitError> {
        let state_dir = state_dir.trim_matches('/').to_string();
        let mut pack = match stored.pack {
            Some(p) => p,
            None => PackWriter::create(&self.repo.path().join("objects").join("pack"), label)
                .map_err(io("start a pack"))?,
        };
        let old_tree = self.state_tree(head, &state_dir)?;
        let known_trees = self.tree_ids(old_tree)?;
        let mut root = Dir::default();
        for (path, id) in &stored.files {
            let mut node = &mut root;
            let mut parts: Vec<&str> = path.split('/').collect();
            let name = parts.pop().unwrap_or_default();
            for part in parts {
                node = node.dirs.entry(part.to_string()).or_default();
            }
            node.files.insert(name.to_string(), id.0);
        }
        fn write(pack: &mut PackWriter, known: &HashSet<Oid>, dir: &Dir) -> std::io::Result<Oid> {
            let mut entries: Vec<(String, u32, Oid)> = Vec::new();
            for (name, id) in &dir.files {
                entries.push((name.clone(), 0o100644, *id));
            }
            for (name, sub) in &dir.dirs {
                entries.push((name.clone(), 0o040000, write(pack, known, sub)?));
            }
            let bytes = tree_bytes(&mut entries);
            let id = super::pack::object_id(ObjectKind::Tree, &bytes);
            if !known.contains(&id) {
                pack.append(&super::pack::compress(ObjectKind::Tree, &bytes, id))?;
            }
            Ok(id)
        }
        let new_tree =
            write(&mut pack, &known_trees, &root).map_err(io("write the state's trees"))?;
        let commit = if commit {
            Some(self.commit_object(&mut pack, &state_dir, new_tree, head, message)?)
        } else {
            None
        };
        let pack = pack.finish().map_err(io("finish the pack"))?;
        Ok(Prepared {
            pack,
            state_dir,
            old,
            old_tree,
            new: stored.files,
            new_tree,
            commit,
            head,
            message: message.to_string(),
            staged: stored.staged,
        })
    }

    /// Writes the commit of `state_tree` as `state_dir` on top of `head` (that folder replaced,
    /// everything else as `head` has it) into `pack`.
    fn commit_object(
        &self,
        pack: &mut PackWriter,
        state_dir: &str,
        state_tree: Oid,
        head: Option<CommitId>,
        message: &str,
    ) -> Result<Oid, GitError> {
        let base_tree = match head {
            Some(h) => Some(
                self.repo
                    .find_commit(h.0)
                    .and_then(|c| c.tree())
                    .map_err(GitError::failed("read HEAD"))?,
            ),
            None => None,
        };
        let parts: Vec<&str> = state_dir.split('/').filter(|p| !p.is_empty()).collect();
        let root = replace_path(&self.repo, pack, base_tree.as_ref(), &parts, state_tree).map_err(
            |e| GitError::Failed {
                action: "build the commit's tree".into(),
                reason: e,
            },
        )?;
        let signature = self.signature()?;
        let person = |s: &git2::Signature| {
            let when = s.when();
            let offset = when.offset_minutes();
            format!(
                "{} <{}> {} {}{:02}{:02}",
                String::from_utf8_lossy(s.name_bytes()),
                String::from_utf8_lossy(s.email_bytes()),
                when.seconds(),
                if offset < 0 { '-' } else { '+' },
                offset.abs() / 60,
                offset.abs() % 60
            )
        };
        let mut text = format!("tree {root}\n");
        if let Some(h) = head {
            text.push_str(&format!("parent {}\n", h.0));
        }
        text.push_str(&format!(
            "author {}\ncommitter {}\n\n{message}",
            person(&signature),
            person(&signature)
        ));
        pack.add(ObjectKind::Commit, text.as_bytes())
            .map_err(io("write the commit"))
    }

    /// Writes the work tree of the prepared state and, for a commit, moves the branch and the
    /// index, under the journal ([`JOURNAL`]). The prepared pack must be installed.
    pub fn write_commit(&self, prepared: Prepared) -> Result<Option<CommitId>, GitError> {
        let Prepared {
            pack,
            state_dir,
            old,
            old_tree,
            new,
            new_tree,
            commit,
            head,
            message,
            staged,
        } = prepared;
        let journal = Journal::begin(
            &journal::dir(self.repo.path()),
            JOURNAL,
            &CommitJournal {
                state_dir: state_dir.clone(),
                old_tree: old_tree.map(|t| t.to_string()),
                new_tree: new_tree.to_string(),
                commit: commit.map(|c| c.to_string()),
                pid: std::process::id(),
            },
        )
        .map_err(io("write the journal"))?;
        failpoint::reach("export:journal-written");
        let root = self.workdir().join(&state_dir);
        let mut reader = pack.reader().map_err(io("read the pack"))?;
        let written = write_paths(&root, &old, &new, staged.as_ref(), |id| {
            match reader.read(id.0) {
                Ok(Some(bytes)) => Ok(bytes),
                Ok(None) => self.blob(id),
                Err(e) => Err(io("read the pack")(e)),
            }
        });
        if let Some(staged) = &staged {
            super::blobs::remove_stage(&staged.dir);
        }
        if let Err(e) = written {
            // Back to HEAD's state: the journal names every path that may differ.
            let _ = self.recover_commit();
            return Err(e);
        }
        failpoint::reach("export:worktree-written");
        let Some(commit) = commit else {
            journal.finish().map_err(io("remove the journal"))?;
            return Ok(None);
        };
        if let Err(e) = self.move_head(commit, head.map(|h| h.0), &message) {
            let _ = self.recover_commit();
            return Err(e);
        }
        failpoint::reach("export:head-moved");
        let changed: Vec<&String> = changed_paths(&old, &new);
        self.update_index(&state_dir, &root, &new, &changed)?;
        failpoint::reach("export:index-written");
        journal.finish().map_err(io("remove the journal"))?;
        Ok(Some(CommitId(commit)))
    }

    /// Updates the index entries of `paths` (relative to the state folder `state_dir` at `root`)
    /// to `files`, with the work tree's file status.
    fn update_index(
        &self,
        state_dir: &str,
        root: &Path,
        files: &StateFiles,
        paths: &[&String],
    ) -> Result<(), GitError> {
        if paths.is_empty() {
            return Ok(());
        }
        let fail = || GitError::failed("update the index");
        let mut index = self.repo.index().map_err(fail())?;
        for path in paths {
            let full = format!("{state_dir}/{path}");
            match files.get(*path) {
                Some(id) => {
                    let meta = std::fs::metadata(root.join(path))
                        .map_err(io("read a written file's status"))?;
                    index
                        .add(&index_entry(&full, id.0, &meta))
                        .map_err(fail())?;
                }
                None => {
                    let _ = index.remove_path(Path::new(&full));
                }
            }
        }
        index.write().map_err(fail())
    }

    /// Recovers from a commit phase that did not end (its journal is there and its run is
    /// gone: call it holding the export lock): makes every path that may differ equal to `HEAD`
    /// in the work tree and the index, and removes the journal. Returns what was done, for the
    /// user, or `None` when there was nothing to recover.
    pub fn recover_commit(&self) -> Result<Option<String>, GitError> {
        let dir = journal::dir(self.repo.path());
        let left = Journal::find::<CommitJournal>(&dir, JOURNAL).map_err(io("read the journal"))?;
        let Some(left) = left else {
            return Ok(None);
        };
        let j = &left.document;
        let tree_of = |text: &Option<String>| -> Result<StateFiles, GitError> {
            match text.as_deref().map(Oid::from_str) {
                Some(Ok(id)) => self.tree_files(TreeId(id)),
                _ => Ok(StateFiles::new()),
            }
        };
        // Objects of a cut commit phase are in an installed pack (installed before the journal);
        // should they be gone, only HEAD's state can be restored, from HEAD's own listing.
        let old = tree_of(&j.old_tree).unwrap_or_default();
        let new = tree_of(&Some(j.new_tree.clone())).unwrap_or_default();
        let head = self.commit_id("HEAD")?;
        let target = self.state_files(head, &j.state_dir)?;
        let mut paths: BTreeSet<&String> = changed_paths(&old, &new).into_iter().collect();
        if old.is_empty() && new.is_empty() {
            paths.extend(target.keys());
        }
        let root = self.workdir().join(&j.state_dir);
        let mut present = StateFiles::new();
        for p in &paths {
            if root.join(p).is_file() {
                // Whatever is there may differ from HEAD: rewritten below.
                present.insert((*p).clone(), BlobId(Oid::ZERO_SHA1));
            }
        }
        let wanted: StateFiles = paths
            .iter()
            .filter_map(|p| target.get(*p).map(|id| ((*p).clone(), *id)))
            .collect();
        write_paths(&root, &present, &wanted, None, |id| self.blob(id))?;
        let list: Vec<&String> = paths.iter().copied().collect();
        self.update_index(&j.state_dir, &root, &target, &list)?;
        let state = match (head.map(|h| h.to_string()), &j.commit) {
            (Some(h), Some(c)) if &h == c => "the commit it was making, which it had finished",
            _ => "the last commit",
        };
        let text = format!(
            "an export (pid {}) was killed while writing {}/: {} paths restored to {state} (HEAD)",
            j.pid,
            j.state_dir,
            paths.len()
        );
        left.clear().map_err(io("remove the journal"))?;
        Ok(Some(text))
    }
}

/// Paths whose blob differs between `old` and `new` (added, changed, removed), sorted.
fn changed_paths<'a>(old: &'a StateFiles, new: &'a StateFiles) -> Vec<&'a String> {
    let mut out: Vec<&String> = new
        .iter()
        .filter(|(p, id)| old.get(*p) != Some(id))
        .map(|(p, _)| p)
        .collect();
    out.extend(old.keys().filter(|p| !new.contains_key(*p)));
    out.sort();
    out
}

/// Makes the folder `root`, which holds `old`, hold `new`: one pass over the paths that
/// differ. A new folder whose every file was staged as `new` has it is moved into place whole;
/// other new folders are created once each (parents first) and their files, like changed ones,
/// moved from `staged` when staged as `new` has them, else written whole from `content`. Removed
/// files, and the folders they leave empty, are removed.
fn write_paths(
    root: &Path,
    old: &StateFiles,
    new: &StateFiles,
    staged: Option<&super::blobs::Staged>,
    mut content: impl FnMut(BlobId) -> Result<Vec<u8>, GitError>,
) -> Result<(), GitError> {
    let parents = |files: &StateFiles| -> BTreeSet<String> {
        let mut dirs = BTreeSet::new();
        for path in files.keys() {
            let mut at = 0;
            while let Some(i) = path[at..].find('/') {
                dirs.insert(path[..at + i].to_string());
                at += i + 1;
            }
        }
        dirs
    };
    let old_dirs = parents(old);
    let new_dirs = parents(new);
    if !new.is_empty() {
        std::fs::create_dir_all(root).map_err(io("create the state folder"))?;
    }
    // Whether `files` below `dir/` are exactly the same paths and blobs in both maps.
    let same_below = |a: &StateFiles, b: &StateFiles, dir: &str| {
        let prefix = format!("{dir}/");
        let below = |m: &StateFiles| -> Vec<(String, BlobId)> {
            m.range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .map(|(p, i)| (p.clone(), *i))
                .collect()
        };
        below(a) == below(b)
    };
    let mut first = true;
    let mut reached = || {
        if std::mem::take(&mut first) {
            failpoint::reach("export:worktree-partial");
        }
    };
    // Folders moved whole; a path is inside one when one of its ancestors is.
    let mut moved: HashSet<String> = HashSet::new();
    let in_moved = |moved: &HashSet<String>, path: &str| {
        path.match_indices('/')
            .any(|(i, _)| moved.contains(&path[..i]))
    };
    for dir in new_dirs.difference(&old_dirs) {
        if in_moved(&moved, dir) {
            continue;
        }
        let target = root.join(dir);
        if let Some(staged) = staged {
            if same_below(&staged.files, new, dir)
                && std::fs::rename(staged.dir.join(dir), &target).is_ok()
            {
                moved.insert(dir.clone());
                reached();
                continue;
            }
        }
        match std::fs::create_dir(&target) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(GitError::Failed {
                    action: format!("create {}", target.display()),
                    reason: e.to_string(),
                });
            }
            _ => {}
        }
    }
    for (path, id) in new {
        if old.get(path) == Some(id) || in_moved(&moved, path) {
            continue;
        }
        let file = root.join(path);
        let from_stage = staged.is_some_and(|s| {
            s.files.get(path) == Some(id) && std::fs::rename(s.dir.join(path), &file).is_ok()
        });
        if !from_stage {
            let bytes = content(*id)?;
            std::fs::write(&file, &bytes).map_err(|e| GitError::Failed {
                action: format!("write {}", file.display()),
                reason: e.to_string(),
            })?;
        }
        reached();
    }
    for path in old.keys().filter(|p| !new.contains_key(*p)) {
        let file = root.join(path);
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(GitError::Failed {
                    action: format!("remove {}", file.display()),
                    reason: e.to_string(),
                });
            }
            _ => {}
        }
    }
    let gone: Vec<&String> = old_dirs.difference(&new_dirs).collect();
    for dir in gone.into_iter().rev() {
        // Fails, rightly, when something else is still there.
        let _ = std::fs::remove_dir(root.join(dir));
    }
    Ok(())
}

/// An index entry for the file at `path` (relative to the repository root) with blob `id`,
/// carrying the file's status so that git sees it unchanged without reading it.
fn index_entry(path: &str, id: Oid, meta: &std::fs::Metadata) -> git2::IndexEntry {
    #[cfg(unix)]
    let (ctime, mtime, dev, ino, uid, gid) = {
        use std::os::unix::fs::MetadataExt;
        (
            git2::IndexTime::new(meta.ctime() as i32, meta.ctime_nsec() as u32),
            git2::IndexTime::new(meta.mtime() as i32, meta.mtime_nsec() as u32),
            meta.dev() as u32,
            meta.ino() as u32,
            meta.uid(),
            meta.gid(),
        )
    };
    #[cfg(not(unix))]
    let (ctime, mtime, dev, ino, uid, gid) = {
        let t = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| git2::IndexTime::new(d.as_secs() as i32, d.subsec_nanos()))
            .unwrap_or_else(|| git2::IndexTime::new(0, 0));
        (t, t, 0, 0, 0, 0)
    };
    git2::IndexEntry {
        ctime,
        mtime,
        dev,
        ino,
        mode: 0o100644,
        uid,
        gid,
        file_size: meta.len() as u32,
        id,
        flags: (path.len().min(0xfff)) as u16,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

/// A copy of `base` with the entry at `path` replaced by tree `id` (created if missing), its
/// new trees written into `pack`.
fn replace_path(
    repo: &git2::Repository,
    pack: &mut PackWriter,
    base: Option<&git2::Tree>,
    path: &[&str],
    id: Oid,
) -> Result<Oid, String> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(id);
    };
    let child = if rest.is_empty() {
        id
    } else {
        let existing = base
            .and_then(|t| t.get_name(first))
            .filter(|e| e.kind() == Some(ObjectType::Tree));
        let sub = match existing {
            Some(e) => Some(
                repo.find_tree(e.id())
                    .map_err(|e| e.message().to_string())?,
            ),
            None => None,
        };
        replace_path(repo, pack, sub.as_ref(), rest, id)?
    };
    let mut entries: Vec<(String, u32, Oid)> = Vec::new();
    if let Some(base) = base {
        for e in base.iter() {
            let name = String::from_utf8_lossy(e.name_bytes()).into_owned();
            if name != *first {
                entries.push((name, e.filemode() as u32, e.id()));
            }
        }
    }
    entries.push((first.to_string(), 0o040000, child));
    let bytes = tree_bytes(&mut entries);
    pack.add(ObjectKind::Tree, &bytes)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::blobs::Staged;
    use super::*;

    fn blob(n: u8) -> BlobId {
        BlobId(Oid::from_bytes(&[n; 20]).unwrap_or(Oid::ZERO_SHA1))
    }

    fn files(entries: &[(&str, u8)]) -> StateFiles {
        entries
            .iter()
            .map(|(p, n)| (p.to_string(), blob(*n)))
            .collect()
    }

    /// New folders staged exactly as the new state has them are moved whole; a folder staged
    /// differently, a changed file, and a file staged with another blob are written from
    /// `content` or moved one by one, so the work tree ends exactly as `new`.
    #[test]
    fn staged_files_are_moved_into_place_and_nothing_else_is() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("state");
        let stage = tmp.path().join("stage");
        let old = files(&[("kept/a", 1), ("changed/b", 2), ("gone/c", 3)]);
        let new = files(&[
            ("kept/a", 1),
            ("changed/b", 4),
            ("whole/x/y", 5),
            ("whole/z", 6),
            ("partly/p", 7),
            ("partly/q", 8),
            ("wrong/w", 9),
        ]);
        let content = |id: BlobId| Ok(format!("content {}", id.0.as_bytes()[0]).into_bytes());
        // The old work tree.
        write_paths(&root, &StateFiles::new(), &old, None, content).unwrap();
        // Staged: all of `whole`, half of `partly`, `wrong/w` with another blob, `changed/b`.
        let mut staged = StateFiles::new();
        for (path, n) in [
            ("whole/x/y", 5),
            ("whole/z", 6),
            ("partly/p", 7),
            ("wrong/w", 10),
            ("changed/b", 4),
        ] {
            let file = stage.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, format!("content {n}")).unwrap();
            staged.insert(path.to_string(), blob(n));
        }
        let staged = Staged {
            dir: stage.clone(),
            files: staged,
        };
        let mut asked = Vec::new();
        write_paths(&root, &old, &new, Some(&staged), |id| {
            asked.push(id.0.as_bytes()[0]);
            content(id)
        })
        .unwrap();
        asked.sort();
        assert_eq!(
            asked,
            vec![8, 9],
            "only what was not staged as `new` has it"
        );
        for (path, id) in &new {
            assert_eq!(
                std::fs::read_to_string(root.join(path)).unwrap(),
                format!("content {}", id.0.as_bytes()[0]),
                "{path}"
            );
        }
        assert!(!root.join("gone").exists(), "removed with its last file");
        assert!(!stage.join("whole").exists(), "moved whole");
        assert!(
            stage.join("wrong/w").exists(),
            "a file staged with another blob stays"
        );
    }
}
