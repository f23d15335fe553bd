//! The protocol's test vector (`tests/fixtures/companion/vector.json`, made by the real script):
//! the Rust side unwraps the AES key with the vector's RSA key, encrypts the plaintext to exactly
//! the vector's ciphertext, opens the envelope, and reads both PKCS#12 items (PBES2/AES-256 and
//! the legacy 3DES/RC2-40/SHA-1 form) to the fixture's keys and chains.

use super::support::{b64, fixture_pair, fixtures};
use base64::Engine;
use cpi_gitops::wire::companion::crypto::{self, RecipientKey};
use cpi_gitops::wire::companion::{Answers, Envelope, PROTOCOL, algorithm, pkcs12};
use serde_json::Value;

fn vector() -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join("vector.json")).unwrap()).unwrap()
}

fn key(v: &Value) -> RecipientKey {
    let pem = std::fs::read_to_string(fixtures().join(v["rsa_private_key_file"].as_str().unwrap()))
        .unwrap();
    RecipientKey::from_pkcs8_pem(&pem).unwrap()
}

#[test]
fn the_vector_pins_protocol_1() {
    let v = vector();
    assert_eq!(v["protocol"], PROTOCOL);
    assert_eq!(v["alg"].as_str(), algorithm(PROTOCOL));
    assert_eq!(
        v["aad"].as_str().unwrap().as_bytes(),
        crypto::additional_data(PROTOCOL)
    );
    let key = key(&v);
    assert_eq!(
        key.public_key_base64().unwrap(),
        v["public_key"].as_str().unwrap(),
        "public_key is the DER SubjectPublicKeyInfo of the vector's key"
    );
}

#[test]
fn the_encrypted_key_unwraps_to_the_vectors_aes_key() {
    let v = vector();
    let aes = key(&v)
        .unwrap_key(v["envelope"]["encrypted_key"].as_str().unwrap())
        .unwrap();
    assert_eq!(hex::encode(aes), v["aes_key_hex"].as_str().unwrap());
}

#[test]
fn the_plaintext_encrypts_to_exactly_the_vectors_ciphertext() {
    let v = vector();
    let aes: [u8; 32] = hex::decode(v["aes_key_hex"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let iv: [u8; 12] = hex::decode(v["iv_hex"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let plaintext = v["plaintext"].as_str().unwrap().as_bytes();
    let sealed = crypto::encrypt_body(plaintext, &aes, &iv, PROTOCOL).unwrap();
    assert_eq!(b64(&sealed), v["envelope"]["ciphertext"].as_str().unwrap());
    assert_eq!(b64(&iv), v["envelope"]["iv"].as_str().unwrap());
}

#[test]
fn the_envelope_opens_to_the_plaintext_and_its_key_pairs_read() {
    let v = vector();
    let envelope: Envelope = serde_json::from_value(v["envelope"].clone()).unwrap();
    let plaintext = key(&v).open(&envelope, PROTOCOL).unwrap();
    assert_eq!(plaintext, v["plaintext"].as_str().unwrap().as_bytes());
    let answers: Answers = serde_json::from_slice(&plaintext).unwrap();
    let pairs: Vec<_> = answers
        .items
        .iter()
        .filter(|a| a.kind == "key-pair" && a.status == "ok")
        .collect();
    assert_eq!(pairs.len(), 2, "the vector holds two PKCS#12 key pairs");
    for a in pairs {
        let alias = a.name.as_str().unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(a.pkcs12.as_ref().unwrap().expose())
            .unwrap();
        let pair = pkcs12::open(&bytes, a.pkcs12_password.as_ref().unwrap().expose())
            .unwrap_or_else(|e| panic!("{alias}: {e}"));
        let fixture = fixture_pair(alias);
        assert_eq!(pair.alias, alias);
        assert_eq!(
            pair.key_fingerprint(),
            fixture.key_fingerprint(),
            "{alias}: the key"
        );
        assert_eq!(pair.chain, fixture.chain, "{alias}: the chain");
        assert_eq!(Some(pair.key_algorithm()), a.key_algorithm, "{alias}");
        assert_eq!(Some(pair.chain.len() as u32), a.certificates, "{alias}");
    }
}

#[test]
fn pkcs12_files_round_trip_in_both_forms() {
    for alias in ["cpigitops_signing", "cpigitops_ec"] {
        let pair = fixture_pair(alias);
        for bytes in [
            pkcs12::build(&pair, "pw-1").unwrap(),
            pkcs12::build_legacy(&pair, "pw-1").unwrap(),
        ] {
            let read = pkcs12::open(&bytes, "pw-1").unwrap();
            assert_eq!(read, pair, "{alias}");
            assert!(pkcs12::open(&bytes, "wrong").is_err());
        }
    }
}
