//! Secrets: the [`Secret`] and [`SecretBytes`] wrappers that keep plaintext out of logs and
//! `Debug` output, and age encryption (to the repository's [`Recipients`]) and decryption (with an
//! [`Identity`]). Every secret in git is its own ASCII-armored age file, readable by the reference
//! `age` CLI: `age -d -i key.txt file.age`.

mod bytes;
mod identity;
mod recipients;

pub use bytes::SecretBytes;
/// The string wrapper lives with the wire types that carry secrets (`cpi-gitops-wire`).
pub use cpi_gitops_wire::Secret;
pub use identity::Identity;
pub use recipients::Recipients;

/// Why a secret could not be handled. Messages name the file and never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// A line of the recipients file is not a recipient.
    #[error("{origin}, line {line}: {reason}")]
    BadRecipient {
        /// The file.
        origin: String,
        /// The line, from 1.
        line: usize,
        /// Why.
        reason: String,
    },
    /// The recipients file lists nobody.
    #[error("{origin} lists no recipients")]
    NoRecipients {
        /// The file.
        origin: String,
    },
    /// The identity cannot be read.
    #[error("the age identity from {origin} cannot be used: {reason}")]
    BadIdentity {
        /// Where it came from.
        origin: String,
        /// Why.
        reason: String,
    },
    /// Encryption failed.
    #[error("age encryption failed: {0}")]
    Encrypt(String),
    /// A file cannot be decrypted.
    #[error("cannot decrypt {file}: {reason}")]
    Decrypt {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    const SSH_PUBLIC: &str = include_str!("../../tests/fixtures/age/test_ssh_ed25519.pub");
    const SSH_PRIVATE: &str = include_str!("../../tests/fixtures/age/test_ssh_ed25519");

    #[test]
    fn round_trips_to_x25519_and_ssh_recipients() {
        let x = age::x25519::Identity::generate();
        let text = format!("# team\n{}  # alice\n\n{}", x.to_public(), SSH_PUBLIC);
        let recipients = Recipients::parse(&text, "recipients.txt").unwrap();
        assert_eq!(recipients.len(), 2);
        let sealed = recipients.encrypt(b"s3cret \x00 bytes").unwrap();
        assert!(sealed.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
        let by_x = Identity::parse(&x.to_string().expose_secret_for_test(), "env").unwrap();
        assert_eq!(
            by_x.decrypt(&sealed, "f.age").unwrap().expose(),
            b"s3cret \x00 bytes"
        );
        let by_ssh = Identity::parse(SSH_PRIVATE, "key").unwrap();
        assert_eq!(
            by_ssh.decrypt(&sealed, "f.age").unwrap().expose(),
            b"s3cret \x00 bytes"
        );
    }

    #[test]
    fn wrong_identity_names_the_file_and_never_the_secret() {
        let recipients = Recipients::parse(SSH_PUBLIC, "recipients.txt").unwrap();
        let sealed = recipients.encrypt(b"canary-91ab").unwrap();
        let other = age::x25519::Identity::generate();
        let err = Identity::parse(
            &other.to_string().expose_secret_for_test(),
            "CPI_GITOPS_AGE_IDENTITY",
        )
        .unwrap()
        .decrypt(&sealed, "security/x.password.age")
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("security/x.password.age")
                && err.contains("not one of the file's recipients"),
            "{err}"
        );
        assert!(!err.contains("canary"));
    }

    #[test]
    fn bad_recipients_name_the_line() {
        let err = Recipients::parse("# c\nage1notakey\n", "tenant-state/recipients.txt")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("tenant-state/recipients.txt, line 2"),
            "{err}"
        );
        assert!(Recipients::parse("# nobody\n", "r").is_err());
    }

    #[test]
    fn fingerprint_ignores_order_and_comments() {
        let a = age::x25519::Identity::generate().to_public().to_string();
        let b = age::x25519::Identity::generate().to_public().to_string();
        let one = Recipients::parse(&format!("{a}\n{b}\n"), "r")
            .unwrap()
            .fingerprint();
        let two = Recipients::parse(&format!("# x\n{b} # bob\n{a}\n"), "r")
            .unwrap()
            .fingerprint();
        assert_eq!(one, two);
    }

    trait ExposeForTest {
        fn expose_secret_for_test(&self) -> String;
    }

    impl ExposeForTest for age::secrecy::SecretString {
        fn expose_secret_for_test(&self) -> String {
            use age::secrecy::ExposeSecret;
            self.expose_secret().to_string()
        }
    }
}
