//! A restore gives back what was there (design.md section 3): for every artifact, what the
//! restored tenant serves on `$value` equals what the source served, file by file, and so do
//! the configurations; content that would change how git treats the repository, and names too
//! long for a file system, survive export and restore.

use crate::common::pair::Pair;
use crate::common::{Tenant, b64, zip};
use cpi_gitops::emulator::Seed;
use cpi_gitops::wire::artifact::properties::strip_date_comments;
use cpi_gitops::wire::artifact::zip::read;
use cpi_gitops::wire::designtime::ArtifactKind;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The files a tenant serves for an artifact, by name; the two files a download regenerates
/// (`parameters.prop`, `metainfo.prop`) without their date comment.
async fn served(t: &Tenant, kind: ArtifactKind, id: &str) -> BTreeMap<String, Vec<u8>> {
    read(&t.download(kind.entity_set(), id).await)
        .unwrap()
        .into_iter()
        .filter(|e| !e.is_dir())
        .map(|e| {
            let data = if e.name.ends_with(".prop") {
                strip_date_comments(&e.data)
            } else {
                e.data
            };
            (e.name, data)
        })
        .collect()
}

/// Every artifact the tenant lets download (configure-only content cannot be), with its kind.
async fn artifacts(t: &Tenant) -> Vec<(ArtifactKind, String)> {
    let mut out = Vec::new();
    for package in t.results("IntegrationPackages").await {
        if package["Mode"] == "READ_ONLY" {
            continue;
        }
        let pid = package["Id"].as_str().unwrap().to_string();
        for kind in [
            ArtifactKind::IntegrationFlow,
            ArtifactKind::ValueMapping,
            ArtifactKind::MessageMapping,
            ArtifactKind::ScriptCollection,
        ] {
            for a in t
                .results(&format!(
                    "IntegrationPackages('{pid}')/{}",
                    kind.entity_set()
                ))
                .await
            {
                out.push((kind, a["Id"].as_str().unwrap().to_string()));
            }
        }
    }
    out
}

async fn configurations(t: &Tenant, id: &str) -> Vec<Value> {
    t.results(&format!(
        "IntegrationDesigntimeArtifacts(Id='{id}',Version='active')/Configurations"
    ))
    .await
    .into_iter()
    .map(|c| json!([c["ParameterKey"], c["ParameterValue"], c["DataType"]]))
    .collect()
}

/// Asserts that the secondary serves every artifact of the primary as the primary does.
async fn assert_served_alike(p: &Pair) {
    let all = artifacts(&p.primary).await;
    assert!(all.len() >= 8, "{all:?}");
    for (kind, id) in all {
        let (want, have) = (
            served(&p.primary, kind, &id).await,
            served(&p.secondary, kind, &id).await,
        );
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            have.keys().collect::<Vec<_>>(),
            "{id}: the restored tenant serves the same files"
        );
        for (name, bytes) in &want {
            assert!(
                have.get(name) == Some(bytes),
                "{id}: {name} differs after the restore:\n{}\n---\n{}",
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&have[name])
            );
        }
        if kind == ArtifactKind::IntegrationFlow {
            assert_eq!(
                configurations(&p.primary, &id).await,
                configurations(&p.secondary, &id).await,
                "{id}: the configurations read through the API are equal"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_gives_back_every_artifact_file_by_file() {
    let p = Pair::new(Seed::Empty).await;
    // The seed has what a restore must not lose: parameters.prop keys in no sorted order
    // (Orders_Replicate_Timer), a value the Configurations API does not list
    // (Payments_Outbound), a flow without parameters.prop (Health_Ping), and a value configured
    // apart from the content (Orders_Inbound_HTTPS).
    let served_prop = served(
        &p.primary,
        ArtifactKind::IntegrationFlow,
        "Payments_Outbound",
    )
    .await
    .remove("src/main/resources/parameters.prop")
    .unwrap();
    assert!(
        String::from_utf8_lossy(&served_prop).contains("Legacy\\ Payments\\ URL"),
        "the seed has a lingering key"
    );
    assert!(
        !served(&p.primary, ArtifactKind::IntegrationFlow, "Health_Ping")
            .await
            .contains_key("src/main/resources/parameters.prop"),
        "the seed has a flow without parameters.prop"
    );
    p.restore();
    assert_served_alike(&p).await;

    // One value changed on the primary: one line of one file in that artifact's folder.
    let r = p
        .primary
        .send(
            Method::PUT,
            "IntegrationDesigntimeArtifacts(Id='Orders_Replicate_Timer',Version='active')/$links/Configurations('Page%20Size')",
            Some(json!({"ParameterValue": "900"})),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    p.repo.export_ok().await;
    assert_eq!(
        p.repo.last_diff(),
        [(
            "tenant-state/packages/Orders/integration-flows/Orders_Replicate_Timer/configuration.json".to_string(),
            1,
            1
        )],
        "a configuration value is reviewed in configuration.json only"
    );
    let apply = p.run(&["apply", "--tenant", "secondary"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert_served_alike(&p).await;
    assert_eq!(p.run(&["drift", "--tenant", "secondary"]).code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_files_and_long_names_survive_export_and_restore() {
    let p = Pair::new(Seed::Empty).await;
    let long = format!("Flow_{}", "N".repeat(535));
    assert_eq!(long.len(), 540);
    for (id, name, extra) in [
        (
            "Git_Files",
            "Git Files",
            vec![
                (
                    ".gitattributes",
                    &b"* text=auto eol=crlf\n*.xml filter=lfs\n"[..],
                ),
                ("src/main/resources/.gitignore", b"*\n"),
                ("src/main/resources/script/100%.groovy", b"println 1"),
                ("src/main/resources/script/aux.groovy", b"println 2"),
                ("src/main/resources/xsd/a:b.xsd", b"<xs/>"),
            ],
        ),
        (long.as_str(), long.as_str(), vec![]),
    ] {
        let manifest = format!(
            "Manifest-Version: 1.0\r\nBundle-SymbolicName: {id}; singleton:=true\r\nBundle-Name: {name}\r\nBundle-Version: 1.0.0\r\n\r\n"
        );
        let mut files: Vec<(&str, &[u8])> = vec![
            ("META-INF/MANIFEST.MF", manifest.as_bytes()),
            (
                "src/main/resources/scenarioflows/integrationflow/flow.iflw",
                b"<bpmn2:definitions/>",
            ),
        ];
        files.extend(extra);
        let r = p
            .primary
            .send(
                Method::POST,
                "IntegrationDesigntimeArtifacts",
                Some(json!({"Id": id, "Name": name, "PackageId": "Orders", "ArtifactContent": b64(&zip(&files))})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    p.repo.export_ok().await;
    assert!(
        p.repo.is_clean(),
        "the work tree is clean right after the export: no .gitattributes or .gitignore of an artifact applies to the repository"
    );
    let stored: Vec<String> = p
        .repo
        .state_files()
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    let content = "packages/Orders/integration-flows/Git_Files/content";
    for path in [
        format!("{content}/%2Egitattributes"),
        format!("{content}/src/main/resources/%2Egitignore"),
        format!("{content}/src/main/resources/script/100%25.groovy"),
        format!("{content}/src/main/resources/script/%61ux.groovy"),
        format!("{content}/src/main/resources/xsd/a%3Ab.xsd"),
    ] {
        assert!(stored.contains(&path), "{path} in {stored:?}");
    }
    let long_dir: Vec<&String> = stored
        .iter()
        .filter(|p| p.starts_with("packages/Orders/integration-flows/Flow_NNN"))
        .collect();
    assert!(!long_dir.is_empty());
    for path in &long_dir {
        assert!(
            path.split('/').all(|c| c.len() <= 113) && path.contains('~'),
            "a long name is cut: {path}"
        );
    }

    p.restore();
    let restored = served(&p.secondary, ArtifactKind::IntegrationFlow, "Git_Files").await;
    assert_eq!(
        restored.get(".gitattributes").map(Vec::as_slice),
        Some(&b"* text=auto eol=crlf\n*.xml filter=lfs\n"[..]),
        "the restored tenant serves the original name"
    );
    assert!(restored.contains_key("src/main/resources/.gitignore"));
    for name in [
        "src/main/resources/script/100%.groovy",
        "src/main/resources/script/aux.groovy",
        "src/main/resources/xsd/a:b.xsd",
    ] {
        assert!(
            restored.contains_key(name),
            "{name} in {:?}",
            restored.keys()
        );
    }
    assert!(
        !served(&p.secondary, ArtifactKind::IntegrationFlow, &long)
            .await
            .is_empty(),
        "the 540-byte name is restored under its own name"
    );
    assert_served_alike(&p).await;
    let drift = p.run(&["--format", "json", "drift", "--tenant", "secondary"]);
    assert_eq!(drift.code, 0, "{}", drift.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_of_format_1_still_restores_and_the_next_export_upgrades_it() {
    let p = Pair::new(Seed::Empty).await;
    // What cpi-gitops wrote before state format 2: no format.json, no parameters.prop of flows.
    let state = p.repo.path().join("tenant-state");
    std::fs::remove_file(state.join("format.json")).unwrap();
    let mut flows_with_parameters = Vec::new();
    for (path, _) in p.repo.state_files() {
        if path.ends_with("content/src/main/resources/parameters.prop")
            && path.contains("/integration-flows/")
        {
            std::fs::remove_file(state.join(&path)).unwrap();
            flows_with_parameters.push(path.split("/content/").next().unwrap().to_string());
        }
    }
    // The demo's four flows with parameters and the companion's two.
    assert_eq!(flows_with_parameters.len(), 6);
    p.repo.commit_all("a state of format 1");
    // The marks an export of that layout would have left: every flow's mark describes its
    // content as the format-1 tree holds it, so marks alone would spare every download.
    marks_describe_head(p.repo.path());

    let restore = p.run(&["apply", "--tenant", "secondary", "--overwrite-drift"]);
    assert_eq!(restore.code, 0, "{}", restore.all());
    let drift = p.run(&["drift", "--tenant", "secondary"]);
    assert_eq!(
        drift.code,
        0,
        "format 1 compares as it was written: {}",
        drift.all()
    );
    let configured = configurations(&p.secondary, "Orders_Inbound_HTTPS").await;
    assert_eq!(
        configured,
        configurations(&p.primary, "Orders_Inbound_HTTPS").await
    );

    // The first export after the upgrade rewrites every integration flow that has parameters,
    // although the marks ref would spare every unchanged flow's download.
    p.repo.export_ok().await;
    let mut touched: Vec<String> = p
        .repo
        .last_diff()
        .into_iter()
        .map(|(path, _, _)| path)
        .collect();
    touched.sort();
    let mut want: Vec<String> = flows_with_parameters
        .iter()
        .map(|f| format!("tenant-state/{f}/content/src/main/resources/parameters.prop"))
        .collect();
    want.push("tenant-state/format.json".into());
    want.sort();
    assert_eq!(touched, want);
}

/// Rewrites the marks ref of `primary` so that every integration flow's mark holds the digest
/// of its content in `HEAD` (as the export that wrote `HEAD` would have recorded it).
fn marks_describe_head(dir: &std::path::Path) {
    use cpi_gitops::export::marks;
    use cpi_gitops::store::marks::content_digest;
    let repo = cpi_gitops::git::Repo::discover(dir).unwrap();
    let head = repo.commit_id("HEAD").unwrap();
    let files = repo.state_files(head, "tenant-state").unwrap();
    let loaded = marks::load(&repo, "primary", &files).unwrap();
    assert_eq!(
        loaded.source,
        cpi_gitops::store::marks::Source::Ref,
        "the first export wrote its marks"
    );
    let mut updated = loaded.marks.clone();
    let mut described = 0;
    for (id, mark) in updated.artifacts.iter_mut() {
        let flow = id.rsplit('/').next().unwrap();
        let content_dir = files
            .keys()
            .find_map(|path| {
                let (dir, _) = path.split_once(&format!("/integration-flows/{flow}/content/"))?;
                Some(format!("{dir}/integration-flows/{flow}/content/"))
            })
            .unwrap();
        mark.content = content_digest(
            files
                .range(content_dir.clone()..)
                .take_while(|(path, _)| path.starts_with(&content_dir))
                .map(|(path, id)| (&path[content_dir.len()..], *id)),
        );
        described += 1;
    }
    assert!(described >= 4, "{described} flows marked");
    marks::save(
        &repo,
        "primary",
        &updated,
        loaded.commit,
        "marks of a format-1 export",
    )
    .unwrap();
}
