//! `recipients.txt`: who can read the secrets. One age recipient per line (X25519 `age1...` or
//! SSH `ssh-ed25519 ...` / `ssh-rsa ...` public keys with an optional comment), blank lines and
//! `#` comments ignored. Encryption needs only these public keys, never an identity.

use super::SecretsError;
use sha2::Digest;
use std::io::Write;

/// The parsed recipients of a repository.
pub struct Recipients {
    keys: Vec<(String, Box<dyn age::Recipient + Send + Sync>)>,
}

impl std::fmt::Debug for Recipients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|(k, _)| k))
            .finish()
    }
}

impl Recipients {
    /// Parses the text of a recipients file; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Recipients, SecretsError> {
        let mut keys: Vec<(String, Box<dyn age::Recipient + Send + Sync>)> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason: &str| SecretsError::BadRecipient {
                origin: source.to_string(),
                line: i + 1,
                reason: reason.to_string(),
            };
            if line.starts_with("age1") {
                let key = line.split_whitespace().next().unwrap_or(line);
                let r: age::x25519::Recipient = key.parse().map_err(|e: &str| bad(e))?;
                keys.push((key.to_string(), Box::new(r)));
            } else if line.starts_with("ssh-") {
                let mut parts = line.split_whitespace();
                let key = match (parts.next(), parts.next()) {
                    (Some(kind), Some(data)) => format!("{kind} {data}"),
                    _ => return Err(bad("an SSH public key needs a type and a key")),
                };
                let r: age::ssh::Recipient = key
                    .parse()
                    .map_err(|_| bad("not a supported SSH public key (ssh-ed25519 or ssh-rsa)"))?;
                keys.push((key, Box::new(r)));
            } else {
                return Err(bad(
                    "not an age recipient (age1...) or an SSH public key (ssh-ed25519 ..., ssh-rsa ...)",
                ));
            }
        }
        if keys.is_empty() {
            return Err(SecretsError::NoRecipients {
                origin: source.to_string(),
            });
        }
        Ok(Recipients { keys })
    }

    /// How many recipients there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none (never true for a parsed file).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// A short stable fingerprint of the set of recipients (order and comments ignored), to tell
    /// whether secrets were encrypted to the current set.
    pub fn fingerprint(&self) -> String {
        let mut keys: Vec<&str> = self.keys.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let digest = sha2::Sha256::digest(keys.join("\n").as_bytes());
        hex::encode(&digest[..8])
    }

    /// Encrypts `plaintext` to every recipient, as an ASCII-armored age file.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, SecretsError> {
        let recipients = self
            .keys
            .iter()
            .map(|(_, r)| r.as_ref() as &dyn age::Recipient);
        let encryptor = age::Encryptor::with_recipients(recipients)
            .map_err(|e| SecretsError::Encrypt(e.to_string()))?;
        let mut out = Vec::with_capacity(plaintext.len() * 2 + 512);
        let io = |e: std::io::Error| SecretsError::Encrypt(e.to_string());
        let armor =
            age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
                .map_err(io)?;
        let mut writer = encryptor.wrap_output(armor).map_err(io)?;
        writer.write_all(plaintext).map_err(io)?;
        writer
            .finish()
            .and_then(|armor| armor.finish())
            .map_err(io)?;
        Ok(out)
    }
}
