//! `META-INF/MANIFEST.MF`: read the main section's headers; write CRLF lines wrapped at a width.
//!
//! Reading unwraps continuation lines (a line starting with one space continues the previous
//! one) and keeps trailing spaces, which are significant. The exporter never rewrites a manifest;
//! writing is for the emulator's generated content.

/// The headers of a manifest's main section, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    headers: Vec<(String, String)>,
}

impl Manifest {
    /// Parses the main section (up to the first empty line).
    pub fn parse(bytes: &[u8]) -> Manifest {
        let text = String::from_utf8_lossy(bytes);
        let mut headers: Vec<(String, String)> = Vec::new();
        for raw in text.split('\n') {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.is_empty() {
                if headers.is_empty() {
                    continue;
                }
                break;
            }
            if let Some(rest) = line.strip_prefix(' ') {
                if let Some(last) = headers.last_mut() {
                    last.1.push_str(rest);
                }
                continue;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.strip_prefix(' ').unwrap_or(value);
                headers.push((name.to_string(), value.to_string()));
            }
        }
        Manifest { headers }
    }

    /// Parses the main section as `java.util.jar.Manifest` would accept it: UTF-8 text whose
    /// first header is `Manifest-Version`, every line a `Name: value` header (names of letters,
    /// digits, `-` and `_`) or a continuation starting with a space. Says the first line that
    /// is not.
    pub fn parse_strict(bytes: &[u8]) -> Result<Manifest, String> {
        let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())?;
        let mut first = true;
        for (n, raw) in text.split('\n').enumerate() {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.is_empty() {
                break;
            }
            if line.starts_with(' ') && !first {
                continue;
            }
            let name = line.split_once(": ").map(|(name, _)| name);
            let valid = name.is_some_and(|name| {
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
            });
            if !valid {
                return Err(format!("line {} is not a `Name: value` header", n + 1));
            }
            if first && !name.is_some_and(|n| n.eq_ignore_ascii_case("Manifest-Version")) {
                return Err("its first header is not Manifest-Version".into());
            }
            first = false;
        }
        if first {
            return Err("it has no headers".into());
        }
        Ok(Manifest::parse(bytes))
    }

    /// The value of header `name` (exact, case-insensitive name match as Java does).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Bundle-SymbolicName` without directives such as `; singleton:=true`.
    pub fn symbolic_name(&self) -> Option<&str> {
        self.get("Bundle-SymbolicName")
            .map(|v| v.split(';').next().unwrap_or(v).trim())
            .filter(|v| !v.is_empty())
    }

    /// `Bundle-Version`, trimmed.
    pub fn version(&self) -> Option<&str> {
        self.get("Bundle-Version")
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// `Bundle-Name`, trimmed.
    pub fn bundle_name(&self) -> Option<&str> {
        self.get("Bundle-Name")
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// All headers in file order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
}

/// Writes a manifest: `Manifest-Version` first if given so, CRLF line ends, lines of at most
/// `width` bytes (continuations start with a space), and a final empty line.
pub fn write(headers: &[(&str, &str)], width: usize) -> Vec<u8> {
    let mut out = String::new();
    for (name, value) in headers {
        let line = format!("{name}: {value}");
        let mut rest = line.as_str();
        let mut first = true;
        while !rest.is_empty() {
            let room = if first { width } else { width - 1 };
            let mut cut = rest.len().min(room);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            if !first {
                out.push(' ');
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n");
            rest = &rest[cut..];
            first = false;
        }
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// Sets header `name` to `value` in manifest bytes, replacing the header's line and its
/// continuation lines (or inserting it after the first line when absent); every other byte stays.
pub fn set_header(bytes: &[u8], name: &str, value: &str) -> Vec<u8> {
    let eol: &[u8] = if bytes.windows(2).any(|w| w == b"\r\n") {
        b"\r\n"
    } else {
        b"\n"
    };
    let mut new_line = format!("{name}: {value}").into_bytes();
    new_line.extend_from_slice(eol);
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    let prefix = format!("{name}:");
    let mut out = Vec::with_capacity(bytes.len() + new_line.len());
    let mut i = 0;
    let mut replaced = false;
    while i < lines.len() {
        let line = lines[i];
        if !replaced
            && line.len() >= prefix.len()
            && line[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        {
            out.extend_from_slice(&new_line);
            i += 1;
            while i < lines.len() && lines[i].starts_with(b" ") {
                i += 1;
            }
            replaced = true;
            continue;
        }
        out.extend_from_slice(line);
        if i == 0
            && !replaced
            && !lines.iter().any(|l| {
                l.len() >= prefix.len() && l[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
            })
        {
            out.extend_from_slice(&new_line);
            replaced = true;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn strict_parsing_refuses_what_is_not_a_manifest() {
        let good = b"Manifest-Version: 1.0\r\nBundle-SymbolicName: F; singleton:=true\r\nImport-Package: a,b\r\n ,c\r\n\r\n";
        let m = super::Manifest::parse_strict(good).unwrap();
        assert_eq!(m.symbolic_name(), Some("F"));
        assert_eq!(m.get("Import-Package"), Some("a,b,c"));
        for bad in [
            &b"garbage"[..],
            b"Bundle-SymbolicName: F\r\n",
            b"Manifest-Version: 1.0\r\nno colon here\r\n",
            b"\xff\xfe",
            b"",
        ] {
            assert!(super::Manifest::parse_strict(bad).is_err(), "{bad:?}");
        }
    }

    use super::*;

    #[test]
    fn unwraps_continuations_and_keeps_trailing_spaces() {
        let m = Manifest::parse(
            b"Manifest-Version: 1.0\r\nBundle-SymbolicName: Orders_Replicate_With_A_Very_Long_Na\r\n me; singleton:=true\r\nSAP-ArtifactTrait: \r\nBundle-Version: 1.0.3\r\n\r\n",
        );
        assert_eq!(
            m.symbolic_name(),
            Some("Orders_Replicate_With_A_Very_Long_Name")
        );
        assert_eq!(m.get("SAP-ArtifactTrait"), Some(""));
        assert_eq!(m.version(), Some("1.0.3"));
    }

    #[test]
    fn trailing_space_values_survive() {
        let m = Manifest::parse(b"Import-Service: \r\n\r\n");
        assert_eq!(m.get("Import-Service"), Some(""));
        let m = Manifest::parse(b"Import-Service:  \r\n\r\n");
        assert_eq!(m.get("Import-Service"), Some(" "));
    }

    #[test]
    fn set_header_replaces_only_that_header() {
        let m = b"Manifest-Version: 1.0\r\nBundle-Version: 1.0.\r\n 3\r\nX: y \r\n\r\n";
        assert_eq!(
            set_header(m, "Bundle-Version", "1.0.4"),
            b"Manifest-Version: 1.0\r\nBundle-Version: 1.0.4\r\nX: y \r\n\r\n".to_vec()
        );
        let added = set_header(b"Manifest-Version: 1.0\r\n\r\n", "Bundle-Version", "2");
        assert_eq!(Manifest::parse(&added).version(), Some("2"));
    }

    #[test]
    fn writes_wrapped_crlf() {
        let long = "x".repeat(100);
        let bytes = write(&[("Manifest-Version", "1.0"), ("Bundle-Name", &long)], 72);
        let text = String::from_utf8(bytes.clone()).unwrap();
        for line in text.split("\r\n") {
            assert!(line.len() <= 72, "{line}");
        }
        assert!(text.ends_with("\r\n\r\n"));
        assert_eq!(
            Manifest::parse(&bytes).get("Bundle-Name"),
            Some(long.as_str())
        );
    }
}
