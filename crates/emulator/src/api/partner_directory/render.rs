//! Partner Directory entities as the API renders them: their fields, their keys, and the
//! audit fields.

use crate::odata::{entity, key_literal};
use crate::state::{
    AlternativePartner, Audit, AuthorizedUser, BinaryParam, StringParam, UserCredentialParam,
};
use base64::Engine;
use cpi_gitops_wire::odata::date;
use cpi_gitops_wire::partner_directory::{hashed_password, hex_key};
use serde_json::{Map, Value, json};

fn audit_fields(map: &mut Map<String, Value>, a: &Audit) {
    map.insert("CreatedBy".into(), json!(a.created_by));
    map.insert("CreatedTime".into(), json!(date(a.created_time)));
    map.insert("LastModifiedBy".into(), json!(a.modified_by));
    map.insert("LastModifiedTime".into(), json!(date(a.modified_time)));
}

fn pid_id_path(set: &str, pid: &str, id: &str) -> String {
    format!("{set}(Pid={},Id={})", key_literal(pid), key_literal(id))
}

fn render(
    base: &str,
    type_name: &str,
    path: String,
    mut fields: Map<String, Value>,
    audit: &Audit,
) -> Value {
    audit_fields(&mut fields, audit);
    entity(base, type_name, &path, Value::Object(fields), &[], false)
}

pub(super) fn render_string(base: &str, pid: &str, id: &str, p: &StringParam) -> Value {
    let f = json!({ "Pid": pid, "Id": id, "Value": p.value });
    render(
        base,
        "StringParameter",
        pid_id_path("StringParameters", pid, id),
        obj(f),
        &p.audit,
    )
}

pub(super) fn render_binary(base: &str, pid: &str, id: &str, p: &BinaryParam) -> Value {
    let f = json!({ "Pid": pid, "Id": id, "ContentType": p.content_type, "Value": base64::engine::general_purpose::STANDARD.encode(&p.value) });
    render(
        base,
        "BinaryParameter",
        pid_id_path("BinaryParameters", pid, id),
        obj(f),
        &p.audit,
    )
}

pub(super) fn render_credential(
    base: &str,
    pid: &str,
    id: &str,
    p: &UserCredentialParam,
    hashed: bool,
) -> Value {
    let password = if hashed {
        json!(hashed_password(p.password.expose()))
    } else {
        Value::Null
    };
    let f = json!({ "Pid": pid, "Id": id, "User": p.user, "Password": password });
    render(
        base,
        "UserCredentialParameter",
        pid_id_path("UserCredentialParameters", pid, id),
        obj(f),
        &p.audit,
    )
}

pub(super) fn render_alternative(base: &str, a: &AlternativePartner) -> Value {
    let (ha, hs, hi) = (hex_key(&a.agency), hex_key(&a.scheme), hex_key(&a.id));
    let f = json!({ "Hexagency": ha, "Hexscheme": hs, "Hexid": hi, "Agency": a.agency, "Scheme": a.scheme, "Id": a.id, "Pid": a.pid });
    let path = format!("AlternativePartners(Hexagency='{ha}',Hexscheme='{hs}',Hexid='{hi}')");
    render(base, "AlternativePartner", path, obj(f), &a.audit)
}

pub(super) fn render_authorized(base: &str, u: &AuthorizedUser) -> Value {
    let f = json!({ "User": u.user, "Pid": u.pid });
    render(
        base,
        "AuthorizedUser",
        format!("AuthorizedUsers({})", key_literal(&u.user)),
        obj(f),
        &u.audit,
    )
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
