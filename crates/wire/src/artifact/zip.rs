//! Zip archives: read any zip in entry order, write like `java.util.zip.ZipOutputStream`.
//!
//! The writer produces what tenants produce: every entry deflated (directories too) with C zlib at
//! level 6, general-purpose flags 0x0808 (data descriptor, UTF-8 names), no extra fields, no
//! comments, no zip64. Timestamps are the caller's; equality of artifacts is never judged on zip
//! bytes. Without zip64 a zip holds at most 65,535 entries and 4 GiB (sizes and offsets are 32
//! bits); whether tenants accept zip64 is not documented (they never write it), so the writer
//! refuses what does not fit ([`Limits`]) instead of writing a corrupt zip. The reader refuses
//! an entry larger than the caller's limit before it holds it in memory ([`read_limited`]).

use super::FormatError;
use std::io::{Read, Write};

/// One entry: a file, or a directory when the name ends with `/` (then `data` is empty).
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry name as stored, `/`-separated.
    pub name: String,
    /// The uncompressed bytes.
    pub data: Vec<u8>,
}

impl Entry {
    /// A file entry.
    pub fn file(name: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Entry {
            name: name.into(),
            data: data.into(),
        }
    }

    /// A directory entry; `name` gets a trailing `/` if it has none.
    pub fn dir(name: impl Into<String>) -> Self {
        let mut name = name.into();
        if !name.ends_with('/') {
            name.push('/');
        }
        Entry {
            name,
            data: Vec::new(),
        }
    }

    /// Whether this is a directory entry.
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Entry({:?}, {} bytes)", self.name, self.data.len())
    }
}

/// Reads every entry of a zip, in archive order.
pub fn read(bytes: &[u8]) -> Result<Vec<Entry>, FormatError> {
    read_limited(bytes, u64::MAX)
}

/// Reads every entry of a zip, in archive order, refusing an entry whose uncompressed size is
/// above `max_entry_bytes` (declared or found while inflating, so a lying header does not help).
pub fn read_limited(bytes: &[u8], max_entry_bytes: u64) -> Result<Vec<Entry>, FormatError> {
    let mut archive = ::zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| FormatError::Zip(e.to_string()))?;
    let mut entries = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let file = archive
            .by_index(i)
            .map_err(|e| FormatError::Zip(e.to_string()))?;
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let too_large = |size: u64| FormatError::EntryTooLarge {
            name: name.clone(),
            size,
            limit: max_entry_bytes,
        };
        if file.size() > max_entry_bytes {
            return Err(too_large(file.size()));
        }
        let mut data = Vec::with_capacity(file.size().min(64 << 20) as usize);
        file.take(max_entry_bytes.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| FormatError::Zip(format!("entry {name}: {e}")))?;
        if data.len() as u64 > max_entry_bytes {
            return Err(too_large(data.len() as u64));
        }
        entries.push(Entry { name, data });
    }
    Ok(entries)
}

/// What a zip written without zip64 can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries (65,535 without zip64).
    pub max_entries: usize,
    /// Bytes of the archive, and of any entry (4 GiB - 1 without zip64).
    pub max_bytes: u64,
}

impl Limits {
    /// The limits of a zip without zip64.
    pub const ZIP32: Limits = Limits {
        max_entries: u16::MAX as usize,
        max_bytes: u32::MAX as u64,
    };
}

/// A DOS date and time as stored in zip headers (2-second resolution, no time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DosTime {
    time: u16,
    date: u16,
}

impl DosTime {
    /// The DOS time of `epoch_ms` in UTC (tenants run in UTC). Clamped to 1980..=2107.
    pub fn from_epoch_ms(epoch_ms: i64) -> Self {
        let t = time::OffsetDateTime::from_unix_timestamp(epoch_ms.div_euclid(1000))
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let year = t.year().clamp(1980, 2107);
        DosTime {
            time: ((t.hour() as u16) << 11) | ((t.minute() as u16) << 5) | (t.second() as u16 / 2),
            date: (((year - 1980) as u16) << 9)
                | ((u8::from(t.month()) as u16) << 5)
                | t.day() as u16,
        }
    }
}

/// Writes `entries` in order as a zip, every entry stamped with `time`; refuses what a zip
/// without zip64 cannot hold.
pub fn write(entries: &[Entry], time: DosTime) -> Result<Vec<u8>, FormatError> {
    write_limited(entries, time, Limits::ZIP32)
}

/// [`write`] with other limits (lower ones in tests).
pub fn write_limited(
    entries: &[Entry],
    time: DosTime,
    limits: Limits,
) -> Result<Vec<u8>, FormatError> {
    const FLAGS: u16 = 0x0808;
    const VERSION: u16 = 20;
    let limits = Limits {
        max_entries: limits.max_entries.min(Limits::ZIP32.max_entries),
        max_bytes: limits.max_bytes.min(Limits::ZIP32.max_bytes),
    };
    if entries.len() > limits.max_entries {
        return Err(FormatError::TooManyEntries {
            entries: entries.len(),
            limit: limits.max_entries,
        });
    }
    let too_large = |name: &str| FormatError::TooLarge {
        entry: name.to_string(),
        limit: limits.max_bytes,
    };
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        if entry.data.len() as u64 > limits.max_bytes || entry.name.len() > u16::MAX as usize {
            return Err(too_large(&entry.name));
        }
        let offset = out.len() as u32;
        let crc = crc32fast::hash(&entry.data);
        let compressed = deflate(&entry.data);
        let name = entry.name.as_bytes();
        // Everything written so far, this entry and its central record must stay addressable.
        let after = out.len() + 30 + name.len() + compressed.len() + 16;
        if (after + central.len() + 46 + name.len() + 22) as u64 > limits.max_bytes {
            return Err(too_large(&entry.name));
        }
        // local file header; sizes follow in the data descriptor
        put32(&mut out, 0x0403_4b50);
        put16(&mut out, VERSION);
        put16(&mut out, FLAGS);
        put16(&mut out, 8);
        put16(&mut out, time.time);
        put16(&mut out, time.date);
        put32(&mut out, 0);
        put32(&mut out, 0);
        put32(&mut out, 0);
        put16(&mut out, name.len() as u16);
        put16(&mut out, 0);
        out.extend_from_slice(name);
        out.extend_from_slice(&compressed);
        put32(&mut out, 0x0807_4b50);
        put32(&mut out, crc);
        put32(&mut out, compressed.len() as u32);
        put32(&mut out, entry.data.len() as u32);
        // central directory record
        put32(&mut central, 0x0201_4b50);
        put16(&mut central, VERSION);
        put16(&mut central, VERSION);
        put16(&mut central, FLAGS);
        put16(&mut central, 8);
        put16(&mut central, time.time);
        put16(&mut central, time.date);
        put32(&mut central, crc);
        put32(&mut central, compressed.len() as u32);
        put32(&mut central, entry.data.len() as u32);
        put16(&mut central, name.len() as u16);
        put16(&mut central, 0);
        put16(&mut central, 0);
        put16(&mut central, 0);
        put16(&mut central, 0);
        put32(&mut central, 0);
        put32(&mut central, offset);
        central.extend_from_slice(name);
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    put32(&mut out, 0x0605_4b50);
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, entries.len() as u16);
    put16(&mut out, entries.len() as u16);
    put32(&mut out, central.len() as u32);
    put32(&mut out, central_offset);
    put16(&mut out, 0);
    Ok(out)
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(data.len() / 2 + 16),
        flate2::Compression::new(6),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_entries_in_order() {
        let entries = vec![
            Entry::dir("META-INF"),
            Entry::file(
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\r\n\r\n".to_vec(),
            ),
            Entry::file("b.txt", b"no final newline".to_vec()),
            Entry::file("a/empty", Vec::new()),
            Entry::file("bin", (0..=255u8).collect::<Vec<_>>()),
        ];
        let bytes = write(&entries, DosTime::from_epoch_ms(1_700_000_000_000)).unwrap();
        assert_eq!(read(&bytes).unwrap(), entries);
    }

    #[test]
    fn what_does_not_fit_without_zip64_is_refused() {
        let time = DosTime::from_epoch_ms(1_700_000_000_000);
        let many: Vec<Entry> = (0..5)
            .map(|i| Entry::file(format!("f{i}"), vec![]))
            .collect();
        let low = Limits {
            max_entries: 4,
            max_bytes: 1 << 20,
        };
        assert!(matches!(
            write_limited(&many, time, low),
            Err(FormatError::TooManyEntries {
                entries: 5,
                limit: 4
            })
        ));
        let big = vec![
            Entry::file("a", vec![7; 600]),
            Entry::file("big", vec![1; 600]),
        ];
        let err = write_limited(
            &big,
            time,
            Limits {
                max_entries: 10,
                max_bytes: 500,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("`a`"), "{err}");
        // Compressed well, the archive fits although the entries add up to more.
        let fits = Limits {
            max_entries: 10,
            max_bytes: 700,
        };
        assert!(write_limited(&big, time, fits).is_ok());
        assert_eq!(Limits::ZIP32.max_entries, 65_535);
        assert_eq!(Limits::ZIP32.max_bytes, 4_294_967_295);
    }

    #[test]
    fn entries_above_the_reading_limit_are_refused() {
        let time = DosTime::from_epoch_ms(1_700_000_000_000);
        let bytes = write(
            &[
                Entry::file("small", vec![1; 10]),
                Entry::file("large", vec![0; 5000]),
            ],
            time,
        )
        .unwrap();
        assert_eq!(read_limited(&bytes, 5000).unwrap().len(), 2);
        let err = read_limited(&bytes, 4999).unwrap_err();
        assert_eq!(
            err,
            FormatError::EntryTooLarge {
                name: "large".into(),
                size: 5000,
                limit: 4999
            }
        );
    }

    #[test]
    fn java_style_flags_and_fresh_timestamps_change_bytes() {
        let entries = vec![Entry::file("x", b"x".to_vec())];
        let a = write(&entries, DosTime::from_epoch_ms(1_700_000_000_000)).unwrap();
        let b = write(&entries, DosTime::from_epoch_ms(1_700_000_004_000)).unwrap();
        assert_ne!(a, b);
        assert_eq!(&a[6..8], &[0x08, 0x08]);
        assert_eq!(&a[8..10], &[8, 0]);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(read(b"not a zip").is_err());
    }
}
