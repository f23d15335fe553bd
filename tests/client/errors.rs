//! Errors name the tenant and the request and carry the tenant's own message.

use super::{NAME, basic, client, quick_retries};
use crate::common::Tenant;
use cpi_gitops::client::{Auth, ClientConfig, ClientError, paths};
use cpi_gitops::emulator::Seed;
use cpi_gitops::secrets::Secret;
use cpi_gitops::wire::designtime::ArtifactKind;
use cpi_gitops::wire::packages::IntegrationPackage;

#[tokio::test]
async fn http_errors_name_the_request_and_carry_the_tenant_message() {
    let t = Tenant::start(Seed::Demo).await;
    let c = client(basic(&t));
    let err = c
        .get_json::<IntegrationPackage>(&paths::entity("IntegrationPackages", "No Such"))
        .await
        .expect_err("an unknown package");
    let message = err
        .tenant_message()
        .expect("the OData error message is kept")
        .to_string();
    assert!(!message.is_empty(), "the tenant's message is not empty");
    assert_eq!(
        err.to_string(),
        format!(
            "tenant `{NAME}`: GET IntegrationPackages('No%20Such') failed with 404 Not Found: {message}"
        ),
        "errors name the tenant, the request as sent, the status and the tenant's message"
    );

    let err = c
        .download_artifact(ArtifactKind::IntegrationFlow, "Missing_Flow")
        .await
        .expect_err("an unknown artifact");
    assert!(
        err.to_string().starts_with(&format!(
            "tenant `{NAME}`: GET IntegrationDesigntimeArtifacts(Id='Missing_Flow',Version='active')/$value failed with 404"
        )),
        "a download error names the $value request: {err}"
    );
}

#[tokio::test]
async fn transport_errors_name_the_request_and_the_cause() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("its address").port()
    };
    let mut config = ClientConfig::new(
        NAME,
        format!("http://127.0.0.1:{port}"),
        Auth::Basic {
            user: "u".into(),
            password: Secret::new("p"),
        },
    );
    config.retry = quick_retries(2);
    let err = client(config)
        .packages()
        .await
        .expect_err("nothing listens on the port");
    assert!(
        matches!(err, ClientError::Transport { attempts: 2, .. }),
        "connection errors are retried, then reported as transport errors: {err:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "tenant `{NAME}`: GET IntegrationPackages failed: "
        )),
        "transport errors name the tenant and the request: {text}"
    );
    assert!(
        text.len() > format!("tenant `{NAME}`: GET IntegrationPackages failed: ").len() + 5,
        "transport errors carry the cause: {text}"
    );
}

#[tokio::test]
async fn missing_optional_sets_and_endpoints_are_none() {
    let t = Tenant::start(Seed::Demo).await;
    let c = client(basic(&t));
    assert_eq!(
        c.certificate_user_mappings()
            .await
            .expect("404 on the set is not an error"),
        None,
        "7.5 CertificateUserMappings: 404 on Cloud Foundry -> None"
    );
    t.switches(serde_json::json!({"neo": true})).await;
    assert!(
        c.certificate_user_mappings()
            .await
            .expect("Neo mappings")
            .is_some(),
        "7.5 CertificateUserMappings are read on Neo"
    );
    let ping = cpi_gitops::wire::companion::DEFAULT_PING_PATH;
    assert_eq!(
        c.runtime_get(ping)
            .await
            .expect("the companion's ping")
            .status,
        200,
        "design 8: the companion's ping answers"
    );
    t.switches(serde_json::json!({"companion": false})).await;
    assert_eq!(
        c.runtime_get(ping).await.expect("404 is an answer").status,
        404,
        "design 4: a companion not running answers 404, which runtime calls return"
    );
}
