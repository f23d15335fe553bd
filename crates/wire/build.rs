//! Embeds the companion package's source (`companion/` at the repository's root) as a table of
//! `(path, bytes)` pairs, sorted by path, for `companion::source`.

use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest_dir.join("../../companion");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// The files of `companion/`, by path, sorted.\npub(crate) static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (path, abs) in &files {
        out.push_str(&format!("    ({path:?}, include_bytes!({abs:?})),\n"));
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("companion_files.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => panic!("cannot read the companion source {}: {e}", dir.display()),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let abs = match path.canonicalize() {
                Ok(p) => p,
                Err(e) => panic!("cannot read {}: {e}", path.display()),
            };
            files.push((rel.join("/"), abs.to_string_lossy().into_owned()));
        }
    }
}
