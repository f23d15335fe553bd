//! The size of answers (issue 9.9): an answer larger than `max_response_bytes` is refused while
//! it streams in, with an error naming the request (and so the artifact). Tested with a lowered
//! limit, never with gigabytes.

use super::{basic, client, route};
use crate::common::Tenant;
use cpi_gitops::client::ClientError;
use cpi_gitops::emulator::Seed;
use cpi_gitops::wire::designtime::ArtifactKind;

#[tokio::test]
async fn an_answer_above_the_limit_is_refused_by_name() {
    let t = Tenant::start(Seed::Demo).await;
    let mut config = basic(&t);
    config.max_response_bytes = 4096;
    let c = client(config);
    c.number_ranges()
        .await
        .expect("small answers pass under the limit");
    let err = c
        .download_artifact(ArtifactKind::IntegrationFlow, "Orders_Inbound_HTTPS")
        .await
        .expect_err("the flow's zip is larger than 4 KiB");
    assert!(
        matches!(err, ClientError::TooLarge { limit: 4096, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(
            "GET IntegrationDesigntimeArtifacts(Id='Orders_Inbound_HTTPS',Version='active')/$value"
        ) && text.contains("more than 4 KiB (max_response_bytes)"),
        "the error names the artifact's request and the setting: {text}"
    );
    assert!(err.hint().is_some_and(|h| h.contains("max_response_bytes")));
    assert_eq!(
        route(
            &t.stats().await,
            "GET IntegrationDesigntimeArtifacts(..)/$value"
        ),
        1,
        "a refused answer is not fetched again"
    );
}
