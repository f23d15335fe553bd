//! Entry-name safety: an entry name comes from whoever uploaded the artifact, so before anything
//! is written to disk it must stay inside the artifact's folder.

use std::collections::BTreeMap;

/// Why an entry name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeEntry {
    /// `..` or `.` as a path component, or an empty component.
    #[error("entry `{0}` has a `..`, `.` or empty path component")]
    Traversal(String),
    /// Starts with `/` or `\`, or names a drive (`C:`).
    #[error("entry `{0}` is an absolute path")]
    Absolute(String),
    /// Contains a backslash or a NUL, which mean different things on different systems.
    #[error("entry `{0}` contains a backslash or NUL character")]
    BadCharacter(String),
    /// Two entries differ only by case, which collide on case-insensitive file systems.
    #[error("entries `{0}` and `{1}` collide when case is ignored")]
    CaseCollision(String, String),
    /// The same name twice.
    #[error("entry `{0}` appears twice")]
    Duplicate(String),
    /// A name is both a file and the folder of another entry.
    #[error("entry `{0}` is a file and also the folder of `{1}`")]
    FileAndFolder(String, String),
    /// A `.git` path component, which git refuses to store.
    #[error("entry `{0}` has a `.git` path component")]
    GitFolder(String),
}

/// Checks one name (a directory entry may end with `/`).
pub fn check_name(name: &str) -> Result<(), UnsafeEntry> {
    if name.contains('\\') || name.contains('\0') {
        return Err(UnsafeEntry::BadCharacter(name.into()));
    }
    let bytes = name.as_bytes();
    if name.starts_with('/')
        || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
    {
        return Err(UnsafeEntry::Absolute(name.into()));
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    if trimmed
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(UnsafeEntry::Traversal(name.into()));
    }
    if trimmed.split('/').any(|c| c.eq_ignore_ascii_case(".git")) {
        return Err(UnsafeEntry::GitFolder(name.into()));
    }
    Ok(())
}

/// Checks every name and that no two collide, exactly or after case folding.
pub fn check_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), UnsafeEntry> {
    let mut folded: BTreeMap<String, &str> = BTreeMap::new();
    let mut files: Vec<&str> = Vec::new();
    for name in names {
        if !name.ends_with('/') {
            files.push(name);
        }
        check_name(name)?;
        let key = name.trim_end_matches('/').to_lowercase();
        if let Some(previous) = folded.insert(key, name) {
            return Err(
                if previous.trim_end_matches('/') == name.trim_end_matches('/') {
                    UnsafeEntry::Duplicate(name.into())
                } else {
                    UnsafeEntry::CaseCollision(previous.into(), name.into())
                },
            );
        }
    }
    let set: std::collections::BTreeSet<&str> = files.iter().copied().collect();
    for file in &files {
        let mut end = 0;
        while let Some(pos) = file[end..].find('/') {
            let parent = &file[..end + pos];
            if set.contains(parent) {
                return Err(UnsafeEntry::FileAndFolder(parent.into(), (*file).into()));
            }
            end += pos + 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escapes() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "C:/x",
            "a\\b",
            "a//b",
            "./a",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        for good in [
            "META-INF/",
            "src/main/resources/a b.iflw",
            "..foo",
            "a/b..c",
        ] {
            assert!(check_name(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn refuses_case_collisions() {
        assert!(matches!(
            check_names(["a/Readme.txt", "a/README.txt"]),
            Err(UnsafeEntry::CaseCollision(_, _))
        ));
        assert!(check_names(["META-INF/", "META-INF/MANIFEST.MF"]).is_ok());
        assert!(matches!(
            check_names(["a", "a/b"]),
            Err(UnsafeEntry::FileAndFolder(_, _))
        ));
        assert!(matches!(
            check_name("x/.git/config"),
            Err(UnsafeEntry::GitFolder(_))
        ));
    }
}
