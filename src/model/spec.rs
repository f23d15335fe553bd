//! [`Spec`]: what cpi-gitops knows of one kind as data (names, files, identity, phase, entity
//! set). Each kind's module in [`super::kinds`] defines its `Spec` beside the code that reads and
//! writes it; [`super::Kind::spec`] finds it.

use super::SecretSlot;
use super::phase::Phase;
use super::schema::Field;
use crate::wire::designtime::ArtifactKind;

/// The data of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The name in ids, paths and reports (`integration-flow`).
    pub name: &'static str,
    /// The plural folder name (`integration-flows`, `access-policies`).
    pub folder: &'static str,
    /// When apply writes it.
    pub phase: Phase,
    /// Where its files live under `tenant-state/`.
    pub placement: Placement,
    /// Which fields of its JSON must agree with its key.
    pub identity: Identity,
    /// Its secrets, each an age file beside its JSON.
    pub secrets: &'static [SecretSlot],
    /// The file beside its JSON that it is written from, if any.
    pub attachment: Option<Attachment>,
    /// The design-time artifact kind, for the eight artifact kinds.
    pub artifact: Option<ArtifactKind>,
    /// The API's entity set.
    pub entity_set: &'static str,
    /// The fields its JSON file must have, with their types (others pass through).
    pub schema: &'static [Field],
}

/// Where a kind's files live (see `store::layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// `packages/<Id>/package.json`.
    Package,
    /// `packages/<Package>/<folder>/<Id>/` with `artifact.json`, `configuration.json`, `content/`.
    Artifact,
    /// `security/<folder>/<Name>.json`.
    Security,
    /// `number-ranges/<Name>.json`.
    NumberRange,
    /// `partner-directory/<Pid>/<folder>/<Id>.json`, keyed `<Pid>/<Id>`.
    PartnerParameter,
    /// `partner-directory/<Pid>/<folder>/<Agency>+<Scheme>+<Id>.json`, keyed
    /// `<Agency>/<Scheme>/<Id>`, the Pid its parent.
    AlternativePartner,
    /// `partner-directory/<Pid>/<folder>/<Key>.json`, the Pid its parent.
    PartnerOwned,
}

/// How an object's JSON names it (checked against its path when desired state is loaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// One field holds the key (`Name`, `Id`, `Alias`, `RoleName`, `User`).
    Field(&'static str),
    /// `Pid` and `Id` make the key `<Pid>/<Id>`.
    PidId,
    /// `Agency`, `Scheme` and `Id`, each escaped, make the key `<Agency>/<Scheme>/<Id>`.
    AgencySchemeId,
}

/// A file beside an object's JSON that holds part of the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attachment {
    /// `<Name>.pem`: a certificate's PEM text.
    Pem,
    /// `<Name>.value`: a binary parameter's bytes.
    Value,
}

impl Attachment {
    /// The file suffix (`pem`, `value`).
    pub fn suffix(self) -> &'static str {
        match self {
            Attachment::Pem => "pem",
            Attachment::Value => "value",
        }
    }
}
