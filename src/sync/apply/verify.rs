//! Verification: after the writes, the target read again and compared with git. What still
//! differs is reported (exit code 2), with why.

use super::ApplyOptions;
use super::outcome::{Remaining, StillDifferent};
use crate::git::Repo;
use crate::sync::desired::Desired;
use crate::sync::diff;
use crate::sync::live::Live;
use crate::sync::plan::{self, Action, SecretChange, Step};
use crate::sync::state::ObjectFiles;

/// What still differs between desired and the target after an apply.
pub fn still_different(
    repo: &Repo,
    desired: &Desired,
    after: &Live,
    options: &ApplyOptions,
) -> Vec<Remaining> {
    let check = plan::plan(desired, after, None);
    let mut remaining = Vec::new();
    for step in &check.steps {
        if step.action == Action::None || (step.action == Action::Delete && !options.prune) {
            continue;
        }
        if step.action == Action::Update
            && step.secrets == SecretChange::Write
            && step.runtime.is_none()
            && same_files(step)
        {
            // Without a base every secret looks unwritten; the files are what can be checked.
            continue;
        }
        if options.no_deploy && only_runtime_differs(repo, step) {
            continue;
        }
        let why = match (step.action, &step.runtime) {
            (_, Some(r)) => StillDifferent::Runtime(r.clone()),
            (Action::Create, _) => StillDifferent::Missing,
            (Action::Delete, _) => StillDifferent::StillThere,
            _ => StillDifferent::Differs,
        };
        remaining.push(Remaining {
            id: step.id.clone(),
            why,
        });
    }
    remaining
}

fn same_files(step: &Step) -> bool {
    step.desired.as_ref().map(ObjectFiles::fingerprint)
        == step.live.as_ref().map(ObjectFiles::fingerprint)
}

/// Whether the only difference of `step` is the `Deployed` field (ignored with `--no-deploy`).
fn only_runtime_differs(repo: &Repo, step: &Step) -> bool {
    if step.runtime.is_some() && same_files(step) {
        return true;
    }
    match diff::details(repo, step.live.as_ref(), step.desired.as_ref()) {
        Ok(d) => {
            d.files.is_empty()
                && !d.fields.is_empty()
                && d.fields.iter().all(|f| f.field == "Deployed")
        }
        Err(_) => false,
    }
}
