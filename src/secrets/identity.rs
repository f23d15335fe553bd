//! The age identity that decrypts secrets: an age identity file (`AGE-SECRET-KEY-1...` lines,
//! as `age-keygen` writes) or an unencrypted SSH private key. Only plan, apply, drift and
//! `secret rekey` need one; export never does.

use super::{SecretBytes, SecretsError};
use std::io::Read;

/// One or more private keys.
pub struct Identity {
    keys: Vec<Box<dyn age::Identity + Send + Sync>>,
    source: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identity({} keys from {})", self.keys.len(), self.source)
    }
}

impl Identity {
    /// A fresh X25519 identity: its text (`AGE-SECRET-KEY-1...`, to keep secret) and its
    /// recipient (`age1...`, for `recipients.txt`).
    pub fn generate() -> (super::Secret, String) {
        use age::secrecy::ExposeSecret;
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        let text = super::Secret::new(identity.to_string().expose_secret());
        (text, recipient)
    }

    /// Parses identity text; `source` names where it came from (a file, an environment variable).
    pub fn parse(text: &str, source: &str) -> Result<Identity, SecretsError> {
        let bad = |reason: String| SecretsError::BadIdentity {
            origin: source.to_string(),
            reason,
        };
        let trimmed = text.trim_start();
        if trimmed.starts_with("-----BEGIN") {
            let key = age::ssh::Identity::from_buffer(text.as_bytes(), Some(source.to_string()))
                .map_err(|e| bad(format!("not a readable SSH private key: {e}")))?;
            return match key {
                age::ssh::Identity::Unencrypted(_) => Ok(Identity { keys: vec![Box::new(key)], source: source.to_string() }),
                age::ssh::Identity::Encrypted(_) => Err(bad("the SSH key is passphrase-protected; use an unencrypted key or an age identity".into())),
                age::ssh::Identity::Unsupported(_) => Err(bad("this SSH key type is not supported (use ed25519 or RSA)".into())),
            };
        }
        let file = age::IdentityFile::from_buffer(text.as_bytes())
            .map_err(|e| bad(format!("not an age identity file: {e}")))?;
        let keys = file.into_identities().map_err(|e| bad(e.to_string()))?;
        if keys.is_empty() {
            return Err(bad("it holds no AGE-SECRET-KEY-1 line".into()));
        }
        Ok(Identity {
            keys,
            source: source.to_string(),
        })
    }

    /// Decrypts an age file (armored or binary); `file` names it in errors.
    pub fn decrypt(&self, ciphertext: &[u8], file: &str) -> Result<SecretBytes, SecretsError> {
        let fail = |reason: String| SecretsError::Decrypt {
            file: file.to_string(),
            reason,
        };
        let decryptor = age::Decryptor::new(age::armor::ArmoredReader::new(ciphertext))
            .map_err(|e| fail(format!("not an age file: {e}")))?;
        let mut reader = decryptor
            .decrypt(self.keys.iter().map(|k| k.as_ref() as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => fail(format!(
                    "the identity from {} is not one of the file's recipients",
                    self.source
                )),
                other => fail(other.to_string()),
            })?;
        let mut out = Vec::new();
        reader
            .read_to_end(&mut out)
            .map_err(|e| fail(format!("the file is damaged: {e}")))?;
        // Known to the run from now on: masked in everything printed.
        crate::redact::register(&out);
        Ok(SecretBytes::new(out))
    }
}
