//! The roles of a high-availability pair (design.md section 8): which tenant is active (runs
//! every flow) and which is passive (holds back the flows that start by themselves).
//!
//! `role` in `cpi-gitops.toml` is the default (`active` when absent). A failover records the
//! roles it leaves in `refs/cpi-gitops/roles`, and those override the configuration: a commit
//! whose tree holds `roles.json`,
//!
//! ```json
//! {"format": 1, "roles": {"primary": "passive", "secondary": "active"}, "unfenced": ["primary"]}
//! ```
//!
//! where `unfenced` names former actives a failover could not reach to undeploy their
//! self-starting flows (they may still be running them: the next `failover --to` the same
//! tenant fences them). Each failover's commit has the previous one as parent, so the ref is
//! pushed fast-forward and `git log refs/cpi-gitops/roles` is the history of failovers.

use crate::config::{Config, Role};
use crate::git::{GitError, Repo};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The ref of the recorded roles.
pub const REF: &str = "refs/cpi-gitops/roles";

/// The file in the ref's tree.
const FILE: &str = "roles.json";

/// The format of `roles.json` this version writes and reads.
const FORMAT: u32 = 1;

/// What a failover records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesRecord {
    /// The format of the file (1).
    pub format: u32,
    /// Role by tenant.
    pub roles: BTreeMap<String, Role>,
    /// Former actives that could not be fenced.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unfenced: BTreeSet<String>,
}

/// Where a tenant's role comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `refs/cpi-gitops/roles`.
    Recorded,
    /// `role` in `cpi-gitops.toml`.
    Configured,
    /// Neither: active.
    Default,
}

impl Source {
    /// `recorded`, `configured` or `default`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Recorded => "recorded",
            Source::Configured => "configured",
            Source::Default => "default",
        }
    }
}

/// Why the roles cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RolesError {
    /// Git failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The recorded roles cannot be read.
    #[error("{REF}: {FILE} is not readable: {reason}")]
    Unreadable {
        /// Why.
        reason: String,
    },
    /// No tenant but `tenant` is active.
    #[error("no tenant is active beside `{tenant}`")]
    NoActive {
        /// The tenant whose counterpart was looked for.
        tenant: String,
    },
    /// Several tenants are active, and none is marked so explicitly.
    #[error("several tenants are active beside `{tenant}`: {}", candidates.join(", "))]
    Ambiguous {
        /// The tenant whose counterpart was looked for.
        tenant: String,
        /// The active tenants.
        candidates: Vec<String>,
    },
}

/// The roles in effect: the configured ones, with the recorded ones on top.
#[derive(Debug, Clone)]
pub struct Roles {
    configured: BTreeMap<String, Option<Role>>,
    record: Option<RolesRecord>,
    /// The commit the ref pointed at when read (a write checks that it did not move).
    at: Option<String>,
}

impl Roles {
    /// The roles of `config`'s tenants, with what `repo` records.
    pub fn load(repo: &Repo, config: &Config) -> Result<Roles, RolesError> {
        let at = repo.ref_target(REF)?;
        let record = match repo.ref_file(REF, FILE)? {
            None => None,
            Some(bytes) => {
                let record: RolesRecord =
                    serde_json::from_slice(&bytes).map_err(|e| RolesError::Unreadable {
                        reason: e.to_string(),
                    })?;
                if record.format != FORMAT {
                    return Err(RolesError::Unreadable {
                        reason: format!(
                            "format {} (this cpi-gitops reads format {FORMAT}): upgrade cpi-gitops",
                            record.format
                        ),
                    });
                }
                Some(record)
            }
        };
        Ok(Roles::new(
            config
                .tenants
                .iter()
                .map(|(name, section)| (name.clone(), section.role))
                .collect(),
            record,
            at,
        ))
    }

    /// Roles from configured roles and a record (for tests and the engine).
    pub fn new(
        configured: BTreeMap<String, Option<Role>>,
        record: Option<RolesRecord>,
        at: Option<String>,
    ) -> Roles {
        Roles {
            configured,
            record,
            at,
        }
    }

    /// The role of `tenant`.
    pub fn role(&self, tenant: &str) -> Role {
        self.role_and_source(tenant).0
    }

    /// The role of `tenant` and where it comes from.
    pub fn role_and_source(&self, tenant: &str) -> (Role, Source) {
        if let Some(role) = self.record.as_ref().and_then(|r| r.roles.get(tenant)) {
            return (*role, Source::Recorded);
        }
        match self.configured.get(tenant).copied().flatten() {
            Some(role) => (role, Source::Configured),
            None => (Role::Active, Source::Default),
        }
    }

    /// Every configured tenant, with tenants only the record names, by name.
    pub fn tenants(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = self.configured.keys().cloned().collect();
        if let Some(r) = &self.record {
            names.extend(r.roles.keys().cloned());
        }
        names.into_iter().collect()
    }

    /// Whether `tenant` is in the configuration.
    pub fn is_configured(&self, tenant: &str) -> bool {
        self.configured.contains_key(tenant)
    }

    /// Former actives a failover could not fence.
    pub fn unfenced(&self) -> BTreeSet<String> {
        self.record
            .as_ref()
            .map(|r| r.unfenced.clone())
            .unwrap_or_default()
    }

    /// Whether roles are recorded.
    pub fn recorded(&self) -> bool {
        self.record.is_some()
    }

    /// The active twin of `tenant`: the one configured tenant other than `tenant` that is active;
    /// among several, the one that is active explicitly (recorded, or `role = "active"`).
    pub fn active_besides(&self, tenant: &str) -> Result<String, RolesError> {
        let active: Vec<(String, Source)> = self
            .configured
            .keys()
            .filter(|t| t.as_str() != tenant)
            .map(|t| (t.clone(), self.role_and_source(t)))
            .filter(|(_, (role, _))| *role == Role::Active)
            .map(|(t, (_, source))| (t, source))
            .collect();
        if let [(only, _)] = active.as_slice() {
            return Ok(only.clone());
        }
        let explicit: Vec<&String> = active
            .iter()
            .filter(|(_, s)| *s != Source::Default)
            .map(|(t, _)| t)
            .collect();
        match explicit.as_slice() {
            [only] => Ok((*only).clone()),
            _ if active.is_empty() => Err(RolesError::NoActive {
                tenant: tenant.into(),
            }),
            _ => Err(RolesError::Ambiguous {
                tenant: tenant.into(),
                candidates: active.into_iter().map(|(t, _)| t).collect(),
            }),
        }
    }

    /// The record a switch to `to` (from `from`, fenced or not) leaves.
    pub fn after_failover(&self, to: &str, from: Option<&str>, fenced: bool) -> RolesRecord {
        let mut record = self.record.clone().unwrap_or(RolesRecord {
            format: FORMAT,
            ..Default::default()
        });
        record.format = FORMAT;
        record.roles.insert(to.to_string(), Role::Active);
        record.unfenced.remove(to);
        if let Some(from) = from {
            record.roles.insert(from.to_string(), Role::Passive);
            if fenced {
                record.unfenced.remove(from);
            } else {
                record.unfenced.insert(from.to_string());
            }
        }
        record
    }

    /// Records `record` as the roles, on top of what was read (refused when the ref moved).
    pub fn write(&self, repo: &Repo, record: &RolesRecord, message: &str) -> Result<(), GitError> {
        let json = serde_json::to_value(record).unwrap_or_default();
        let bytes = crate::wire::canonical::to_vec(&json);
        repo.append_ref_commit(REF, &[(FILE, &bytes)], self.at.as_deref(), message)
    }
}

/// One tenant's role, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleEntry {
    /// The tenant.
    pub tenant: String,
    /// Its role.
    pub role: Role,
    /// Where the role comes from.
    pub source: Source,
    /// A former active a failover could not fence (it may still run self-starting flows).
    pub unfenced: bool,
    /// Whether `cpi-gitops.toml` configures it.
    pub configured: bool,
}

/// Every tenant's role, by name.
pub fn summary(roles: &Roles) -> Vec<RoleEntry> {
    let unfenced = roles.unfenced();
    roles
        .tenants()
        .into_iter()
        .map(|tenant| {
            let (role, source) = roles.role_and_source(&tenant);
            RoleEntry {
                unfenced: unfenced.contains(&tenant),
                configured: roles.is_configured(&tenant),
                tenant,
                role,
                source,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(configured: &[(&str, Option<Role>)], record: Option<RolesRecord>) -> Roles {
        Roles::new(
            configured
                .iter()
                .map(|(t, r)| (t.to_string(), *r))
                .collect(),
            record,
            None,
        )
    }

    #[test]
    fn the_record_overrides_the_configuration_which_overrides_the_default() {
        let record = RolesRecord {
            format: 1,
            roles: [("secondary".to_string(), Role::Active)].into(),
            unfenced: BTreeSet::new(),
        };
        let r = roles(
            &[("primary", None), ("secondary", Some(Role::Passive))],
            Some(record),
        );
        assert_eq!(
            r.role_and_source("primary"),
            (Role::Active, Source::Default)
        );
        assert_eq!(
            r.role_and_source("secondary"),
            (Role::Active, Source::Recorded)
        );
    }

    #[test]
    fn the_active_twin_is_the_one_active_tenant_or_the_explicit_one() {
        let pair = roles(
            &[("primary", None), ("secondary", Some(Role::Passive))],
            None,
        );
        assert_eq!(pair.active_besides("secondary").unwrap(), "primary");
        let three = roles(
            &[
                ("dev", None),
                ("primary", Some(Role::Active)),
                ("secondary", Some(Role::Passive)),
            ],
            None,
        );
        assert_eq!(three.active_besides("secondary").unwrap(), "primary");
        let ambiguous = roles(
            &[
                ("dev", None),
                ("primary", None),
                ("secondary", Some(Role::Passive)),
            ],
            None,
        );
        assert!(matches!(
            ambiguous.active_besides("secondary"),
            Err(RolesError::Ambiguous { .. })
        ));
        let none = roles(&[("secondary", Some(Role::Passive))], None);
        assert!(matches!(
            none.active_besides("secondary"),
            Err(RolesError::NoActive { .. })
        ));
    }

    #[test]
    fn a_failover_records_both_roles_and_who_could_not_be_fenced() {
        let r = roles(
            &[("primary", None), ("secondary", Some(Role::Passive))],
            None,
        );
        let unfenced = r.after_failover("secondary", Some("primary"), false);
        assert_eq!(unfenced.roles["secondary"], Role::Active);
        assert_eq!(unfenced.roles["primary"], Role::Passive);
        assert!(unfenced.unfenced.contains("primary"));
        let r = roles(
            &[("primary", None), ("secondary", Some(Role::Passive))],
            Some(unfenced),
        );
        let fenced = r.after_failover("secondary", Some("primary"), true);
        assert!(fenced.unfenced.is_empty());
        let json = serde_json::to_value(&fenced).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"format": 1, "roles": {"primary": "passive", "secondary": "active"}})
        );
    }

    #[test]
    fn roles_round_trip_through_the_ref() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo::init(dir.path()).unwrap();
        std::fs::write(
            dir.path().join("cpi-gitops.toml"),
            "[tenants.primary]\n[tenants.secondary]\nrole = \"passive\"\n",
        )
        .unwrap();
        let config = Config::load(&dir.path().join("cpi-gitops.toml")).unwrap();
        let r = Roles::load(&repo, &config).unwrap();
        assert!(!r.recorded());
        let record = r.after_failover("secondary", Some("primary"), true);
        r.write(&repo, &record, "failover").unwrap();
        let again = Roles::load(&repo, &config).unwrap();
        assert_eq!(again.role("secondary"), Role::Active);
        assert_eq!(again.role("primary"), Role::Passive);
        // A second writer that read before the first wrote is refused.
        assert!(r.write(&repo, &record, "stale").is_err());
    }
}
