//! Deployment: the deploy function imports, `BuildAndDeployStatus`, `IntegrationRuntimeArtifacts`
//! with `ErrorInformation`, and undeploy (reference sections 5.3, 6 and 12.11).
//!
//! A deploy or undeploy is a [`Transition`] that moves one step each time somebody observes it
//! (a status read, a runtime read, or `POST /admin/tick`), never by wall time. With
//! `deploy_steps = n`: observations 1 to n see the task `DEPLOYING` and the runtime still showing
//! the previous deployment (or nothing: `404`); observations n+1 to 2n see the new version
//! `STARTING`; the next one settles it as `STARTED` or `ERROR`. Undeploy shows `STOPPING` for n
//! observations, then the entry is gone. With n = 0 everything settles at once.

use super::designtime::configurations;
use super::{Call, no_method};
use crate::content;
use crate::odata::{ApiError, ApiResult, QueryRules, Reply, collection, entity, key_literal};
use crate::state::{Deployment, LiveArtifact, Task, Tenant, Transition};
use crate::switches::Switches;
use axum::http::{Method, StatusCode};
use cpi_gitops_wire::designtime::ArtifactKind;
use cpi_gitops_wire::odata::date;
use cpi_gitops_wire::runtime::{ErrorInformation, ErrorInformationMessage, status};
use serde_json::{Value, json};

/// Text that makes a deployment fail when it appears in an artifact's files; the rest of its
/// line is the error text.
pub const FAIL_MARKER: &str = "cpi-gitops-emulator:fail-deploy:";

/// What the runtime shows for `d` now.
pub(crate) fn view(d: &Deployment, n: u32) -> Option<LiveArtifact> {
    match &d.transition {
        None => d.live.clone(),
        Some(Transition::Deploy { steps, .. }) if *steps <= n => d.live.clone(),
        Some(Transition::Deploy { target, .. }) => {
            let mut starting = target.clone();
            starting.status = status::STARTING.into();
            starting.error = None;
            Some(starting)
        }
        Some(Transition::Undeploy { .. }) => d.live.clone().map(|mut l| {
            l.status = status::STOPPING.into();
            l
        }),
    }
}

/// Settles a transition that has run its steps.
fn settle(d: &mut Deployment, n: u32) {
    match &d.transition {
        Some(Transition::Deploy { target, steps, .. }) if n == 0 || *steps > 2 * n => {
            d.live = Some(target.clone());
            d.transition = None;
        }
        Some(Transition::Undeploy { steps }) if n == 0 || *steps > n => {
            d.live = None;
            d.transition = None;
        }
        _ => {}
    }
}

/// One observation of artifact `id`: its transition moves a step.
fn observe(t: &mut Tenant, id: &str, n: u32) {
    if let Some(d) = t.deployments.get_mut(id) {
        match &mut d.transition {
            Some(Transition::Deploy { steps, .. }) | Some(Transition::Undeploy { steps }) => {
                *steps += 1
            }
            None => {}
        }
        settle(d, n);
        if d.live.is_none() && d.transition.is_none() {
            t.deployments.remove(id);
        }
    }
}

/// One observation of every artifact in flight (`POST /admin/tick`).
pub fn observe_all(t: &mut Tenant, n: u32) {
    let ids: Vec<String> = t.deployments.keys().cloned().collect();
    for id in ids {
        observe(t, &id, n);
    }
}

/// Settles every transition at once (`POST /admin/settle`).
pub fn settle_all(t: &mut Tenant) {
    for d in t.deployments.values_mut() {
        settle(d, 0);
    }
    t.deployments
        .retain(|_, d| d.live.is_some() || d.transition.is_some());
}

fn render(base: &str, id: &str, l: &LiveArtifact) -> Value {
    let path = format!("IntegrationRuntimeArtifacts({})", key_literal(id));
    let fields = json!({
        "Id": id, "Version": l.version, "Name": l.name, "Type": l.kind.runtime_type(),
        "DeployedBy": l.deployed_by, "DeployedOn": date(l.deployed_on), "Status": l.status,
    });
    entity(
        base,
        "IntegrationRuntimeArtifact",
        &path,
        fields,
        &["ErrorInformation"],
        true,
    )
}

/// Why deploying `id` fails, if it does: an admin switch, the content marker, an unresolved
/// `{{parameter}}`, or a security artifact the flow references that the tenant lacks.
fn deploy_error(t: &Tenant, id: &str, switches: &Switches) -> Option<String> {
    if let Some(text) = switches.fail_deploys.get(id) {
        return Some(text.clone());
    }
    let a = t.artifacts.get(id)?;
    for f in &a.files {
        let text = String::from_utf8_lossy(&f.data);
        if let Some(pos) = text.find(FAIL_MARKER) {
            let rest = &text[pos + FAIL_MARKER.len()..];
            let end = rest.find(['\n', '\r', '<', '"']).unwrap_or(rest.len());
            let end = rest[..end].find("-->").unwrap_or(end);
            return Some(rest[..end].trim().to_string());
        }
    }
    if a.kind != ArtifactKind::IntegrationFlow {
        return None;
    }
    let values: std::collections::BTreeMap<String, String> = configurations(a)
        .into_iter()
        .map(|c| (c.parameter_key, c.parameter_value))
        .collect();
    for f in a.files.iter().filter(|f| f.name.ends_with(".iflw")) {
        let text = String::from_utf8_lossy(&f.data);
        let resolved = match content::resolve_placeholders(&text, &values) {
            Ok(r) => r,
            Err(key) => {
                return Some(format!(
                    "Unresolved property '{key}' in integration flow {id}"
                ));
            }
        };
        for name in content::property_values(&resolved, "credentialName") {
            let known = t.user_credentials.contains_key(&name)
                || t.oauth2_client_credentials.contains_key(&name)
                || t.secure_parameters.contains_key(&name);
            if !name.is_empty() && !known {
                return Some(format!(
                    "Credential '{name}' used by integration flow {id} is not deployed on this tenant"
                ));
            }
        }
        for alias in content::property_values(&resolved, "privateKeyAlias") {
            if !alias.is_empty() && !t.keystore.contains_key(&alias) {
                return Some(format!(
                    "Key pair alias '{alias}' used by integration flow {id} is not in the tenant keystore"
                ));
            }
        }
    }
    None
}

/// `POST Deploy<Kind>DesigntimeArtifact?Id='..'&Version='..'`.
pub fn deploy(call: &Call, t: &mut Tenant) -> ApiResult {
    if call.method != Method::POST {
        return Err(no_method(call));
    }
    let kind = ArtifactKind::from_deploy_function(&call.segments[0].name)
        .ok_or_else(ApiError::no_entity)?;
    let id = call
        .query
        .literal("Id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request("Parameter Id is required."))?;
    let a = t
        .artifacts
        .get(&id)
        .filter(|a| a.kind == kind)
        .ok_or_else(|| {
            ApiError::not_found(format!("{} '{id}' does not exist.", kind.entity_type()))
        })?;
    if a.files.is_empty() {
        return Err(ApiError::bad_request(format!("No content for id {id}.")));
    }
    let n = call.switches.deploy_steps;
    let target = LiveArtifact {
        kind,
        name: a.name.clone(),
        version: a.reported_version().to_string(),
        deployed_by: call.user.to_string(),
        deployed_on: call.now(),
        status: status::STARTED.into(),
        error: None,
        error_reads: 0,
    };
    let error = deploy_error(t, &id, call.switches);
    let target = match error {
        Some(text) => LiveArtifact {
            status: status::ERROR.into(),
            error: Some(text),
            ..target
        },
        None => target,
    };
    let task = t.ids.uuid();
    t.tasks.insert(
        task.clone(),
        Task {
            artifact_id: id.clone(),
        },
    );
    let d = t.deployments.entry(id.clone()).or_default();
    d.transition = Some(Transition::Deploy {
        task: task.clone(),
        target,
        steps: 0,
    });
    settle(d, n);
    match kind {
        ArtifactKind::MessageMapping | ArtifactKind::ValueMapping => {
            let rendered = super::designtime::render(call.base, &t.artifacts[&id]);
            Ok(Reply::Json(StatusCode::ACCEPTED, json!({ "d": rendered })))
        }
        _ => Ok(Reply::text(StatusCode::ACCEPTED, task)),
    }
}

/// `GET BuildAndDeployStatus(TaskId='..')`.
pub fn build_status(call: &Call, t: &mut Tenant) -> ApiResult {
    if call.method != Method::GET {
        return Err(no_method(call));
    }
    let task_id = call.segments[0]
        .key
        .as_ref()
        .and_then(|k| k.get("TaskId").or_else(|| k.single()))
        .unwrap_or_default()
        .to_string();
    if task_id.is_empty() {
        return Err(ApiError::bad_request("TaskId must not be empty."));
    }
    let artifact_id = t
        .tasks
        .get(&task_id)
        .ok_or_else(ApiError::no_entity)?
        .artifact_id
        .clone();
    observe(t, &artifact_id, call.switches.deploy_steps);
    let deploying = t.deployments.get(&artifact_id).is_some_and(|d| {
        matches!(&d.transition, Some(Transition::Deploy { task, steps, .. }) if *task == task_id && *steps <= call.switches.deploy_steps)
    });
    let path = format!("BuildAndDeployStatus(TaskId={})", key_literal(&task_id));
    let fields =
        json!({ "TaskId": task_id, "Status": if deploying { "DEPLOYING" } else { "SUCCESS" } });
    Ok(Reply::ok(entity(
        call.base,
        "BuildAndDeployStatus",
        &path,
        fields,
        &[],
        false,
    )))
}

/// `IntegrationRuntimeArtifacts`: list, read, error information, undeploy.
pub fn handle(call: &Call, t: &mut Tenant) -> ApiResult {
    let n = call.switches.deploy_steps;
    let rules = QueryRules {
        unsupported: &[],
        filter_ops: Some(&["eq", "or"]),
        unfilterable: &["DeployedOn"],
    };
    let Some(key) = call.segments[0].key.as_ref() else {
        if call.method != Method::GET {
            return Err(no_method(call));
        }
        let count = match call.segments.get(1) {
            None => false,
            Some(s) if s.is("$count") => true,
            Some(_) => return Err(ApiError::not_found("Resource not found.")),
        };
        observe_all(t, n);
        let items = t
            .deployments
            .iter()
            .filter_map(|(id, d)| view(d, n).map(|l| render(call.base, id, &l)))
            .collect();
        return collection(
            &call.listing("IntegrationRuntimeArtifacts"),
            items,
            rules,
            count,
        );
    };
    let id = key
        .single()
        .ok_or_else(|| ApiError::bad_request("Invalid key predicate."))?
        .to_string();
    let sub: Vec<&str> = call.segments[1..].iter().map(|s| s.name.as_str()).collect();
    match (call.method, sub.as_slice()) {
        (&Method::GET, []) => {
            observe(t, &id, n);
            let l = t
                .deployments
                .get(&id)
                .and_then(|d| view(d, n))
                .ok_or_else(ApiError::no_entity)?;
            Ok(Reply::ok(render(call.base, &id, &l)))
        }
        (&Method::GET, ["ErrorInformation", "$value"]) => {
            observe(t, &id, n);
            let d = t.deployments.get_mut(&id).ok_or_else(ApiError::no_entity)?;
            let shown = view(d, n).ok_or_else(ApiError::no_entity)?;
            let (Some(text), Some(live)) = (
                shown.error.clone(),
                d.live.as_mut().filter(|_| d.transition.is_none()),
            ) else {
                return Ok(Reply::Empty(StatusCode::NO_CONTENT));
            };
            live.error_reads += 1;
            if live.error_reads == 1 {
                return Ok(Reply::Empty(StatusCode::NO_CONTENT));
            }
            let info = ErrorInformation {
                message: ErrorInformationMessage {
                    subsystem_name: "CONTENT".into(),
                    subsystem_part_name: "CONTENT_DEPLOY".into(),
                    message_id: "InstanceError".into(),
                    message_text: String::new(),
                },
                parameter: vec![text],
            };
            Ok(Reply::Json(
                StatusCode::OK,
                serde_json::to_value(info).unwrap_or_default(),
            ))
        }
        (&Method::DELETE, []) => {
            let d = t.deployments.get_mut(&id).ok_or_else(ApiError::no_entity)?;
            if d.live.is_none() {
                // Only a first deploy in flight: it is cancelled.
                t.deployments.remove(&id);
                return Ok(Reply::Empty(StatusCode::ACCEPTED));
            }
            d.transition = Some(Transition::Undeploy { steps: 0 });
            settle(d, n);
            if d.live.is_none() {
                t.deployments.remove(&id);
            }
            Ok(Reply::Empty(StatusCode::ACCEPTED))
        }
        _ => Err(ApiError::not_found("Resource not found.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(version: &str, status: &str) -> LiveArtifact {
        LiveArtifact {
            kind: ArtifactKind::IntegrationFlow,
            name: "F".into(),
            version: version.into(),
            deployed_by: "u".into(),
            deployed_on: 0,
            status: status.into(),
            error: None,
            error_reads: 0,
        }
    }

    #[test]
    fn redeploy_shows_old_version_then_starting_then_started() {
        let mut t = Tenant::default();
        t.deployments.insert(
            "F".into(),
            Deployment {
                live: Some(live("1.0.0", status::STARTED)),
                transition: Some(Transition::Deploy {
                    task: "t".into(),
                    target: live("1.0.1", status::STARTED),
                    steps: 0,
                }),
            },
        );
        let seen: Vec<(String, String)> = (0..5)
            .map(|_| {
                observe(&mut t, "F", 2);
                let l = view(&t.deployments["F"], 2).unwrap();
                (l.version, l.status)
            })
            .collect();
        assert_eq!(seen[0], ("1.0.0".into(), "STARTED".into()));
        assert_eq!(seen[1], ("1.0.0".into(), "STARTED".into()));
        assert_eq!(seen[2], ("1.0.1".into(), "STARTING".into()));
        assert_eq!(seen[3], ("1.0.1".into(), "STARTING".into()));
        assert_eq!(seen[4], ("1.0.1".into(), "STARTED".into()));
    }
}
