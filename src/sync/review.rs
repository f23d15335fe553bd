//! A plan or drift report as data: every changed object with what changed inside it (fields,
//! files), for `report` to render. Deletes count as changes with `--prune` (plan) and always
//! for drift.

use super::diff::{self, Details};
use super::plan::{Action, Plan, Step};
use super::target::Target;
use crate::git::GitError;
use crate::model::Kind;
use crate::model::kinds::oauth2_client_credential;
use crate::read::Warning;
use crate::store::layout::{Role, locate};

/// One differing object with what changed inside it.
#[derive(Debug)]
pub struct Reviewed {
    /// The plan's step.
    pub step: Step,
    /// Changed fields and files of an update.
    pub details: Option<Details>,
    /// Content files of an object to create.
    pub content_files: Option<usize>,
    /// Updated by deleting and creating it (missing on the target for a moment), and why.
    pub recreate: Option<Recreation>,
}

/// Why an update deletes and creates the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recreation {
    /// Value mappings have no update on the API.
    ValueMapping,
    /// An OAuth2 client credential's custom parameters are accepted only on create.
    CustomParameters,
    /// An artifact moved to another package.
    Moved,
}

/// A plan or drift report.
#[derive(Debug)]
pub struct Review {
    /// The target tenant.
    pub tenant: String,
    /// The revision compared.
    pub revision: String,
    /// The revision last applied to the target, if any.
    pub base: Option<String>,
    /// Steps that count as changes: all of them, or, for a plan without `--prune`, all but
    /// the deletes.
    pub changes: usize,
    /// Steps apply refuses without `--overwrite-drift` (deletes only with `--prune`).
    pub drifted: usize,
    /// Whether deletes count (`plan --prune`, and drift).
    pub prune: bool,
    /// Every step that changes something.
    pub steps: Vec<Reviewed>,
    /// Warnings of reading the target.
    pub warnings: Vec<Warning>,
    /// The target's role.
    pub role: crate::config::Role,
    /// The flows a passive target holds back.
    pub held_back: Vec<super::passive::HeldBack>,
    /// Every tenant's role (filled by the command).
    pub roles: Vec<super::roles::RoleEntry>,
    /// The flows that start by themselves and by callers (filled by plan).
    pub mixed: Vec<super::passive::Mixed>,
}

impl Review {
    /// Whether anything counts as a change.
    pub fn has_changes(&self) -> bool {
        self.changes > 0
    }
}

/// Why updating `step`'s object deletes and creates it, if it does (the rules apply follows).
fn recreation(target: &Target, step: &Step) -> Result<Option<Recreation>, GitError> {
    let (Action::Update, Some(desired), Some(live)) = (step.action, &step.desired, &step.live)
    else {
        return Ok(None);
    };
    Ok(match step.id.kind {
        Kind::ValueMapping => Some(Recreation::ValueMapping),
        Kind::OAuth2ClientCredential => {
            let json = match desired.json() {
                Some((_, blob)) => serde_json::from_slice(&target.repo.blob(*blob)?)
                    .unwrap_or(serde_json::Value::Null),
                None => serde_json::Value::Null,
            };
            oauth2_client_credential::recreates(&json).then_some(Recreation::CustomParameters)
        }
        kind if kind.is_artifact() && desired.parent != live.parent => Some(Recreation::Moved),
        _ => None,
    })
}

/// The review of `plan` against `target`. `prune`: whether deletes count as changes.
pub fn review(target: &Target, plan: &Plan, prune: bool) -> Result<Review, GitError> {
    let mut steps = Vec::new();
    for step in plan.changes() {
        let (details, content_files) = match step.action {
            Action::Update => (
                Some(diff::details(
                    &target.repo,
                    step.live.as_ref(),
                    step.desired.as_ref(),
                )?),
                None,
            ),
            Action::Create => {
                let n = step.desired.as_ref().map_or(0, |d| {
                    d.files
                        .keys()
                        .filter(|p| matches!(locate(p).map(|l| l.role), Some(Role::Content(_))))
                        .count()
                });
                (None, (n > 0).then_some(n))
            }
            _ => (None, None),
        };
        steps.push(Reviewed {
            step: step.clone(),
            details,
            content_files,
            recreate: recreation(target, step)?,
        });
    }
    let counts = |s: &&Step| prune || s.action != Action::Delete;
    Ok(Review {
        tenant: target.tenant.clone(),
        revision: target.desired.commit.to_string(),
        base: target.base.as_ref().map(|b| b.applied.clone()),
        changes: plan.changes().filter(counts).count(),
        drifted: plan.drifted().filter(counts).count(),
        prune,
        steps,
        warnings: target.live.warnings.clone(),
        role: target.role,
        held_back: target.held_back.clone(),
        roles: Vec::new(),
        mixed: Vec::new(),
    })
}
