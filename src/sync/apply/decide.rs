//! The decisions of an apply, as pure functions of the plan: whether it may run at all
//! ([`super::guards`]), which steps run in which phase, which in-sync artifacts still need a
//! deploy, and for each artifact the operations that bring it to git's state. Nothing here talks
//! to a tenant; the executor does what these functions say.

use super::{ApplyError, ApplyOptions, guards};
use crate::model::{ObjectId, Phase};
use crate::sync::desired::Desired;
use crate::sync::live::Live;
use crate::sync::plan::{Action, Plan, Step};
use crate::wire::designtime::ArtifactKind;
use crate::wire::runtime::{IntegrationRuntimeArtifact, status};
use std::collections::{BTreeMap, BTreeSet};

/// One thing to do to an object on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Create or update a non-artifact object with its kind's requests.
    Write,
    /// Create an artifact from its content.
    Create,
    /// Upload an artifact's new content.
    Upload,
    /// Delete an artifact and create it again.
    Recreate(RecreateReason),
    /// Configure-only content comes with its package's copy of SAP's catalogue: nothing to upload.
    FromCatalogue,
    /// Set the configuration values that differ from the target's.
    Configure,
    /// Deploy, and wait until `STARTED`.
    Deploy,
    /// Undeploy, and wait until gone.
    Undeploy,
    /// Delete.
    Delete,
    /// Leave it: the API cannot write it one by one.
    Skip,
}

/// Why an artifact is deleted and created rather than updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecreateReason {
    /// It moved to another package.
    Moved,
    /// Value mappings have no update on the API.
    ValueMapping,
}

/// What the steps of an apply are, in order.
#[derive(Debug)]
pub struct Decision<'a> {
    /// Creates and updates, by phase.
    pub writes: BTreeMap<Phase, Vec<&'a Step>>,
    /// Deletes (with `--prune`), by phase; they run in reverse order.
    pub deletes: BTreeMap<Phase, Vec<&'a Step>>,
    /// Artifacts git has deployed that the plan does not change and the target does not run.
    pub deploys: Vec<&'a ObjectId>,
}

impl Decision<'_> {
    /// Every step that writes or deletes.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.writes
            .values()
            .chain(self.deletes.values())
            .flatten()
            .copied()
    }
}

/// Decides what an apply of `plan` does, or why it refuses (changing nothing).
pub fn decide<'a>(
    plan: &'a Plan,
    desired: &'a Desired,
    live: &Live,
    tenant: &str,
    options: &ApplyOptions,
) -> Result<Decision<'a>, ApplyError> {
    let executed: Vec<&Step> = plan
        .changes()
        .filter(|s| s.action != Action::Delete || options.prune)
        .collect();
    guards::check_drift(tenant, &executed, options)?;
    let deletes = executed
        .iter()
        .filter(|s| s.action == Action::Delete)
        .count();
    guards::check_prune(
        tenant,
        deletes,
        desired.state.objects.len(),
        live.state.objects.len(),
        options,
    )?;
    let mut decision = Decision {
        writes: BTreeMap::new(),
        deletes: BTreeMap::new(),
        deploys: Vec::new(),
    };
    for step in &executed {
        let phases = match step.action {
            Action::Delete => &mut decision.deletes,
            _ => &mut decision.writes,
        };
        phases.entry(step.id.kind.phase()).or_default().push(step);
    }
    if !options.no_deploy {
        let written: BTreeSet<&ObjectId> = executed.iter().map(|s| &s.id).collect();
        decision.deploys = desired
            .artifacts
            .iter()
            .filter(|(id, facts)| {
                facts.deployed
                    && !written.contains(id)
                    && !live.runtime.contains_key(&id.key)
                    && id.kind.is_artifact()
            })
            .map(|(id, _)| id)
            .collect();
    }
    Ok(decision)
}

/// An artifact's runtime on the target, against the version git has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// Not deployed.
    Absent,
    /// `STARTED` at the desired version.
    AsDesired,
    /// Deployed, but not `STARTED` at the desired version.
    Other,
}

impl Runtime {
    /// The runtime `r` against `version`.
    pub fn of(r: Option<&IntegrationRuntimeArtifact>, version: &str) -> Runtime {
        match r {
            None => Runtime::Absent,
            Some(r) if r.status == status::STARTED && r.version == version => Runtime::AsDesired,
            Some(_) => Runtime::Other,
        }
    }
}

/// What is known of an artifact to write, from its files in git and on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtifactCase {
    /// Its kind.
    pub kind: ArtifactKind,
    /// The target has it.
    pub on_target: bool,
    /// Its package is configure-only.
    pub read_only: bool,
    /// `Version`, `Name` or `Description` differ.
    pub metadata_differs: bool,
    /// Its content files differ.
    pub content_differs: bool,
    /// It is in another package on the target.
    pub moved: bool,
    /// A configuration value git has differs from the target's.
    pub configuration_differs: bool,
}

/// The operations that write an artifact (the runtime comes after: [`runtime_operation`]).
pub fn artifact_operations(c: &ArtifactCase) -> Vec<Operation> {
    if !c.kind.writable() {
        return vec![Operation::Skip];
    }
    let mut ops = Vec::new();
    let uploaded = if c.read_only {
        if !c.on_target {
            ops.push(Operation::FromCatalogue);
        }
        false
    } else if !c.on_target {
        ops.push(Operation::Create);
        true
    } else if c.metadata_differs || c.content_differs || c.moved {
        ops.push(if c.moved {
            Operation::Recreate(RecreateReason::Moved)
        } else if c.kind == ArtifactKind::ValueMapping {
            Operation::Recreate(RecreateReason::ValueMapping)
        } else {
            Operation::Upload
        });
        true
    } else {
        false
    };
    if c.kind == ArtifactKind::IntegrationFlow
        && (uploaded || !c.on_target || c.configuration_differs)
    {
        ops.push(Operation::Configure);
    }
    ops
}

/// What an artifact's runtime needs after its writes: `changed` when content was uploaded or
/// configuration values were set.
pub fn runtime_operation(
    deployed_in_git: bool,
    changed: bool,
    runtime: Runtime,
    no_deploy: bool,
) -> Option<Operation> {
    match (no_deploy, deployed_in_git, runtime) {
        (true, _, _) => None,
        (false, true, Runtime::AsDesired) if !changed => None,
        (false, true, _) => Some(Operation::Deploy),
        (false, false, Runtime::Absent) => None,
        (false, false, _) => Some(Operation::Undeploy),
    }
}

/// The operations that delete an object: an artifact deployed on the target is undeployed first.
pub fn delete_operations(deployed_on_target: bool, no_deploy: bool) -> Vec<Operation> {
    if deployed_on_target && !no_deploy {
        vec![Operation::Undeploy, Operation::Delete]
    } else {
        vec![Operation::Delete]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation::*;

    fn case(kind: ArtifactKind) -> ArtifactCase {
        ArtifactCase {
            kind,
            on_target: true,
            read_only: false,
            metadata_differs: false,
            content_differs: false,
            moved: false,
            configuration_differs: false,
        }
    }

    #[test]
    fn artifact_operations_follow_what_differs() {
        let flow = case(ArtifactKind::IntegrationFlow);
        let vm = case(ArtifactKind::ValueMapping);
        let table: Vec<(&str, ArtifactCase, Vec<Operation>)> = vec![
            ("in sync", flow, vec![]),
            (
                "new",
                ArtifactCase {
                    on_target: false,
                    ..flow
                },
                vec![Create, Configure],
            ),
            (
                "new mapping",
                ArtifactCase {
                    on_target: false,
                    ..vm
                },
                vec![Create],
            ),
            (
                "content",
                ArtifactCase {
                    content_differs: true,
                    ..flow
                },
                vec![Upload, Configure],
            ),
            (
                "name",
                ArtifactCase {
                    metadata_differs: true,
                    ..flow
                },
                vec![Upload, Configure],
            ),
            (
                "configuration only",
                ArtifactCase {
                    configuration_differs: true,
                    ..flow
                },
                vec![Configure],
            ),
            (
                "moved",
                ArtifactCase {
                    moved: true,
                    ..flow
                },
                vec![Recreate(RecreateReason::Moved), Configure],
            ),
            (
                "value mapping",
                ArtifactCase {
                    content_differs: true,
                    ..vm
                },
                vec![Recreate(RecreateReason::ValueMapping)],
            ),
            (
                "moved value mapping",
                ArtifactCase { moved: true, ..vm },
                vec![Recreate(RecreateReason::Moved)],
            ),
            (
                "configure-only, new",
                ArtifactCase {
                    read_only: true,
                    on_target: false,
                    ..flow
                },
                vec![FromCatalogue, Configure],
            ),
            (
                "configure-only, content differs",
                ArtifactCase {
                    read_only: true,
                    content_differs: true,
                    ..flow
                },
                vec![],
            ),
            (
                "configure-only, values differ",
                ArtifactCase {
                    read_only: true,
                    configuration_differs: true,
                    ..flow
                },
                vec![Configure],
            ),
            (
                "not writable",
                ArtifactCase {
                    on_target: false,
                    ..case(ArtifactKind::DataType)
                },
                vec![Skip],
            ),
        ];
        for (name, c, ops) in table {
            assert_eq!(artifact_operations(&c), ops, "{name}");
        }
    }

    #[test]
    fn the_runtime_follows_git() {
        use Runtime::*;
        let table = [
            // (deployed in git, changed, runtime, no_deploy) -> operation
            ((true, false, AsDesired, false), None),
            ((true, true, AsDesired, false), Some(Deploy)),
            ((true, false, Absent, false), Some(Deploy)),
            ((true, false, Other, false), Some(Deploy)),
            ((false, false, Absent, false), None),
            ((false, true, AsDesired, false), Some(Undeploy)),
            ((false, false, Other, false), Some(Undeploy)),
            ((true, true, Absent, true), None),
            ((false, false, AsDesired, true), None),
        ];
        for ((deployed, changed, runtime, no_deploy), op) in table {
            assert_eq!(
                runtime_operation(deployed, changed, runtime, no_deploy),
                op,
                "{deployed} {changed} {runtime:?} {no_deploy}"
            );
        }
        assert_eq!(delete_operations(true, false), vec![Undeploy, Delete]);
        assert_eq!(delete_operations(true, true), vec![Delete]);
        assert_eq!(delete_operations(false, false), vec![Delete]);
    }
}
