//! `GET /admin/dump`: the whole tenant as one canonical JSON document, made for comparing two
//! tenants. Artifact files (not zip directory entries) appear as SHA-256 digests of the bytes a download serves (without the
//! regenerated date comment and `metainfo.prop`), `parameters.prop` as its parsed key/value map,
//! secrets as SHA-256 digests, generated ids (access policies, references) left out. Server
//! timestamps are kept, under their API names, because they are part of the tenant's state.

use super::api::{configurations, served_files};
use super::state::Tenant;
use super::x509;
use cpi_gitops_wire::Secret;
use cpi_gitops_wire::artifact::PARAMETERS_PROP_PATH;
use cpi_gitops_wire::artifact::properties::Properties;
use serde_json::{Map, Value, json};
use sha2::Digest;

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

fn secret_digest(s: &Option<Secret>) -> Value {
    s.as_ref()
        .map_or(Value::Null, |s| json!(digest(s.expose().as_bytes())))
}

/// The dump of `t`.
pub fn dump(t: &Tenant) -> Value {
    let mut artifacts = Map::new();
    for (id, a) in &t.artifacts {
        let mut files = Map::new();
        for f in served_files(a, None) {
            if f.is_dir() {
                // Directory entries are how a zip was packed, not content.
                continue;
            }
            let v = if f.name == PARAMETERS_PROP_PATH {
                let map: Map<String, Value> = Properties::parse(&f.data)
                    .entries()
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                Value::Object(map)
            } else {
                json!(digest(&f.data))
            };
            files.insert(f.name.clone(), v);
        }
        let configs: Map<String, Value> = configurations(a)
            .into_iter()
            .map(|c| {
                (
                    c.parameter_key.clone(),
                    json!({ "value": c.parameter_value, "data_type": c.data_type }),
                )
            })
            .collect();
        artifacts.insert(
            id.clone(),
            json!({
                "kind": a.kind, "package": a.package_id, "name": a.name, "description": a.description,
                "version": a.version, "draft": a.draft, "configurations": configs, "files": files,
                "CreatedAt": a.created_at, "ModifiedAt": a.modified_at,
            }),
        );
    }
    let runtime: Map<String, Value> = t
        .deployments
        .iter()
        .map(|(id, d)| {
            let live = d.live.as_ref().map(|l| json!({
                "version": l.version, "status": l.status, "type": l.kind.runtime_type(), "error": l.error,
                "DeployedOn": l.deployed_on,
            }));
            (id.clone(), json!({ "live": live, "in_flight": d.transition.is_some() }))
        })
        .collect();
    let user_credentials: Map<String, Value> = t
        .user_credentials
        .iter()
        .map(|(n, c)| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            if let Some(m) = v.as_object_mut() {
                m.insert("Password".into(), secret_digest(&c.password));
            }
            (n.clone(), v)
        })
        .collect();
    let oauth: Map<String, Value> = t
        .oauth2_client_credentials
        .iter()
        .map(|(n, c)| {
            let mut v = serde_json::to_value(&c.credential).unwrap_or_default();
            if let Some(m) = v.as_object_mut() {
                m.insert(
                    "ClientSecret".into(),
                    secret_digest(&c.credential.client_secret),
                );
                m.insert(
                    "CustomParameters".into(),
                    serde_json::to_value(&c.custom_parameters).unwrap_or_default(),
                );
            }
            (n.clone(), v)
        })
        .collect();
    let secure: Map<String, Value> = t
        .secure_parameters
        .iter()
        .map(|(n, p)| {
            let mut v = serde_json::to_value(p).unwrap_or_default();
            if let Some(m) = v.as_object_mut() {
                m.insert("SecureParam".into(), secret_digest(&p.secure_param));
            }
            (n.clone(), v)
        })
        .collect();
    let keystore: Map<String, Value> = t
        .keystore
        .iter()
        .map(|(alias, e)| {
            let info = x509::describe(&e.certificate);
            (
                alias.clone(),
                json!({
                    "key_pair": e.key_pair, "owner": e.owner,
                    "FingerprintSha256": info.map(|i| i.fingerprint_sha256),
                    "pkcs12": secret_digest(&e.pkcs12),
                    "LastModifiedTime": e.modified_time,
                }),
            )
        })
        .collect();
    let mappings: Map<String, Value> = t
        .certificate_user_mappings
        .iter()
        .map(|(id, m)| {
            (
                id.clone(),
                json!({ "User": m.user, "ValidUntil": m.valid_until }),
            )
        })
        .collect();
    let policies: Map<String, Value> = t
        .access_policies
        .values()
        .map(|p| {
            let mut refs: Vec<Value> = p
                .references
                .iter()
                .map(|r| json!({ "Type": r.kind, "Name": r.name, "ConditionAttribute": r.condition_attribute, "ConditionValue": r.condition_value, "ConditionType": r.condition_type }))
                .collect();
            refs.sort_by_key(|r| r.to_string());
            (p.role_name.clone(), json!({ "Description": p.description, "ArtifactReferences": refs }))
        })
        .collect();
    let pd = &t.partner_directory;
    json!({
        "packages": t.packages,
        "artifacts": artifacts,
        "runtime": runtime,
        "user_credentials": user_credentials,
        "oauth2_client_credentials": oauth,
        "secure_parameters": secure,
        "keystore": keystore,
        "certificate_user_mappings": mappings,
        "access_policies": policies,
        "number_ranges": t.number_ranges,
        "partner_directory": {
            "string_parameters": nested(&pd.string_parameters, |p| json!({"Value": p.value, "LastModifiedTime": p.audit.modified_time})),
            "binary_parameters": nested(&pd.binary_parameters, |p| json!({"ContentType": p.content_type, "Value": digest(&p.value), "LastModifiedTime": p.audit.modified_time})),
            "user_credential_parameters": nested(&pd.user_credential_parameters, |p| json!({"User": p.user, "Password": digest(p.password.expose().as_bytes()), "LastModifiedTime": p.audit.modified_time})),
            "alternative_partners": pd.alternative_partners.values().map(|a| (format!("{}/{}/{}", a.agency, a.scheme, a.id), json!({"Pid": a.pid}))).collect::<Map<_, _>>(),
            "authorized_users": pd.authorized_users.values().map(|u| (u.user.clone(), json!({"Pid": u.pid}))).collect::<Map<_, _>>(),
        },
    })
}

/// `{pid: {id: f(entry)}}` of a Partner Directory map.
fn nested<T>(
    map: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, T>>,
    f: impl Fn(&T) -> Value,
) -> Value {
    Value::Object(
        map.iter()
            .map(|(pid, inner)| {
                (
                    pid.clone(),
                    Value::Object(inner.iter().map(|(id, p)| (id.clone(), f(p))).collect()),
                )
            })
            .collect(),
    )
}
