//! [`Phase`]: the order in which apply writes objects (design.md section 5). Each kind names its
//! phase in its [`super::Spec`], so the order is derived from the kinds: a kind cannot be left
//! out of apply.

use super::Kind;

/// A group of kinds written together; phases run in the order of this enum, deletes in reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Credentials, secure parameters, certificates, key pairs, certificate-user mappings.
    SecurityMaterial,
    /// Number ranges.
    NumberRanges,
    /// Partner Directory parameters, alternative partners, authorized users.
    PartnerDirectory,
    /// Access policies (they reference artifacts by name, so they may come first).
    AccessPolicies,
    /// Packages, before what they contain.
    Packages,
    /// Script collections and the types and interfaces mappings use.
    Libraries,
    /// Message and value mappings.
    Mappings,
    /// Integration flows, which use all of the above.
    IntegrationFlows,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 8] = [
        Phase::SecurityMaterial,
        Phase::NumberRanges,
        Phase::PartnerDirectory,
        Phase::AccessPolicies,
        Phase::Packages,
        Phase::Libraries,
        Phase::Mappings,
        Phase::IntegrationFlows,
    ];

    /// The kinds written in this phase.
    pub fn kinds(self) -> impl Iterator<Item = Kind> {
        Kind::ALL.into_iter().filter(move |k| k.phase() == self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_phase_and_dependencies_come_first() {
        let all: Vec<Kind> = Phase::ALL.into_iter().flat_map(Phase::kinds).collect();
        assert_eq!(all.len(), Kind::ALL.len());
        let at = |k: Kind| all.iter().position(|x| *x == k).unwrap();
        assert!(at(Kind::UserCredential) < at(Kind::Package));
        assert!(at(Kind::Package) < at(Kind::ScriptCollection));
        assert!(at(Kind::ScriptCollection) < at(Kind::MessageMapping));
        assert!(at(Kind::ValueMapping) < at(Kind::IntegrationFlow));
    }
}
