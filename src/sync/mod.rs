//! The sync engine: plan, apply and drift of a committed revision onto a target tenant
//! (design.md sections 1 and 5). Desired state comes from git ([`desired`]), live state from the
//! tenant (read with the exporter's reader and normalization), base state from the target's
//! applied ref ([`base`]).

pub mod apply;
pub mod base;
pub mod desired;
pub mod diff;
pub mod live;
pub mod plan;
pub mod state;
pub mod write;
