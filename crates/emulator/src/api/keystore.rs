//! The tenant keystore: `KeystoreEntries` (read, certificate export, rename, delete),
//! `CertificateResources` (import and replace with the `update`, `fingerprintVerified` and
//! `returnKeystoreEntries` rules), `KeyPairResources` (PKCS#12 upload) and `Keystores`
//! (reference sections 7.4 and 12.13).

use super::{Call, no_method};
use crate::odata::{
    ApiError, ApiResult, QueryRules, Reply, collection, entity, json_body, required, string_field,
};
use crate::state::{KeyEntry, Tenant};
use crate::x509;
use axum::http::{Method, StatusCode};
use base64::Engine;
use cpi_gitops_wire::Secret;
use cpi_gitops_wire::keystore::{
    KeystoreEntry, OWNER_TENANT, TYPE_CERTIFICATE, TYPE_KEY_PAIR, hexalias, is_reserved_alias,
};
use cpi_gitops_wire::odata::date;
use serde_json::{Value, json};

/// Largest accepted certificate upload.
const MAX_CERTIFICATE_BYTES: usize = 10 * 1024;

/// Renders a keystore entry with properties computed from its certificate bytes.
pub fn render(base: &str, e: &KeyEntry) -> Value {
    let info = x509::describe(&e.certificate);
    let hex = hexalias(&e.alias);
    let wire = KeystoreEntry {
        hexalias: hex.clone(),
        alias: e.alias.clone(),
        kind: if e.key_pair {
            TYPE_KEY_PAIR
        } else {
            TYPE_CERTIFICATE
        }
        .into(),
        owner: Some(e.owner.clone()),
        key_type: info.as_ref().map(|i| i.key_type.clone()),
        key_size: info.as_ref().map(|i| i.key_size),
        elliptic_curve: info.as_ref().and_then(|i| i.elliptic_curve.clone()),
        serial_number: info.as_ref().map(|i| i.serial_number.clone()),
        signature_algorithm: info.as_ref().map(|i| i.signature_algorithm.clone()),
        subject_dn: info.as_ref().map(|i| i.subject_dn.clone()),
        issuer_dn: info.as_ref().map(|i| i.issuer_dn.clone()),
        valid_not_before: info.as_ref().map(|i| i.valid_not_before.clone()),
        valid_not_after: info.as_ref().map(|i| i.valid_not_after.clone()),
        version: info.as_ref().map(|i| i.version),
        fingerprint_sha1: info.as_ref().map(|i| i.fingerprint_sha1.clone()),
        fingerprint_sha256: info.as_ref().map(|i| i.fingerprint_sha256.clone()),
        fingerprint_sha512: info.as_ref().map(|i| i.fingerprint_sha512.clone()),
        validity: None,
        status: Some("unchanged".into()),
        created_by: Some(e.created_by.clone()),
        created_time: Some(date(e.created_time)),
        last_modified_by: Some(e.modified_by.clone()),
        last_modified_time: Some(date(e.modified_time)),
    };
    let path = format!("KeystoreEntries('{hex}')");
    entity(
        base,
        "KeystoreEntry",
        &path,
        serde_json::to_value(wire).unwrap_or_default(),
        &["Certificate", "ChainCertificates", "Sshkey", "Keystore"],
        false,
    )
}

/// Decodes a `Hexalias` key (either case). Odd length or non-hex is `None`.
fn alias_of(hex_key: &str) -> Option<String> {
    let bytes = hex::decode(hex_key).ok()?;
    String::from_utf8(bytes).ok()
}

fn keystore_name(call: &Call) -> Result<(), ApiError> {
    match call.query.get("keystoreName").unwrap_or("system") {
        "system" => Ok(()),
        other => Err(ApiError::not_found(format!(
            "Keystore '{other}' is not available on this tenant."
        ))),
    }
}

pub fn handle(call: &Call, t: &mut Tenant) -> ApiResult {
    match call.segments[0].name.as_str() {
        "KeystoreEntries" => entries(call, t),
        "CertificateResources" => certificate_resource(call, t),
        "KeyPairResources" => key_pair_resource(call, t),
        _ => keystores(call, t),
    }
}

fn entries(call: &Call, t: &mut Tenant) -> ApiResult {
    keystore_name(call)?;
    let Some(_) = &call.segments[0].key else {
        if call.method != Method::GET {
            return Err(no_method(call));
        }
        let count = call.segments.get(1).is_some_and(|s| s.is("$count"));
        let items = t.keystore.values().map(|e| render(call.base, e)).collect();
        return collection(
            &call.listing("KeystoreEntries"),
            items,
            QueryRules::ALL,
            count,
        );
    };
    let hex_key = call.key(0)?.to_string();
    let sub: Vec<&str> = call.segments[1..].iter().map(|s| s.name.as_str()).collect();
    let Some(alias) = alias_of(&hex_key) else {
        return Err(if hex_key.len() % 2 == 1 {
            ApiError::internal(format!("Hexalias '{hex_key}' has an odd number of digits."))
        } else {
            ApiError::bad_request(format!("Hexalias '{hex_key}' is not hexadecimal."))
        });
    };
    match (call.method, sub.as_slice()) {
        (&Method::GET, []) => {
            let e = t.keystore.get(&alias).ok_or_else(ApiError::no_entity)?;
            Ok(Reply::ok(render(call.base, e)))
        }
        (&Method::GET, ["Certificate", "$value"]) => {
            let e = t.keystore.get(&alias).ok_or_else(ApiError::no_entity)?;
            Ok(Reply::bytes(
                "application/pkix-cert",
                x509::pem(&e.certificate).into_bytes(),
            ))
        }
        (&Method::PUT, []) => {
            let Some(new_alias) = call.query.get("renameAlias").map(str::to_string) else {
                return Err(ApiError::bad_request(
                    "Only renaming (?renameAlias=) is supported on a keystore entry.",
                ));
            };
            if is_reserved_alias(&alias) || is_reserved_alias(&new_alias) {
                return Err(ApiError::forbidden(format!(
                    "The alias '{alias}' is reserved."
                )));
            }
            if !t.keystore.contains_key(&alias) {
                return Err(ApiError::no_entity());
            }
            if t.keystore.contains_key(&new_alias) {
                return Err(ApiError::bad_request(format!(
                    "An entry with alias '{new_alias}' already exists."
                )));
            }
            let Some(mut e) = t.keystore.remove(&alias) else {
                return Err(ApiError::no_entity());
            };
            e.alias = new_alias.clone();
            e.modified_by = call.user.into();
            e.modified_time = call.now();
            t.keystore.insert(new_alias, e);
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        (&Method::DELETE, []) => {
            if is_reserved_alias(&alias) {
                return Err(ApiError::forbidden(format!(
                    "The alias '{alias}' is reserved and cannot be deleted."
                )));
            }
            t.keystore.remove(&alias).ok_or_else(ApiError::no_entity)?;
            Ok(Reply::Empty(StatusCode::NO_CONTENT))
        }
        _ => Err(ApiError::not_found("Resource not found.")),
    }
}

/// `PUT CertificateResources('<Hex>')/$value?fingerprintVerified=..&returnKeystoreEntries=..&update=..`
fn certificate_resource(call: &Call, t: &mut Tenant) -> ApiResult {
    if call.method != Method::PUT
        || !call.segments.get(1).is_some_and(|s| s.is("$value"))
        || call.segments.len() != 2
    {
        return Err(no_method(call));
    }
    let hex_key = call.key(0)?.to_string();
    let alias = alias_of(&hex_key)
        .ok_or_else(|| ApiError::bad_request(format!("Hexalias '{hex_key}' is not valid.")))?;
    if is_reserved_alias(&alias) {
        return Err(ApiError::forbidden(format!(
            "The alias '{alias}' is reserved."
        )));
    }
    if call.body.len() > MAX_CERTIFICATE_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The certificate is larger than 10 kB.",
        ));
    }
    let der = x509::certificate_der(call.body).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body is not an X.509 certificate (DER, base64 DER or PEM).",
        )
    })?;
    let update = call.query.flag("update").unwrap_or(false);
    let exists = t.keystore.contains_key(&alias);
    if update && !exists {
        return Err(ApiError::bad_request(format!(
            "There is no entry with alias '{alias}' to update."
        )));
    }
    if !update && exists {
        return Err(ApiError::bad_request(format!(
            "An entry with alias '{alias}' already exists; use update=true to replace it."
        )));
    }
    if !call.query.flag("fingerprintVerified").unwrap_or(false) && !trusted(t, &der) {
        let mut candidate = KeyEntry {
            alias: alias.clone(),
            key_pair: false,
            owner: OWNER_TENANT.into(),
            certificate: der,
            pkcs12: None,
            pkcs12_password: None,
            created_by: call.user.into(),
            created_time: 0,
            modified_by: call.user.into(),
            modified_time: 0,
        };
        candidate.created_time = call.now();
        candidate.modified_time = candidate.created_time;
        let mut v = render(call.base, &candidate);
        if let Some(map) = v.as_object_mut() {
            map.insert("Validity".into(), json!("notTrusted"));
            map.insert("Status".into(), json!("new"));
        }
        return Ok(Reply::Json(StatusCode::CONFLICT, json!({ "d": v })));
    }
    let now = call.now();
    let previous = t.keystore.remove(&alias);
    t.keystore.insert(
        alias.clone(),
        KeyEntry {
            alias,
            key_pair: false,
            owner: OWNER_TENANT.into(),
            certificate: der,
            pkcs12: None,
            pkcs12_password: None,
            created_by: previous
                .as_ref()
                .map_or_else(|| call.user.to_string(), |p| p.created_by.clone()),
            created_time: previous.as_ref().map_or(now, |p| p.created_time),
            modified_by: call.user.into(),
            modified_time: now,
        },
    );
    if call.query.flag("returnKeystoreEntries").unwrap_or(false) {
        let items: Vec<Value> = t.keystore.values().map(|e| render(call.base, e)).collect();
        return Ok(Reply::Json(
            StatusCode::OK,
            json!({ "d": { "results": items } }),
        ));
    }
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// A certificate is trusted when its issuer is the subject of another entry of the keystore.
fn trusted(t: &Tenant, der: &[u8]) -> bool {
    let Some((subject, issuer)) = x509::subject_and_issuer(der) else {
        return false;
    };
    subject != issuer
        && t.keystore
            .values()
            .any(|e| x509::subject_and_issuer(&e.certificate).is_some_and(|(s, _)| s == issuer))
}

/// `POST KeyPairResources` with `{"Hexalias", "Alias", "Password", "Resource"}`.
fn key_pair_resource(call: &Call, t: &mut Tenant) -> ApiResult {
    if call.method != Method::POST || call.segments.len() != 1 {
        return Err(no_method(call));
    }
    let body = json_body(call.body)?;
    let alias = required(&body, "Alias")?;
    if let Some(hex_key) = string_field(&body, "Hexalias")? {
        if !hex_key.eq_ignore_ascii_case(&hexalias(&alias)) {
            return Err(ApiError::bad_request("Hexalias does not match Alias."));
        }
    }
    if is_reserved_alias(&alias) {
        return Err(ApiError::forbidden(format!(
            "The alias '{alias}' is reserved."
        )));
    }
    if t.keystore.contains_key(&alias) {
        return Err(ApiError::conflict(format!(
            "An entry with alias '{alias}' already exists; delete it first."
        )));
    }
    let password = string_field(&body, "Password")?.unwrap_or_default();
    let resource = required(&body, "Resource")?;
    let p12 = base64::engine::general_purpose::STANDARD
        .decode(resource.trim())
        .map_err(|_| ApiError::bad_request("Resource is not base64."))?;
    let certificate = x509::pkcs12_certificate(&p12, &password).map_err(ApiError::bad_request)?;
    let now = call.now();
    t.keystore.insert(
        alias.clone(),
        KeyEntry {
            alias,
            key_pair: true,
            owner: OWNER_TENANT.into(),
            certificate,
            pkcs12: Some(Secret::new(resource.trim())),
            pkcs12_password: Some(Secret::new(password)),
            created_by: call.user.into(),
            created_time: now,
            modified_by: call.user.into(),
            modified_time: now,
        },
    );
    Ok(Reply::Empty(StatusCode::NO_CONTENT))
}

/// `GET Keystores('system')[?$expand=Entries]` and `Keystores('system')/Size/$value`.
fn keystores(call: &Call, t: &mut Tenant) -> ApiResult {
    if call.method != Method::GET {
        return Err(no_method(call));
    }
    let name = call.key(0)?;
    if name != "system" {
        return Err(ApiError::no_entity());
    }
    let sub: Vec<&str> = call.segments[1..].iter().map(|s| s.name.as_str()).collect();
    match sub.as_slice() {
        [] => {
            let last = t
                .keystore
                .values()
                .map(|e| e.modified_time)
                .max()
                .unwrap_or(0);
            let fields = json!({ "Name": "system", "LastModifiedBy": "", "LastModifiedTime": date(last), "Size": t.keystore.len() });
            let mut v = entity(
                call.base,
                "Keystore",
                "Keystores('system')",
                fields,
                &["Entries"],
                false,
            );
            if call
                .query
                .get("$expand")
                .is_some_and(|e| e.contains("Entries"))
            {
                let items: Vec<Value> = t.keystore.values().map(|e| render(call.base, e)).collect();
                if let Some(map) = v.as_object_mut() {
                    map.insert("Entries".into(), json!({ "results": items }));
                }
            }
            Ok(Reply::ok(v))
        }
        ["Size", "$value"] => Ok(Reply::text(StatusCode::OK, t.keystore.len().to_string())),
        _ => Err(ApiError::not_found("Resource not found.")),
    }
}
