//! Java `.properties` files as tenants write them (`parameters.prop`, `metainfo.prop`).
//!
//! A tenant regenerates these with `java.util.Properties.store`: an optional comment line, a date
//! comment such as `#Sat Oct 14 18:11:02 UTC 2023`, then `key=value` lines with Java escapes and
//! non-ASCII as `\uXXXX`. The date comment changes on every download; [`strip_date_comments`] is
//! the exporter's normalization and [`store`] the emulator's regeneration.
//!
//! [`blank_values`] and [`fill_values`] edit values in place and keep every other byte (key
//! order, comments, separators, line ends): the exporter's skeleton of an integration flow's
//! `parameters.prop` and its repacking.

/// Parsed `key=value` pairs in file order (later duplicates replace earlier ones in place).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    entries: Vec<(String, String)>,
}

impl Properties {
    /// Parses Java properties text. Bytes that are not UTF-8 are read as ISO-8859-1, as
    /// `Properties.load(InputStream)` does.
    pub fn parse(bytes: &[u8]) -> Properties {
        let text = match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes.iter().map(|&b| b as char).collect(),
        };
        let mut props = Properties::default();
        let mut logical = String::new();
        let mut continuing = false;
        for raw in text.split('\n') {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let line = if continuing {
                line.trim_start_matches([' ', '\t', '\x0c'])
            } else {
                line
            };
            if !continuing {
                let trimmed = line.trim_start_matches([' ', '\t', '\x0c']);
                if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
                    continue;
                }
                logical.clear();
                logical.push_str(trimmed);
            } else {
                logical.push_str(line);
            }
            // An odd number of trailing backslashes continues the line.
            let trailing = logical.chars().rev().take_while(|&c| c == '\\').count();
            if trailing % 2 == 1 {
                logical.pop();
                continuing = true;
                continue;
            }
            continuing = false;
            let (key, value) = split_key_value(&logical);
            props.set(&key, &value);
        }
        if continuing {
            let (key, value) = split_key_value(&logical);
            props.set(&key, &value);
        }
        props
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `key`, keeping its position when it exists, appending otherwise.
    pub fn set(&mut self, key: &str, value: &str) {
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_string(),
            None => self.entries.push((key.to_string(), value.to_string())),
        }
    }

    /// All pairs in order.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }
}

fn split_key_value(line: &str) -> (String, String) {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut key_end = chars.len();
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '=' | ':' | ' ' | '\t' | '\x0c' => {
                key_end = i;
                break;
            }
            _ => i += 1,
        }
    }
    let key: String = chars[..key_end.min(chars.len())].iter().collect();
    let mut j = key_end;
    while j < chars.len() && matches!(chars[j], ' ' | '\t' | '\x0c') {
        j += 1;
    }
    if j < chars.len() && matches!(chars[j], '=' | ':') {
        j += 1;
    }
    while j < chars.len() && matches!(chars[j], ' ' | '\t' | '\x0c') {
        j += 1;
    }
    let value: String = chars[j.min(chars.len())..].iter().collect();
    (unescape(&key), unescape(&value))
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&hex),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn escape(s: &str, is_key: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            ' ' if is_key || i == 0 => out.push_str("\\ "),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0c' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The text of a properties file: UTF-8 when it is, otherwise ISO-8859-1, as
/// `Properties.load(InputStream)` reads it; and whether it was UTF-8.
fn decode(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), true),
        Err(_) => (bytes.iter().map(|&b| b as char).collect(), false),
    }
}

fn encode(text: &str, utf8: bool) -> Vec<u8> {
    if utf8 {
        text.as_bytes().to_vec()
    } else {
        // Every character came from one byte or is ASCII from `escape`.
        text.chars().map(|c| c as u32 as u8).collect()
    }
}

/// One `key=value` entry as it stands in the text: `text[start..value_start]` is the key and
/// separator as written, `text[value_start..value_end]` the value (across continuation lines),
/// `text[value_end..end]` the line end.
struct Span {
    key: String,
    value_start: usize,
    value_end: usize,
}

/// The entries of `text` with their places; comment and blank lines are not entries.
fn spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut pos = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let line_start = pos;
        pos += line.len();
        i += 1;
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start_matches([' ', '\t', '\x0c']);
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
            continue;
        }
        let indent = body.len() - trimmed.len();
        // The logical line: continued while a line ends in an odd number of backslashes.
        let mut value_end = line_start + body.len();
        let mut last = body;
        while last.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1 && i < lines.len() {
            let next = lines[i];
            pos += next.len();
            i += 1;
            last = next.trim_end_matches(['\n', '\r']);
            value_end = pos - (next.len() - last.len());
        }
        // The key ends at the first unescaped separator of the first line.
        let chars: Vec<(usize, char)> = trimmed.char_indices().collect();
        let mut k = 0;
        let mut key_end = trimmed.len();
        while k < chars.len() {
            match chars[k].1 {
                '\\' => k += 2,
                '=' | ':' | ' ' | '\t' | '\x0c' => {
                    key_end = chars[k].0;
                    break;
                }
                _ => k += 1,
            }
        }
        let rest = &trimmed[key_end.min(trimmed.len())..];
        let mut sep = rest.len() - rest.trim_start_matches([' ', '\t', '\x0c']).len();
        if rest[sep..].starts_with(['=', ':']) {
            sep += 1;
            sep += rest[sep..].len() - rest[sep..].trim_start_matches([' ', '\t', '\x0c']).len();
        }
        let value_start = line_start + indent + key_end.min(trimmed.len()) + sep;
        let (key, _) = split_key_value(&trimmed[..key_end.min(trimmed.len())]);
        out.push(Span {
            key,
            value_start: value_start.min(value_end),
            value_end,
        });
    }
    out
}

/// The keys of a properties file, in file order (duplicates once).
pub fn keys(bytes: &[u8]) -> Vec<String> {
    let (text, _) = decode(bytes);
    let mut out: Vec<String> = Vec::new();
    for span in spans(&text) {
        if !out.contains(&span.key) {
            out.push(span.key);
        }
    }
    out
}

/// The file with the value of every key for which `blank` is true removed (the key, its
/// separator, comments, order and line ends stay as they are).
pub fn blank_values(bytes: &[u8], blank: impl Fn(&str) -> bool) -> Vec<u8> {
    fill(bytes, |key| blank(key).then(String::new), false)
}

/// The file with the value of every key for which `value` gives one replaced by it (escaped as
/// `Properties.store` does; a key written without a separator gets `=`). Everything else stays
/// as it is.
pub fn fill_values(bytes: &[u8], value: impl Fn(&str) -> Option<String>) -> Vec<u8> {
    fill(bytes, value, true)
}

fn fill(bytes: &[u8], value: impl Fn(&str) -> Option<String>, escaped: bool) -> Vec<u8> {
    let (text, utf8) = decode(bytes);
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for span in spans(&text) {
        let Some(new) = value(&span.key) else {
            continue;
        };
        out.push_str(&text[pos..span.value_start]);
        let written = &text[..span.value_start];
        let has_separator = written
            .trim_end_matches([' ', '\t', '\x0c'])
            .ends_with(['=', ':'])
            || written.ends_with([' ', '\t', '\x0c']);
        if !new.is_empty() {
            if !has_separator {
                out.push('=');
            }
            out.push_str(&if escaped { escape(&new, false) } else { new });
        }
        pos = span.value_end;
    }
    out.push_str(&text[pos..]);
    encode(&out, utf8)
}

/// Writes `entries` as `Properties.store` does: `#<comment>` if given, `#<date>` if given, then
/// one escaped `key=value` per line, each ending in `\n`.
pub fn store(entries: &[(String, String)], comment: Option<&str>, date: Option<&str>) -> Vec<u8> {
    let mut out = String::new();
    if let Some(comment) = comment {
        out.push('#');
        out.push_str(comment);
        out.push('\n');
    }
    if let Some(date) = date {
        out.push('#');
        out.push_str(date);
        out.push('\n');
    }
    for (key, value) in entries {
        out.push_str(&escape(key, true));
        out.push('=');
        out.push_str(&escape(value, false));
        out.push('\n');
    }
    out.into_bytes()
}

/// `java.util.Date.toString()` of `epoch_ms` in UTC: `Sat Oct 14 18:11:02 UTC 2023`.
pub fn java_date(epoch_ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(epoch_ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let day = &t.weekday().to_string()[..3];
    let month = &t.month().to_string()[..3];
    format!(
        "{day} {month} {:02} {:02}:{:02}:{:02} UTC {}",
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

/// Whether a comment line is a `Date.toString()` stamp (`#Sat Oct 14 18:11:02 UTC 2023`).
pub fn is_date_comment(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"#") else {
        return false;
    };
    let text = String::from_utf8_lossy(rest);
    let parts: Vec<&str> = text.trim_end_matches(['\r', '\n']).split(' ').collect();
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    parts.len() == 6
        && DAYS.contains(&parts[0])
        && MONTHS.contains(&parts[1])
        && parts[2].len() == 2
        && parts[3].len() == 8
        && parts[3].bytes().filter(|&b| b == b':').count() == 2
        && parts[5].len() == 4
        && parts[5].bytes().all(|b| b.is_ascii_digit())
}

/// Removes the regenerated header of a stored properties file: leading comment lines that are
/// date stamps, and a bare `#` line directly before one. Every other byte is kept.
pub fn strip_date_comments(bytes: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
        if is_date_comment(bare) {
            lines.remove(i);
            if i > 0 {
                let prev = lines[i - 1];
                let p = prev.strip_suffix(b"\n").unwrap_or(prev);
                if p.strip_suffix(b"\r").unwrap_or(p) == b"#" {
                    lines.remove(i - 1);
                    i -= 1;
                }
            }
            continue;
        }
        if !bare.starts_with(b"#") && !bare.starts_with(b"!") && !bare.is_empty() {
            break;
        }
        i += 1;
    }
    lines.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_escapes_separators_and_continuations() {
        let p = Properties::parse(
            b"#comment\n#Sat Oct 14 18:11:02 UTC 2023\nReceiver\\ Address=https\\://erp.example/x\nTimeout:60000\nk v\nmulti=a\\\n    b\nuni=caf\\u00E9\n",
        );
        assert_eq!(p.get("Receiver Address"), Some("https://erp.example/x"));
        assert_eq!(p.get("Timeout"), Some("60000"));
        assert_eq!(p.get("k"), Some("v"));
        assert_eq!(p.get("multi"), Some("ab"));
        assert_eq!(p.get("uni"), Some("café"));
    }

    #[test]
    fn store_round_trips() {
        let entries = vec![
            (
                "Receiver Address".to_string(),
                "https://erp.example/x=y".to_string(),
            ),
            (
                "Schedule".to_string(),
                "<row><cell>a b</cell></row>".to_string(),
            ),
            ("Umlaut".to_string(), "Grüße".to_string()),
            ("Lead".to_string(), " leading".to_string()),
        ];
        let bytes = store(&entries, None, Some(&java_date(1_697_307_062_000)));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.starts_with("#Sat Oct 14 18:11:02 UTC 2023\n"),
            "{text}"
        );
        assert!(text.contains("Receiver\\ Address=https\\://erp.example/x\\=y\n"));
        assert!(text.contains("Umlaut=Gr\\u00FC\\u00DFe\n"));
        assert_eq!(Properties::parse(&bytes).entries(), &entries[..]);
    }

    #[test]
    fn values_are_blanked_and_filled_in_place() {
        let file = b"# kept\r\nZ\\ key = a\\:b\r\nA:1\r\nmulti=x\\\r\n    y\r\nbare\r\nlinger=old";
        assert_eq!(keys(file), ["Z key", "A", "multi", "bare", "linger"]);
        let skeleton = blank_values(file, |k| k != "linger");
        assert_eq!(
            skeleton,
            b"# kept\r\nZ\\ key = \r\nA:\r\nmulti=\r\nbare\r\nlinger=old".to_vec()
        );
        assert_eq!(keys(&skeleton), keys(file));
        let filled = fill_values(&skeleton, |k| match k {
            "Z key" => Some("a:b".into()),
            "A" => Some("1".into()),
            "multi" => Some("xy".into()),
            "bare" => Some("v w".into()),
            _ => None,
        });
        assert_eq!(
            String::from_utf8(filled.clone()).unwrap(),
            "# kept\r\nZ\\ key = a\\:b\r\nA:1\r\nmulti=xy\r\nbare=v w\r\nlinger=old"
        );
        let parsed = Properties::parse(&filled);
        assert_eq!(parsed.get("bare"), Some("v w"));
        assert_eq!(parsed.get("multi"), Some("xy"));
        // ISO-8859-1 stays ISO-8859-1.
        let latin = b"k=\xe9\nl=\xe9\n";
        assert_eq!(blank_values(latin, |k| k == "k"), b"k=\nl=\xe9\n".to_vec());
        assert_eq!(
            fill_values(b"k=\nl=\xe9\n", |k| (k == "k").then(|| "\u{e9}".into())),
            b"k=\\u00E9\nl=\xe9\n".to_vec()
        );
    }

    #[test]
    fn strips_only_date_comments() {
        let input = b"#\n#Sat Oct 14 18:11:02 UTC 2023\na=1\n#Sat Oct 14 18:11:02 UTC 2023\n";
        assert_eq!(
            strip_date_comments(input),
            b"a=1\n#Sat Oct 14 18:11:02 UTC 2023\n"
        );
        let crlf = b"#Store metainfo properties\r\n#Mon Jan 01 00:00:00 UTC 2024\r\nx=y";
        assert_eq!(
            strip_date_comments(crlf),
            b"#Store metainfo properties\r\nx=y"
        );
        assert_eq!(strip_date_comments(b"a=1"), b"a=1");
    }
}
