//! Java `.properties` files as tenants write them (`parameters.prop`, `metainfo.prop`).
//!
//! A tenant regenerates these with `java.util.Properties.store`: an optional comment line, a date
//! comment such as `#Sat Oct 14 18:11:02 UTC 2023`, then `key=value` lines with Java escapes and
//! non-ASCII as `\uXXXX`. The date comment changes on every download; [`strip_date_comments`] is
//! the exporter's normalization and [`store`] the emulator's regeneration.

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
