//! PKCS#12 files of key pairs, as the companion answers them: one private-key entry named by
//! the alias, with its certificate chain. Readers take what Java writes by default, both the
//! current form (PBES2 with AES-256, HmacSHA256 MAC: Java 8u301 and later) and the legacy one
//! (the key under PBEWithSHA1AndDESede, the certificates under PBEWithSHA1AndRC2_40, HmacSHA1).

use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, Pkcs12ImportPolicy,
    PrivateKey, PrivateKeyChain,
};
use rsa::pkcs8::der::Decode;
use sha2::{Digest, Sha256};
use std::fmt;

/// Why a PKCS#12 file cannot be read or written. Never holds key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Pkcs12Error(String);

/// The private key and chain inside a PKCS#12 file. `Debug` shows no key material.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPair {
    /// The entry's alias (friendly name).
    pub alias: String,
    /// The private key, PKCS#8 DER.
    pub key_der: Vec<u8>,
    /// The certificates, DER, leaf first.
    pub chain: Vec<Vec<u8>>,
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("alias", &self.alias)
            .field("key_algorithm", &self.key_algorithm())
            .field("certificates", &self.chain.len())
            .finish()
    }
}

/// OIDs of key algorithms, with the names Java's `Key.getAlgorithm` gives them.
const ALGORITHMS: [(&str, &str); 5] = [
    ("1.2.840.113549.1.1.1", "RSA"),
    ("1.2.840.10045.2.1", "EC"),
    ("1.2.840.10040.4.1", "DSA"),
    ("1.3.101.112", "EdDSA"),
    ("1.2.840.113549.1.1.10", "RSASSA-PSS"),
];

impl KeyPair {
    /// The key's algorithm as Java names it (`RSA`, `EC`, `DSA`...), or its OID.
    pub fn key_algorithm(&self) -> String {
        let oid = key_oid(&self.key_der).unwrap_or_default();
        ALGORITHMS
            .iter()
            .find(|(o, _)| *o == oid)
            .map_or(oid, |(_, name)| name.to_string())
    }

    /// A digest of the private key's value that does not depend on how the PKCS#8 was encoded
    /// (Java and OpenSSL differ in optional fields such as an EC key's public point): for RSA its
    /// modulus and private exponent, for EC its private scalar, else the whole DER.
    pub fn key_fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.key_algorithm().as_bytes());
        h.update([0]);
        h.update(private_value(&self.key_der).unwrap_or_else(|| self.key_der.clone()));
        hex::encode(h.finalize())
    }
}

/// Opens a PKCS#12 file with its password: its first private-key entry and that entry's chain.
pub fn open(bytes: &[u8], password: &str) -> Result<KeyPair, Pkcs12Error> {
    let store =
        KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Relaxed).map_err(|e| {
            Pkcs12Error(format!(
                "the PKCS#12 file does not open with its password: {e}"
            ))
        })?;
    let (alias, chain) = store
        .private_key_chain()
        .ok_or_else(|| Pkcs12Error("the PKCS#12 file holds no private key".into()))?;
    Ok(KeyPair {
        alias: alias.to_string(),
        key_der: chain.key().as_der().to_vec(),
        chain: chain.certs().iter().map(|c| c.as_der().to_vec()).collect(),
    })
}

/// Writes a PKCS#12 file of one private-key entry as Java 8u301 and later do by default (PBES2
/// with AES-256 and 10,000 iterations, an HmacSHA256 MAC).
pub fn build(pair: &KeyPair, password: &str) -> Result<Vec<u8>, Pkcs12Error> {
    build_with(
        pair,
        password,
        EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
    )
}

/// Writes a PKCS#12 file with the legacy algorithms of older Java 8 (3DES, SHA-1 MAC).
pub fn build_legacy(pair: &KeyPair, password: &str) -> Result<Vec<u8>, Pkcs12Error> {
    build_with(
        pair,
        password,
        EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
    )
}

fn build_with(
    pair: &KeyPair,
    password: &str,
    algorithm: EncryptionAlgorithm,
) -> Result<Vec<u8>, Pkcs12Error> {
    let key = PrivateKey::from_der(&pair.key_der)
        .map_err(|e| Pkcs12Error(format!("the private key is not PKCS#8: {e}")))?;
    let certs = pair
        .chain
        .iter()
        .map(|der| Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Pkcs12Error(format!("a certificate of the chain is not DER: {e}")))?;
    let local_key_id = Sha256::digest(pair.chain.first().map_or(&[][..], |c| c.as_slice()));
    let mut store = KeyStore::new();
    store.add_entry(
        &pair.alias,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(
            local_key_id[..20].to_vec(),
            key,
            certs,
        )),
    );
    let mac = match algorithm {
        EncryptionAlgorithm::PbeWithHmacSha256AndAes256 => MacAlgorithm::HmacSha256,
        _ => MacAlgorithm::HmacSha1,
    };
    store
        .writer(password)
        .encryption_algorithm(algorithm)
        .mac_algorithm(mac)
        .write()
        .map_err(|e| Pkcs12Error(format!("cannot write the PKCS#12 file: {e}")))
}

/// The key algorithm OID of a PKCS#8 key.
fn key_oid(der: &[u8]) -> Option<String> {
    let info = rsa::pkcs8::PrivateKeyInfo::from_der(der).ok()?;
    Some(info.algorithm.oid.to_string())
}

/// The private value of a PKCS#8 key (see [`KeyPair::key_fingerprint`]).
fn private_value(der: &[u8]) -> Option<Vec<u8>> {
    let info = rsa::pkcs8::PrivateKeyInfo::from_der(der).ok()?;
    match info.algorithm.oid.to_string().as_str() {
        "1.2.840.113549.1.1.1" => {
            let key = rsa::pkcs1::RsaPrivateKey::from_der(info.private_key).ok()?;
            Some([key.modulus.as_bytes(), key.private_exponent.as_bytes()].concat())
        }
        // ECPrivateKey ::= SEQUENCE { version INTEGER (1), privateKey OCTET STRING, ... }
        "1.2.840.10045.2.1" => {
            let (body, _) = der_tlv(info.private_key, 0x30)?;
            let (_, rest) = der_tlv(body, 0x02)?;
            let (scalar, _) = der_tlv(rest, 0x04)?;
            Some(scalar.to_vec())
        }
        _ => None,
    }
}

/// The contents of a DER value with `tag` at the start of `bytes`, and what follows it.
fn der_tlv(bytes: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = bytes.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_values_are_split_with_short_and_long_lengths() {
        assert_eq!(
            der_tlv(&[0x04, 2, 9, 8, 7], 0x04),
            Some((&[9u8, 8][..], &[7u8][..]))
        );
        let long: Vec<u8> = [&[0x04, 0x81, 3][..], &[1, 2, 3]].concat();
        assert_eq!(der_tlv(&long, 0x04), Some((&[1u8, 2, 3][..], &[][..])));
        assert_eq!(der_tlv(&[0x04, 5, 1], 0x04), None);
        assert_eq!(der_tlv(&[0x30, 0], 0x04), None);
    }
}
