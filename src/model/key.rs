//! Keys as path components.
//!
//! [`escape`] percent-encodes every byte outside `[A-Za-z0-9._-]` (`Orders Replicate` ->
//! `Orders%20Replicate`, `pd:x` -> `pd%3Ax`), and a key of `.` or `..` completely: lossless, it
//! also builds the parts of an alternative partner's key, which may hold `/`.
//!
//! [`component`] is what a key is called on disk (state format 2): its escape, made safe for
//! every file system a checkout may land on:
//! - a name Windows reserves (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`, `LPT1`-`LPT9`, in any
//!   case, alone or before a `.`) gets its first character percent-encoded (`CON` -> `%43ON`);
//! - a trailing `.` (which Windows drops) is encoded (`a.` -> `a%2E`);
//! - an escape longer than [`MAX_COMPONENT`] bytes is cut there (never inside a `%XX`), followed
//!   by `~` and the first 12 hex digits of the key's SHA-256: `~` never occurs in an escape, so
//!   a cut name is recognized as one ([`is_cut`]), and the key itself is read from the object's
//!   JSON file (`sync::state`).
//!
//! [`unescape`] reverses [`component`] for names that are not cut, and accepts the plain
//! [`escape`] of state format 1 too, so older states load.

use sha2::Digest;

/// Escapes longer than this (in bytes) are cut ([`component`]).
pub const MAX_COMPONENT: usize = 100;

/// Escapes a key losslessly: every byte outside `[A-Za-z0-9._-]` as `%XX`.
pub fn escape(key: &str) -> String {
    if key == "." || key == ".." || key.is_empty() {
        return key.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
            + if key.is_empty() { "%" } else { "" };
    }
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Names Windows reserves for devices, in any case, alone or before an extension.
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Whether Windows reserves a file name: its part before the first `.` is a device name
/// (`CON`, `aux`, `LPT1`, ...).
pub fn is_reserved_on_windows(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default();
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem))
}

/// The escape of a name made safe on Windows: a reserved device name gets its first character
/// encoded, a trailing `.` is encoded.
fn windows_safe(escaped: String) -> String {
    let mut out = if is_reserved_on_windows(&escaped) {
        let first = escaped.as_bytes()[0];
        format!("%{first:02X}{}", &escaped[1..])
    } else {
        escaped
    };
    if out.ends_with('.') {
        out.pop();
        out.push_str("%2E");
    }
    out
}

/// A key as one path component of the state folder (see the module docs).
pub fn component(key: &str) -> String {
    let safe = windows_safe(escape(key));
    if safe.len() <= MAX_COMPONENT {
        return safe;
    }
    let mut end = MAX_COMPONENT;
    // Never cut inside `%XX`.
    if let Some(percent) = safe[end.saturating_sub(2)..end].find('%') {
        end = end - 2 + percent;
    }
    let digest = sha2::Sha256::digest(key.as_bytes());
    format!("{}~{}", &safe[..end], &hex::encode(digest)[..12])
}

/// Whether a path component is a cut name ([`component`]): an escape, `~`, 12 hex digits.
pub fn is_cut(component: &str) -> bool {
    match component.rsplit_once('~') {
        Some((prefix, hash)) => {
            hash.len() == 12
                && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                && !prefix.is_empty()
                && prefix.len() <= MAX_COMPONENT
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'%'))
        }
        None => false,
    }
}

/// Reverses [`component`] (and the plain [`escape`] of state format 1); `None` for text neither
/// can have produced (so each key has exactly one current path), and for cut names.
pub fn unescape(component_text: &str) -> Option<String> {
    let key = unescape_any(component_text)?;
    (component(&key) == component_text || escape(&key) == component_text).then_some(key)
}

fn unescape_any(component: &str) -> Option<String> {
    if component == "%" {
        return Some(String::new());
    }
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = component.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') => {
                out.push(b);
                i += 1;
            }
            _ => return None,
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_names_are_safe_and_round_trip() {
        for (key, expected) in [
            ("CON", "%43ON"),
            ("con.json", "%63on.json"),
            ("Lpt1", "%4Cpt1"),
            ("a.", "a%2E"),
            ("CONSOLE", "CONSOLE"),
            ("..", "%2E%2E"),
        ] {
            assert_eq!(component(key), expected, "{key}");
            assert_eq!(unescape(expected).as_deref(), Some(key), "{expected}");
        }
        // State format 1 wrote plain escapes; they still name their key.
        assert_eq!(unescape("CON").as_deref(), Some("CON"));
        assert_eq!(unescape("a.").as_deref(), Some("a."));
    }

    #[test]
    fn long_names_are_cut_with_a_digest() {
        let key = "N".repeat(540);
        let c = component(&key);
        assert_eq!(c.len(), MAX_COMPONENT + 13);
        assert!(is_cut(&c) && unescape(&c).is_none(), "{c}");
        assert_ne!(
            component(&format!("{key}x")),
            c,
            "the digest tells them apart"
        );
        // A cut never splits an escape.
        let spaced = "a ".repeat(200);
        let c = component(&spaced);
        let (prefix, _) = c.rsplit_once('~').unwrap();
        assert!(
            prefix.len() <= MAX_COMPONENT && unescape_any(prefix).is_some(),
            "{c}"
        );
        assert!(!is_cut("plain") && !is_cut("a~b") && !is_cut("~0123456789ab"));
        let short = "ü".repeat(16);
        assert_eq!(component(&short), escape(&short), "96 bytes are not cut");
    }
}
