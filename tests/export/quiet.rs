//! Quiet diffs: an unchanged tenant makes no commit although every download differs in bytes;
//! one change on the tenant changes exactly what it should in git.

use crate::common::repo::{Login, StateRepo};
use crate::common::{Tenant, config};
use cpi_gitops::emulator::Seed;
use cpi_gitops::export::Change;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn exporting_twice_makes_one_commit() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    let first = repo.export_ok().await;
    assert!(
        first.commit.is_some() && first.changed,
        "the first export commits"
    );
    assert!(
        first.objects.iter().all(|o| o.outcome == Change::Added),
        "everything is new the first time"
    );
    assert!(
        repo.is_clean(),
        "the work tree and index match the new commit"
    );
    let head = repo.head();
    let second = repo.export_ok().await;
    assert!(
        !second.changed && second.commit.is_none(),
        "an unchanged tenant makes no commit: {:?}",
        second
            .objects
            .iter()
            .filter(|o| o.outcome != Change::Unchanged)
            .collect::<Vec<_>>()
    );
    assert_eq!(repo.head(), head, "HEAD did not move");
    assert_eq!(repo.commit_count(), 2, "initial commit plus one export");
    assert!(repo.is_clean(), "and nothing was written");
}

#[tokio::test]
async fn a_no_change_export_downloads_only_what_it_cannot_prove_unchanged() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    t.admin(Method::DELETE, "stats", None).await;
    repo.export_ok().await;
    let stats = t.stats().await;
    assert!(
        stats["by_route"]
            .get("GET IntegrationDesigntimeArtifacts(..)/$value")
            .is_none(),
        "integration flows with unchanged version and ModifiedAt are not downloaded: {}",
        stats["by_route"]
    );
    assert_eq!(
        stats["by_route"]["GET ValueMappingDesigntimeArtifacts(..)/$value"], 1,
        "kinds without ModifiedAt cannot be proven unchanged and are downloaded"
    );
    assert_eq!(stats["without_json_accept"], 0, "every read asks for JSON");
}

#[tokio::test]
async fn one_parameter_changed_is_a_one_line_diff() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    let r = t
        .send(Method::PUT, "IntegrationDesigntimeArtifacts(Id='Orders_Replicate_Timer',Version='active')/$links/Configurations('Page%20Size')", Some(json!({"ParameterValue": "750"})))
        .await;
    assert_eq!(r.status, 202);
    let report = repo.export_ok().await;
    assert!(report.commit.is_some());
    let diff = repo.last_diff();
    assert_eq!(diff, vec![("tenant-state/packages/Orders/integration-flows/Orders_Replicate_Timer/configuration.json".to_string(), 1, 1)], "one line of one file");
    let changed: Vec<_> = report
        .objects
        .iter()
        .filter(|o| o.outcome != Change::Unchanged)
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(changed, ["integration-flow/Orders_Replicate_Timer"]);
}

#[tokio::test]
async fn one_password_changed_changes_exactly_one_age_file() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    let r = t
        .send(Method::PUT, "UserCredentials('ERP_Basic')", Some(json!({"Name": "ERP_Basic", "Kind": "default", "Description": "ERP technical user", "User": "ERP_RFC", "Password": "rotated-password"})))
        .await;
    assert_eq!(r.status, 202);
    repo.export_ok().await;
    let diff = repo.last_diff();
    let age: Vec<&str> = diff
        .iter()
        .filter(|(p, _, _)| p.ends_with(".age"))
        .map(|(p, _, _)| p.as_str())
        .collect();
    assert_eq!(
        age,
        ["tenant-state/security/user-credentials/ERP_Basic.password.age"],
        "exactly the changed secret's file: {diff:?}"
    );
    let others: Vec<&str> = diff
        .iter()
        .filter(|(p, _, _)| !p.ends_with(".age"))
        .map(|(p, _, _)| p.as_str())
        .collect();
    assert!(
        others.is_empty(),
        "nothing else: the bookkeeping of its change marker is outside the branch: {others:?}"
    );
    let plain = cpi_gitops::secrets::Identity::parse(crate::common::repo::DEMO_IDENTITY, "fixture")
        .unwrap()
        .decrypt(&std::fs::read(repo.path().join(age[0])).unwrap(), age[0])
        .unwrap();
    assert_eq!(
        plain.expose(),
        b"rotated-password",
        "the new file holds the new password"
    );
}

#[tokio::test]
async fn artifact_content_changes_and_removals_are_committed() {
    let t = Tenant::start(Seed::Demo).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    t.send(Method::DELETE, "NumberRanges('IDoc_Control')", None)
        .await;
    let zip = t
        .download("ScriptCollectionDesigntimeArtifacts", "Common_Groovy_Utils")
        .await;
    let mut entries = cpi_gitops::wire::artifact::zip::read(&zip).unwrap();
    entries.retain(|e| e.name != "metainfo.prop");
    for e in entries
        .iter_mut()
        .filter(|e| e.name.ends_with("formatDate.js"))
    {
        e.data.extend_from_slice(b"// changed\n");
    }
    let content = crate::common::b64(
        &cpi_gitops::wire::artifact::zip::write(
            &entries,
            cpi_gitops::wire::artifact::zip::DosTime::from_epoch_ms(0),
        )
        .unwrap(),
    );
    let r = t
        .send(
            Method::PUT,
            "ScriptCollectionDesigntimeArtifacts(Id='Common_Groovy_Utils',Version='active')",
            Some(json!({"ArtifactContent": content})),
        )
        .await;
    assert_eq!(r.status, 200);
    let report = repo.export_ok().await;
    let outcome = |id: &str| {
        report
            .objects
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.outcome)
    };
    assert_eq!(
        outcome("number-range/IDoc_Control"),
        Some(Change::Removed),
        "removed on the tenant, removed from git"
    );
    assert_eq!(
        outcome("script-collection/Common_Groovy_Utils"),
        Some(Change::Changed)
    );
    assert!(
        !repo
            .path()
            .join("tenant-state/number-ranges/IDoc_Control.json")
            .exists(),
        "the file is gone from the work tree"
    );
    let diff = repo.last_diff();
    assert!(
        diff.iter()
            .any(|(p, a, r)| p.ends_with("formatDate.js") && *a == 1 && *r == 0),
        "one added line in the script: {diff:?}"
    );
    assert!(repo.is_clean());
}

#[tokio::test]
async fn configure_only_artifacts_drafts_and_version_mismatches() {
    let t = Tenant::with(config(Seed::Demo)).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    repo.export_ok().await;
    let ro = repo.path().join("tenant-state/packages/SAPS4HANABusinessPartner/integration-flows/Replicate_Business_Partner_from_S4HANA");
    assert!(
        ro.join("configuration.json").exists() && !ro.join("content").exists(),
        "configure-only artifacts: metadata and configuration, no content"
    );
    t.send(
        Method::PUT,
        "IntegrationDesigntimeArtifacts(Id='Payments_Outbound',Version='active')",
        Some(json!({"Name": "Payments Outbound Draft"})),
    )
    .await;
    t.send(
        Method::POST,
        "IntegrationDesigntimeArtifactSaveAsVersion?Id='Health_Ping'&SaveAsVersion='1.0.1'",
        None,
    )
    .await;
    let report = repo.export_ok().await;
    let warning = |id: &str| {
        report
            .warnings
            .iter()
            .find(|w| w.object == id)
            .map(|w| w.message.clone())
            .unwrap_or_default()
    };
    assert!(
        warning("integration-flow/Payments_Outbound").contains("draft"),
        "drafts are reported: {:?}",
        report.warnings
    );
    let payments =
        std::fs::read_to_string(repo.path().join(
            "tenant-state/packages/Finance/integration-flows/Payments_Outbound/artifact.json",
        ))
        .unwrap();
    assert!(
        payments.contains("\"Payments Outbound\""),
        "a draft is not exported: the saved version stays in git"
    );
    assert!(
        warning("integration-flow/Health_Ping").contains("deployed at version 1.0.0"),
        "version mismatches are reported: {:?}",
        report.warnings
    );
}

/// A partner exists exactly as long as some entry references it: without partners, the entry
/// lists of the Partner Directory are not read (one request instead of five); with one, they are.
#[tokio::test]
async fn the_partner_directory_lists_are_read_only_when_a_partner_exists() {
    const LISTS: [&str; 4] = [
        "GET StringParameters",
        "GET BinaryParameters",
        "GET AlternativePartners",
        "GET AuthorizedUsers",
    ];
    let t = Tenant::start(Seed::Empty).await;
    let repo = StateRepo::new(&t, Login::OAuth, "");
    t.admin(Method::DELETE, "stats", None).await;
    repo.export_ok().await;
    let stats = t.stats().await;
    assert_eq!(stats["by_route"]["GET Partners"], json!(1), "{stats}");
    for list in LISTS {
        assert!(
            stats["by_route"].get(list).is_none(),
            "{list} read: {stats}"
        );
    }

    let r = t
        .send(
            Method::POST,
            "StringParameters",
            Some(json!({"Pid": "ACME", "Id": "Region", "Value": "EU"})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    t.admin(Method::DELETE, "stats", None).await;
    let report = repo.export_ok().await;
    let stats = t.stats().await;
    for list in LISTS {
        assert_eq!(stats["by_route"][list], json!(1), "{list}: {stats}");
    }
    assert!(
        report
            .objects
            .iter()
            .any(|o| o.id == "string-parameter/ACME/Region" && o.outcome == Change::Added),
        "the entry is exported"
    );
}

/// `CertificateUserMappings` exists on Neo only: a tenant configured `platform = "cf"` is not
/// asked for it; a tenant of unknown platform is (a `404` means none), and so is one configured
/// `platform = "neo"`, whose mappings are exported.
#[tokio::test]
async fn certificate_user_mappings_are_read_only_where_the_platform_may_have_them() {
    const ROUTE: &str = "GET CertificateUserMappings";
    let t = Tenant::start(Seed::Empty).await;
    let cf = StateRepo::new(&t, Login::OAuth, "platform = \"cf\"\n");
    t.admin(Method::DELETE, "stats", None).await;
    cf.export_ok().await;
    let stats = t.stats().await;
    assert!(
        stats["by_route"].get(ROUTE).is_none(),
        "read on cf: {stats}"
    );

    let unknown = StateRepo::new(&t, Login::OAuth, "");
    t.admin(Method::DELETE, "stats", None).await;
    unknown.export_ok().await;
    let stats = t.stats().await;
    assert_eq!(stats["by_route"][ROUTE], json!(1), "{stats}");
    assert_eq!(stats["by_status"]["404"], json!(1), "{stats}");

    let neo = Tenant::start(Seed::Demo).await;
    neo.switches(json!({"neo": true})).await;
    let repo = StateRepo::new(&neo, Login::OAuth, "platform = \"neo\"\n");
    neo.admin(Method::DELETE, "stats", None).await;
    let report = repo.export_ok().await;
    let stats = neo.stats().await;
    assert_eq!(stats["by_route"][ROUTE], json!(1), "{stats}");
    assert!(
        report
            .objects
            .iter()
            .any(|o| o.id.starts_with("certificate-user-mapping/")),
        "the Neo tenant's mappings are exported: {:?}",
        report.objects.iter().map(|o| &o.id).collect::<Vec<_>>()
    );
}
