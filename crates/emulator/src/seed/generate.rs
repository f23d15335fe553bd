//! The `generate:PACKAGES:ARTIFACTS[:SEED]` seed: a large tenant for benchmarks, deterministic for
//! a given seed, with the sizes and quirks of real content (artifact-format.md): CRLF manifests
//! wrapped at 72 bytes with trailing spaces, files without final newline, UTF-8 BOMs, ISO-8859-1
//! XML, jars of a few hundred kB, an occasional multi-hundred-kB EDMX, directory entries and
//! macOS junk.

use super::builder::Builder;
use crate::content::{self, FlowSpec, Receiver, Sender};
use crate::state::IdGenerator;
use cpi_gitops_wire::artifact::zip::Entry;
use cpi_gitops_wire::designtime::ArtifactKind;
use cpi_gitops_wire::keystore::OWNER_TENANT;

const PARTNER_CA: &str = include_str!("certs/partner_ca.pem");

fn pick(rng: &mut IdGenerator, n: u64) -> u64 {
    rng.next_u64() % n.max(1)
}

fn random_bytes(rng: &mut IdGenerator, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A jar: a zip whose entries are incompressible, like compiled classes.
fn jar(rng: &mut IdGenerator, size: usize) -> Vec<u8> {
    let classes = (size / 20_000).max(1);
    let mut entries = vec![
        Entry::dir("META-INF"),
        Entry::file(
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\r\nCreated-By: 17 (Eclipse Adoptium)\r\n\r\n".to_vec(),
        ),
    ];
    for i in 0..classes {
        entries.push(Entry::file(
            format!("com/example/lib/Class{i}.class"),
            random_bytes(rng, size / classes),
        ));
    }
    cpi_gitops_wire::artifact::zip::write(
        &entries,
        cpi_gitops_wire::artifact::zip::DosTime::from_epoch_ms(1_700_000_000_000),
    )
    .unwrap_or_default()
}

fn edmx(size: usize) -> Vec<u8> {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<edmx:Edmx Version=\"1.0\" xmlns:edmx=\"http://schemas.microsoft.com/ado/2007/06/edmx\">\r\n<edmx:DataServices><Schema Namespace=\"API_GENERATED\">\r\n",
    );
    let mut i = 0;
    while x.len() < size {
        x.push_str(&format!("<EntityType Name=\"Entity{i}\"><Key><PropertyRef Name=\"Id\"/></Key><Property Name=\"Id\" Type=\"Edm.String\" MaxLength=\"10\"/><Property Name=\"Description{i}\" Type=\"Edm.String\" MaxLength=\"255\"/></EntityType>\r\n"));
        i += 1;
    }
    x.push_str("</Schema></edmx:DataServices></edmx:Edmx>");
    x.into_bytes()
}

pub fn build(b: &mut Builder, packages: usize, artifacts: usize, seed: u64) {
    let mut rng = IdGenerator::new(seed.wrapping_mul(7919));
    for p in 0..packages {
        let id = format!("GenPkg_{p:04}");
        b.package(
            &id,
            &format!("Generated Package {p}"),
            &format!("Generated content, package {p} of {packages}"),
            |pkg| {
                pkg.description = Some(format!("<p>Benchmark package {p}.</p>"));
            },
        );
    }
    let credential_count = (artifacts / 20).max(1);
    for c in 0..credential_count {
        b.user_credential(
            &format!("Gen_Cred_{c:04}"),
            "default",
            &format!("techuser{c}"),
            &format!("gen-password-{c}"),
            None,
            "",
        );
    }
    b.keystore_entry("gen_partner_ca", OWNER_TENANT, PARTNER_CA, None);
    b.secure_parameter("Gen_Secure_Token", "gen-secure-token", "");
    b.number_range(
        "Gen_Numbers",
        "",
        "0000000001",
        "9999999999",
        "0000000001",
        false,
    );
    for i in 0..artifacts {
        let package = format!("GenPkg_{:04}", i % packages);
        let id = format!("Gen_Artifact_{i:05}");
        let name = format!("Gen Artifact {i:05}");
        let version = format!("1.{}.{}", pick(&mut rng, 5), pick(&mut rng, 20));
        let kind = match i % 10 {
            0 => ArtifactKind::ScriptCollection,
            1 => ArtifactKind::MessageMapping,
            2 => ArtifactKind::ValueMapping,
            _ => ArtifactKind::IntegrationFlow,
        };
        let files = match kind {
            ArtifactKind::ScriptCollection => {
                let scripts = (0..3)
                    .map(|s| {
                        let body: String = (0..(20 + pick(&mut rng, 80))).map(|l| format!("    // step {l}: transform field {l}\r\n    message.setProperty(\"p{l}\", \"{l}\")\r\n")).collect();
                        content::groovy(&format!("Script{s}.groovy"), &body, s == 1, s != 2)
                    })
                    .collect();
                content::script_collection(&id, &name, &version, scripts)
            }
            ArtifactKind::MessageMapping => content::message_mapping(&id, &name, &version),
            ArtifactKind::ValueMapping => {
                let pairs: Vec<(String, String)> = (0..(10 + pick(&mut rng, 90)))
                    .map(|n| (format!("K{n:03}"), format!("Valüe {n}")))
                    .collect();
                let refs: Vec<(&str, &str)> = pairs
                    .iter()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect();
                content::value_mapping(&id, &name, &version, &refs, i % 20 == 2)
            }
            _ => {
                let credential = format!("Gen_Cred_{:04}", i % credential_count);
                let spec = FlowSpec {
                    id: id.clone(),
                    name: name.clone(),
                    sender: if i % 7 == 3 {
                        Sender::Timer {
                            schedule: "{{Schedule}}".into(),
                        }
                    } else {
                        Sender::Https {
                            path: format!("/gen/{i}"),
                        }
                    },
                    receivers: vec![Receiver {
                        adapter: "HTTP".into(),
                        address: "{{Receiver Address}}".into(),
                        credential: "{{Receiver Credential}}".into(),
                    }],
                    scripts: vec!["Main.groovy".into()],
                    padding: 20 + pick(&mut rng, 100) as usize,
                };
                let mut extra = vec![
                    Entry::dir("src/main/resources/script"),
                    content::groovy(
                        "Main.groovy",
                        "    message.setHeader(\"X-Generated\", \"true\")",
                        i % 3 == 0,
                        i % 2 == 0,
                    ),
                ];
                if i % 25 == 5 {
                    extra.push(Entry::dir("src/main/resources/lib"));
                    let size = 200_000 + pick(&mut rng, 400_000) as usize;
                    extra.push(Entry::file(
                        "src/main/resources/lib/generated-helpers.jar",
                        jar(&mut rng, size),
                    ));
                }
                if i % 40 == 7 {
                    extra.push(Entry::dir("src/main/resources/edmx"));
                    extra.push(Entry::file(
                        "src/main/resources/edmx/API_GENERATED.edmx",
                        edmx(300_000),
                    ));
                }
                if i % 50 == 9 {
                    extra.push(Entry::file(".DS_Store", random_bytes(&mut rng, 6148)));
                    extra.push(Entry::file(
                        "src/main/resources/._Main.groovy",
                        random_bytes(&mut rng, 4096),
                    ));
                }
                let params = [
                    (
                        "Receiver Address",
                        "xsd:string",
                        format!("https://backend{}.example.com/api/v1/inbound", i % 13),
                    ),
                    ("Receiver Credential", "xsd:string", credential),
                    (
                        "Timeout",
                        "xsd:integer",
                        format!("{}", 30_000 + pick(&mut rng, 6) * 10_000),
                    ),
                    (
                        "Schedule",
                        "custom:schedule",
                        "<row><cell>dateType</cell><cell>DAILY</cell></row>".to_string(),
                    ),
                ];
                let refs: Vec<(&str, &str, &str)> = params
                    .iter()
                    .map(|(k, t, v)| (*k, *t, v.as_str()))
                    .collect();
                content::integration_flow(&spec, &version, &refs, extra)
            }
        };
        b.artifact(kind, &package, &id, &name, &version, files)
            .description = format!("Generated artifact {i}");
        if i % 3 == 0 {
            b.deploy(&id);
        }
    }
}
