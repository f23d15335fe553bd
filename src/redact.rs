//! Redaction: every secret value known to the run is masked in everything printed, whatever
//! carried it there (a tenant that echoes a request body in its error, a log line at `-vvv`).
//!
//! Secrets are registered where they enter the process: credentials from the environment
//! ([`crate::config`]), OAuth access tokens ([`crate::client`]), secrets decrypted for apply or
//! `secret rekey`, read from stdin by `secret set`, or revealed by a tenant's companion endpoint.
//! Values shorter than [`MIN_BYTES`] are not registered (they would mask ordinary words).
//!
//! [`redact`] replaces, with [`MASK`], each registered value in the forms it travels in:
//!
//! | form | example for `pa"ss/wörd` |
//! |---|---|
//! | raw | `pa"ss/wörd` |
//! | JSON-escaped (and with `\uXXXX` for non-ASCII, as Java writes it) | `pa\"ss/wörd`, `pa\"ss/w\u00f6rd` |
//! | base64, standard and URL-safe, at each of the three alignments inside a longer encoding | `cGEic3Mvd8O2cmQ`, ... |
//! | URL-encoded (percent-encoding, upper- and lower-case, with `-._~` kept or encoded, and with `+` for space) | `pa%22ss%2Fw%C3%B6rd`, ... |
//!
//! The report layer redacts at its sinks (stdout, stderr, the log writer) and before escaping
//! markdown; the client redacts a tenant's error text before cutting it short, so that a cut
//! never leaves half a secret.

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, RwLock};

/// What a secret is replaced with.
pub const MASK: &str = "[redacted]";

/// Secrets shorter than this are not registered.
pub const MIN_BYTES: usize = 4;

/// Encoded forms shorter than this are not masked (a base64 core of a short secret).
const MIN_FORM_CHARS: usize = 4;

/// The registered secrets and the matcher of their forms.
#[derive(Default)]
struct Registry {
    secrets: BTreeSet<Vec<u8>>,
    matcher: Option<Arc<AhoCorasick>>,
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry {
    secrets: BTreeSet::new(),
    matcher: None,
});

/// Registers a secret value: from now on it is masked in everything printed.
pub fn register(secret: &[u8]) {
    if secret.len() < MIN_BYTES {
        return;
    }
    let mut registry = REGISTRY.write().unwrap_or_else(|p| p.into_inner());
    if registry.secrets.insert(secret.to_vec()) {
        let patterns: BTreeSet<String> = registry.secrets.iter().flat_map(|s| forms(s)).collect();
        registry.matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(patterns)
            .ok()
            .map(Arc::new);
    }
}

/// Registers a secret text.
pub fn register_str(secret: &str) {
    register(secret.as_bytes());
}

/// `text` with every form of every registered secret replaced by [`MASK`].
pub fn redact(text: &str) -> Cow<'_, str> {
    let matcher = REGISTRY
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .matcher
        .clone();
    match matcher {
        Some(m) if m.is_match(text) => {
            let mut out = String::with_capacity(text.len());
            m.replace_all_with(text, &mut out, |_, _, dst| {
                dst.push_str(MASK);
                true
            });
            Cow::Owned(out)
        }
        _ => Cow::Borrowed(text),
    }
}

/// The forms in which `secret` may appear in text.
pub fn forms(secret: &[u8]) -> Vec<String> {
    let mut out = BTreeSet::new();
    if let Ok(text) = std::str::from_utf8(secret) {
        out.insert(text.to_string());
        if let Ok(json) = serde_json::to_string(text) {
            out.insert(json[1..json.len() - 1].to_string());
        }
        out.insert(json_ascii(text));
        for upper in [true, false] {
            for form in [true, false] {
                for strict in [true, false] {
                    out.insert(percent(text.as_bytes(), upper, form, strict));
                }
            }
        }
    }
    for engine in [
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        out.insert(engine.encode(secret));
        for offset in 1..3usize {
            let mut shifted = vec![0u8; offset];
            shifted.extend_from_slice(secret);
            let encoded = engine.encode(&shifted);
            // Only the characters that depend on the secret's bits alone.
            let first = (8 * offset).div_ceil(6);
            let end = (8 * (offset + secret.len())) / 6;
            if let Some(core) = encoded.get(first..end) {
                out.insert(core.to_string());
            }
        }
        // Without alignment to the end: the last characters depend on what follows.
        let full = engine.encode(secret);
        let stable = (8 * secret.len()) / 6;
        if let Some(core) = full.get(..stable) {
            out.insert(core.to_string());
        }
    }
    out.into_iter()
        .filter(|f| f.chars().count() >= MIN_FORM_CHARS)
        .collect()
}

/// JSON string content with every non-ASCII character as `\uXXXX` (UTF-16 units).
fn json_ascii(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Percent-encoding of every byte but `A-Za-z0-9-._~` (`strict`: but `A-Za-z0-9`); `form`: a
/// space as `+`.
fn percent(bytes: &[u8], upper: bool, form: bool, strict: bool) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => out.push(b as char),
            b'-' | b'.' | b'_' | b'~' if !strict => out.push(b as char),
            b' ' if form => out.push('+'),
            b if upper => out.push_str(&format!("%{b:02X}")),
            b => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

/// A writer that redacts what passes through it: everything written is collected and written,
/// redacted, to stderr when the writer is dropped (one log event per writer).
pub struct RedactingStderr {
    buffer: Vec<u8>,
}

impl RedactingStderr {
    /// A writer for one log event.
    pub fn new() -> RedactingStderr {
        RedactingStderr { buffer: Vec::new() }
    }
}

impl Default for RedactingStderr {
    fn default() -> Self {
        RedactingStderr::new()
    }
}

impl Write for RedactingStderr {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.buffer).into_owned();
        self.buffer.clear();
        let mut stderr = std::io::stderr().lock();
        stderr.write_all(redact(&text).as_bytes())?;
        stderr.flush()
    }
}

impl Drop for RedactingStderr {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_masked() {
        let secret = "Cz9-pa\"ss/w\u{f6}rd &+x";
        register_str(secret);
        let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
        let url = base64::engine::general_purpose::URL_SAFE.encode(secret);
        let shifted =
            base64::engine::general_purpose::STANDARD.encode(format!("user:{secret}").as_bytes());
        let json = serde_json::to_string(secret).unwrap();
        for text in [
            format!("raw {secret} end"),
            format!("json {json} end"),
            format!("ascii json \"{}\" end", json_ascii(secret)),
            format!("base64 {b64} end"),
            format!("url-safe base64 {url} end"),
            format!("inside a longer base64: Basic {shifted}"),
            format!(
                "percent {} end",
                percent(secret.as_bytes(), true, false, false)
            ),
            format!(
                "lower {} end",
                percent(secret.as_bytes(), false, false, false)
            ),
            format!("form {} end", percent(secret.as_bytes(), true, true, false)),
            format!(
                "strict {} end",
                percent(secret.as_bytes(), true, false, true)
            ),
        ] {
            let out = redact(&text);
            assert!(out.contains(MASK), "masked: {text} -> {out}");
            for part in ["pa\"ss", "pa\\\"ss", "pa%22ss"] {
                assert!(!out.contains(part), "{part} is gone: {out}");
            }
        }
        assert_eq!(redact("nothing secret here"), "nothing secret here");
    }

    #[test]
    fn short_values_are_not_registered() {
        register(b"abc");
        assert_eq!(redact("abc abcd"), "abc abcd");
    }

    #[test]
    fn a_secret_inside_base64_at_any_offset_is_masked() {
        let secret = b"\x00\x01binary-secret\xff\xfe";
        register(secret);
        for prefix in 0..3 {
            let mut data = vec![b'x'; prefix];
            data.extend_from_slice(secret);
            data.extend_from_slice(b"trailing");
            let encoded = base64::engine::general_purpose::STANDARD.encode(&data);
            let out = redact(&encoded);
            assert!(out.contains(MASK), "offset {prefix}: {encoded} -> {out}");
        }
    }
}
