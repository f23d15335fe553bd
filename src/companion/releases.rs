//! The released versions of the companion, as digests of their flows' files
//! (`wire::companion::source::digest`): how `companion install` knows that a tenant's copy is an
//! unmodified release it may update without `--force`, although only the current version's
//! files are in this build.
//!
//! When the companion changes, its version goes up and the new version's digests are added
//! here (the test below fails until they are, printing them); older entries stay forever.

/// A flow of a released companion version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// The package version.
    pub version: &'static str,
    /// The flow's id.
    pub flow: &'static str,
    /// [`crate::wire::companion::source::digest`] of its files.
    pub digest: &'static str,
}

/// Every released flow, oldest first.
pub const RELEASES: &[Release] = &[
    Release {
        version: "1.0.0",
        flow: "CPIGitOps_SecurityMaterial",
        digest: "f1b9317ff5b07e878597817075734dc630258480e9f21000eeb5586752bccf0a",
    },
    Release {
        version: "1.0.0",
        flow: "CPIGitOps_Ping",
        digest: "97e86605a37efa7fda2db95a927aeb8f942f70e0763fa79a77477b2696146ac3",
    },
];

/// The released version whose `flow` has files of `digest`.
pub fn version_of(releases: &[Release], flow: &str, digest: &str) -> Option<&'static str> {
    releases
        .iter()
        .find(|r| r.flow == flow && r.digest == digest)
        .map(|r| r.version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::companion::source;

    #[test]
    fn the_current_version_is_released_with_these_files() {
        let package = source::package().unwrap();
        let mut wanted = Vec::new();
        for flow in &package.flows {
            let digest = flow.digest();
            let listed = RELEASES
                .iter()
                .find(|r| r.flow == flow.fields.id && r.version == package.version());
            if listed.map(|r| r.digest) != Some(digest.as_str()) {
                wanted.push(format!(
                    "    Release {{\n        version: {:?},\n        flow: {:?},\n        digest: {:?},\n    }},",
                    package.version(),
                    flow.fields.id,
                    digest
                ));
            }
        }
        assert!(
            wanted.is_empty(),
            "the companion's files differ from release {} as listed in RELEASES: when the companion changed, raise its version (package.json, flows/*.json, the manifests, COMPANION_VERSION in both scripts) and add:\n{}",
            package.version(),
            wanted.join("\n")
        );
    }

    #[test]
    fn versions_are_unique_per_flow() {
        for (i, a) in RELEASES.iter().enumerate() {
            for b in &RELEASES[i + 1..] {
                assert!(a.flow != b.flow || a.version != b.version, "{a:?}");
                assert!(a.flow != b.flow || a.digest != b.digest, "{a:?} and {b:?}");
            }
        }
    }
}
