//! The sync engine: plan, apply and drift of a committed revision onto a target tenant
//! (design.md sections 1 and 5). It decides on the object model and returns typed outcomes; it
//! prints nothing, builds no URLs and opens no files itself (client, store and git do).
//!
//! | module | job |
//! |---|---|
//! | [`desired`] | a revision's state from git, checked, with the target's overrides |
//! | [`live`] | the target read with the exporter's reader |
//! | [`base`] | what the last apply left: `refs/cpi-gitops/applied/<tenant>`, and the rule that records it |
//! | [`target`] | the three together |
//! | [`state`] | a state's files grouped by object, with fingerprints |
//! | [`plan`] | the verdict of each object: desired vs live vs base |
//! | [`diff`], [`review`] | what changed inside an object; plan and drift reports as data |
//! | [`apply`] | decide, preflight, execute, deploy wait, verify, record |
//! | [`roles`] | the roles of a high-availability pair: configured, and recorded in `refs/cpi-gitops/roles` |
//! | [`starts`], [`passive`] | how flows start (from their XML); what a passive target holds back, and the role check |
//! | [`failover`] | promote the passive twin: preflight, fence, deploy, record |

pub mod apply;
pub mod base;
pub mod desired;
pub mod diff;
pub mod failover;
pub mod live;
pub mod passive;
pub mod plan;
pub mod review;
pub mod roles;
pub mod starts;
pub mod state;
pub mod target;
