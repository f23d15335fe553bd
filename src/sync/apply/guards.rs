//! The guards of apply, checked before anything is written: drift on the target is not
//! overwritten without `--overwrite-drift`, and a prune may neither empty the target nor shrink
//! it by more than `--max-prune-share` (the prune guard).

use super::{ApplyError, ApplyOptions};
use crate::sync::plan::Step;

/// Refuses when a step to run would overwrite drift (or write where nothing was ever applied)
/// and `--overwrite-drift` was not given.
pub fn check_drift(
    tenant: &str,
    steps: &[&Step],
    options: &ApplyOptions,
) -> Result<(), ApplyError> {
    let drifted: Vec<String> = steps
        .iter()
        .filter(|s| s.needs_overwrite())
        .map(|s| s.id.to_string())
        .collect();
    if !drifted.is_empty() && !options.overwrite_drift {
        return Err(ApplyError::Drift {
            tenant: tenant.into(),
            objects: drifted,
        });
    }
    Ok(())
}

/// The prune guard: refuses a prune of an empty desired state, or one that deletes more than
/// `--max-prune-share` of the target's objects.
pub fn check_prune(
    tenant: &str,
    deletes: usize,
    desired: usize,
    live: usize,
    options: &ApplyOptions,
) -> Result<(), ApplyError> {
    if !options.prune || deletes == 0 {
        return Ok(());
    }
    if desired == 0 {
        return Err(ApplyError::Prune {
            tenant: tenant.into(),
            reason: "the desired state is empty: that would delete everything".into(),
        });
    }
    let share = deletes as f64 / live.max(1) as f64;
    if share > options.max_prune_share {
        return Err(ApplyError::Prune {
            tenant: tenant.into(),
            reason: format!(
                "it would delete {deletes} of the target's {live} objects ({:.0} %), more than --max-prune-share {:.0} %",
                share * 100.0,
                options.max_prune_share * 100.0
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, ObjectId};
    use crate::sync::plan::{Action, Reason, SecretChange};

    fn step(reason: Reason) -> Step {
        Step {
            id: ObjectId::new(Kind::NumberRange, "N"),
            action: Action::Update,
            reason,
            secrets: SecretChange::NoSecrets,
            secrets_drifted: false,
            overrides: vec![],
            runtime: None,
            desired: None,
            live: None,
        }
    }

    #[test]
    fn drift_is_overwritten_only_when_asked() {
        let pending = step(Reason::Pending);
        let drifted = step(Reason::Drifted);
        let never = step(Reason::NeverApplied);
        let options = ApplyOptions::default();
        assert!(check_drift("t", &[&pending], &options).is_ok());
        for s in [&drifted, &never] {
            let err = check_drift("t", &[&pending, s], &options).unwrap_err();
            assert!(
                matches!(&err, ApplyError::Drift { objects, .. } if objects == &["number-range/N"]),
                "{err}"
            );
        }
        let overwrite = ApplyOptions {
            overwrite_drift: true,
            ..Default::default()
        };
        assert!(check_drift("t", &[&drifted, &never], &overwrite).is_ok());
    }

    #[test]
    fn the_prune_guard_refuses_emptying_or_shrinking_sharply() {
        let options = ApplyOptions {
            prune: true,
            ..Default::default()
        };
        assert!(check_prune("t", 0, 0, 10, &options).is_ok());
        assert!(check_prune("t", 2, 10, 10, &options).is_ok());
        let empty = check_prune("t", 1, 0, 10, &options)
            .unwrap_err()
            .to_string();
        assert!(empty.contains("the desired state is empty"), "{empty}");
        let sharp = check_prune("t", 3, 10, 10, &options)
            .unwrap_err()
            .to_string();
        assert!(
            sharp.contains("3 of the target's 10 objects (30 %)"),
            "{sharp}"
        );
        let without = ApplyOptions::default();
        assert!(check_prune("t", 10, 0, 10, &without).is_ok());
    }
}
