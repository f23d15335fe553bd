//! `access-policy`: a role with the artifact references it guards (API reference section 7.6),
//! kept as `<RoleName>.json` with the references inline. Policy and reference ids differ
//! between tenants: they are not kept, and an update finds the live policy by its role.

use super::super::effect::{Detail, Effect};
use super::super::phase::Phase;
use super::super::schema::{
    Field,
    Ty::{List, OptStr, Str},
    optional, required,
};
use super::super::spec::{Identity, Placement, Spec};
use super::super::write::{Material, WriteError};
use super::{Entry, insert};
use crate::client::Client;
use crate::model::{Kind, ObjectId};
use crate::wire::access::{ACCESS_POLICIES, AccessPolicy, ArtifactReference};
use serde_json::Value;

/// The fields of one artifact reference.
const ARTIFACT_REFERENCE: &[Field] = &[
    required("Name", Str),
    required("Type", Str),
    required("ConditionAttribute", Str),
    required("ConditionValue", Str),
    required("ConditionType", Str),
    optional("Description", OptStr),
];

/// The kind's data.
pub const SPEC: Spec = Spec {
    name: "access-policy",
    folder: "access-policies",
    phase: Phase::AccessPolicies,
    placement: Placement::Security,
    identity: Identity::Field("RoleName"),
    secrets: &[],
    attachment: None,
    artifact: None,
    entity_set: ACCESS_POLICIES,
    schema: &[
        required("RoleName", Str),
        optional("Description", OptStr),
        optional("ArtifactReferences", List(ARTIFACT_REFERENCE)),
    ],
};

/// An access policy as stored, with its references inline.
pub fn read(p: &AccessPolicy) -> Entry {
    let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
    let refs: Vec<Value> = p
        .artifact_references
        .0
        .iter()
        .flatten()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    insert(&mut v, "ArtifactReferences", Value::Array(refs));
    Entry::new(
        ObjectId::new(Kind::AccessPolicy, &p.role_name),
        super::super::normalize::normalize(Kind::AccessPolicy, &v),
    )
}

/// What makes two references the same reference (their ids differ between tenants).
fn same(a: &ArtifactReference, b: &ArtifactReference) -> bool {
    (
        &a.kind,
        &a.condition_attribute,
        &a.condition_value,
        &a.condition_type,
        &a.name,
    ) == (
        &b.kind,
        &b.condition_attribute,
        &b.condition_value,
        &b.condition_type,
        &b.name,
    )
}

/// Creates a policy with its references, or brings a live one's description and references to
/// what git has.
pub async fn write(client: &Client, m: &Material) -> Result<Vec<Effect>, WriteError> {
    let desired: AccessPolicy = m.desired_as()?;
    let refs = desired.artifact_references.0.clone().unwrap_or_default();
    let description = desired.description.clone().unwrap_or_default();
    if !m.exists() {
        let policy = AccessPolicy {
            id: None,
            role_name: m.id.key.clone(),
            description: Some(description),
            artifact_references: Default::default(),
        };
        client.create_access_policy(&policy, &refs).await?;
        return Ok(vec![Effect::Created(Detail::References(refs.len()))]);
    }
    let live = client
        .access_policy(&m.id.key)
        .await?
        .ok_or_else(|| WriteError::NotOnTarget(format!("access policy for role {}", m.id.key)))?;
    let policy_id = live.id.clone().unwrap_or_default();
    let mut done = Vec::new();
    if live.description.as_deref().unwrap_or_default() != description {
        client
            .update_access_policy(&policy_id, &description)
            .await?;
        done.push(Effect::DescriptionUpdated);
    }
    let live_refs = live.artifact_references.0.unwrap_or_default();
    for r in &refs {
        if !live_refs.iter().any(|l| same(l, r)) {
            client.add_artifact_reference(&policy_id, r).await?;
            done.push(Effect::ReferenceAdded(r.condition_value.clone()));
        }
    }
    for l in &live_refs {
        if !refs.iter().any(|r| same(l, r)) {
            if let Some(rid) = &l.id {
                client.delete_artifact_reference(rid).await?;
                done.push(Effect::ReferenceRemoved);
            }
        }
    }
    Ok(done)
}

/// Deletes the live policy of the role.
pub async fn delete(client: &Client, id: &ObjectId) -> Result<(), WriteError> {
    if let Some(p) = client.access_policy(&id.key).await? {
        client
            .delete_access_policy(&p.id.unwrap_or_default())
            .await?;
    }
    Ok(())
}
