//! The companion protocol's cryptography, pinned as docs/companion.md says: RSAES-OAEP with
//! SHA-256 as the digest *and* as MGF1's digest and an empty label, wrapping a fresh AES-256 key;
//! AES-256-GCM with a 12-byte IV and the 16-byte tag appended; the additional data the ASCII
//! bytes of `cpi-gitops-companion/<protocol>`; standard base64 with padding.
//!
//! The exporter makes a [`RecipientKey`] per export and opens the answer with it; a companion
//! (the emulator's native one) checks the request's key with [`recipient_public_key`] and
//! answers with [`seal`].

use super::{Envelope, MAX_RSA_BITS, MIN_RSA_BITS, algorithm};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::rand_core::{OsRng, RngCore};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Oaep, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use std::fmt;

/// Bits of the exporter's one-time key.
pub const RECIPIENT_BITS: usize = 2048;
/// Bytes of the AES key.
pub const AES_KEY_LEN: usize = 32;
/// Bytes of the GCM IV.
pub const IV_LEN: usize = 12;

/// Why something did not encrypt or decrypt. Messages never hold key material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The envelope names a version this build does not read.
    #[error("the answer is in protocol {0}, which this version of cpi-gitops does not read")]
    UnknownProtocol(u32),
    /// The envelope is in another version than the request asked in.
    #[error("the answer is in protocol {answered}, but the request asked in protocol {asked}")]
    OtherProtocol {
        /// The version asked in.
        asked: u32,
        /// The version answered in.
        answered: u32,
    },
    /// The envelope's algorithm is not its version's.
    #[error("the answer's algorithm `{found}` is not protocol {protocol}'s `{expected}`")]
    WrongAlgorithm {
        /// The version.
        protocol: u32,
        /// What the version uses.
        expected: &'static str,
        /// What the envelope says.
        found: String,
    },
    /// A field is not base64 or has the wrong length.
    #[error("the answer's `{0}` is not what the protocol says")]
    Field(&'static str),
    /// The AES key does not decrypt with the one-time key.
    #[error("the answer's encrypted key does not decrypt with this export's one-time key")]
    Unwrap,
    /// The ciphertext does not open (wrong key, altered, or bound to another version).
    #[error("the answer's ciphertext does not decrypt (altered, or not made for this request)")]
    Open,
    /// A key could not be made or encoded.
    #[error("{0}")]
    Key(String),
}

/// A request's `public_key` that a companion refuses (`bad_public_key`); the texts are the
/// script's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadPublicKey(pub String);

/// The exporter's one-time RSA key: made for one request, dropped after the answer. Its `Debug`
/// shows nothing of it.
pub struct RecipientKey {
    key: RsaPrivateKey,
}

impl fmt::Debug for RecipientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecipientKey(<one-time RSA key>)")
    }
}

impl RecipientKey {
    /// A fresh 2048-bit key from the operating system's random source.
    pub fn generate() -> Result<RecipientKey, CryptoError> {
        RsaPrivateKey::new(&mut OsRng, RECIPIENT_BITS)
            .map(|key| RecipientKey { key })
            .map_err(|e| CryptoError::Key(format!("cannot make the one-time RSA key: {e}")))
    }

    /// A key from PKCS#8 PEM (`BEGIN PRIVATE KEY`), for test vectors.
    pub fn from_pkcs8_pem(pem: &str) -> Result<RecipientKey, CryptoError> {
        RsaPrivateKey::from_pkcs8_pem(pem)
            .map(|key| RecipientKey { key })
            .map_err(|e| CryptoError::Key(format!("not an RSA private key in PKCS#8 PEM: {e}")))
    }

    /// Standard base64 of the DER `SubjectPublicKeyInfo`: the request's `public_key`.
    pub fn public_key_base64(&self) -> Result<String, CryptoError> {
        let der = self
            .key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| CryptoError::Key(format!("cannot encode the public key: {e}")))?;
        Ok(STANDARD.encode(der.as_bytes()))
    }

    /// The AES key inside `encrypted_key` (base64).
    pub fn unwrap_key(&self, encrypted_key: &str) -> Result<[u8; AES_KEY_LEN], CryptoError> {
        let wrapped = decode(encrypted_key, "encrypted_key")?;
        let key = self
            .key
            .decrypt(Oaep::new::<Sha256>(), &wrapped)
            .map_err(|_| CryptoError::Unwrap)?;
        key.try_into()
            .map_err(|_| CryptoError::Field("encrypted_key"))
    }

    /// Opens an envelope answering a request in `asked` (the version the request named): the
    /// envelope must be in that version with its algorithm. Returns the plaintext document.
    pub fn open(&self, envelope: &Envelope, asked: u32) -> Result<Vec<u8>, CryptoError> {
        check_version(envelope, asked)?;
        let key = self.unwrap_key(&envelope.encrypted_key)?;
        let iv = decode(&envelope.iv, "iv")?;
        if iv.len() != IV_LEN {
            return Err(CryptoError::Field("iv"));
        }
        let sealed = decode(&envelope.ciphertext, "ciphertext")?;
        decrypt_body(&sealed, &key, &iv, envelope.protocol)
    }
}

/// Checks an envelope's version and algorithm against the version a request asked in.
pub fn check_version(envelope: &Envelope, asked: u32) -> Result<(), CryptoError> {
    let Some(expected) = algorithm(envelope.protocol) else {
        return Err(CryptoError::UnknownProtocol(envelope.protocol));
    };
    if envelope.protocol != asked {
        return Err(CryptoError::OtherProtocol {
            asked,
            answered: envelope.protocol,
        });
    }
    if envelope.alg != expected {
        return Err(CryptoError::WrongAlgorithm {
            protocol: envelope.protocol,
            expected,
            found: envelope.alg.clone(),
        });
    }
    Ok(())
}

/// The GCM additional data of a protocol version: `cpi-gitops-companion/<protocol>`.
pub fn additional_data(protocol: u32) -> Vec<u8> {
    format!("cpi-gitops-companion/{protocol}").into_bytes()
}

/// AES-256-GCM of `plaintext`, the tag appended, bound to `protocol`.
pub fn encrypt_body(
    plaintext: &[u8],
    key: &[u8; AES_KEY_LEN],
    iv: &[u8; IV_LEN],
    protocol: u32,
) -> Result<Vec<u8>, CryptoError> {
    let cipher = Aes256Gcm::new(key.into());
    let aad = additional_data(protocol);
    cipher
        .encrypt(
            Nonce::from_slice(iv),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::Key("AES-GCM refused to encrypt".into()))
}

/// The plaintext of [`encrypt_body`]'s output.
pub fn decrypt_body(
    sealed: &[u8],
    key: &[u8; AES_KEY_LEN],
    iv: &[u8],
    protocol: u32,
) -> Result<Vec<u8>, CryptoError> {
    if iv.len() != IV_LEN {
        return Err(CryptoError::Field("iv"));
    }
    let cipher = Aes256Gcm::new(key.into());
    let aad = additional_data(protocol);
    cipher
        .decrypt(
            Nonce::from_slice(iv),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::Open)
}

/// The recipient key of a request's `public_key`, checked as a companion checks it: standard
/// base64 (padding optional, as Java's decoder), an RSA `SubjectPublicKeyInfo`, 2048 to 16384
/// bits.
pub fn recipient_public_key(public_key: Option<&str>) -> Result<RsaPublicKey, BadPublicKey> {
    let encoded = public_key.filter(|k| !k.is_empty()).ok_or_else(|| {
        BadPublicKey(
            "The request needs \"public_key\": base64 of an RSA public key (DER SubjectPublicKeyInfo)."
                .into(),
        )
    })?;
    let lenient = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let der = lenient
        .decode(encoded)
        .map_err(|_| BadPublicKey("\"public_key\" is not standard base64.".into()))?;
    let not_rsa = || {
        BadPublicKey(
            "\"public_key\" is not an RSA public key in DER SubjectPublicKeyInfo form.".into(),
        )
    };
    let spki =
        rsa::pkcs8::SubjectPublicKeyInfoRef::try_from(der.as_slice()).map_err(|_| not_rsa())?;
    if spki.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
        return Err(BadPublicKey(
            "\"public_key\" is not an RSA public key.".into(),
        ));
    }
    let inner = spki.subject_public_key.as_bytes().ok_or_else(not_rsa)?;
    let pkcs1 = <rsa::pkcs1::RsaPublicKey as rsa::pkcs1::der::Decode>::from_der(inner)
        .map_err(|_| not_rsa())?;
    let n = BigUint::from_bytes_be(pkcs1.modulus.as_bytes());
    let bits = n.bits();
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(BadPublicKey(format!(
            "\"public_key\" has {bits} bits; use 2048 to 16384."
        )));
    }
    let e = BigUint::from_bytes_be(pkcs1.public_exponent.as_bytes());
    RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS).map_err(|_| not_rsa())
}

/// Seals `plaintext` to `recipient` in `protocol` with a fresh AES key and IV.
pub fn seal(
    plaintext: &[u8],
    recipient: &RsaPublicKey,
    protocol: u32,
    companion_version: &str,
) -> Result<Envelope, CryptoError> {
    let mut key = [0u8; AES_KEY_LEN];
    let mut iv = [0u8; IV_LEN];
    OsRng.fill_bytes(&mut key);
    OsRng.fill_bytes(&mut iv);
    let envelope = seal_with(plaintext, recipient, &key, &iv, protocol, companion_version);
    key.fill(0);
    envelope
}

/// Seals `plaintext` with the given AES key and IV (test vectors; [`seal`] otherwise).
pub fn seal_with(
    plaintext: &[u8],
    recipient: &RsaPublicKey,
    key: &[u8; AES_KEY_LEN],
    iv: &[u8; IV_LEN],
    protocol: u32,
    companion_version: &str,
) -> Result<Envelope, CryptoError> {
    let alg = algorithm(protocol).ok_or(CryptoError::UnknownProtocol(protocol))?;
    let wrapped = recipient
        .encrypt(&mut OsRng, Oaep::new::<Sha256>(), key)
        .map_err(|e| CryptoError::Key(format!("RSA-OAEP refused to encrypt: {e}")))?;
    let sealed = encrypt_body(plaintext, key, iv, protocol)?;
    Ok(Envelope {
        protocol,
        companion_version: companion_version.to_string(),
        alg: alg.to_string(),
        encrypted_key: STANDARD.encode(wrapped),
        iv: STANDARD.encode(iv),
        ciphertext: STANDARD.encode(sealed),
    })
}

/// `n` bytes from the operating system's random source.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A fresh password for a PKCS#12 file, as the companion script makes them: 24 characters of
/// base64url (18 random bytes).
pub fn pkcs12_password() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(18))
}

/// Bits of an RSA public key.
pub fn bits(key: &RsaPublicKey) -> usize {
    key.n().bits()
}

fn decode(text: &str, field: &'static str) -> Result<Vec<u8>, CryptoError> {
    STANDARD.decode(text).map_err(|_| CryptoError::Field(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope_for(key: &RecipientKey, plaintext: &[u8]) -> Envelope {
        let public = recipient_public_key(Some(&key.public_key_base64().unwrap())).unwrap();
        seal(plaintext, &public, 1, "1.0.0").unwrap()
    }

    #[test]
    fn a_sealed_answer_opens_with_its_key_only() {
        let key = RecipientKey::generate().unwrap();
        let e = envelope_for(&key, b"{\"items\":[]}");
        assert_eq!(e.alg, "RSA-OAEP-256+A256GCM");
        assert_eq!(key.open(&e, 1).unwrap(), b"{\"items\":[]}");
        let other = RecipientKey::generate().unwrap();
        assert_eq!(other.open(&e, 1), Err(CryptoError::Unwrap));
        assert!(!format!("{key:?}").contains("BEGIN"));
    }

    #[test]
    fn the_version_is_checked_and_bound_to_the_ciphertext() {
        let key = RecipientKey::generate().unwrap();
        let e = envelope_for(&key, b"{}");
        // Asked in another version than answered, or a version this build does not know.
        assert_eq!(
            key.open(&e, 2),
            Err(CryptoError::OtherProtocol {
                asked: 2,
                answered: 1
            })
        );
        let mut later = e.clone();
        later.protocol = 2;
        assert_eq!(key.open(&later, 2), Err(CryptoError::UnknownProtocol(2)));
        let mut odd = e.clone();
        odd.alg = "RSA1_5+A128CBC".into();
        assert!(matches!(
            key.open(&odd, 1),
            Err(CryptoError::WrongAlgorithm { .. })
        ));
        // The additional data binds the version: a ciphertext of protocol 1 does not open as 2.
        let aes = key.unwrap_key(&e.encrypted_key).unwrap();
        let sealed = STANDARD.decode(&e.ciphertext).unwrap();
        let iv = STANDARD.decode(&e.iv).unwrap();
        assert!(decrypt_body(&sealed, &aes, &iv, 1).is_ok());
        assert_eq!(decrypt_body(&sealed, &aes, &iv, 2), Err(CryptoError::Open));
        let mut altered = e.clone();
        altered.ciphertext = STANDARD.encode([&sealed[..sealed.len() - 1], &[0u8][..]].concat());
        assert_eq!(key.open(&altered, 1), Err(CryptoError::Open));
        let mut garbage = e;
        garbage.iv = "not base64!".into();
        assert_eq!(key.open(&garbage, 1), Err(CryptoError::Field("iv")));
    }

    #[test]
    fn public_keys_are_checked_as_the_script_checks_them() {
        let refused = |k: Option<&str>| recipient_public_key(k).unwrap_err().0;
        assert!(refused(None).contains("needs \"public_key\""));
        assert!(refused(Some("")).contains("needs \"public_key\""));
        assert!(refused(Some("###")).contains("not standard base64"));
        assert!(refused(Some("AAAA")).contains("DER SubjectPublicKeyInfo"));
        let small = RsaPrivateKey::new(&mut OsRng, 1024)
            .unwrap()
            .to_public_key();
        let der = small.to_public_key_der().unwrap();
        assert_eq!(
            refused(Some(&STANDARD.encode(der.as_bytes()))),
            "\"public_key\" has 1024 bits; use 2048 to 16384."
        );
        // Padding is optional, as for Java's decoder.
        let key = RecipientKey::generate().unwrap();
        let b64 = key.public_key_base64().unwrap();
        let unpadded = b64.trim_end_matches('=');
        assert_eq!(bits(&recipient_public_key(Some(unpadded)).unwrap()), 2048);
    }
}
