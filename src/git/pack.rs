//! Objects written the way git writes many at once: one pack file and its index (version 2)
//! per run, instead of one loose file per object.
//!
//! Objects are stored whole (no deltas: git reads such packs as they are, and `git gc` deltifies
//! them later). Each object is hashed and compressed once, wherever the caller likes (on a pool
//! of threads: [`encode`]), and appended to the pack under a lock ([`PackWriter::append`]). The
//! pack is written to a temporary file in `objects/pack/`, and [`FinishedPack::install`] renames
//! it and its index into place (the pack first: git looks packs up through their index), so a
//! reader sees all of its objects or none. A pack dropped before installation removes its
//! temporary files. Nothing here looks at `objects/pack` beyond creating its own two files.

use git2::Oid;
use sha1::{Digest, Sha1};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A git object type, as packs number them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A commit.
    Commit = 1,
    /// A tree.
    Tree = 2,
    /// A blob (a file's bytes).
    Blob = 3,
}

impl ObjectKind {
    fn name(self) -> &'static str {
        match self {
            ObjectKind::Commit => "commit",
            ObjectKind::Tree => "tree",
            ObjectKind::Blob => "blob",
        }
    }
}

/// The id git gives `data` as an object of `kind`.
pub fn object_id(kind: ObjectKind, data: &[u8]) -> Oid {
    let mut h = Sha1::new();
    h.update(format!("{} {}\0", kind.name(), data.len()).as_bytes());
    h.update(data);
    Oid::from_bytes(&h.finalize()).unwrap_or(Oid::ZERO_SHA1)
}

/// An object hashed and compressed, ready to append to a pack.
pub struct Encoded {
    /// Its id.
    pub id: Oid,
    /// The pack entry: the type-and-size header, then the zlib stream.
    entry: Vec<u8>,
}

/// zlib's fastest level, as git's own loose objects (`core.looseCompression`): writing must stay
/// cheap beside the requests; `git gc` compresses harder when it repacks.
const LEVEL: u32 = 1;

/// Hashes and compresses `data` as an object of `kind` (the CPU work, done once per object).
pub fn encode(kind: ObjectKind, data: &[u8]) -> Encoded {
    compress(kind, data, object_id(kind, data))
}

/// Compresses `data`, an object of `kind` whose id is `id`.
pub fn compress(kind: ObjectKind, data: &[u8], id: Oid) -> Encoded {
    let mut entry = Vec::with_capacity(data.len() / 3 + 32);
    let mut size = data.len() as u64;
    let mut byte = ((kind as u8) << 4) | (size & 0x0f) as u8;
    size >>= 4;
    while size > 0 {
        entry.push(byte | 0x80);
        byte = (size & 0x7f) as u8;
        size >>= 7;
    }
    entry.push(byte);
    deflate(&mut entry, data);
    Encoded { id, entry }
}

thread_local! {
    /// One zlib stream per thread, reset for each object: setting one up costs more than
    /// compressing a small object (a tree, a JSON file).
    static ZLIB: std::cell::RefCell<flate2::Compress> =
        std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::new(LEVEL), true));
}

/// Appends `data`, zlib-compressed, to `out`.
fn deflate(out: &mut Vec<u8>, data: &[u8]) {
    let start = out.len();
    let done = ZLIB.with(|z| {
        let mut z = z.borrow_mut();
        z.reset();
        let mut at = 0;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(256));
            }
            let before = z.total_in();
            let status = z.compress_vec(&data[at..], out, flate2::FlushCompress::Finish);
            at += (z.total_in() - before) as usize;
            match status {
                Ok(flate2::Status::StreamEnd) => return true,
                Ok(_) => {}
                Err(_) => {
                    *z = flate2::Compress::new(flate2::Compression::new(LEVEL), true);
                    return false;
                }
            }
        }
    });
    if !done {
        // Compressing from and into memory does not fail; should it, the object is compressed
        // again with an encoder of its own.
        out.truncate(start);
        let mut encoder =
            flate2::write::ZlibEncoder::new(std::mem::take(out), flate2::Compression::new(LEVEL));
        let _ = encoder.write_all(data);
        *out = encoder.finish().unwrap_or_default();
    }
}

struct Entry {
    id: Oid,
    offset: u64,
    crc: u32,
}

/// A pack being written.
pub struct PackWriter {
    dir: PathBuf,
    label: String,
    tmp: PathBuf,
    file: File,
    offset: u64,
    entries: Vec<Entry>,
    ids: HashSet<Oid>,
}

/// The prefix of this module's temporary files in `objects/pack`.
const TMP_PREFIX: &str = "tmp_pack_cpi-gitops_";

fn tmp_name(dir: &Path, label: &str, suffix: &str) -> PathBuf {
    dir.join(format!(
        "{TMP_PREFIX}{label}_{}_{:016x}{suffix}",
        std::process::id(),
        fastrand::u64(..)
    ))
}

/// Removes the temporary pack files that runs of `label` left in `pack_dir` when they were
/// killed (call it holding the lock of `label`, so none of them belongs to a live run); returns
/// how many.
pub fn sweep(pack_dir: &Path, label: &str) -> usize {
    let prefix = format!("{TMP_PREFIX}{label}_");
    let Ok(entries) = std::fs::read_dir(pack_dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

impl PackWriter {
    /// Starts a pack in `pack_dir` (a repository's `objects/pack`) for a run of `label` (the
    /// name of the lock it holds: see [`sweep`]).
    pub fn create(pack_dir: &Path, label: &str) -> std::io::Result<PackWriter> {
        std::fs::create_dir_all(pack_dir)?;
        let tmp = tmp_name(pack_dir, label, ".pack");
        let mut file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        // The object count is filled in by `finish`.
        file.write_all(b"PACK\0\0\0\x02\0\0\0\0")?;
        Ok(PackWriter {
            dir: pack_dir.to_path_buf(),
            label: label.to_string(),
            tmp,
            file,
            offset: 12,
            entries: Vec::new(),
            ids: HashSet::new(),
        })
    }

    /// Whether the pack holds `id`.
    pub fn contains(&self, id: Oid) -> bool {
        self.ids.contains(&id)
    }

    /// How many objects the pack holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the pack holds no object.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The bytes of `id` as written so far (through a handle of its own, so appending goes on
    /// where it was); `None` when the pack does not hold it.
    pub fn read(&self, id: Oid) -> std::io::Result<Option<Vec<u8>>> {
        let Some(entry) = self.entries.iter().find(|e| e.id == id) else {
            return Ok(None);
        };
        let offsets = HashMap::from([(id, entry.offset)]);
        let mut reader = PackReader {
            file: std::io::BufReader::new(File::open(&self.tmp)?),
            offsets: &offsets,
        };
        reader.read(id)
    }

    /// Appends an object entry copied from another pack of this module (whole, not a delta), with
    /// its id and CRC.
    fn append_raw(&mut self, id: Oid, entry: &[u8], crc: u32) -> std::io::Result<()> {
        if !self.ids.insert(id) {
            return Ok(());
        }
        self.file.write_all(entry)?;
        self.entries.push(Entry {
            id,
            offset: self.offset,
            crc,
        });
        self.offset += entry.len() as u64;
        Ok(())
    }

    /// Appends an encoded object (once: an id already in the pack is skipped).
    pub fn append(&mut self, encoded: &Encoded) -> std::io::Result<()> {
        if !self.ids.insert(encoded.id) {
            return Ok(());
        }
        self.file.write_all(&encoded.entry)?;
        self.entries.push(Entry {
            id: encoded.id,
            offset: self.offset,
            crc: crc32fast::hash(&encoded.entry),
        });
        self.offset += encoded.entry.len() as u64;
        Ok(())
    }

    /// Encodes and appends `data` as an object of `kind`; returns its id.
    pub fn add(&mut self, kind: ObjectKind, data: &[u8]) -> std::io::Result<Oid> {
        let encoded = encode(kind, data);
        self.append(&encoded)?;
        Ok(encoded.id)
    }

    /// Completes the pack (object count, checksum) and writes its index beside it, both still
    /// under temporary names and synced to disk.
    pub fn finish(mut self) -> std::io::Result<FinishedPack> {
        let count = u32::try_from(self.entries.len())
            .map_err(|_| std::io::Error::other("more than 2^32 objects in one pack"))?;
        self.file.seek(SeekFrom::Start(8))?;
        self.file.write_all(&count.to_be_bytes())?;
        self.file.seek(SeekFrom::Start(0))?;
        let mut hasher = Sha1::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut left = self.offset;
        while left > 0 {
            let want = left.min(buf.len() as u64) as usize;
            let n = self.file.read(&mut buf[..want])?;
            if n == 0 {
                return Err(std::io::Error::other(
                    "the pack file is shorter than written",
                ));
            }
            hasher.update(&buf[..n]);
            left -= n as u64;
        }
        let checksum: [u8; 20] = hasher.finalize().into();
        self.file.seek(SeekFrom::Start(self.offset))?;
        self.file.write_all(&checksum)?;
        self.file.sync_all()?;
        let idx_tmp = tmp_name(&self.dir, &self.label, ".idx");
        let idx = index(&mut self.entries, &checksum);
        {
            let mut f = File::create(&idx_tmp)?;
            f.write_all(&idx)?;
            f.sync_all()?;
        }
        let offsets = self.entries.iter().map(|e| (e.id, e.offset)).collect();
        let tmp = std::mem::take(&mut self.tmp);
        Ok(FinishedPack {
            dir: self.dir.clone(),
            label: self.label.clone(),
            pack: tmp,
            idx: idx_tmp,
            name: hex::encode(checksum),
            offsets,
            installed: false,
        })
    }
}

impl Drop for PackWriter {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The index (version 2) of `entries`, sorted by id.
fn index(entries: &mut [Entry], pack_checksum: &[u8; 20]) -> Vec<u8> {
    entries.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    let mut out = Vec::with_capacity(8 + 1024 + entries.len() * 28 + 40);
    out.extend_from_slice(b"\xfftOc\0\0\0\x02");
    let mut fanout = [0u32; 256];
    for e in entries.iter() {
        fanout[e.id.as_bytes()[0] as usize] += 1;
    }
    let mut total = 0u32;
    for n in fanout {
        total += n;
        out.extend_from_slice(&total.to_be_bytes());
    }
    for e in entries.iter() {
        out.extend_from_slice(e.id.as_bytes());
    }
    for e in entries.iter() {
        out.extend_from_slice(&e.crc.to_be_bytes());
    }
    let mut large = Vec::new();
    for e in entries.iter() {
        if e.offset < 0x8000_0000 {
            out.extend_from_slice(&(e.offset as u32).to_be_bytes());
        } else {
            out.extend_from_slice(&(0x8000_0000u32 | large.len() as u32).to_be_bytes());
            large.push(e.offset);
        }
    }
    for offset in large {
        out.extend_from_slice(&offset.to_be_bytes());
    }
    out.extend_from_slice(pack_checksum);
    let idx_checksum: [u8; 20] = Sha1::digest(&out).into();
    out.extend_from_slice(&idx_checksum);
    out
}

/// How many small packs of one label may accumulate before [`consolidate`] merges them.
pub const SMALL_PACKS: usize = 16;
/// Packs from this size on are left alone (merging them again and again would cost more than
/// the lookups they add).
pub const SMALL_PACK_BYTES: u64 = 8 << 20;

/// The list of the packs this module installed for runs of `label` (one pack name per line),
/// under `.git/cpi-gitops/packs/`.
fn list_path(git_dir: &Path, label: &str) -> PathBuf {
    git_dir
        .join("cpi-gitops")
        .join("packs")
        .join(format!("{}.txt", crate::interrupt::lock::safe_name(label)))
}

/// Notes that `name` (`pack-<checksum>`) was installed for a run of `label`.
fn remember(git_dir: &Path, label: &str, name: &str) -> std::io::Result<()> {
    let path = list_path(git_dir, label);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = File::options().create(true).append(true).open(path)?;
    f.write_all(format!("{name}\n").as_bytes())
}

/// Keeps the number of packs bounded across runs: once runs of `label` (holding its lock)
/// installed [`SMALL_PACKS`] small packs, their objects are copied (whole, as they are) into one
/// pack and the small ones removed. Returns how many packs were merged.
///
/// Merging takes its own lock (`packs.<label>`, without waiting): two runs never merge at
/// once, and a run that finds it held leaves the merge to a later one.
pub fn consolidate(git_dir: &Path, label: &str) -> std::io::Result<usize> {
    let locks = crate::interrupt::lock::dir(git_dir);
    let _held = match crate::interrupt::lock::Lock::acquire(
        &locks,
        &format!("packs.{label}"),
        "the packs",
        "merging packs",
    ) {
        Ok(taken) => taken.lock,
        Err(crate::interrupt::lock::LockError::Held { .. }) => return Ok(0),
        Err(e) => return Err(std::io::Error::other(e.to_string())),
    };
    let list = list_path(git_dir, label);
    let Ok(text) = std::fs::read_to_string(&list) else {
        return Ok(0);
    };
    let pack_dir = git_dir.join("objects").join("pack");
    let mut small = Vec::new();
    let mut kept = Vec::new();
    for name in text.lines().filter(|l| !l.is_empty()) {
        let pack = pack_dir.join(format!("{name}.pack"));
        match std::fs::metadata(&pack) {
            Ok(m) if m.len() < SMALL_PACK_BYTES => small.push(name.to_string()),
            Ok(_) => kept.push(name.to_string()),
            Err(_) => {}
        }
    }
    if small.len() < SMALL_PACKS {
        return Ok(0);
    }
    let mut merged = PackWriter::create(&pack_dir, label)?;
    for name in &small {
        let idx = std::fs::read(pack_dir.join(format!("{name}.idx")))?;
        let bytes = std::fs::read(pack_dir.join(format!("{name}.pack")))?;
        for (id, start, end, crc) in read_index(&idx, bytes.len() as u64)? {
            let entry = bytes
                .get(start as usize..end as usize)
                .ok_or_else(|| std::io::Error::other(format!("{name}: an entry past the end")))?;
            merged.append_raw(id, entry, crc)?;
        }
    }
    let mut finished = merged.finish()?;
    finished.install()?;
    let new_name = format!("pack-{}", finished.name);
    for name in &small {
        if *name == new_name {
            continue;
        }
        for ext in ["idx", "pack"] {
            let path = pack_dir.join(format!("{name}.{ext}"));
            if let Ok(meta) = std::fs::metadata(&path) {
                let mut perms = meta.permissions();
                #[allow(clippy::permissions_set_readonly_false)]
                perms.set_readonly(false);
                let _ = std::fs::set_permissions(&path, perms);
            }
            let _ = std::fs::remove_file(path);
        }
    }
    kept.push(new_name);
    let tmp = list.with_extension("txt.tmp");
    std::fs::write(&tmp, kept.join("\n") + "\n")?;
    std::fs::rename(tmp, list)?;
    Ok(small.len())
}

/// The entries of a version-2 index of a pack of `pack_len` bytes: id, where the entry starts
/// and ends in the pack, CRC.
fn read_index(idx: &[u8], pack_len: u64) -> std::io::Result<Vec<(Oid, u64, u64, u32)>> {
    let bad = || std::io::Error::other("not a version-2 pack index");
    if idx.len() < 8 + 1024 || &idx[..8] != b"\xfftOc\0\0\0\x02" {
        return Err(bad());
    }
    let u32_at = |at: usize| -> std::io::Result<u32> {
        idx.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(bad)
    };
    let n = u32_at(8 + 255 * 4)? as usize;
    let ids = 8 + 1024;
    let crcs = ids + n * 20;
    let offsets = crcs + n * 4;
    let large = offsets + n * 4;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let id = Oid::from_bytes(idx.get(ids + i * 20..ids + i * 20 + 20).ok_or_else(bad)?)
            .map_err(|_| bad())?;
        let crc = u32_at(crcs + i * 4)?;
        let raw = u32_at(offsets + i * 4)?;
        let offset = if raw & 0x8000_0000 == 0 {
            raw as u64
        } else {
            let at = large + (raw & 0x7fff_ffff) as usize * 8;
            let b = idx.get(at..at + 8).ok_or_else(bad)?;
            u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
        };
        out.push((id, offset, 0, crc));
    }
    let mut by_offset: Vec<usize> = (0..n).collect();
    by_offset.sort_by_key(|i| out[*i].1);
    for w in 0..by_offset.len() {
        let end = match by_offset.get(w + 1) {
            Some(next) => out[*next].1,
            None => pack_len.saturating_sub(20),
        };
        out[by_offset[w]].2 = end;
    }
    Ok(out)
}

/// A complete pack, not yet (or already) visible to git.
pub struct FinishedPack {
    dir: PathBuf,
    label: String,
    pack: PathBuf,
    idx: PathBuf,
    name: String,
    offsets: HashMap<Oid, u64>,
    installed: bool,
}

impl FinishedPack {
    /// Makes the pack visible to git: `objects/pack/pack-<checksum>.pack`, then `.idx`; and
    /// notes it for [`consolidate`].
    pub fn install(&mut self) -> std::io::Result<()> {
        if self.installed {
            return Ok(());
        }
        if let Some(git_dir) = self.dir.parent().and_then(Path::parent) {
            remember(git_dir, &self.label, &format!("pack-{}", self.name))?;
        }
        let pack = self.dir.join(format!("pack-{}.pack", self.name));
        let idx = self.dir.join(format!("pack-{}.idx", self.name));
        std::fs::rename(&self.pack, &pack)?;
        self.pack = pack;
        std::fs::rename(&self.idx, &idx)?;
        self.idx = idx;
        self.installed = true;
        for path in [&self.pack, &self.idx] {
            if let Ok(meta) = std::fs::metadata(path) {
                let mut perms = meta.permissions();
                perms.set_readonly(true);
                let _ = std::fs::set_permissions(path, perms);
            }
        }
        Ok(())
    }

    /// How many objects the pack holds.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Whether the pack holds no object.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// A reader of the pack's objects (for writing the work tree without asking libgit2).
    pub fn reader(&self) -> std::io::Result<PackReader<'_>> {
        Ok(PackReader {
            file: std::io::BufReader::with_capacity(1 << 16, File::open(&self.pack)?),
            offsets: &self.offsets,
        })
    }
}

impl Drop for FinishedPack {
    fn drop(&mut self) {
        if !self.installed {
            let _ = std::fs::remove_file(&self.idx);
            let _ = std::fs::remove_file(&self.pack);
        }
    }
}

/// Reads whole (non-delta) objects back from a pack this module wrote.
pub struct PackReader<'a> {
    file: std::io::BufReader<File>,
    offsets: &'a HashMap<Oid, u64>,
}

impl PackReader<'_> {
    /// The bytes of `id`; `None` when the pack does not hold it.
    pub fn read(&mut self, id: Oid) -> std::io::Result<Option<Vec<u8>>> {
        let Some(offset) = self.offsets.get(&id) else {
            return Ok(None);
        };
        self.file.seek(SeekFrom::Start(*offset))?;
        let mut byte = [0u8; 1];
        self.file.read_exact(&mut byte)?;
        let mut size = (byte[0] & 0x0f) as u64;
        let mut shift = 4;
        while byte[0] & 0x80 != 0 {
            self.file.read_exact(&mut byte)?;
            size |= ((byte[0] & 0x7f) as u64) << shift;
            shift += 7;
        }
        let mut data = Vec::with_capacity(size as usize);
        let mut z = flate2::bufread::ZlibDecoder::new(&mut self.file);
        z.read_to_end(&mut data)?;
        if data.len() as u64 != size {
            return Err(std::io::Error::other(format!(
                "object {id} in the pack has {} bytes, its header says {size}",
                data.len()
            )));
        }
        Ok(Some(data))
    }
}

/// A tree object's bytes from its entries (name, mode, id), in git's order: by name, a folder's
/// name compared as if it ended in `/`.
pub fn tree_bytes(entries: &mut [(String, u32, Oid)]) -> Vec<u8> {
    fn key(name: &str, mode: u32) -> Vec<u8> {
        let mut k = name.as_bytes().to_vec();
        if mode == 0o040000 {
            k.push(b'/');
        }
        k
    }
    entries.sort_by_cached_key(|(name, mode, _)| key(name, *mode));
    let mut out = Vec::with_capacity(entries.len() * 60);
    for (name, mode, id) in entries.iter() {
        out.extend_from_slice(format!("{mode:o} {name}\0").as_bytes());
        out.extend_from_slice(id.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_reads_our_pack_and_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let pack_dir = dir.path().join(".git/objects/pack");
        let mut pack = PackWriter::create(&pack_dir, "test").unwrap();
        let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let a = pack.add(ObjectKind::Blob, b"hello\n").unwrap();
        let b = pack.add(ObjectKind::Blob, &big).unwrap();
        let empty = pack.add(ObjectKind::Blob, b"").unwrap();
        pack.add(ObjectKind::Blob, b"hello\n").unwrap();
        assert_eq!(pack.len(), 3, "an object is stored once");
        assert_eq!(
            a,
            Oid::hash_object(git2::ObjectType::Blob, b"hello\n").unwrap()
        );
        let mut entries = vec![
            ("z".to_string(), 0o100644, a),
            ("big.bin".to_string(), 0o100644, b),
            ("e".to_string(), 0o100644, empty),
        ];
        let tree = pack
            .add(ObjectKind::Tree, &tree_bytes(&mut entries))
            .unwrap();
        let mut finished = pack.finish().unwrap();
        {
            let mut reader = finished.reader().unwrap();
            assert_eq!(reader.read(b).unwrap().unwrap(), big);
            assert_eq!(reader.read(a).unwrap().unwrap(), b"hello\n");
        }
        assert!(repo.find_blob(a).is_err(), "invisible before installation");
        finished.install().unwrap();
        repo.odb().unwrap().refresh().unwrap();
        assert_eq!(repo.find_blob(b).unwrap().content(), &big[..]);
        let t = repo.find_tree(tree).unwrap();
        let names: Vec<String> = t.iter().map(|e| e.name().unwrap().to_string()).collect();
        assert_eq!(names, ["big.bin", "e", "z"]);
        let packs: Vec<String> = std::fs::read_dir(&pack_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            packs.len(),
            2,
            "one pack and its index, no temporary file: {packs:?}"
        );
        if std::process::Command::new("git")
            .arg("--version")
            .output()
            .is_ok()
        {
            let out = std::process::Command::new("git")
                .args(["fsck", "--full", "--strict"])
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "git fsck: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    #[test]
    fn a_dropped_pack_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut pack = PackWriter::create(dir.path(), "test").unwrap();
        pack.add(ObjectKind::Blob, b"x").unwrap();
        drop(pack);
        let mut pack = PackWriter::create(dir.path(), "test").unwrap();
        pack.add(ObjectKind::Blob, b"x").unwrap();
        drop(pack.finish().unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let pack = PackWriter::create(dir.path(), "test").unwrap();
        std::mem::forget(pack);
        assert_eq!(sweep(dir.path(), "other"), 0);
        assert_eq!(
            sweep(dir.path(), "test"),
            1,
            "what a killed run left is swept"
        );
    }

    #[test]
    fn small_packs_are_merged_into_one_that_git_reads() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let git = dir.path().join(".git");
        let pack_dir = git.join("objects/pack");
        let mut ids = Vec::new();
        for i in 0..SMALL_PACKS {
            let mut pack = PackWriter::create(&pack_dir, "export").unwrap();
            ids.push(
                pack.add(ObjectKind::Blob, format!("blob {i}").as_bytes())
                    .unwrap(),
            );
            pack.add(ObjectKind::Blob, b"in every pack").unwrap();
            pack.finish().unwrap().install().unwrap();
            let expected = if i + 1 < SMALL_PACKS { 0 } else { SMALL_PACKS };
            assert_eq!(consolidate(&git, "export").unwrap(), expected);
        }
        let packs = std::fs::read_dir(&pack_dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "pack")
            })
            .count();
        assert_eq!(packs, 1, "merged into one");
        let repo2 = git2::Repository::open(dir.path()).unwrap();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                repo2.find_blob(*id).unwrap().content(),
                format!("blob {i}").as_bytes()
            );
        }
        drop(repo);
        if std::process::Command::new("git")
            .arg("--version")
            .output()
            .is_ok()
        {
            let out = std::process::Command::new("git")
                .args(["verify-pack", "-v"])
                .arg(
                    std::fs::read_dir(&pack_dir)
                        .unwrap()
                        .map(|e| e.unwrap().path())
                        .find(|p| p.extension().is_some_and(|x| x == "idx"))
                        .unwrap(),
                )
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    #[test]
    fn folders_sort_as_if_they_ended_in_a_slash() {
        let id = Oid::ZERO_SHA1;
        let mut entries = vec![
            ("a".to_string(), 0o040000, id),
            ("a.txt".to_string(), 0o100644, id),
            ("a-b".to_string(), 0o100644, id),
        ];
        tree_bytes(&mut entries);
        let names: Vec<&str> = entries.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, ["a-b", "a.txt", "a"]);
    }
}
