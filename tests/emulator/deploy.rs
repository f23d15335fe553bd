//! Rule 12.11: deploy asynchrony driven by observations, failures with ErrorInformation, and
//! undeploy; plus the runtime's `/http` endpoints of started flows.

use crate::assert_status;
use crate::common::{PASSWORD, Tenant, USER, b64, flow_zip};
use cpi_gitops::emulator::{FAIL_MARKER, Seed};
use reqwest::Method;
use serde_json::json;

const IF: &str = "IntegrationDesigntimeArtifacts";

async fn upload(t: &Tenant, id: &str, version: &str, iflw: &str, params: &[(&str, &str)]) {
    if t.get("IntegrationPackages('P')").await.status == 404 {
        t.send(
            Method::POST,
            "IntegrationPackages",
            Some(json!({"Id": "P", "Name": "P", "ShortText": "p"})),
        )
        .await;
    }
    let content = b64(&flow_zip(id, version, params, iflw));
    let path = format!("{IF}(Id='{id}',Version='active')");
    if t.get(&path).await.status == 200 {
        t.send(
            Method::PUT,
            &path,
            Some(json!({"ArtifactContent": content})),
        )
        .await;
    } else {
        let r = t
            .send(
                Method::POST,
                IF,
                Some(json!({"Id": id, "Name": id, "PackageId": "P", "ArtifactContent": content})),
            )
            .await;
        assert_status!(r, 201, "upload");
    }
}

async fn deploy(t: &Tenant, id: &str) -> String {
    let r = t
        .send(
            Method::POST,
            &format!("DeployIntegrationDesigntimeArtifact?Id='{id}'&Version='active'"),
            None,
        )
        .await;
    assert_status!(r, 202, "12.11 deploy answers 202");
    let task = r.text();
    assert_eq!(task.len(), 36, "12.11 the body is a task id: {task}");
    task
}

async fn status(t: &Tenant, id: &str) -> (u16, String, String) {
    let r = t.get(&format!("IntegrationRuntimeArtifacts('{id}')")).await;
    if r.status != 200 {
        return (r.status.as_u16(), String::new(), String::new());
    }
    let d = r.json()["d"].clone();
    (
        200,
        d["Status"].as_str().unwrap().to_string(),
        d["Version"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn rule_12_11_a_first_deploy_is_404_then_starting_then_started() {
    let t = Tenant::start(Seed::Empty).await;
    upload(&t, "Flow_D", "1.0.0", "", &[]).await;
    let task = deploy(&t, "Flow_D").await;
    let build = t
        .get_json(&format!("BuildAndDeployStatus(TaskId='{task}')"))
        .await;
    assert_eq!(
        build["d"]["Status"], "DEPLOYING",
        "12.11 the build status starts DEPLOYING"
    );
    assert_eq!(
        status(&t, "Flow_D").await.0,
        404,
        "12.11 a first deploy is 404 at first"
    );
    assert_eq!(
        status(&t, "Flow_D").await.1,
        "STARTING",
        "12.11 then STARTING"
    );
    assert_eq!(
        status(&t, "Flow_D").await.1,
        "STARTING",
        "12.11 STARTING for deploy_steps reads"
    );
    assert_eq!(
        status(&t, "Flow_D").await.1,
        "STARTED",
        "12.11 then STARTED"
    );
    let build = t
        .get_json(&format!("BuildAndDeployStatus(TaskId='{task}')"))
        .await;
    assert_eq!(
        build["d"]["Status"], "SUCCESS",
        "12.11 the build status ends SUCCESS"
    );
    assert_status!(
        t.get("BuildAndDeployStatus(TaskId='no-such-task')").await,
        404,
        "5.3 unknown task"
    );
}

#[tokio::test]
async fn rule_12_11_a_redeploy_shows_the_previous_version_first() {
    let t = Tenant::start(Seed::Empty).await;
    t.switches(json!({"deploy_steps": 1})).await;
    upload(&t, "Flow_R", "1.0.0", "", &[]).await;
    deploy(&t, "Flow_R").await;
    t.admin(Method::POST, "settle", None).await;
    upload(&t, "Flow_R", "1.0.1", "", &[]).await;
    deploy(&t, "Flow_R").await;
    assert_eq!(
        status(&t, "Flow_R").await,
        (200, "STARTED".into(), "1.0.0".into()),
        "12.11 the previous deployment shows first"
    );
    assert_eq!(
        status(&t, "Flow_R").await,
        (200, "STARTING".into(), "1.0.1".into()),
        "12.11 then the new version starts"
    );
    assert_eq!(
        status(&t, "Flow_R").await,
        (200, "STARTED".into(), "1.0.1".into()),
        "12.11 then it is STARTED"
    );
}

#[tokio::test]
async fn rule_12_11_admin_tick_advances_without_reads() {
    let t = Tenant::start(Seed::Empty).await;
    upload(&t, "Flow_T", "1.0.0", "", &[]).await;
    deploy(&t, "Flow_T").await;
    for _ in 0..4 {
        t.admin(Method::POST, "tick", None).await;
    }
    assert_eq!(
        status(&t, "Flow_T").await.1,
        "STARTED",
        "12.11 ticks are observations"
    );
}

#[tokio::test]
async fn rule_12_11_failed_deploys_report_error_information() {
    let t = Tenant::start(Seed::Empty).await;
    t.switches(json!({"deploy_steps": 0, "fail_deploys": {"Flow_F": "Unresolved property 'X' in receiver channel HTTP_1"}})).await;
    upload(&t, "Flow_F", "1.0.0", "", &[]).await;
    deploy(&t, "Flow_F").await;
    assert_eq!(
        status(&t, "Flow_F").await.1,
        "ERROR",
        "12.11 a failing deploy ends in ERROR"
    );
    let info = "IntegrationRuntimeArtifacts('Flow_F')/ErrorInformation/$value";
    assert_status!(
        t.get(info).await,
        204,
        "12.11 ErrorInformation/$value answers 204 once"
    );
    let r = t.get(info).await;
    assert_status!(r, 200, "12.11 then the details");
    let body = r.json();
    assert_eq!(
        body["parameter"][0], "Unresolved property 'X' in receiver channel HTTP_1",
        "12.11 the first parameter is the text"
    );
    assert_eq!(
        body["message"]["subsytemPartName"], "CONTENT_DEPLOY",
        "6.1 SAP's misspelt key is kept"
    );
}

#[tokio::test]
async fn rule_12_11_content_problems_fail_deploys_like_a_tenant() {
    let t = Tenant::start(Seed::Empty).await;
    t.switches(json!({"deploy_steps": 0})).await;
    let marker = format!("<!-- {FAIL_MARKER} Adapter SFTP failed to connect -->");
    upload(&t, "Flow_M", "1.0.0", &marker, &[]).await;
    deploy(&t, "Flow_M").await;
    status(&t, "Flow_M").await;
    t.get("IntegrationRuntimeArtifacts('Flow_M')/ErrorInformation/$value")
        .await;
    let text = t
        .get_json("IntegrationRuntimeArtifacts('Flow_M')/ErrorInformation/$value")
        .await["parameter"][0]
        .clone();
    assert_eq!(
        text, "Adapter SFTP failed to connect",
        "12.11 the content marker makes a deploy fail"
    );

    let unresolved = "<ifl:property><key>address</key><value>{{Missing}}</value></ifl:property>";
    upload(&t, "Flow_U", "1.0.0", unresolved, &[("Missing", "")]).await;
    deploy(&t, "Flow_U").await;
    assert_eq!(
        status(&t, "Flow_U").await.1,
        "ERROR",
        "10 an unresolved {{parameter}} fails the deploy"
    );

    let credential =
        "<ifl:property><key>credentialName</key><value>{{Cred}}</value></ifl:property>";
    upload(&t, "Flow_C", "1.0.0", credential, &[("Cred", "ERP_Basic")]).await;
    deploy(&t, "Flow_C").await;
    assert_eq!(
        status(&t, "Flow_C").await.1,
        "ERROR",
        "10 a flow whose credential is missing fails"
    );
    t.send(
        Method::POST,
        "UserCredentials",
        Some(json!({"Name": "ERP_Basic", "Kind": "default", "User": "u", "Password": "p"})),
    )
    .await;
    deploy(&t, "Flow_C").await;
    assert_eq!(
        status(&t, "Flow_C").await.1,
        "STARTED",
        "10 once the credential exists, the deploy starts"
    );
}

#[tokio::test]
async fn rule_12_11_undeploy_goes_through_stopping() {
    let t = Tenant::start(Seed::Demo).await;
    let r = t
        .send(
            Method::DELETE,
            "IntegrationRuntimeArtifacts('Health_Ping')",
            None,
        )
        .await;
    assert_status!(r, 202, "6.1 undeploy answers 202");
    assert_eq!(
        status(&t, "Health_Ping").await.1,
        "STOPPING",
        "12.11 undeploy shows STOPPING"
    );
    assert_eq!(
        status(&t, "Health_Ping").await.1,
        "STOPPING",
        "12.11 for deploy_steps reads"
    );
    assert_eq!(
        status(&t, "Health_Ping").await.0,
        404,
        "12.11 then the entry is gone"
    );
    assert_status!(
        t.send(
            Method::DELETE,
            "IntegrationRuntimeArtifacts('Health_Ping')",
            None
        )
        .await,
        404,
        "6.1 undeploy of nothing"
    );
}

#[tokio::test]
async fn deploy_checks_ids_and_kinds() {
    let t = Tenant::start(Seed::Demo).await;
    assert_status!(
        t.send(
            Method::POST,
            "DeployIntegrationDesigntimeArtifact?Id='Nope'&Version='active'",
            None
        )
        .await,
        404,
        "5.3 unknown id"
    );
    assert_status!(
        t.send(
            Method::POST,
            "DeployIntegrationDesigntimeArtifact?Id='Orders_Country_Codes'&Version='active'",
            None
        )
        .await,
        404,
        "5.3 the function of another kind"
    );
    let vm = t
        .send(
            Method::POST,
            "DeployValueMappingDesigntimeArtifact?Id='Orders_Country_Codes'&Version='active'",
            None,
        )
        .await;
    assert_status!(vm, 202, "5.3 value mapping deploy");
    assert_eq!(
        vm.json()["d"]["Id"],
        "Orders_Country_Codes",
        "5.3 mapping deploys may answer the entity"
    );
}

#[tokio::test]
async fn started_http_flows_answer_on_their_path() {
    let t = Tenant::start(Seed::Demo).await;
    let url = format!("{}/http/ping", t.handle.url());
    let r = t
        .raw(t.http.get(&url).basic_auth(USER, Some(PASSWORD)))
        .await;
    assert_status!(r, 200, "the health-probe flow answers while STARTED");
    assert_eq!(r.json()["artifact"], "Health_Ping");
    t.switches(json!({"deploy_steps": 0})).await;
    t.send(
        Method::DELETE,
        "IntegrationRuntimeArtifacts('Health_Ping')",
        None,
    )
    .await;
    let r = t
        .raw(t.http.get(&url).basic_auth(USER, Some(PASSWORD)))
        .await;
    assert_status!(r, 404, "an undeployed flow's endpoint is gone");
}
