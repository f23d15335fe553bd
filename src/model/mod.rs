//! The object model: every piece of tenant state is an object with a stable identity
//! `kind/key` (`integration-flow/Orders_Replicate`, `user-credential/ERP_Basic`, ...). Export
//! writes objects, plan/apply/drift compare them.
//!
//! - [`Kind`], [`ObjectId`]: what an object is and how it is named;
//! - [`kinds`]: one module per kind, with its [`Spec`] (names, files, identity, [`Phase`]), how
//!   it is read from the API into its state file, and how it is written back;
//! - [`normalize`]: the one list of volatile and ignored fields;
//! - [`schema`]: what a state file must hold, checked before the first write;
//! - [`Material`], [`WriteError`], [`Effect`]: a write's input, failure and outcome.
//!
//! No files and no URLs here: requests go through the tenant client's typed methods, files
//! through `store` and `git`.

mod effect;
pub mod key;
mod kind;
pub mod kinds;
pub mod normalize;
mod phase;
pub mod schema;
mod spec;
mod write;

pub use effect::{Detail, Effect, Recreate};
pub use kind::{Kind, ObjectId, SecretSlot};
pub use phase::Phase;
pub use spec::{Attachment, Identity, Placement, Spec};
pub use write::{Material, WriteError};
