//! Key escaping: every byte outside `[A-Za-z0-9._-]` is percent-encoded (`Orders Replicate` ->
//! `Orders%20Replicate`, `pd:x` -> `pd%3Ax`), and a key of `.` or `..` is encoded completely. An
//! escaped key is one safe path component (`store::layout`), and the parts of an alternative
//! partner's key are escaped so that they can hold `/`.

/// Escapes a key for use as one path component.
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

/// Reverses [`escape`]; `None` for text that [`escape`] cannot have produced (so each key has
/// exactly one path).
pub fn unescape(component: &str) -> Option<String> {
    let key = unescape_any(component)?;
    (escape(&key) == component).then_some(key)
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
