//! Rules 12.10 (design-time write semantics), 12.12 (configurations), 12.14 (package rules), and
//! the download realism of artifact-format.md.

use crate::assert_status;
use crate::common::{Tenant, b64, flow_zip, zip};
use cpi_gitops::emulator::Seed;
use cpi_gitops::wire::artifact::properties::{Properties, is_date_comment};
use cpi_gitops::wire::artifact::zip::read;
use reqwest::Method;
use serde_json::json;

const IF: &str = "IntegrationDesigntimeArtifacts";

async fn create_package(t: &Tenant, id: &str) {
    let r = t
        .send(
            Method::POST,
            "IntegrationPackages",
            Some(json!({"Id": id, "Name": id, "ShortText": "test"})),
        )
        .await;
    assert_status!(r, 201, "4.1 package create");
}

#[tokio::test]
async fn rule_12_10_create_rules_for_design_time_artifacts() {
    let t = Tenant::start(Seed::Empty).await;
    create_package(&t, "P").await;
    let content = b64(&flow_zip(
        "Flow_A",
        "1.2.3",
        &[("Address", "https://a")],
        "",
    ));
    let created = t.send(Method::POST, IF, Some(json!({"Id": "Flow_A", "Name": "Flow A", "PackageId": "P", "ArtifactContent": content}))).await;
    assert_status!(created, 201, "12.10 create with content");
    let d = created.json()["d"].clone();
    assert_eq!(
        d["Version"], "1.2.3",
        "12.10 Version follows Bundle-Version"
    );
    assert!(
        d["ArtifactContent"].is_null(),
        "12.10 ArtifactContent is null on read"
    );
    let mismatch = b64(&flow_zip("Other_Id", "1.0.0", &[], ""));
    let r = t.send(Method::POST, IF, Some(json!({"Id": "Flow_B", "Name": "Flow B", "PackageId": "P", "ArtifactContent": mismatch}))).await;
    assert_status!(
        r,
        400,
        "12.10 Bundle-SymbolicName must equal the Id (integration flow: 400)"
    );
    assert!(
        r.error_message().contains("Bundle-SymbolicName"),
        "12.10 the message names the rule"
    );
    let mm = t
        .send(Method::POST, "MessageMappingDesigntimeArtifacts", Some(json!({"Id": "MM_B", "Name": "MM B", "PackageId": "P", "ArtifactContent": mismatch})))
        .await;
    assert_status!(
        mm,
        500,
        "12.10 Bundle-SymbolicName mismatch on a message mapping is 500"
    );
    let bad_name = t
        .send(
            Method::POST,
            IF,
            Some(json!({"Id": "Flow_C", "Name": "9 starts with a digit", "PackageId": "P"})),
        )
        .await;
    assert_status!(bad_name, 400, "5.1 the name rule");
    let no_package = t
        .send(
            Method::POST,
            IF,
            Some(json!({"Id": "Flow_D", "Name": "Flow D", "PackageId": "Nope"})),
        )
        .await;
    assert_status!(no_package, 404, "5.2 create in a missing package");
    let template = t
        .send(
            Method::POST,
            IF,
            Some(json!({"Id": "Flow_E", "Name": "Flow E", "PackageId": "P"})),
        )
        .await;
    assert_status!(template, 201, "5.2 create without content uses a template");
    assert_status!(
        t.get(&format!("{IF}(Id='Flow_E',Version='active')/$value"))
            .await,
        200,
        "5.2 the template has content"
    );
    let dt = t
        .send(
            Method::POST,
            "DataTypeDesigntimeArtifacts",
            Some(json!({"Id": "DT", "Name": "DT", "PackageId": "P"})),
        )
        .await;
    assert_status!(dt, 405, "5.1 data types are read-only one by one");
}

#[tokio::test]
async fn rule_12_10_update_rules_for_design_time_artifacts() {
    let t = Tenant::start(Seed::Empty).await;
    create_package(&t, "P").await;
    let content = b64(&flow_zip("Flow_A", "1.0.0", &[], ""));
    t.send(
        Method::POST,
        IF,
        Some(
            json!({"Id": "Flow_A", "Name": "Flow A", "PackageId": "P", "ArtifactContent": content}),
        ),
    )
    .await;
    let path = format!("{IF}(Id='Flow_A',Version='active')");

    let with_id = t
        .send(
            Method::PUT,
            &path,
            Some(json!({"Id": "Flow_A", "Name": "X"})),
        )
        .await;
    assert_status!(with_id, 500, "12.10 PUT may not carry Id");
    let with_pkg = t
        .send(Method::PUT, &path, Some(json!({"PackageId": "Q"})))
        .await;
    assert_status!(with_pkg, 500, "12.10 PUT may not carry PackageId");

    let new_content = b64(&flow_zip("Flow_A", "1.0.1", &[], ""));
    let update = t
        .send(
            Method::PUT,
            &path,
            Some(json!({"Name": "Flow A Renamed", "ArtifactContent": new_content})),
        )
        .await;
    assert_status!(update, 200, "12.10 design-time PUT answers 200");
    assert!(
        update.body.is_empty(),
        "12.10 design-time PUT has an empty body"
    );
    let read = t.get_json(&path).await;
    assert_eq!(
        (read["d"]["Version"].as_str(), read["d"]["Name"].as_str()),
        (Some("1.0.1"), Some("Flow A Renamed")),
        "12.10 Name and content: version from the manifest, name from the body"
    );

    let only_content = b64(&flow_zip("Flow_A", "1.0.2", &[], ""));
    t.send(
        Method::PUT,
        &path,
        Some(json!({"ArtifactContent": only_content})),
    )
    .await;
    let read = t.get_json(&path).await;
    assert_eq!(
        (read["d"]["Version"].as_str(), read["d"]["Name"].as_str()),
        (Some("1.0.2"), Some("Flow_A")),
        "12.10 content only: version and name from the manifest"
    );

    let mismatch = b64(&flow_zip("Someone_Else", "9.9.9", &[], ""));
    assert_status!(
        t.send(
            Method::PUT,
            &path,
            Some(json!({"ArtifactContent": mismatch}))
        )
        .await,
        400,
        "12.10 PUT checks Bundle-SymbolicName"
    );

    let rename = t
        .send(Method::PUT, &path, Some(json!({"Name": "Draft Name"})))
        .await;
    assert_status!(rename, 200, "12.10 Name only");
    let read = t
        .get_json(&format!("{IF}(Id='Flow_A',Version='Active')"))
        .await;
    assert_eq!(
        read["d"]["Version"], "Active",
        "5.1 an edited, unsaved artifact reports version Active (draft)"
    );
    let saved = t
        .send(
            Method::POST,
            "IntegrationDesigntimeArtifactSaveAsVersion?Id='Flow_A'&SaveAsVersion='1.1.0'",
            None,
        )
        .await;
    assert_status!(saved, 200, "5.2 save as version");
    let read = t.get_json(&path).await;
    assert_eq!(
        read["d"]["Version"], "1.1.0",
        "5.2 save as version sets the version"
    );
    let zip_bytes = t.download(IF, "Flow_A").await;
    let manifest = read_entries(&zip_bytes)
        .into_iter()
        .find(|(n, _)| n == "META-INF/MANIFEST.MF")
        .unwrap()
        .1;
    assert!(
        String::from_utf8_lossy(&manifest).contains("Bundle-Version: 1.1.0"),
        "5.2 save as version writes the manifest"
    );

    assert_status!(
        t.send(Method::DELETE, &path, None).await,
        200,
        "5.2 design-time DELETE answers 200"
    );
    assert_status!(t.get(&path).await, 404, "5.2 deleted");
}

fn read_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    read(bytes)
        .expect("a zip")
        .into_iter()
        .map(|e| (e.name, e.data))
        .collect()
}

#[tokio::test]
async fn rule_12_12_configurations_derive_from_content_and_survive_uploads() {
    let t = Tenant::start(Seed::Empty).await;
    create_package(&t, "P").await;
    let content = b64(&flow_zip(
        "Flow_C",
        "1.0.0",
        &[("Receiver Address", "https://a"), ("Timeout", "60")],
        "",
    ));
    t.send(
        Method::POST,
        IF,
        Some(
            json!({"Id": "Flow_C", "Name": "Flow C", "PackageId": "P", "ArtifactContent": content}),
        ),
    )
    .await;
    let path = format!("{IF}(Id='Flow_C',Version='active')");
    let configs = t.results(&format!("{path}/Configurations")).await;
    let keys: Vec<&str> = configs
        .iter()
        .map(|c| c["ParameterKey"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["Receiver Address", "Timeout"],
        "12.12 parameters come from parameters.prop/propdef"
    );
    assert_eq!(
        configs[0]["ParameterValue"], "https://a",
        "12.12 values come from parameters.prop"
    );
    assert_eq!(
        t.get(&format!("{path}/Configurations/$count")).await.text(),
        "2",
        "5.4 Configurations/$count"
    );

    let put = t
        .send(
            Method::PUT,
            &format!("{path}/$links/Configurations('Receiver%20Address')"),
            Some(json!({"ParameterValue": "https://b", "DataType": "xsd:string"})),
        )
        .await;
    assert_status!(put, 202, "12.12 PUT $links/Configurations answers 202");
    let unknown = t
        .send(
            Method::PUT,
            &format!("{path}/$links/Configurations('Nope')"),
            Some(json!({"ParameterValue": "x"})),
        )
        .await;
    assert_status!(unknown, 404, "12.12 unknown keys are 404");
    let malformed = t
        .send_bytes(
            Method::PUT,
            &format!("{path}/$links/Configurations('Timeout')"),
            "application/json",
            b"{not json".to_vec(),
        )
        .await;
    assert_status!(malformed, 400, "5.4 malformed JSON is 400");

    let new_content = b64(&flow_zip(
        "Flow_C",
        "1.0.1",
        &[
            ("Receiver Address", "https://from-content"),
            ("Timeout", "60"),
        ],
        "",
    ));
    t.send(
        Method::PUT,
        &path,
        Some(json!({"ArtifactContent": new_content})),
    )
    .await;
    let configs = t.results(&format!("{path}/Configurations")).await;
    assert_eq!(
        configs[0]["ParameterValue"], "https://b",
        "12.12 configured values are kept across content uploads"
    );

    let entries = read_entries(&t.download(IF, "Flow_C").await);
    let prop = entries
        .iter()
        .find(|(n, _)| n == "src/main/resources/parameters.prop")
        .unwrap();
    assert_eq!(
        Properties::parse(&prop.1).get("Receiver Address"),
        Some("https://b"),
        "12.12 configured values are written back into parameters.prop"
    );

    // A value of a parameter the content no longer defines lingers in parameters.prop: served
    // in the file, not a parameter of the Configurations API (API reference 5.4).
    let mut entries = read_entries(&flow_zip(
        "Flow_C",
        "1.0.2",
        &[("Receiver Address", "https://c"), ("Timeout", "60")],
        "",
    ));
    for (name, data) in entries.iter_mut() {
        if name == "src/main/resources/parameters.prop" {
            data.extend_from_slice(b"Old\\ Endpoint=https\\://legacy\n");
        }
    }
    let files: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    t.send(
        Method::PUT,
        &path,
        Some(json!({"ArtifactContent": b64(&crate::common::zip(&files))})),
    )
    .await;
    let keys: Vec<String> = t
        .results(&format!("{path}/Configurations"))
        .await
        .iter()
        .map(|c| c["ParameterKey"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        keys,
        ["Receiver Address", "Timeout"],
        "5.4 a lingering value is not a parameter"
    );
    let served = read_entries(&t.download(IF, "Flow_C").await);
    let prop = served
        .iter()
        .find(|(n, _)| n == "src/main/resources/parameters.prop")
        .unwrap();
    assert_eq!(
        Properties::parse(&prop.1).get("Old Endpoint"),
        Some("https://legacy"),
        "5.4 a lingering value is still served in parameters.prop"
    );
    let linger = t
        .send(
            Method::PUT,
            &format!("{path}/$links/Configurations('Old%20Endpoint')"),
            Some(json!({"ParameterValue": "x"})),
        )
        .await;
    assert_status!(linger, 404, "5.4 a lingering value cannot be configured");
}

#[tokio::test]
async fn rule_12_14_configure_only_packages_and_drafts() {
    let t = Tenant::start(Seed::Demo).await;
    let ro = "SAPS4HANABusinessPartner";
    assert_status!(
        t.send(
            Method::PUT,
            &format!("IntegrationPackages('{ro}')"),
            Some(json!({"Name": "N", "ShortText": "S"}))
        )
        .await,
        403,
        "12.14 READ_ONLY packages refuse updates"
    );
    let flow = "Replicate_Business_Partner_from_S4HANA";
    assert_status!(
        t.get(&format!("{IF}(Id='{flow}',Version='active')/$value"))
            .await,
        400,
        "12.14 READ_ONLY packages refuse per-artifact downloads"
    );
    assert_status!(t.send(Method::PUT, &format!("{IF}(Id='{flow}',Version='active')/$links/Configurations('SuccessFactors%20Address')"), Some(json!({"ParameterValue": "https://x"}))).await, 202, "4.1 configure-only artifacts can still be configured");
    assert_status!(
        t.get("IntegrationPackages('Orders')/$value").await,
        200,
        "4.1 package export"
    );
    t.send(
        Method::PUT,
        &format!("{IF}(Id='Orders_Inbound_HTTPS',Version='active')"),
        Some(json!({"Name": "Renamed In Editor"})),
    )
    .await;
    let export = t.get("IntegrationPackages('Orders')/$value").await;
    assert_status!(
        export,
        500,
        "12.14 package export fails while an artifact is a draft"
    );
    assert!(
        export.error_message().contains("Orders_Inbound_HTTPS"),
        "12.14 the message lists the drafts"
    );
    assert_status!(
        t.send(
            Method::POST,
            "IntegrationPackages",
            Some(json!({"Id": "Orders", "Name": "x", "ShortText": "y"}))
        )
        .await,
        409,
        "4.1 package create on an existing Id"
    );
    assert_status!(
        t.send(
            Method::POST,
            "IntegrationPackages",
            Some(json!({"Id": "New", "Name": "", "ShortText": "y"}))
        )
        .await,
        400,
        "4.1 empty Name"
    );
}

#[tokio::test]
async fn package_export_imports_on_another_tenant() {
    let a = Tenant::start(Seed::Demo).await;
    let b = Tenant::start(Seed::Empty).await;
    let zip_bytes = a
        .get("IntegrationPackages('Shared_Scripts')/$value")
        .await
        .body;
    let r = b
        .send(
            Method::POST,
            "IntegrationPackages",
            Some(json!({"PackageContent": b64(&zip_bytes)})),
        )
        .await;
    assert_status!(r, 201, "4.1 import of a package export");
    let artifacts = b
        .results("IntegrationPackages('Shared_Scripts')/ScriptCollectionDesigntimeArtifacts")
        .await;
    assert_eq!(
        artifacts[0]["Id"], "Common_Groovy_Utils",
        "4.1 the import recreates the artifacts"
    );
    assert_status!(
        b.send(
            Method::POST,
            "IntegrationPackages",
            Some(json!({"PackageContent": b64(&zip_bytes)}))
        )
        .await,
        409,
        "4.1 import over an existing package needs Overwrite"
    );
    assert_status!(
        b.send(
            Method::POST,
            "IntegrationPackages?Overwrite=true",
            Some(json!({"PackageContent": b64(&zip_bytes)}))
        )
        .await,
        201,
        "4.1 import with Overwrite=true"
    );
}

#[tokio::test]
async fn downloads_are_fresh_like_a_real_tenants() {
    let t = Tenant::start(Seed::Demo).await;
    let a = t.download(IF, "Orders_Inbound_HTTPS").await;
    let b = t.download(IF, "Orders_Inbound_HTTPS").await;
    assert_ne!(
        a, b,
        "artifact-format: two downloads of an unchanged artifact differ in bytes"
    );
    let (ea, eb) = (read_entries(&a), read_entries(&b));
    assert_eq!(
        ea.last().unwrap().0,
        "metainfo.prop",
        "artifact-format: metainfo.prop is appended as the last entry"
    );
    assert_eq!(ea.len(), eb.len());
    for ((na, da), (nb, db)) in ea.iter().zip(eb.iter()) {
        assert_eq!(na, nb, "artifact-format: entry order is kept");
        if na.ends_with(".prop") {
            assert_ne!(da, db, "artifact-format: {na} gets a fresh date comment");
            let strip = |d: &[u8]| {
                d.split(|&c| c == b'\n')
                    .filter(|l| !is_date_comment(l))
                    .map(|l| l.to_vec())
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                strip(da),
                strip(db),
                "artifact-format: {na} differs only in its date comment"
            );
            assert!(
                da.split(|&c| c == b'\n').any(is_date_comment),
                "artifact-format: {na} has a date comment"
            );
        } else {
            assert_eq!(
                da, db,
                "artifact-format: {na} is served byte for byte as stored"
            );
        }
    }
    let time_a = u16::from_le_bytes([a[10], a[11]]) as u32
        | (u16::from_le_bytes([a[12], a[13]]) as u32) << 16;
    let time_b = u16::from_le_bytes([b[10], b[11]]) as u32
        | (u16::from_le_bytes([b[12], b[13]]) as u32) << 16;
    assert_ne!(
        time_a, time_b,
        "artifact-format: zip timestamps are fresh on every download"
    );
    let script = ea
        .iter()
        .find(|(n, _)| n.ends_with("SetOrderHeaders.groovy"))
        .unwrap();
    assert!(
        script.1.starts_with(&[0xEF, 0xBB, 0xBF]) && !script.1.ends_with(b"\n"),
        "artifact-format: BOM and no final newline survive"
    );
}

#[tokio::test]
async fn uploads_keep_every_file_byte_for_byte() {
    let t = Tenant::start(Seed::Empty).await;
    create_package(&t, "P").await;
    let manifest = b"Manifest-Version: 1.0\r\nBundle-SymbolicName: Odd_Flow\r\nBundle-Version: 1.1\r\nImport-Service: \r\n\r\n";
    let latin1: &[u8] = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>";
    let files: Vec<(&str, &[u8])> = vec![
        ("META-INF/MANIFEST.MF", manifest),
        ("src/main/resources/mapping/x.xml", latin1),
        (
            "src/main/resources/lib/a.jar",
            &[0x50, 0x4b, 3, 4, 0, 0, 255, 1],
        ),
        (".DS_Store", &[0, 0, 0, 1, 66, 117, 100, 49]),
        (
            "src/main/resources/script/s.groovy",
            b"\xef\xbb\xbfprintln 1",
        ),
    ];
    let r = t.send(Method::POST, IF, Some(json!({"Id": "Odd_Flow", "Name": "Odd Flow", "PackageId": "P", "ArtifactContent": b64(&zip(&files))}))).await;
    assert_status!(r, 201, "5.2 upload");
    assert_eq!(
        r.json()["d"]["Version"],
        "1.1",
        "artifact-format: two-part versions are kept"
    );
    let entries = read_entries(&t.download(IF, "Odd_Flow").await);
    for (name, data) in &files {
        let got = entries
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} is served"));
        assert_eq!(
            &got.1, data,
            "artifact-format: {name} is served byte for byte"
        );
    }
}
