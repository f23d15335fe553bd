//! The object model: every piece of tenant state is an object with a stable identity
//! `kind/key` (`integration-flow/Orders_Replicate`, `user-credential/ERP_Basic`, ...). Export
//! writes objects, plan/apply/drift compare them. No HTTP and no files here.

mod kind;
pub mod normalize;

pub use kind::{Kind, ObjectId, SecretSlot};
