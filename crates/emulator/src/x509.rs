//! Certificates as the keystore describes them: fingerprints of the real DER bytes, RFC 2253
//! names, key type and size, validity; PEM and PKCS#12 decoding.

use base64::Engine;
use cpi_gitops_wire::odata::date;
use sha1::Digest;
use x509_parser::prelude::*;

/// What `KeystoreEntries` reports about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    pub key_type: String,
    pub key_size: i32,
    pub elliptic_curve: Option<String>,
    pub serial_number: String,
    pub signature_algorithm: String,
    pub subject_dn: String,
    pub issuer_dn: String,
    pub valid_not_before: String,
    pub valid_not_after: String,
    pub valid_not_after_ms: i64,
    pub version: i32,
    pub fingerprint_sha1: String,
    pub fingerprint_sha256: String,
    pub fingerprint_sha512: String,
}

/// Reads a certificate given as DER, as base64 of DER, or as PEM; returns its DER bytes.
pub fn certificate_der(body: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok();
    let der = if let Some(text) = text.filter(|t| t.contains("-----BEGIN CERTIFICATE-----")) {
        let inner = text
            .split("-----BEGIN CERTIFICATE-----")
            .nth(1)?
            .split("-----END CERTIFICATE-----")
            .next()?;
        let clean: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(clean)
            .ok()?
    } else if let Some(text) = text {
        let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(clean)
            .ok()?
    } else {
        body.to_vec()
    };
    X509Certificate::from_der(&der).ok()?;
    Some(der)
}

/// PEM text of DER certificate bytes (64-character lines, `\n` line ends, final newline).
pub fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Describes a DER certificate; `None` when it does not parse.
pub fn describe(der: &[u8]) -> Option<CertificateInfo> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let spki = cert.public_key();
    let (key_type, key_size, curve) = match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => ("RSA", rsa.key_size() as i32, None),
        Ok(x509_parser::public_key::PublicKey::EC(_)) => {
            let curve_oid = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            let (name, size) = match curve_oid.as_str() {
                "1.2.840.10045.3.1.7" => ("secp256r1", 256),
                "1.3.132.0.34" => ("secp384r1", 384),
                "1.3.132.0.35" => ("secp521r1", 521),
                _ => ("unknown", 0),
            };
            ("EC", size, Some(name.to_string()))
        }
        Ok(x509_parser::public_key::PublicKey::DSA(_)) => ("DSA", 0, None),
        _ => ("unknown", 0, None),
    };
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    let signature_algorithm = match sig_oid.as_str() {
        "1.2.840.113549.1.1.5" => "SHA1withRSA",
        "1.2.840.113549.1.1.11" => "SHA256withRSA",
        "1.2.840.113549.1.1.12" => "SHA384withRSA",
        "1.2.840.113549.1.1.13" => "SHA512withRSA",
        "1.2.840.10045.4.3.2" => "SHA256withECDSA",
        "1.2.840.10045.4.3.3" => "SHA384withECDSA",
        "1.2.840.10045.4.3.4" => "SHA512withECDSA",
        other => other,
    }
    .to_string();
    let not_before = cert.validity().not_before.timestamp() * 1000;
    let not_after = cert.validity().not_after.timestamp() * 1000;
    Some(CertificateInfo {
        key_type: key_type.into(),
        key_size,
        elliptic_curve: curve,
        serial_number: format!(
            "0x{}",
            hex::encode_upper(cert.raw_serial()).trim_start_matches('0')
        ),
        signature_algorithm,
        subject_dn: rfc2253(cert.subject()),
        issuer_dn: rfc2253(cert.issuer()),
        valid_not_before: date(not_before),
        valid_not_after: date(not_after),
        valid_not_after_ms: not_after,
        version: cert.version().0 as i32 + 1,
        fingerprint_sha1: colon_hex(&sha1::Sha1::digest(der)),
        fingerprint_sha256: colon_hex(&sha2::Sha256::digest(der)),
        fingerprint_sha512: colon_hex(&sha2::Sha512::digest(der)),
    })
}

/// Subject and issuer of a DER certificate in RFC 2253 form (for trust-path checks).
pub fn subject_and_issuer(der: &[u8]) -> Option<(String, String)> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some((rfc2253(cert.subject()), rfc2253(cert.issuer())))
}

/// The certificate of the private key in a PKCS#12 file, or why it cannot be read.
pub fn pkcs12_certificate(p12: &[u8], password: &str) -> Result<Vec<u8>, String> {
    let store = p12_keystore::KeyStore::from_pkcs12(
        p12,
        password,
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )
    .map_err(|e| format!("the PKCS#12 file cannot be read with the given password: {e}"))?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| "the PKCS#12 file holds no private key".to_string())?;
    chain
        .certs()
        .first()
        .map(|c| c.as_der().to_vec())
        .ok_or_else(|| "the PKCS#12 file holds no certificate for its key".to_string())
}

/// The `CertificateUserMappings` Id of a certificate: 32 lower-case hex characters derived from
/// its bytes.
pub fn mapping_id(der: &[u8]) -> String {
    hex::encode(&sha2::Sha256::digest(der)[..16])
}

fn rfc2253(name: &X509Name) -> String {
    let mut parts: Vec<String> = Vec::new();
    for rdn in name.iter_rdn() {
        for attr in rdn.iter() {
            let short = match attr.attr_type().to_id_string().as_str() {
                "2.5.4.3" => "CN".to_string(),
                "2.5.4.6" => "C".to_string(),
                "2.5.4.7" => "L".to_string(),
                "2.5.4.8" => "ST".to_string(),
                "2.5.4.10" => "O".to_string(),
                "2.5.4.11" => "OU".to_string(),
                "1.2.840.113549.1.9.1" => "EMAILADDRESS".to_string(),
                other => other.to_string(),
            };
            let value = attr
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|_| hex::encode(attr.attr_value().data));
            parts.push(format!("{short}={value}"));
        }
    }
    parts.reverse();
    parts.join(", ")
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTNER_CA: &str = include_str!("seed/certs/partner_ca.pem");
    const BANK: &str = include_str!("seed/certs/bank_sftp_host.pem");

    #[test]
    fn describes_rsa_and_ec_certificates() {
        let der = certificate_der(PARTNER_CA.as_bytes()).unwrap();
        let info = describe(&der).unwrap();
        assert_eq!(info.key_type, "RSA");
        assert_eq!(info.key_size, 2048);
        assert_eq!(info.subject_dn, "CN=Partner Root CA, O=Partner AG, C=DE");
        assert_eq!(info.signature_algorithm, "SHA256withRSA");
        assert_eq!(info.fingerprint_sha256.len(), 32 * 3 - 1);
        let ec = describe(&certificate_der(BANK.as_bytes()).unwrap()).unwrap();
        assert_eq!((ec.key_type.as_str(), ec.key_size), ("EC", 256));
        assert_eq!(ec.elliptic_curve.as_deref(), Some("secp256r1"));
    }

    #[test]
    fn accepts_der_base64_and_pem() {
        let der = certificate_der(PARTNER_CA.as_bytes()).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        assert_eq!(certificate_der(b64.as_bytes()).unwrap(), der);
        assert_eq!(certificate_der(&der).unwrap(), der);
        assert_eq!(certificate_der(pem(&der).as_bytes()).unwrap(), der);
        assert!(certificate_der(b"garbage").is_none());
    }

    #[test]
    fn reads_the_demo_pkcs12() {
        let p12 = include_bytes!("seed/certs/demo_signing.p12");
        let der = pkcs12_certificate(p12, "demo-keypair-pass").unwrap();
        let pem_der = certificate_der(include_bytes!("seed/certs/demo_signing.pem")).unwrap();
        assert_eq!(der, pem_der);
        assert!(pkcs12_certificate(p12, "wrong").is_err());
    }
}
