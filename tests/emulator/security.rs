//! Rules 12.9 (write-only secrets) and 12.10 (security-material write semantics), and the
//! companion security-material endpoint of design.md section 4.

use crate::assert_status;
use crate::common::{PASSWORD, Tenant, USER};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::{Value, json};

const CANARY: &str = "canary-secret-7f3a91";

fn contains_canary(v: &Value) -> bool {
    v.to_string().contains(CANARY)
}

#[tokio::test]
async fn rule_12_9_secrets_are_null_on_every_read_path() {
    let t = Tenant::start(Seed::Demo).await;
    t.send(
        Method::POST,
        "UserCredentials",
        Some(json!({"Name": "Canary_User", "Kind": "default", "User": "u", "Password": CANARY})),
    )
    .await;
    t.send(Method::POST, "OAuth2ClientCredentials", Some(json!({"Name": "Canary_OAuth", "TokenServiceUrl": "https://t", "ClientId": "c", "ClientSecret": CANARY, "CustomParameters": [{"Key": "k", "Value": "v", "SendAsPartOf": "body"}]}))).await;
    t.send(
        Method::POST,
        "SecureParameters",
        Some(json!({"Name": "Canary_Param", "SecureParam": CANARY})),
    )
    .await;
    t.send(
        Method::POST,
        "UserCredentialParameters",
        Some(json!({"Pid": "ACME", "Id": "Canary", "User": "u", "Password": CANARY})),
    )
    .await;

    for path in [
        "UserCredentials",
        "UserCredentials('Canary_User')",
        "UserCredentials('pd:ACME:Canary:UserCredential')",
        "OAuth2ClientCredentials",
        "OAuth2ClientCredentials?$expand=CustomParameters",
        "OAuth2ClientCredentials('Canary_OAuth')?$expand=CustomParameters",
        "SecureParameters",
        "SecureParameters('Canary_Param')",
        "UserCredentialParameters?$filter=Pid%20eq%20'ACME'",
        "UserCredentialParameters(Pid='ACME',Id='Canary')",
    ] {
        let body = t.get_json(path).await;
        assert!(
            !contains_canary(&body),
            "12.9 GET {path} must not return a secret"
        );
    }
    let single = t.get_json("UserCredentials('Canary_User')").await;
    assert!(single["d"]["Password"].is_null(), "12.9 Password is null");
    let oauth = t.get_json("OAuth2ClientCredentials('Canary_OAuth')").await;
    assert!(
        oauth["d"]["ClientSecret"].is_null(),
        "12.9 ClientSecret is null"
    );
    let param = t.get_json("SecureParameters('Canary_Param')").await;
    assert!(
        param["d"]["SecureParam"].is_null(),
        "12.9 SecureParam is null"
    );

    let boundary = "batch_b1";
    let body = format!(
        "--{boundary}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nGET UserCredentials('Canary_User') HTTP/1.1\r\nAccept: application/json\r\n\r\n\r\n--{boundary}--\r\n"
    );
    let batch = t
        .send_bytes(
            Method::POST,
            "$batch",
            &format!("multipart/mixed; boundary={boundary}"),
            body.into_bytes(),
        )
        .await;
    assert_status!(batch, 202, "3.8 $batch answers 202");
    assert!(
        batch.text().contains("\"Password\":null") && !batch.text().contains(CANARY),
        "12.9 the batch read path returns no secret"
    );

    let hashed = t
        .get_json("UserCredentialParameters(Pid='ACME',Id='Canary')?returnHashedPassword=SHA256")
        .await;
    use sha2::Digest;
    let expected = format!(
        "SHA256.{}",
        hex::encode(sha2::Sha256::digest(CANARY.as_bytes()))
    );
    assert_eq!(
        hashed["d"]["Password"],
        json!(expected),
        "12.9 returnHashedPassword=SHA256 gives the hash"
    );

    let dump = t.dump().await;
    assert!(
        !contains_canary(&dump),
        "12.9 the admin dump carries digests, not secrets"
    );
    let stats = t.stats().await;
    assert!(!contains_canary(&stats), "12.9 stats carry no secrets");
}

#[tokio::test]
async fn rule_12_10_security_writes_are_202_and_put_replaces() {
    let t = Tenant::start(Seed::Demo).await;
    let before = t.get_json("UserCredentials('ERP_Basic')").await["d"]["SecurityArtifactDescriptor"]["DeployedOn"].clone();
    let put = t.send(Method::PUT, "UserCredentials('ERP_Basic')", Some(json!({"Name": "ERP_Basic", "Kind": "default", "User": "NEW_USER", "Password": "p2"}))).await;
    assert_status!(put, 202, "12.10 security PUT answers 202");
    assert!(put.body.is_empty(), "12.10 security writes have no body");
    let after = t.get_json("UserCredentials('ERP_Basic')").await["d"].clone();
    assert_eq!(after["User"], "NEW_USER", "12.10 PUT writes");
    assert_eq!(
        after["Description"], "",
        "12.10 PUT replaces the whole entity: an omitted Description is reset"
    );
    assert_ne!(
        after["SecurityArtifactDescriptor"]["DeployedOn"], before,
        "12.10 DeployedOn changes on every write"
    );

    let mismatch = t
        .send(
            Method::PUT,
            "UserCredentials('ERP_Basic')",
            Some(json!({"Name": "Other", "Kind": "default"})),
        )
        .await;
    assert_status!(mismatch, 400, "12.10 key in URL and body must match");
    let exists = t
        .send(
            Method::POST,
            "UserCredentials",
            Some(json!({"Name": "ERP_Basic", "Kind": "default"})),
        )
        .await;
    assert_status!(exists, 409, "7 create on an existing name");
    let kind = t
        .send(
            Method::POST,
            "UserCredentials",
            Some(json!({"Name": "X", "Kind": "Default"})),
        )
        .await;
    assert_status!(
        kind,
        500,
        "7.1 Kind must be exactly default, successfactors or openconnectors"
    );
    let sf = t
        .send(
            Method::POST,
            "UserCredentials",
            Some(json!({"Name": "X", "Kind": "successfactors"})),
        )
        .await;
    assert_status!(sf, 500, "7.1 successfactors needs CompanyId");
    let oc = t
        .send(
            Method::POST,
            "UserCredentials",
            Some(json!({"Name": "X", "Kind": "openconnectors", "Password": "free text"})),
        )
        .await;
    assert_status!(oc, 500, "7.1 openconnectors passwords have a pattern");
    let oc_ok = t.send(Method::POST, "UserCredentials", Some(json!({"Name": "OC", "Kind": "openconnectors", "Password": "User abc,Organization def,Element ghi"}))).await;
    assert_status!(oc_ok, 202, "7.1 a well-formed openconnectors password");

    let oauth = "OAuth2ClientCredentials('S4_OAuth')";
    let with_params = t.send(Method::PUT, oauth, Some(json!({"Name": "S4_OAuth", "TokenServiceUrl": "https://t", "ClientId": "c", "ClientSecret": "s", "CustomParameters": []}))).await;
    assert_status!(with_params, 400, "7.2 PUT may not carry CustomParameters");
    let no_secret = t
        .send(
            Method::PUT,
            oauth,
            Some(json!({"Name": "S4_OAuth", "TokenServiceUrl": "https://t", "ClientId": "c"})),
        )
        .await;
    assert_status!(no_secret, 400, "7.2 an empty ClientSecret is 400");
    let replace = t.send(Method::PUT, oauth, Some(json!({"Name": "S4_OAuth", "TokenServiceUrl": "https://t", "ClientId": "c", "ClientSecret": "s"}))).await;
    assert_status!(replace, 202, "7.2 PUT");
    let read = t
        .get_json(&format!("{oauth}?$expand=CustomParameters"))
        .await;
    assert_eq!(
        read["d"]["CustomParameters"]["results"],
        json!([]),
        "12.10 PUT drops the custom parameters"
    );
    assert_eq!(
        read["d"]["ClientAuthentication"], "body",
        "7.2 ClientAuthentication defaults to body"
    );

    assert_status!(
        t.send(
            Method::POST,
            "SecureParameters",
            Some(json!({"Name": "Empty"}))
        )
        .await,
        400,
        "7.3 SecureParam is required"
    );
    assert_status!(
        t.send(
            Method::PUT,
            "SecureParameters('Missing')",
            Some(json!({"Name": "Missing", "SecureParam": "v"}))
        )
        .await,
        409,
        "7.3 update of a missing secure parameter is 409"
    );
    assert_status!(
        t.send(Method::DELETE, "SecureParameters('Webhook_Token')", None)
            .await,
        202,
        "7 delete answers 202"
    );
    assert_status!(
        t.send(Method::DELETE, "SecureParameters('Webhook_Token')", None)
            .await,
        404,
        "7 delete of an unknown name"
    );
}

#[tokio::test]
async fn companion_endpoint_reveals_secrets_only_while_its_flow_runs() {
    use cpi_gitops::wire::companion::crypto::RecipientKey;
    use cpi_gitops::wire::companion::{Answers, Envelope};
    let t = Tenant::start(Seed::Demo).await;
    let url = format!("{}/http/cpi-gitops/security-material", t.handle.url());
    let none = t.raw(t.http.post(&url)).await;
    assert_status!(
        none,
        401,
        "design 4: the companion endpoint needs credentials"
    );
    let key = RecipientKey::generate().unwrap();
    let request = json!({"protocol": 1, "public_key": key.public_key_base64().unwrap(), "items": [
        {"kind": "user-credential", "name": "ERP_Basic"},
        {"kind": "user-credential-parameter", "pid": "ACME", "id": "SFTP_Login"},
        {"kind": "oauth2-client-credential", "name": "S4_OAuth"},
        {"kind": "secure-parameter", "name": "Bank_API_Key"},
        {"kind": "key-pair", "name": "demo_signing"},
        {"kind": "key-pair", "name": "sap_cloudintegrationcertificate"}
    ]});
    let post = || {
        t.http
            .post(&url)
            .basic_auth(USER, Some(PASSWORD))
            .json(&request)
    };
    let r = t.raw(post()).await;
    assert_status!(r, 200, "design 4: the demo's companion answers");
    let envelope: Envelope = serde_json::from_slice(&r.body).unwrap();
    let plain = key.open(&envelope, 1).unwrap();
    let answers: Answers = serde_json::from_slice(&plain).unwrap();
    let a = &answers.items;
    assert_eq!(
        a[0].password.as_ref().unwrap().expose(),
        "demo-erp-password"
    );
    assert_eq!(
        a[1].status, "ok",
        "Partner Directory credentials by their pd: name"
    );
    assert_eq!(a[1].name, "pd:ACME:SFTP_Login:UserCredential");
    assert_eq!(
        a[2].client_secret.as_ref().unwrap().expose(),
        "demo-s4-client-secret"
    );
    assert_eq!(a[3].value.as_ref().unwrap().expose(), "demo-bank-api-key");
    assert_eq!((a[4].status.as_str(), a[4].certificates), ("ok", Some(1)));
    assert_eq!(
        a[5].status, "unreadable",
        "SAP's own keys are not given to scripts"
    );
    assert!(!String::from_utf8_lossy(&r.body).contains("demo-erp-password"));

    t.switches(json!({"companion": false})).await;
    assert_status!(t.raw(post()).await, 404, "the companion not running");
    t.switches(json!({"companion": true})).await;
    assert_status!(
        t.send(
            Method::DELETE,
            "IntegrationRuntimeArtifacts('CPIGitOps_SecurityMaterial')",
            None
        )
        .await,
        202,
        "undeploy"
    );
    t.admin(Method::POST, "settle", None).await;
    assert_status!(
        t.raw(post()).await,
        404,
        "design 4: only while deployed and started"
    );
    let empty = Tenant::start(Seed::Empty).await;
    let r = empty
        .raw(
            empty
                .http
                .post(format!(
                    "{}/http/cpi-gitops/security-material",
                    empty.handle.url()
                ))
                .basic_auth(USER, Some(PASSWORD))
                .json(&request),
        )
        .await;
    assert_status!(r, 404, "the empty seed has no companion");
}
