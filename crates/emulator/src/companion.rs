//! The companion package's two flows, answered natively (design.md section 9, docs/companion.md):
//! what `SecurityMaterial.groovy` and `Ping.groovy` answer on a tenant, the same request checks,
//! statuses, reasons, refusals, envelope and crypto, so that the demo needs no Groovy. A test
//! compares these answers, decrypted, with the real script's for the same secrets.
//!
//! The tenant's secure store, as the script API sees it ([`SecureStore`]): user credentials
//! (Partner Directory ones under their `pd:` names) with their kind, secure parameters (kind
//! `secure_param`, the value as password), OAuth2 client credentials (kind `oauth2:default`, the
//! client id as user, the secret as password: the emulator's stand-ins reveal them, see
//! README.md), and the keystore (key pairs with their private key; certificates without one).

use super::state::Tenant;
use axum::http::{Method, StatusCode};
use cpi_gitops_wire::Secret;
use cpi_gitops_wire::companion::{ItemKind, PROTOCOL, crypto, partner_credential_name, pkcs12};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

use super::odata::Reply;

/// A credential as `SecureStoreService.getUserCredential` gives it.
#[derive(Clone)]
struct StoredCredential {
    /// `sec:credential.kind`.
    kind: String,
    user: String,
    password: Option<Secret>,
}

/// A keystore entry as `KeystoreService` gives it.
#[derive(Clone)]
enum StoredKey {
    /// A private key and its chain, kept as the PKCS#12 that was uploaded.
    Pair { pkcs12: Secret, password: Secret },
    /// A certificate without a private key (or SAP's own key, not given to scripts).
    Certificate,
}

/// The tenant's secrets as the script API sees them, copied out of the tenant so that the
/// answer (RSA, PKCS#12) is computed without holding the tenant's lock.
#[derive(Clone, Default)]
pub struct SecureStore {
    credentials: BTreeMap<String, StoredCredential>,
    keys: BTreeMap<String, StoredKey>,
}

impl SecureStore {
    /// The secure store of `t`; the secrets of the protocol kinds in `unreadable` are not given
    /// to scripts (the `companion_unreadable` switch).
    pub fn of(t: &Tenant, unreadable: &[String]) -> SecureStore {
        let hidden = |kind: ItemKind| unreadable.iter().any(|k| k == kind.as_str());
        let mut credentials = BTreeMap::new();
        for c in t.oauth2_client_credentials.values() {
            credentials.insert(
                c.credential.name.clone(),
                StoredCredential {
                    kind: "oauth2:default".into(),
                    user: c.credential.client_id.clone().unwrap_or_default(),
                    password: c
                        .credential
                        .client_secret
                        .clone()
                        .filter(|_| !hidden(ItemKind::OAuth2ClientCredential)),
                },
            );
        }
        for p in t.secure_parameters.values() {
            credentials.insert(
                p.name.clone(),
                StoredCredential {
                    kind: "secure_param".into(),
                    user: String::new(),
                    password: p
                        .secure_param
                        .clone()
                        .filter(|_| !hidden(ItemKind::SecureParameter)),
                },
            );
        }
        for c in t.user_credentials.values() {
            let kind = if c.name.starts_with("pd:") {
                ItemKind::UserCredentialParameter
            } else {
                ItemKind::UserCredential
            };
            credentials.insert(
                c.name.clone(),
                StoredCredential {
                    kind: c.kind.clone(),
                    user: c.user.clone().unwrap_or_default(),
                    password: c.password.clone().filter(|_| !hidden(kind)),
                },
            );
        }
        let keys = t
            .keystore
            .values()
            .map(|e| {
                let key = match (&e.pkcs12, &e.pkcs12_password) {
                    (Some(pkcs12), Some(password)) if e.key_pair && !hidden(ItemKind::KeyPair) => {
                        StoredKey::Pair {
                            pkcs12: pkcs12.clone(),
                            password: password.clone(),
                        }
                    }
                    _ => StoredKey::Certificate,
                };
                (e.alias.clone(), key)
            })
            .collect();
        SecureStore { credentials, keys }
    }
}

const CONTENT_TYPE: &str = "application/json; charset=utf-8";

fn answer(status: StatusCode, body: &Value) -> Reply {
    Reply::Raw {
        status,
        content_type: CONTENT_TYPE.into(),
        body: body.to_string().into_bytes(),
        headers: vec![("cache-control".into(), "no-store".into())],
    }
}

/// A refusal outside the envelope, as the script answers it.
fn refuse(status: StatusCode, version: &str, code: &str, message: &str) -> Reply {
    answer(
        status,
        &json!({"protocol": PROTOCOL, "companion_version": version, "error": code, "message": message}),
    )
}

/// The security-material flow's answer to one request (`version` is the deployed flow's).
pub fn security_material(
    store: &SecureStore,
    method: &Method,
    body: &[u8],
    version: &str,
) -> Reply {
    if method != Method::POST {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            version,
            "method_not_allowed",
            "POST a JSON request (protocol 1).",
        );
    }
    let bad = |message: &str| refuse(StatusCode::BAD_REQUEST, version, "bad_request", message);
    if body.is_empty() {
        return bad("The request body is empty; POST a JSON request (protocol 1).");
    }
    let Ok(parsed) = serde_json::from_slice::<Value>(body) else {
        return bad("The request body is not JSON.");
    };
    let Some(request) = parsed.as_object() else {
        return bad("The request must be a JSON object.");
    };
    if request.get("protocol").and_then(Value::as_f64) != Some(f64::from(PROTOCOL)) {
        return refuse(
            StatusCode::BAD_REQUEST,
            version,
            "unsupported_protocol",
            "This companion speaks protocol 1 only.",
        );
    }
    let Some(items) = request.get("items").and_then(Value::as_array) else {
        return bad("The request needs \"items\", a list.");
    };
    let recipient =
        match crypto::recipient_public_key(request.get("public_key").and_then(Value::as_str)) {
            Ok(key) => key,
            Err(e) => {
                return refuse(StatusCode::BAD_REQUEST, version, "bad_public_key", &e.0);
            }
        };
    let answers: Vec<Value> = items.iter().map(|item| read(store, item)).collect();
    let plaintext = json!({ "items": answers }).to_string();
    match crypto::seal(plaintext.as_bytes(), &recipient, PROTOCOL, version) {
        Ok(envelope) => answer(StatusCode::OK, &json!(envelope)),
        Err(_) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            version,
            "encryption_failed",
            "The tenant could not encrypt the answer (java.security.GeneralSecurityException).",
        ),
    }
}

fn fail(mut out: Map<String, Value>, status: &str, reason: String) -> Value {
    out.insert("status".into(), status.into());
    out.insert("reason".into(), reason.into());
    Value::Object(out)
}

/// Text of a request field: a non-empty string, else `None` (as the script's `text`).
fn text<'a>(item: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    item.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// One item's answer: its identity, a status, and the values or a reason.
fn read(store: &SecureStore, item: &Value) -> Value {
    let mut out = Map::new();
    let Some(request) = item.as_object() else {
        out.insert("status".into(), "invalid".into());
        out.insert(
            "reason".into(),
            "An item must be a JSON object with \"kind\" and \"name\" (or \"pid\" and \"id\")."
                .into(),
        );
        return Value::Object(out);
    };
    let kind = request.get("kind").cloned().unwrap_or(Value::Null);
    out.insert("kind".into(), kind.clone());
    for field in ["name", "pid", "id"] {
        if let Some(v) = request.get(field) {
            out.insert(field.into(), v.clone());
        }
    }
    let Some(kind_text) = kind.as_str() else {
        return fail(out, "invalid", "The item has no \"kind\".".into());
    };
    let name = text(request, "name");
    match ItemKind::parse(kind_text) {
        Some(
            k @ (ItemKind::UserCredential
            | ItemKind::SecureParameter
            | ItemKind::OAuth2ClientCredential),
        ) => match name {
            None => fail(out, "invalid", "The item has no \"name\".".into()),
            Some(name) => credential(store, out, name, k),
        },
        Some(ItemKind::UserCredentialParameter) => {
            match (text(request, "pid"), text(request, "id")) {
                (Some(pid), Some(id)) => {
                    let alias = partner_credential_name(pid, id);
                    out.insert("name".into(), alias.clone().into());
                    credential(store, out, &alias, ItemKind::UserCredentialParameter)
                }
                _ => fail(out, "invalid", "The item needs \"pid\" and \"id\".".into()),
            }
        }
        Some(ItemKind::KeyPair) => match name {
            None => fail(out, "invalid", "The item has no \"name\".".into()),
            Some(name) => key_pair(store, out, name),
        },
        None => fail(
            out,
            "unsupported_kind",
            format!("This companion (protocol 1) does not read \"{kind_text}\"."),
        ),
    }
}

/// Why a stored credential is not of the requested kind, as the script says it.
fn kind_mismatch(requested: ItemKind, stored: &str) -> Option<String> {
    if stored.is_empty() {
        return None;
    }
    let secure_parameter = stored == "secure_param";
    let oauth2 = stored.starts_with("oauth2");
    let expected = match requested {
        ItemKind::SecureParameter => secure_parameter,
        ItemKind::OAuth2ClientCredential => oauth2,
        _ => !secure_parameter && !oauth2,
    };
    (!expected).then(|| {
        format!(
            "The credential is stored as kind \"{stored}\", not as a {}.",
            requested.as_str()
        )
    })
}

fn credential(
    store: &SecureStore,
    mut out: Map<String, Value>,
    alias: &str,
    kind: ItemKind,
) -> Value {
    let Some(found) = store.credentials.get(alias) else {
        return fail(
            out,
            "not_found",
            format!("The secure store has no credential named \"{alias}\"."),
        );
    };
    if let Some(mismatch) = kind_mismatch(kind, &found.kind) {
        out.insert("stored_kind".into(), found.kind.clone().into());
        return fail(out, "wrong_kind", mismatch);
    }
    let Some(password) = &found.password else {
        return fail(
            out,
            "unreadable",
            format!("The script API returns no secret for \"{alias}\"."),
        );
    };
    out.insert("status".into(), "ok".into());
    let secret = Value::String(password.expose().to_string());
    match kind {
        ItemKind::SecureParameter => {
            out.insert("value".into(), secret);
        }
        ItemKind::OAuth2ClientCredential => {
            out.insert("client_id".into(), found.user.clone().into());
            out.insert("client_secret".into(), secret);
        }
        _ => {
            out.insert("user".into(), found.user.clone().into());
            out.insert("password".into(), secret);
        }
    }
    Value::Object(out)
}

fn key_pair(store: &SecureStore, mut out: Map<String, Value>, alias: &str) -> Value {
    let (stored, password) = match store.keys.get(alias) {
        None => {
            return fail(
                out,
                "not_found",
                format!("The keystore has no entry named \"{alias}\"."),
            );
        }
        Some(StoredKey::Certificate) => {
            return fail(
                out,
                "unreadable",
                format!("The keystore entry \"{alias}\" holds a certificate but no private key."),
            );
        }
        Some(StoredKey::Pair { pkcs12, password }) => (pkcs12.clone(), password.clone()),
    };
    let keystore_error = |e: &dyn std::fmt::Display| {
        format!("com.sap.it.api.keystore.exception.KeystoreException: {e}")
    };
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let Ok(bytes) = b64.decode(stored.expose().trim()) else {
        return fail(
            out,
            "error",
            keystore_error(&"the stored key pair is not readable"),
        );
    };
    let pair = match pkcs12::open(&bytes, password.expose()) {
        Ok(pair) => pair,
        Err(e) => return fail(out, "error", keystore_error(&e)),
    };
    if pair.chain.is_empty() {
        return fail(
            out,
            "unreadable",
            format!("The keystore entry \"{alias}\" has no certificate."),
        );
    }
    // A tenant's script builds a new PKCS#12 with a random password on every call; the
    // emulator's stand-in gives the one the key pair was uploaded with (readers compare key
    // pairs by the key and chain inside, never by these bytes).
    out.insert("status".into(), "ok".into());
    out.insert("pkcs12".into(), b64.encode(&bytes).into());
    out.insert("pkcs12_password".into(), password.expose().into());
    out.insert("key_algorithm".into(), pair.key_algorithm().into());
    out.insert("certificates".into(), pair.chain.len().into());
    Value::Object(out)
}

/// The ping flow's answer: the tenant (the host the request was sent to), the time, the version.
pub fn ping(host: &str, now_ms: i64, version: &str) -> Reply {
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    answer(
        StatusCode::OK,
        &json!({
            "status": "UP",
            "tenant": if host.is_empty() { "unknown" } else { host },
            "tenant_source": "emulator",
            "time": utc(now_ms),
            "companion_version": version,
        }),
    )
}

/// An instant as `yyyy-MM-ddTHH:mm:ss.SSSZ`.
fn utc(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_utc_with_milliseconds() {
        assert_eq!(utc(1_714_564_800_123), "2024-05-01T12:00:00.123Z");
    }

    #[test]
    fn kinds_are_judged_as_the_script_judges_them() {
        assert_eq!(
            kind_mismatch(ItemKind::UserCredential, "successfactors"),
            None
        );
        assert_eq!(kind_mismatch(ItemKind::UserCredential, ""), None);
        assert!(kind_mismatch(ItemKind::UserCredential, "secure_param").is_some());
        assert_eq!(
            kind_mismatch(ItemKind::OAuth2ClientCredential, "oauth2:default"),
            None
        );
        assert!(kind_mismatch(ItemKind::SecureParameter, "default").is_some());
        assert!(kind_mismatch(ItemKind::UserCredentialParameter, "oauth2:default").is_some());
    }
}
