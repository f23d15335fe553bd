//! Artifact content round trips: unpack, repack, unpack gives the same files for generated
//! artifacts with every quirk of real content, and a tenant accepts the repacked zip and serves
//! the same files back.

use crate::common::{Tenant, b64};
use cpi_gitops::model::Kind;
use cpi_gitops::store::content::{Limits, repack, unpack};
use cpi_gitops::store::format::StateFormat;
use cpi_gitops::store::layout::content_name;
use cpi_gitops::wire::designtime::ArtifactKind;
use reqwest::Method;
use serde_json::json;
use std::collections::BTreeSet;

#[tokio::test]
async fn unpack_repack_unpack_of_generated_artifacts_gives_the_same_files() {
    let source = Tenant::start("generate:2:40:9".parse().unwrap()).await;
    let target = Tenant::start(cpi_gitops::emulator::Seed::Empty).await;
    target
        .send(
            Method::POST,
            "IntegrationPackages",
            Some(json!({"Id": "P", "Name": "P", "ShortText": "round trip"})),
        )
        .await;
    let mut checked = 0;
    for package in source.results("IntegrationPackages").await {
        let pid = package["Id"].as_str().unwrap().to_string();
        for kind in [
            ArtifactKind::IntegrationFlow,
            ArtifactKind::ValueMapping,
            ArtifactKind::MessageMapping,
            ArtifactKind::ScriptCollection,
        ] {
            for a in source
                .results(&format!(
                    "IntegrationPackages('{pid}')/{}",
                    kind.entity_set()
                ))
                .await
            {
                let id = a["Id"].as_str().unwrap();
                let object = Kind::of_artifact(kind);
                let label = format!("{object}/{id}");
                let configuration: Vec<(String, String)> = if kind == ArtifactKind::IntegrationFlow
                {
                    source
                        .results(&format!("IntegrationDesigntimeArtifacts(Id='{id}',Version='active')/Configurations"))
                        .await
                        .iter()
                        .map(|c| (c["ParameterKey"].as_str().unwrap().to_string(), c["ParameterValue"].as_str().unwrap().to_string()))
                        .collect()
                } else {
                    vec![]
                };
                let keys: BTreeSet<String> = configuration.iter().map(|(k, _)| k.clone()).collect();
                let limits = Limits::default();
                let unpack = |zip: &[u8]| unpack(object, &label, zip, &keys, &limits).unwrap();
                let first = unpack(&source.download(kind.entity_set(), id).await);
                let entries: Vec<(String, Vec<u8>)> = first
                    .iter()
                    .map(|(p, d)| (content_name(p).unwrap(), d.clone()))
                    .collect();
                let zip = repack(
                    object,
                    &label,
                    &entries,
                    &configuration,
                    StateFormat::CURRENT,
                    &limits,
                )
                .unwrap();
                assert_eq!(
                    unpack(&zip),
                    first,
                    "{label}: unpack, repack, unpack gives the same files"
                );
                let r = target
                    .send(Method::POST, kind.entity_set(), Some(json!({"Id": id, "Name": a["Name"], "PackageId": "P", "ArtifactContent": b64(&zip)})))
                    .await;
                assert_eq!(
                    r.status,
                    201,
                    "{label}: the tenant accepts the repacked zip: {}",
                    r.text()
                );
                let served = unpack(&target.download(kind.entity_set(), id).await);
                assert_eq!(
                    served, first,
                    "{label}: the tenant serves the same files back"
                );
                if kind == ArtifactKind::IntegrationFlow {
                    let back: Vec<(String, String)> = target
                        .results(&format!("IntegrationDesigntimeArtifacts(Id='{id}',Version='active')/Configurations"))
                        .await
                        .iter()
                        .map(|c| (c["ParameterKey"].as_str().unwrap().to_string(), c["ParameterValue"].as_str().unwrap().to_string()))
                        .collect();
                    assert_eq!(
                        back, configuration,
                        "{label}: the configuration survives through parameters.prop"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 40, "every generated artifact was checked");
}
