//! Rule 12.16 (Partner Directory specifics), Neo's certificate-user mappings, access policies, and
//! `$batch` change sets.

use crate::assert_status;
use crate::common::{Tenant, b64};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::json;

const ACME: &str = include_str!("../../crates/emulator/src/seed/certs/acme_client.pem");

#[tokio::test]
async fn rule_12_16_partner_directory_specifics() {
    let t = Tenant::start(Seed::Demo).await;
    let alt = t
        .send(
            Method::POST,
            "AlternativePartners",
            Some(json!({"Agency": "ERP", "Scheme": "ALE#LS", "Id": "LOGSYS1", "Pid": "ACME"})),
        )
        .await;
    assert_status!(alt, 201, "8.3 create alternative partner");
    let d = alt.json()["d"].clone();
    assert_eq!(
        (
            d["Hexagency"].as_str(),
            d["Hexscheme"].as_str(),
            d["Hexid"].as_str()
        ),
        (Some("455250"), Some("414C45234C53"), Some("4C4F4753595331")),
        "12.16 hex keys of alternative partners"
    );
    assert_status!(t.get("AlternativePartners(Hexagency='455250',Hexscheme='414C45234C53',Hexid='4C4F4753595331')").await, 200, "12.16 addressed by hex keys");
    assert_status!(t.send(Method::PUT, "AlternativePartners(Hexagency='455250',Hexscheme='414C45234C53',Hexid='4C4F4753595331')", Some(json!({"Pid": "GLOBEX"}))).await, 204, "8.3 only the partner changes");

    let user = t
        .send(
            Method::POST,
            "AuthorizedUsers",
            Some(json!({"User": "Mixed.Case@Example", "Pid": "ACME"})),
        )
        .await;
    assert_status!(user, 201, "8.4 create authorized user");
    assert_eq!(
        user.json()["d"]["User"],
        "mixed.case@example",
        "12.16 authorized user names are lower-cased"
    );
    assert_status!(
        t.get("AuthorizedUsers('MIXED.CASE@EXAMPLE')").await,
        200,
        "12.16 lookups ignore case"
    );

    let first = t
        .send(
            Method::POST,
            "UserCredentialParameters",
            Some(json!({"Pid": "GLOBEX", "Id": "Login", "User": "u1", "Password": "p1"})),
        )
        .await;
    assert_status!(first, 201, "12.16 POST creates a user-credential parameter");
    let again = t
        .send(
            Method::POST,
            "UserCredentialParameters",
            Some(json!({"Pid": "GLOBEX", "Id": "Login", "User": "u2", "Password": "p2"})),
        )
        .await;
    assert_status!(again, 201, "12.16 POST on an existing one is an upsert");
    assert_eq!(
        t.get_json("UserCredentialParameters(Pid='GLOBEX',Id='Login')")
            .await["d"]["User"],
        "u2",
        "12.16 the upsert wrote"
    );
    let implicit = t
        .get_json("UserCredentials('pd:GLOBEX:Login:UserCredential')")
        .await;
    assert_eq!(
        implicit["d"]["User"], "u2",
        "12.16 the implicit pd:<Pid>:<Id>:UserCredential artifact exists"
    );
    assert_status!(
        t.send(
            Method::DELETE,
            "UserCredentialParameters(Pid='GLOBEX',Id='Login')",
            None
        )
        .await,
        204,
        "8.2 delete"
    );
    assert_status!(
        t.get("UserCredentials('pd:GLOBEX:Login:UserCredential')")
            .await,
        404,
        "12.16 the implicit artifact goes with it"
    );

    assert_status!(
        t.send(
            Method::POST,
            "StringParameters",
            Some(json!({"Pid": "has space", "Id": "x", "Value": "v"}))
        )
        .await,
        400,
        "8 identifier characters"
    );
    assert_status!(
        t.send(
            Method::POST,
            "BinaryParameters",
            Some(json!({"Pid": "ACME", "Id": "b", "ContentType": "pdf", "Value": b64(b"x")}))
        )
        .await,
        400,
        "8.2 binary content types"
    );
    assert_status!(t.send(Method::POST, "BinaryParameters", Some(json!({"Pid": "ACME", "Id": "b", "ContentType": "json;encoding=UTF-8", "Value": b64(b"{}")}))).await, 201, "8.2 content type with encoding");
    assert_status!(
        t.send(
            Method::PUT,
            "StringParameters(Pid='ACME',Id='ReceiverURL')",
            Some(json!({"Value": "https://new"}))
        )
        .await,
        204,
        "8.2 string parameter update"
    );
    let partners: Vec<String> = t
        .results("Partners")
        .await
        .iter()
        .map(|p| p["Pid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        partners,
        ["ACME", "GLOBEX"],
        "8.1 partners exist through their entries"
    );
    assert_status!(
        t.send(Method::DELETE, "Partners('GLOBEX')", None).await,
        204,
        "8.1 delete a partner and its entries"
    );
    assert_status!(
        t.get("StringParameters(Pid='GLOBEX',Id='ReceiverURL')")
            .await,
        404,
        "8.1 its entries are gone"
    );
}

#[tokio::test]
async fn certificate_user_mappings_exist_only_in_neo_mode() {
    let t = Tenant::start(Seed::Demo).await;
    assert_status!(
        t.get("CertificateUserMappings").await,
        404,
        "7.5 Cloud Foundry tenants have no CertificateUserMappings"
    );
    t.switches(json!({"neo": true})).await;
    let list = t.results("CertificateUserMappings").await;
    assert_eq!(list.len(), 1, "7.5 Neo mode lists the seeded mapping");
    let id = list[0]["Id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32, "7.5 ids are 32 hex characters");
    let again = t
        .send(
            Method::POST,
            "CertificateUserMappings",
            Some(json!({"User": "other-user", "Certificate": b64(ACME.as_bytes())})),
        )
        .await;
    assert_status!(again, 201, "7.5 POST for the same certificate");
    assert_eq!(
        (
            again.json()["d"]["Id"].as_str(),
            again.json()["d"]["User"].as_str()
        ),
        (Some(id.as_str()), Some("other-user")),
        "7.5 POST changes the user of an existing certificate"
    );
    assert_status!(
        t.send(
            Method::POST,
            "CertificateUserMappings",
            Some(json!({"User": "u", "Certificate": b64(b"junk")}))
        )
        .await,
        500,
        "7.5 not a certificate"
    );
    assert_status!(
        t.send(
            Method::DELETE,
            &format!("CertificateUserMappings('{id}')"),
            None
        )
        .await,
        204,
        "7.5 delete"
    );
}

#[tokio::test]
async fn access_policies_with_references() {
    let t = Tenant::start(Seed::Demo).await;
    let created = t
        .send(Method::POST, "AccessPolicies", Some(json!({"RoleName": "Ops", "Description": "d", "ArtifactReferences": [{"Name": "r", "Type": "INTEGRATION_FLOW", "ConditionAttribute": "Name", "ConditionValue": "Health_Ping", "ConditionType": "exactString"}]})))
        .await;
    assert_status!(created, 201, "7.6 create");
    let id = created.json()["d"]["Id"].as_str().unwrap().to_string();
    assert_status!(
        t.send(
            Method::POST,
            "AccessPolicies",
            Some(json!({"RoleName": "Ops"}))
        )
        .await,
        409,
        "7.6 role names are unique"
    );
    assert_status!(
        t.send(
            Method::PATCH,
            &format!("AccessPolicies({id})"),
            Some(json!({"Description": "new"}))
        )
        .await,
        204,
        "7.6 PATCH"
    );
    let added = t
        .send(Method::POST, "ArtifactReferences", Some(json!({"Name": "q", "Type": "MESSAGE_QUEUE", "ConditionAttribute": "Name", "ConditionValue": "Q1", "ConditionType": "exactString", "AccessPolicy": {"Id": id}})))
        .await;
    assert_status!(
        added,
        201,
        "7.6 add a reference through the AccessPolicy navigation"
    );
    let bad = t
        .send(Method::POST, "ArtifactReferences", Some(json!({"Name": "q", "Type": "MESSAGE_QUEUE", "ConditionAttribute": "ID", "ConditionValue": "Q1", "ConditionType": "exactString", "AccessPolicy": {"Id": id}})))
        .await;
    assert_status!(bad, 400, "7.6 queues match on Name only");
    let refs = t
        .results(&format!("AccessPolicies({id})/ArtifactReferences"))
        .await;
    assert_eq!(refs.len(), 2, "7.6 the policy's references");
    let rid = refs[1]["Id"].as_str().unwrap();
    assert_status!(
        t.send(Method::DELETE, &format!("ArtifactReferences({rid})"), None)
            .await,
        200,
        "7.6 delete a reference"
    );
    assert_status!(
        t.send(Method::DELETE, &format!("AccessPolicies({id})"), None)
            .await,
        204,
        "7.6 delete a policy"
    );
}

#[tokio::test]
async fn batch_change_sets_are_atomic() {
    let t = Tenant::start(Seed::Demo).await;
    let part = |method: &str, path: &str, body: &str| {
        format!(
            "--cs\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n{method} {path} HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{body}\r\n"
        )
    };
    let changeset = format!(
        "{}{}--cs--\r\n",
        part(
            "POST",
            "StringParameters",
            r#"{"Pid":"ACME","Id":"Batch1","Value":"a"}"#
        ),
        part(
            "POST",
            "StringParameters",
            r#"{"Pid":"ACME","Id":"ReceiverURL","Value":"duplicate"}"#
        )
    );
    let body = format!(
        "--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n{changeset}\r\n--b--\r\n"
    );
    let r = t
        .send_bytes(
            Method::POST,
            "$batch",
            "multipart/mixed; boundary=b",
            body.into_bytes(),
        )
        .await;
    assert_status!(r, 202, "3.8 $batch answers 202");
    assert!(
        r.text().contains("HTTP/1.1 500"),
        "3.8 the failing request's status is reported: {}",
        r.text()
    );
    assert_status!(
        t.get("StringParameters(Pid='ACME',Id='Batch1')").await,
        404,
        "3.8 a failed change set changes nothing"
    );
    let ok = format!(
        "{}--cs--\r\n",
        part(
            "POST",
            "StringParameters",
            r#"{"Pid":"ACME","Id":"Batch2","Value":"b"}"#
        )
    );
    let body =
        format!("--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n{ok}\r\n--b--\r\n");
    let r = t
        .send_bytes(
            Method::POST,
            "$batch",
            "multipart/mixed; boundary=b",
            body.into_bytes(),
        )
        .await;
    assert!(
        r.text().contains("HTTP/1.1 201"),
        "3.8 a good change set applies: {}",
        r.text()
    );
    assert_status!(
        t.get("StringParameters(Pid='ACME',Id='Batch2')").await,
        200,
        "3.8 written"
    );
}
