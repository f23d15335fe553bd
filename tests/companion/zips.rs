//! The companion's flow zips, built by the product from the embedded `companion/`, unpacked with
//! the product's own readers and checked against every rule of artifact-format.md that applies
//! to an integration flow, and taken by a tenant as they are.

use super::support::client;
use crate::common::Tenant;
use cpi_gitops::companion::zips;
use cpi_gitops::emulator::Seed;
use cpi_gitops::model::Kind;
use cpi_gitops::store::content;
use cpi_gitops::wire::artifact::manifest::Manifest;
use cpi_gitops::wire::artifact::paths::check_names;
use cpi_gitops::wire::artifact::properties::Properties;
use cpi_gitops::wire::artifact::{
    MANIFEST_PATH, METAINFO_PATH, PARAMETERS_PROP_PATH, PARAMETERS_PROPDEF_PATH, propdef, zip,
};
use cpi_gitops::wire::companion::{
    ADDRESS_PARAMETER, DEFAULT_PING_ADDRESS, DEFAULT_PING_ROLE, DEFAULT_SECURITY_MATERIAL_ADDRESS,
    DEFAULT_SECURITY_MATERIAL_ROLE, PACKAGE_ID, ROLE_PARAMETER, SECURITY_MATERIAL_FLOW, source,
};

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// The container rules: what `java.util.zip.ZipOutputStream` writes (every entry deflated, flags
/// 0x0808, no extra fields, no comments, no zip64).
fn check_container(id: &str, bytes: &[u8]) {
    let eocd = bytes.len() - 22;
    assert_eq!(
        u32_at(bytes, eocd),
        0x0605_4b50,
        "{id}: an end record without a comment"
    );
    assert_eq!(u16_at(bytes, eocd + 20), 0, "{id}: no archive comment");
    let entries = u16_at(bytes, eocd + 10) as usize;
    let mut at = u32_at(bytes, eocd + 16) as usize;
    for _ in 0..entries {
        assert_eq!(u32_at(bytes, at), 0x0201_4b50, "{id}: a central record");
        let name_len = u16_at(bytes, at + 28) as usize;
        let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).unwrap();
        assert_eq!(
            u16_at(bytes, at + 8),
            0x0808,
            "{id} {name}: data descriptor, UTF-8 names"
        );
        assert_eq!(
            u16_at(bytes, at + 10),
            8,
            "{id} {name}: deflated (directories too)"
        );
        assert_eq!(u16_at(bytes, at + 30), 0, "{id} {name}: no extra field");
        assert_eq!(u16_at(bytes, at + 32), 0, "{id} {name}: no entry comment");
        assert_ne!(u32_at(bytes, at + 20), u32::MAX, "{id} {name}: no zip64");
        let local = u32_at(bytes, at + 42) as usize;
        assert_eq!(
            u32_at(bytes, local),
            0x0403_4b50,
            "{id} {name}: its local header"
        );
        assert_eq!(u16_at(bytes, local + 6), 0x0808, "{id} {name}: local flags");
        assert_eq!(u16_at(bytes, local + 8), 8, "{id} {name}: local method");
        assert_eq!(
            u16_at(bytes, local + 28),
            0,
            "{id} {name}: no local extra field"
        );
        at += 46 + name_len;
    }
}

#[test]
fn the_flow_zips_follow_every_rule_of_the_artifact_format() {
    let package = source::package().unwrap();
    assert_eq!(package.flows.len(), 2);
    for flow in &package.flows {
        let id = flow.fields.id.as_str();
        let bytes = zips::zip(flow).unwrap();
        check_container(id, &bytes);

        // Entry names are safe; the manifest comes first; directories before their files.
        let entries = zip::read(&bytes).unwrap();
        check_names(entries.iter().map(|e| e.name.as_str())).unwrap();
        assert_eq!(
            entries.iter().find(|e| !e.is_dir()).unwrap().name,
            MANIFEST_PATH,
            "{id}"
        );
        for (i, e) in entries.iter().enumerate() {
            if let Some((dir, _)) = e.name.trim_end_matches('/').rsplit_once('/') {
                let dir = format!("{dir}/");
                assert!(
                    entries[..i].iter().any(|d| d.name == dir),
                    "{id}: {dir} comes before {}",
                    e.name
                );
            }
        }
        assert!(
            !entries.iter().any(|e| e.name == METAINFO_PATH),
            "{id}: metainfo.prop is download-only"
        );

        // Every file's bytes exactly as in companion/, nothing converted or added.
        let files: Vec<(String, Vec<u8>)> = entries
            .iter()
            .filter(|e| !e.is_dir())
            .map(|e| (e.name.clone(), e.data.clone()))
            .collect();
        assert_eq!(files.len(), flow.files.len(), "{id}");
        for (path, data) in &files {
            assert_eq!(
                Some(data.as_slice()),
                flow.file(path),
                "{id}: {path} as in companion/"
            );
        }

        // The product's own reader: every file as it is, parameters.prop as its skeleton.
        let mut unpacked = content::unpack(
            Kind::IntegrationFlow,
            &format!("integration-flow/{id}"),
            &bytes,
            &std::collections::BTreeSet::new(),
            &content::Limits::default(),
        )
        .unwrap();
        let skeleton = unpacked.iter().position(|(p, _)| p == PARAMETERS_PROP_PATH);
        assert!(
            skeleton.is_some(),
            "{id}: parameters.prop kept as a skeleton"
        );
        unpacked.retain(|(p, _)| p != PARAMETERS_PROP_PATH);
        let mut expected: Vec<(String, Vec<u8>)> = files
            .iter()
            .filter(|(p, _)| p != PARAMETERS_PROP_PATH)
            .cloned()
            .collect();
        expected.sort();
        assert_eq!(unpacked, expected, "{id}: unpacked by the product's reader");

        // The manifest: CRLF, 72-byte lines, an empty last line, Manifest-Version first, the
        // flow's id, name and version, SAP-BundleType.
        let manifest = flow.file(MANIFEST_PATH).unwrap();
        let text = std::str::from_utf8(manifest).unwrap();
        assert!(text.starts_with("Manifest-Version: 1.0\r\n"), "{id}");
        assert!(text.ends_with("\r\n\r\n"), "{id}: ends with an empty line");
        assert!(!text.replace("\r\n", "").contains('\n'), "{id}: CRLF only");
        for line in text.split("\r\n") {
            assert!(line.len() <= 72, "{id}: `{line}` is longer than 72 bytes");
        }
        let m = Manifest::parse(manifest);
        assert_eq!(m.symbolic_name(), Some(id));
        assert!(
            m.get("Bundle-SymbolicName")
                .unwrap()
                .contains("singleton:=true")
        );
        assert_eq!(m.bundle_name(), Some(flow.fields.name.as_str()));
        assert_eq!(m.version(), Some(package.version()));
        assert_eq!(m.get("SAP-BundleType"), Some("IntegrationFlow"));

        // The layout of an integration flow.
        assert!(flow.file(".project").is_some(), "{id}: .project");
        let iflw = format!("src/main/resources/scenarioflows/integrationflow/{id}.iflw");
        let iflw = std::str::from_utf8(flow.file(&iflw).expect("the flow XML")).unwrap();
        assert!(files.iter().any(|(p, _)| p.starts_with("src/main/resources/script/") && p.ends_with(".groovy")), "{id}: its script");

        // Parameters: both files agree, the flow XML uses them, defaults as documented.
        let props = Properties::parse(flow.file(PARAMETERS_PROP_PATH).unwrap());
        let defs = propdef::parse(flow.file(PARAMETERS_PROPDEF_PATH).unwrap());
        let mut keys: Vec<&str> = defs.iter().map(|d| d.key.as_str()).collect();
        keys.sort();
        assert_eq!(keys, vec![ADDRESS_PARAMETER, ROLE_PARAMETER], "{id}");
        for d in &defs {
            assert_eq!(d.data_type, "xsd:string", "{id} {}", d.key);
            assert!(
                iflw.contains(&format!("{{{{{}}}}}", d.key)),
                "{id}: the XML uses {{{{{}}}}}",
                d.key
            );
        }
        let (address, role) = if id == SECURITY_MATERIAL_FLOW {
            (
                DEFAULT_SECURITY_MATERIAL_ADDRESS,
                DEFAULT_SECURITY_MATERIAL_ROLE,
            )
        } else {
            (DEFAULT_PING_ADDRESS, DEFAULT_PING_ROLE)
        };
        assert_eq!(props.get(ADDRESS_PARAMETER), Some(address), "{id}");
        assert_eq!(props.get(ROLE_PARAMETER), Some(role), "{id}");
        assert!(
            !iflw.contains("ESBMessaging.send"),
            "{id}: a dedicated role"
        );
        assert_eq!(flow.fields.package_id, PACKAGE_ID);
    }
}

#[tokio::test]
async fn a_tenant_takes_the_zips_and_serves_them_back_unchanged() {
    let t = Tenant::start(Seed::Empty).await;
    let report = super::support::install_companion(&t).await;
    assert!(report.changed);
    let c = client(&t);
    for flow in &source::package().unwrap().flows {
        let id = &flow.fields.id;
        let download = c
            .download_artifact(
                cpi_gitops::wire::designtime::ArtifactKind::IntegrationFlow,
                id,
            )
            .await
            .unwrap();
        let back = content::unpack(
            Kind::IntegrationFlow,
            id,
            &download,
            &std::collections::BTreeSet::new(),
            &content::Limits::default(),
        )
        .unwrap();
        let built = content::unpack(
            Kind::IntegrationFlow,
            id,
            &zips::zip(flow).unwrap(),
            &std::collections::BTreeSet::new(),
            &content::Limits::default(),
        )
        .unwrap();
        assert_eq!(back, built, "{id}: as uploaded, every file's bytes");
    }
}
