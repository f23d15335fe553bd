//! Seeds: the starting state of an emulated tenant. `empty`; `demo`, a realistic small tenant;
//! `generate:PACKAGES:ARTIFACTS[:SEED]`, a large tenant of realistic sizes for benchmarks.

mod builder;
mod companion;
mod demo;
mod generate;

use super::state::Tenant;
use std::fmt;
use std::str::FromStr;

pub use builder::Builder;

/// Which seed to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// Nothing at all, like a newly provisioned tenant.
    Empty,
    /// A realistic small tenant: packages of every kind, security material, Partner Directory,
    /// a deployed subset.
    Demo,
    /// `packages` packages holding `artifacts` artifacts in all, from random seed `seed`.
    Generate {
        /// How many packages.
        packages: usize,
        /// How many artifacts in all.
        artifacts: usize,
        /// The random seed.
        seed: u64,
    },
}

impl FromStr for Seed {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "empty" => Ok(Seed::Empty),
            "demo" => Ok(Seed::Demo),
            _ => {
                let parts: Vec<&str> = s.split(':').collect();
                let number = |p: &str, what: &str| {
                    p.parse::<usize>()
                        .map_err(|_| format!("{what} in seed `{s}` is not a number"))
                };
                match parts.as_slice() {
                    ["generate", p, a] | ["generate", p, a, _] => {
                        let packages = number(p, "PACKAGES")?;
                        let artifacts = number(a, "ARTIFACTS")?;
                        if packages == 0 {
                            return Err(format!("seed `{s}` needs at least one package"));
                        }
                        let seed = match parts.get(3) {
                            Some(x) => x
                                .parse()
                                .map_err(|_| format!("SEED in seed `{s}` is not a number"))?,
                            None => 1,
                        };
                        Ok(Seed::Generate {
                            packages,
                            artifacts,
                            seed,
                        })
                    }
                    _ => Err(format!(
                        "unknown seed `{s}`: use empty, demo, or generate:PACKAGES:ARTIFACTS[:SEED]"
                    )),
                }
            }
        }
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seed::Empty => f.write_str("empty"),
            Seed::Demo => f.write_str("demo"),
            Seed::Generate {
                packages,
                artifacts,
                seed,
            } => write!(f, "generate:{packages}:{artifacts}:{seed}"),
        }
    }
}

/// Builds the tenant of `seed`; `id_seed` seeds the tenant's generated ids.
pub fn build(seed: &Seed, id_seed: u64) -> Tenant {
    let mut b = Builder::new(id_seed);
    match seed {
        Seed::Empty => {}
        Seed::Demo => demo::build(&mut b),
        Seed::Generate {
            packages,
            artifacts,
            seed,
        } => generate::build(&mut b, *packages, *artifacts, *seed),
    }
    b.finish()
}

/// SAP's content catalogue (the Business Accelerator Hub) as every tenant sees it: the packages
/// that `CopyIntegrationPackage` copies into a tenant as configure-only content.
pub fn catalogue() -> Tenant {
    let mut b = Builder::new(0);
    demo::sap_content(&mut b);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seeds() {
        assert_eq!("demo".parse::<Seed>(), Ok(Seed::Demo));
        assert_eq!(
            "generate:20:2000".parse::<Seed>(),
            Ok(Seed::Generate {
                packages: 20,
                artifacts: 2000,
                seed: 1
            })
        );
        assert!("generate:x:1".parse::<Seed>().is_err());
        assert!("nope".parse::<Seed>().is_err());
    }

    #[test]
    fn demo_is_deterministic() {
        let a = serde_json::to_string(&build(&Seed::Demo, 0)).unwrap();
        let b = serde_json::to_string(&build(&Seed::Demo, 0)).unwrap();
        assert_eq!(a, b);
    }
}
