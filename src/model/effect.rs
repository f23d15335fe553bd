//! [`Effect`]: what a write did to one object, as data. The engine returns effects; `report`
//! renders them in words.

/// One thing a write did to an object on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Created on the target.
    Created(Detail),
    /// Updated in place.
    Updated(Detail),
    /// Deleted and created again, because the API cannot update what changed.
    Recreated(Recreate),
    /// A configure-only package copied from SAP's content catalogue.
    CopiedFromCatalogue,
    /// A configure-only package left as it is (its descriptive fields come from SAP).
    KeptConfigureOnly,
    /// Configure-only content that came with its package's copy of SAP's catalogue.
    TakenFromCatalogueCopy,
    /// An access policy's description changed.
    DescriptionUpdated,
    /// An access policy's artifact reference added (its condition value).
    ReferenceAdded(String),
    /// An access policy's artifact reference removed.
    ReferenceRemoved,
    /// Integration-flow configuration values set.
    Configured(usize),
    /// Deployed at a version, and `STARTED`.
    Deployed(String),
    /// Undeployed.
    Undeployed,
    /// Deleted.
    Deleted,
}

/// What a create or an update carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// Nothing worth saying.
    Plain,
    /// A secret, named in words (`password`, `value`, `client secret`).
    Secret(&'static str),
    /// A certificate's PEM (imported, or replaced).
    Pem,
    /// A key pair's PKCS#12 (uploaded, or replaced).
    Pkcs12,
    /// A certificate-user mapping for a user.
    ForUser(String),
    /// An access policy with this many artifact references.
    References(usize),
    /// A number range, its `CurrentValue` reset to `MinValue` or kept.
    CurrentValue {
        /// Whether it was reset.
        reset: bool,
    },
    /// An artifact's content at a version.
    Version(String),
}

/// Why an object was deleted and created instead of updated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recreate {
    /// An OAuth2 client credential's custom parameters change only on create.
    CustomParameters,
    /// An artifact moved to another package (at a version).
    Moved(String),
    /// Value mappings have no update on the API (at a version).
    ValueMapping(String),
}
