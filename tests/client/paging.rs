//! Paging (API reference 3.7): `__next` is followed until absent, relative or absolute, with no
//! entry missed or repeated.

use super::{basic, client, reset_stats, route};
use crate::common::Tenant;
use cpi_gitops::emulator::Seed;
use serde_json::json;
use std::collections::BTreeSet;

#[tokio::test]
async fn page_cap_2_returns_every_package_once() {
    let t = Tenant::start(Seed::Demo).await;
    let c = client(basic(&t));
    let whole: Vec<String> = c
        .packages()
        .await
        .expect("packages in one page")
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert!(
        whole.len() >= 3,
        "the demo seed has several packages: {whole:?}"
    );

    for absolute in [false, true] {
        t.switches(json!({"page_cap": 2, "absolute_next_links": absolute}))
            .await;
        reset_stats(&t).await;
        let paged: Vec<String> = c
            .packages()
            .await
            .expect("packages over several pages")
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(
            paged, whole,
            "paging via __next (absolute: {absolute}): all entries, in order"
        );
        let unique: BTreeSet<&String> = paged.iter().collect();
        assert_eq!(unique.len(), paged.len(), "paging never duplicates entries");
        assert_eq!(
            route(&t.stats().await, "GET IntegrationPackages") as usize,
            whole.len().div_ceil(2),
            "paging follows __next until absent, one request per page"
        );
    }
}

#[tokio::test]
async fn paging_keeps_query_options() {
    let t = Tenant::start(Seed::Demo).await;
    let c = client(basic(&t));
    let whole = c.oauth2_client_credentials().await.expect("one page");
    let credentials = c.user_credentials().await.expect("one page");
    let partners = c.partners().await.expect("partners");
    let mut parameters = Vec::new();
    for p in &partners {
        parameters.push(
            c.user_credential_parameters(&p.pid)
                .await
                .expect("one page"),
        );
    }
    t.switches(json!({"page_cap": 1})).await;
    assert_eq!(
        c.oauth2_client_credentials().await.expect("pages"),
        whole,
        "paging keeps $expand=CustomParameters on every page"
    );
    assert_eq!(
        c.user_credentials().await.expect("pages"),
        credentials,
        "paging returns every user credential once"
    );
    for (p, expected) in partners.iter().zip(parameters) {
        assert_eq!(
            c.user_credential_parameters(&p.pid).await.expect("pages"),
            expected,
            "paging keeps the mandatory $filter=Pid eq '{}'",
            p.pid
        );
    }
}
