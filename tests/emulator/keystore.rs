//! Rule 12.13: the keystore.

use crate::assert_status;
use crate::common::{Tenant, b64};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::json;
use sha2::Digest;

const PARTNER_CA: &str = include_str!("../../crates/emulator/src/seed/certs/partner_ca.pem");
const ACME: &str = include_str!("../../crates/emulator/src/seed/certs/acme_client.pem");
const BANK: &str = include_str!("../../crates/emulator/src/seed/certs/bank_sftp_host.pem");
const P12: &[u8] = include_bytes!("../../crates/emulator/src/seed/certs/demo_signing.p12");

fn der(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let inner: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(inner)
        .unwrap()
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[tokio::test]
async fn rule_12_13_entries_hexaliases_and_fingerprints() {
    let t = Tenant::start(Seed::Demo).await;
    let entries = t.results("KeystoreEntries?keystoreName=system").await;
    let ca = entries
        .iter()
        .find(|e| e["Alias"] == "partner_ca")
        .expect("partner_ca is listed");
    assert_eq!(
        ca["Hexalias"], "706172746E65725F6361",
        "12.13 Hexalias is upper-case hex of the alias"
    );
    assert_eq!(
        ca["FingerprintSha256"],
        json!(colon_hex(&sha2::Sha256::digest(der(PARTNER_CA)))),
        "12.13 fingerprints come from the real DER bytes"
    );
    assert_eq!(
        ca["FingerprintSha1"],
        json!(colon_hex(&sha1::Sha1::digest(der(PARTNER_CA)))),
        "12.13 SHA-1 fingerprint"
    );
    assert_eq!(
        ca["SubjectDN"], "CN=Partner Root CA, O=Partner AG, C=DE",
        "7.4 RFC 2253 subject"
    );
    assert_eq!(ca["Type"], "Certificate");
    let lower = t
        .get("KeystoreEntries('706172746e65725f6361')?keystoreName=system")
        .await;
    assert_status!(lower, 200, "12.13 lower-case hex is accepted");
    let pem = t
        .get("KeystoreEntries('706172746E65725F6361')/Certificate/$value")
        .await;
    assert_status!(pem, 200, "12.13 PEM export");
    assert_eq!(
        pem.header("content-type").as_deref(),
        Some("application/pkix-cert")
    );
    assert_eq!(
        der(&pem.text()),
        der(PARTNER_CA),
        "12.13 the exported PEM is the certificate"
    );
    assert_status!(
        t.get("KeystoreEntries('706')/Certificate/$value").await,
        500,
        "7.4 odd-length hex"
    );
    let sap = entries
        .iter()
        .find(|e| e["Alias"] == "sap_cloudintegrationcertificate")
        .unwrap();
    assert_eq!(
        (sap["Owner"].as_str(), sap["Type"].as_str()),
        (Some("SAP"), Some("Key Pair")),
        "7.4 SAP-owned entries"
    );
}

#[tokio::test]
async fn rule_12_13_certificate_import_rules() {
    let t = Tenant::start(Seed::Demo).await;
    let hex = hex::encode("acme_client");
    let path = format!("CertificateResources('{hex}')/$value");
    let untrusted = t
        .send_bytes(
            Method::PUT,
            &format!("{path}?fingerprintVerified=false&returnKeystoreEntries=false&update=false"),
            "application/pkix-cert",
            ACME.as_bytes().to_vec(),
        )
        .await;
    assert_status!(
        untrusted,
        409,
        "12.13 fingerprintVerified=false without a trust path is 409"
    );
    assert_eq!(
        untrusted.json()["d"]["Validity"],
        "notTrusted",
        "12.13 the 409 carries the parsed entry"
    );
    let created = t
        .send_bytes(
            Method::PUT,
            &format!("{path}?fingerprintVerified=true&returnKeystoreEntries=false&update=false"),
            "application/pkix-cert",
            ACME.as_bytes().to_vec(),
        )
        .await;
    assert_status!(created, 204, "12.13 import with update=false");
    let again = t
        .send_bytes(
            Method::PUT,
            &format!("{path}?fingerprintVerified=true&update=false"),
            "application/pkix-cert",
            ACME.as_bytes().to_vec(),
        )
        .await;
    assert_status!(again, 400, "12.13 update=false on an existing alias");
    let replaced = t
        .send_bytes(
            Method::PUT,
            &format!("{path}?fingerprintVerified=true&returnKeystoreEntries=true&update=true"),
            "application/pkix-cert",
            b64(&der(BANK)).into_bytes(),
        )
        .await;
    assert_status!(
        replaced,
        200,
        "12.13 returnKeystoreEntries=true answers 200 with the entries"
    );
    let listed = replaced.json()["d"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["Alias"] == "acme_client")
        .cloned()
        .unwrap();
    assert_eq!(
        listed["FingerprintSha256"],
        json!(colon_hex(&sha2::Sha256::digest(der(BANK)))),
        "12.13 update=true replaces (base64 DER accepted)"
    );
    let missing = t
        .send_bytes(
            Method::PUT,
            &format!(
                "CertificateResources('{}')/$value?fingerprintVerified=true&update=true",
                hex::encode("nobody")
            ),
            "application/pkix-cert",
            der(BANK),
        )
        .await;
    assert_status!(missing, 400, "12.13 update=true on a missing alias");
    let reserved = t
        .send_bytes(
            Method::PUT,
            &format!(
                "CertificateResources('{}')/$value?fingerprintVerified=true&update=false",
                hex::encode("sap_mine")
            ),
            "application/pkix-cert",
            der(BANK),
        )
        .await;
    assert_status!(reserved, 403, "12.13 reserved aliases");
    let garbage = t
        .send_bytes(
            Method::PUT,
            &format!(
                "CertificateResources('{}')/$value?fingerprintVerified=true&update=false",
                hex::encode("junk")
            ),
            "application/pkix-cert",
            b"not a certificate".to_vec(),
        )
        .await;
    assert_status!(garbage, 415, "7.4 an unreadable certificate is 415");
    let big = t
        .send_bytes(
            Method::PUT,
            &format!(
                "CertificateResources('{}')/$value?fingerprintVerified=true&update=false",
                hex::encode("big")
            ),
            "application/pkix-cert",
            vec![b'A'; 11 * 1024],
        )
        .await;
    assert_status!(big, 413, "7.4 a certificate over 10 kB is 413");
}

#[tokio::test]
async fn rule_12_13_key_pair_upload_rename_and_delete() {
    let t = Tenant::start(Seed::Empty).await;
    let body = |alias: &str, password: &str| json!({"Hexalias": hex::encode_upper(alias), "Alias": alias, "Password": password, "Resource": b64(P12)});
    assert_status!(
        t.send(
            Method::POST,
            "KeyPairResources",
            Some(body("signing", "wrong"))
        )
        .await,
        400,
        "7.4 a PKCS#12 with the wrong password"
    );
    assert_status!(
        t.send(
            Method::POST,
            "KeyPairResources",
            Some(body("signing", "demo-keypair-pass"))
        )
        .await,
        204,
        "7.4 PKCS#12 upload"
    );
    let entry = t
        .get_json(&format!(
            "KeystoreEntries('{}')",
            hex::encode_upper("signing")
        ))
        .await;
    assert_eq!(
        entry["d"]["Type"], "Key Pair",
        "7.4 the upload is a key pair"
    );
    assert_eq!(
        entry["d"]["SubjectDN"], "CN=cpi-demo-signing, O=Example Corp, C=DE",
        "7.4 the key pair's certificate"
    );
    assert_status!(
        t.send(
            Method::POST,
            "KeyPairResources",
            Some(body("signing", "demo-keypair-pass"))
        )
        .await,
        409,
        "7.4 the alias exists"
    );
    let rename = t
        .send(
            Method::PUT,
            &format!(
                "KeystoreEntries('{}')?renameAlias=signing2",
                hex::encode_upper("signing")
            ),
            Some(json!({"Status": null})),
        )
        .await;
    assert_status!(rename, 204, "7.4 rename");
    assert_status!(
        t.get(&format!(
            "KeystoreEntries('{}')",
            hex::encode_upper("signing2")
        ))
        .await,
        200,
        "7.4 renamed"
    );
    assert_status!(
        t.send(
            Method::DELETE,
            &format!("KeystoreEntries('{}')", hex::encode_upper("signing2")),
            None
        )
        .await,
        204,
        "7.4 delete"
    );
    assert_status!(
        t.send(
            Method::DELETE,
            &format!("KeystoreEntries('{}')", hex::encode_upper("signing2")),
            None
        )
        .await,
        404,
        "7.4 delete of nothing"
    );
    assert_eq!(
        t.get("Keystores('system')/Size/$value").await.text(),
        "0",
        "7.4 keystore size"
    );
}
