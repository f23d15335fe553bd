//! Writes cut by a connection reset: the tenant may or may not have acted on them, so a write
//! that is not idempotent is never simply sent again. Each kind of write has its way to finish
//! safely, in one table ([`ON_CUT`]; README.md "Writes cut by a connection reset" repeats it):
//!
//! | write | when cut by a reset |
//! |---|---|
//! | `PUT`, `DELETE` (any) | sent again (idempotent); a repeated `DELETE` answered `404`, or a repeated certificate `PUT` answered `409`, is done |
//! | `POST UserCredentials`, `SecureParameters` | read back (a few reads over about 3 s: security writes show with a delay); there: replaced with a `PUT` of the same body, so the secret is surely ours; absent: created again (a `409` then: `PUT`) |
//! | `POST OAuth2ClientCredentials` | read back; there: deleted and created again (an update would drop its custom parameters); absent: created again |
//! | `POST KeyPairResources` | read back (`KeystoreEntries`); there: deleted and uploaded again (the key is surely ours); absent: uploaded again |
//! | `POST IntegrationPackages`, `<Kind>DesigntimeArtifacts`, `NumberRanges`, `StringParameters`, `BinaryParameters`, `AlternativePartners`, `AuthorizedUsers`, `AccessPolicies`, `ArtifactReferences` | read back; there: done (no secret; apply's verification compares the rest); absent: created again (an "already exists" then: read back, done) |
//! | `POST UserCredentialParameters`, `Deploy<Kind>DesigntimeArtifact`, `CopyIntegrationPackage`, `PATCH AccessPolicies` | sent again: the tenant creates or replaces (a second deploy of the same version deploys it again; apply then polls the runtime) |
//! | `POST CertificateUserMappings` (Neo) | not repeated: the error says the write may have happened; the next plan shows whether it did |
//!
//! A recovery is itself retried like any request; a write cut again while recovering is
//! recovered again, up to [`ROUNDS`] times.

use super::Client;
use super::error::ClientError;
use super::paths::{self, composite, entity};
use super::transport::{ACCEPT_JSON, Raw, Request};
use crate::wire::partner_directory::hex_key;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;

/// How many times a write cut again while it is recovered is recovered again.
const ROUNDS: u32 = 3;

/// Pauses between read-backs of security material (it shows with a delay, reference 10).
const SECURITY_READS: [Duration; 5] = [
    Duration::ZERO,
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
    Duration::from_millis(1600),
];

/// How a write cut by a reset is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnCut {
    /// Sent again as it is: the tenant creates or replaces.
    Repeat,
    /// Read back; there: done; absent: created again.
    ReadBack(Key),
    /// Read back, waiting briefly; there: a `PUT` of the same body (its secret is surely ours);
    /// absent: created again.
    ReadBackThenPut(Key),
    /// Read back, waiting briefly; there: deleted and created again; absent: created again.
    ReadBackThenRecreate(Key),
    /// Not repeated: reported, the next plan shows whether it happened.
    Report,
}

/// How the entity a `POST` creates is found again, from the body it was created with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// `<set>('<field>')`.
    Field(&'static str),
    /// `<set>(Id='<Id>',Version='active')`.
    Artifact,
    /// `<set>(Pid='<Pid>',Id='<Id>')`.
    PidId,
    /// `AlternativePartners(Hexagency=..,Hexscheme=..,Hexid=..)`.
    AgencySchemeId,
    /// `KeystoreEntries('<Hexalias>')`.
    Hexalias,
    /// `AccessPolicies?$filter=RoleName eq '<RoleName>'`, not empty.
    RoleName,
    /// A reference with the same fields among `AccessPolicies(<AccessPolicy.Id>)/ArtifactReferences`.
    Reference,
}

/// The table: `POST` (or `PATCH`) to an entity set or function, and how it is finished when cut.
/// `PUT` and `DELETE` are idempotent and sent again by the transport.
pub(crate) const ON_CUT: &[(&str, &str, OnCut)] = &[
    (
        "POST",
        "UserCredentials",
        OnCut::ReadBackThenPut(Key::Field("Name")),
    ),
    (
        "POST",
        "SecureParameters",
        OnCut::ReadBackThenPut(Key::Field("Name")),
    ),
    (
        "POST",
        "OAuth2ClientCredentials",
        OnCut::ReadBackThenRecreate(Key::Field("Name")),
    ),
    (
        "POST",
        "KeyPairResources",
        OnCut::ReadBackThenRecreate(Key::Hexalias),
    ),
    ("POST", "CertificateUserMappings", OnCut::Report),
    ("POST", "NumberRanges", OnCut::ReadBack(Key::Field("Name"))),
    (
        "POST",
        "IntegrationPackages",
        OnCut::ReadBack(Key::Field("Id")),
    ),
    (
        "POST",
        "*DesigntimeArtifacts",
        OnCut::ReadBack(Key::Artifact),
    ),
    ("POST", "StringParameters", OnCut::ReadBack(Key::PidId)),
    ("POST", "BinaryParameters", OnCut::ReadBack(Key::PidId)),
    (
        "POST",
        "AlternativePartners",
        OnCut::ReadBack(Key::AgencySchemeId),
    ),
    (
        "POST",
        "AuthorizedUsers",
        OnCut::ReadBack(Key::Field("User")),
    ),
    ("POST", "AccessPolicies", OnCut::ReadBack(Key::RoleName)),
    (
        "POST",
        "ArtifactReferences",
        OnCut::ReadBack(Key::Reference),
    ),
    ("POST", "UserCredentialParameters", OnCut::Repeat),
    ("POST", "Deploy*DesigntimeArtifact", OnCut::Repeat),
    ("POST", "CopyIntegrationPackage", OnCut::Repeat),
    ("PATCH", "AccessPolicies", OnCut::Repeat),
];

/// The first segment of a path: the entity set or function.
fn target(path: &str) -> &str {
    path.trim_start_matches('/')
        .split(['(', '/', '?'])
        .next()
        .unwrap_or_default()
}

/// Whether `pattern` (with at most one `*`) matches `name`.
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, suffix)) => {
            name.len() >= prefix.len() + suffix.len()
                && name.starts_with(prefix)
                && name.ends_with(suffix)
        }
    }
}

/// How a write of `method` to `path` is finished when cut; `None` for writes the table does not
/// know (they are reported).
pub(crate) fn on_cut(method: &Method, path: &str) -> Option<OnCut> {
    let set = target(path);
    ON_CUT
        .iter()
        .find(|(m, pattern, _)| *m == method.as_str() && matches(pattern, set))
        .map(|(_, _, how)| *how)
}

/// Whether a failing answer to a write repeated after a cut means the first attempt did it: a
/// `DELETE` answered `404`, a certificate `PUT` answered `409`.
pub(crate) fn done_by_first_attempt(method: &Method, path: &str, status: StatusCode) -> bool {
    (*method == Method::DELETE && status == StatusCode::NOT_FOUND)
        || (*method == Method::PUT
            && status == StatusCode::CONFLICT
            && target(path) == "CertificateResources")
}

/// A string field of a JSON body.
fn field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

/// What a read-back asks: the path of the entity, or of a collection to search.
enum Probe {
    /// `GET <path>`: there when it answers, absent on `404`.
    Entity(String),
    /// `GET <path>` of a collection: there when an entry has every field of `wanted`.
    Among(String, Vec<(&'static str, String)>),
}

impl Key {
    /// The read-back of the entity `body` creates in `set`.
    fn probe(self, set: &str, body: &Value) -> Option<Probe> {
        Some(match self {
            Key::Field(name) => Probe::Entity(entity(set, field(body, name)?)),
            Key::Artifact => Probe::Entity(composite(
                set,
                &[("Id", field(body, "Id")?), ("Version", "active")],
            )),
            Key::PidId => Probe::Entity(composite(
                set,
                &[("Pid", field(body, "Pid")?), ("Id", field(body, "Id")?)],
            )),
            Key::AgencySchemeId => Probe::Entity(format!(
                "{set}(Hexagency='{}',Hexscheme='{}',Hexid='{}')",
                hex_key(field(body, "Agency")?),
                hex_key(field(body, "Scheme")?),
                hex_key(field(body, "Id")?)
            )),
            Key::Hexalias => Probe::Entity(format!(
                "KeystoreEntries('{}')",
                paths::encode(field(body, "Hexalias")?)
            )),
            Key::RoleName => Probe::Among(
                format!(
                    "{set}?{}",
                    paths::filter_eq("RoleName", field(body, "RoleName")?)
                ),
                vec![("RoleName", field(body, "RoleName")?.to_string())],
            ),
            Key::Reference => {
                let policy = body.pointer("/AccessPolicy/Id").and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })?;
                let wanted = [
                    "Name",
                    "Type",
                    "ConditionAttribute",
                    "ConditionValue",
                    "ConditionType",
                ]
                .into_iter()
                .filter_map(|f| Some((f, field(body, f)?.to_string())))
                .collect();
                Probe::Among(
                    format!(
                        "AccessPolicies({})/ArtifactReferences",
                        paths::encode(&policy)
                    ),
                    wanted,
                )
            }
        })
    }
}

/// What the read-back found.
enum Found {
    /// The entity is there, at this path (for a `PUT` or `DELETE`).
    There(String),
    Absent,
}

impl Client {
    /// Finishes the write `request` (with the JSON `body` it carried) after `cut`, a transport
    /// error that left open whether the tenant acted on it.
    pub(crate) async fn recover(
        &self,
        request: &Request,
        body: Option<&Value>,
        cut: ClientError,
    ) -> Result<Raw, ClientError> {
        let inner = &self.inner;
        let set = target(&request.label.path).to_string();
        let how = on_cut(&request.method, &request.label.path).unwrap_or(OnCut::Report);
        let probe = match (how, body) {
            (OnCut::Repeat, _) => None,
            (OnCut::Report, _) => return Err(may_have_happened(cut)),
            (
                OnCut::ReadBack(k) | OnCut::ReadBackThenPut(k) | OnCut::ReadBackThenRecreate(k),
                Some(body),
            ) => match k.probe(&set, body) {
                Some(p) => Some(p),
                None => return Err(may_have_happened(cut)),
            },
            _ => return Err(may_have_happened(cut)),
        };
        let mut last = cut;
        for round in 1..=ROUNDS {
            tracing::info!(
                tenant = %inner.name,
                method = %request.label.method,
                path = %request.label.path,
                round,
                "a write was cut by a connection reset; finishing it safely"
            );
            let found = match &probe {
                None => Found::Absent,
                Some(p) => self.read_back(p, waits(how)).await?,
            };
            let result = match (how, found) {
                (OnCut::ReadBack(_), Found::There(_)) => return Ok(done()),
                (OnCut::ReadBackThenPut(_), Found::There(path)) => {
                    let put =
                        inner.api_request(Method::PUT, &path, ACCEPT_JSON, request.body.clone())?;
                    inner.execute_ok(&put).await
                }
                (OnCut::ReadBackThenRecreate(_), Found::There(path)) => {
                    let delete = inner.api_request(Method::DELETE, &path, ACCEPT_JSON, None)?;
                    match inner.execute(&delete).await? {
                        raw if raw.status.is_success() || raw.status == StatusCode::NOT_FOUND => {}
                        raw => return Err(inner.http_error(&delete.label, raw)),
                    }
                    inner.execute_ok(request).await
                }
                _ => inner.execute_ok(request).await,
            };
            match result {
                Ok(raw) => return Ok(raw),
                Err(e @ ClientError::Transport { .. }) => last = e,
                // Created in the meantime ("already exists"): read back again.
                Err(e) if probe.is_some() && e.status().is_some_and(|s| s == 409 || s == 500) => {
                    last = e
                }
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// Reads `probe` until the entity is there or the waits are spent.
    async fn read_back(&self, probe: &Probe, waits: &[Duration]) -> Result<Found, ClientError> {
        for wait in waits {
            tokio::time::sleep(*wait).await;
            match probe {
                Probe::Entity(path) => {
                    if self.get_optional::<Value>(path).await?.is_some() {
                        return Ok(Found::There(path.clone()));
                    }
                }
                Probe::Among(path, wanted) => {
                    let entries: Vec<Value> = self.get_collection(path).await?;
                    let there = entries.iter().any(|e| {
                        wanted
                            .iter()
                            .all(|(f, v)| e.get(*f).and_then(Value::as_str) == Some(v.as_str()))
                    });
                    if there {
                        return Ok(Found::There(path.clone()));
                    }
                }
            }
        }
        Ok(Found::Absent)
    }
}

/// A cut write that is not finished: its error says that the tenant may have carried it out.
fn may_have_happened(error: ClientError) -> ClientError {
    match error {
        ClientError::Transport {
            tenant,
            request,
            cause,
            timeout,
            attempts,
        } => ClientError::Transport {
            tenant,
            request,
            cause: format!(
                "{cause} (the tenant may have carried the write out; it is not repeated blindly: the next plan shows whether it happened)"
            ),
            timeout,
            attempts,
        },
        other => other,
    }
}

/// The read-back waits of `how`: security material shows with a delay.
fn waits(how: OnCut) -> &'static [Duration] {
    match how {
        OnCut::ReadBackThenPut(_) | OnCut::ReadBackThenRecreate(_) => &SECURITY_READS,
        _ => &SECURITY_READS[..1],
    }
}

/// The answer of a write found done by its read-back.
fn done() -> Raw {
    Raw {
        status: StatusCode::OK,
        headers: Default::default(),
        body: Vec::new(),
        attempts: 1,
        repeated_after_cut: true,
        gave_up: None,
        csrf_sent: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_knows_every_create_of_apply() {
        for (method, path, want) in [
            (
                "POST",
                "UserCredentials",
                OnCut::ReadBackThenPut(Key::Field("Name")),
            ),
            (
                "POST",
                "IntegrationDesigntimeArtifacts",
                OnCut::ReadBack(Key::Artifact),
            ),
            (
                "POST",
                "ValueMappingDesigntimeArtifacts",
                OnCut::ReadBack(Key::Artifact),
            ),
            (
                "POST",
                "DeployIntegrationDesigntimeArtifact?Id='a'&Version='active'",
                OnCut::Repeat,
            ),
            ("POST", "CopyIntegrationPackage?Id='a'", OnCut::Repeat),
            ("PATCH", "AccessPolicies(12)", OnCut::Repeat),
        ] {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            assert_eq!(on_cut(&method, path), Some(want), "{method} {path}");
        }
        assert_eq!(on_cut(&Method::POST, "$batch"), None);
        assert!(done_by_first_attempt(
            &Method::DELETE,
            "UserCredentials('x')",
            StatusCode::NOT_FOUND
        ));
        assert!(done_by_first_attempt(
            &Method::PUT,
            "CertificateResources('41')/$value?update=false",
            StatusCode::CONFLICT
        ));
        assert!(!done_by_first_attempt(
            &Method::PUT,
            "UserCredentials('x')",
            StatusCode::CONFLICT
        ));
    }

    #[test]
    fn read_backs_are_found_from_the_body() {
        let probe = |k: Key, set: &str, body: Value| match k.probe(set, &body) {
            Some(Probe::Entity(p)) => p,
            Some(Probe::Among(p, _)) => format!("among {p}"),
            None => "none".into(),
        };
        assert_eq!(
            probe(
                Key::Field("Name"),
                "UserCredentials",
                json!({"Name": "E R"})
            ),
            "UserCredentials('E%20R')"
        );
        assert_eq!(
            probe(
                Key::Artifact,
                "IntegrationDesigntimeArtifacts",
                json!({"Id": "F"})
            ),
            "IntegrationDesigntimeArtifacts(Id='F',Version='active')"
        );
        assert_eq!(
            probe(
                Key::PidId,
                "StringParameters",
                json!({"Pid": "P", "Id": "I"})
            ),
            "StringParameters(Pid='P',Id='I')"
        );
        assert_eq!(
            probe(
                Key::Hexalias,
                "KeyPairResources",
                json!({"Hexalias": "4142"})
            ),
            "KeystoreEntries('4142')"
        );
        assert_eq!(
            probe(
                Key::Reference,
                "ArtifactReferences",
                json!({"Name": "n", "AccessPolicy": {"Id": 7}})
            ),
            "among AccessPolicies(7)/ArtifactReferences"
        );
        assert_eq!(
            probe(Key::Field("Name"), "UserCredentials", json!({})),
            "none"
        );
    }
}
