//! Rules 12.1 (service layout), 12.4 (content negotiation), 12.5 (envelopes), 12.6 (primitive
//! encoding), 12.7 (error format), 12.8 (paging) and 12.17 (determinism).

use crate::assert_status;
use crate::common::{Tenant, config};
use cpi_gitops::emulator::Seed;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn rule_12_1_service_root_metadata_and_unknown_sets() {
    let t = Tenant::start(Seed::Demo).await;
    let root = t.get("").await;
    assert_status!(root, 200, "12.1 service document");
    assert!(
        root.json()["d"]["EntitySets"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "12.1 service document lists entity sets"
    );
    let meta = t.get("$metadata").await;
    assert_status!(meta, 200, "12.1 $metadata");
    let text = meta.text();
    assert!(
        text.contains("Namespace=\"com.sap.hci.api\"")
            && text.contains("EntityType Name=\"IntegrationPackage\""),
        "12.1 $metadata is an EDMX model"
    );
    let unknown = t.get("NoSuchSet").await;
    assert_status!(unknown, 404, "12.1 unknown entity set");
    assert!(
        !unknown.error_message().is_empty(),
        "12.1 unknown entity set has an OData error body"
    );
    let missing = t.get("IntegrationPackages('NoSuchPackage')").await;
    assert_status!(missing, 404, "12.1 unknown key");
    assert!(
        !missing.error_message().is_empty(),
        "12.1 unknown key has an OData error body"
    );
}

#[tokio::test]
async fn rule_12_4_format_json_without_accept_and_stats_of_non_json_reads() {
    let t = Tenant::start(Seed::Demo).await;
    let r = t
        .raw(
            t.http
                .get(t.api("IntegrationPackages?$format=json"))
                .basic_auth(crate::common::USER, Some(crate::common::PASSWORD)),
        )
        .await;
    assert_status!(r, 200, "12.4 $format=json");
    assert!(
        r.json()["d"]["results"].is_array(),
        "12.4 $format=json answers JSON"
    );
    let before = t.stats().await["without_json_accept"].as_u64().unwrap();
    t.raw(
        t.http
            .get(t.api("IntegrationPackages"))
            .basic_auth(crate::common::USER, Some(crate::common::PASSWORD)),
    )
    .await;
    let after = t.stats().await["without_json_accept"].as_u64().unwrap();
    assert_eq!(
        after,
        before + 1,
        "12.4 reads that do not ask for JSON are counted, so client tests can prove they always ask"
    );
}

#[tokio::test]
async fn rule_12_5_envelopes_metadata_deferred_and_expand() {
    let t = Tenant::start(Seed::Demo).await;
    let list = t.get_json("IntegrationPackages").await;
    let first = &list["d"]["results"][0];
    let meta = &first["__metadata"];
    let uri = meta["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("http://127.0.0.1:") && uri.contains("/api/v1/IntegrationPackages('"),
        "12.5 __metadata.uri is absolute: {uri}"
    );
    assert_eq!(meta["id"], meta["uri"], "12.5 __metadata.id equals uri");
    assert_eq!(
        meta["type"], "com.sap.hci.api.IntegrationPackage",
        "12.5 __metadata.type"
    );
    assert!(
        meta["media_src"].as_str().unwrap().ends_with("/$value"),
        "12.5 media entities carry media_src"
    );
    assert!(
        first["IntegrationDesigntimeArtifacts"]["__deferred"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/IntegrationDesigntimeArtifacts"),
        "12.5 navigations are __deferred"
    );
    let single = t.get_json("IntegrationPackages('Orders')").await;
    assert_eq!(
        single["d"]["Id"], "Orders",
        "12.5 a single entity is {{\"d\": {{...}}}}"
    );

    let oauth = t
        .get_json("OAuth2ClientCredentials('S4_OAuth')?$expand=CustomParameters")
        .await;
    let params = oauth["d"]["CustomParameters"]["results"]
        .as_array()
        .expect("12.5 $expand=CustomParameters gives results");
    assert_eq!(params.len(), 2, "12.5 $expand=CustomParameters");
    let deferred = t.get_json("OAuth2ClientCredentials('S4_OAuth')").await;
    assert!(
        deferred["d"]["CustomParameters"]["__deferred"].is_object(),
        "12.5 CustomParameters deferred without $expand"
    );
    let policies = t.results("AccessPolicies?$expand=ArtifactReferences").await;
    assert_eq!(
        policies[0]["ArtifactReferences"]["results"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "12.5 $expand=ArtifactReferences"
    );
    let keystore = t.get_json("Keystores('system')?$expand=Entries").await;
    assert!(
        keystore["d"]["Entries"]["results"]
            .as_array()
            .is_some_and(|e| e.len() >= 4),
        "12.5 $expand=Entries"
    );
    let cred = t.get_json("UserCredentials('ERP_Basic')").await;
    assert_eq!(
        cred["d"]["SecurityArtifactDescriptor"]["__metadata"]["type"],
        "com.sap.hci.api.SecurityArtifactDescriptor",
        "12.5 complex types carry __metadata.type"
    );
}

#[tokio::test]
async fn rule_12_6_primitive_encodings() {
    let t = Tenant::start(Seed::Demo).await;
    let policy = &t.results("AccessPolicies").await[0];
    assert!(
        policy["Id"].is_string(),
        "12.6 Int64 (AccessPolicy.Id) is a JSON string"
    );
    let entry = t
        .get_json(&format!(
            "KeystoreEntries('{}')",
            hex::encode_upper("partner_ca")
        ))
        .await;
    assert!(
        entry["d"]["KeySize"].is_number(),
        "12.6 Int32 (KeySize) is a JSON number"
    );
    let runtime = &t.results("IntegrationRuntimeArtifacts").await[0];
    let deployed_on = runtime["DeployedOn"].as_str().unwrap();
    assert!(
        deployed_on.starts_with("/Date(") && deployed_on.ends_with(")/"),
        "12.6 DateTime is /Date(ms)/: {deployed_on}"
    );
    let package = t.get_json("IntegrationPackages('Orders')").await;
    assert!(
        package["d"]["CreationDate"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .is_ok(),
        "12.6 CreationDate is epoch ms as a string"
    );
    let flow = t
        .get_json("IntegrationDesigntimeArtifacts(Id='Orders_Inbound_HTTPS',Version='active')")
        .await;
    assert!(
        flow["d"]["CreatedAt"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .is_ok(),
        "12.6 CreatedAt is epoch ms as a string"
    );
    let binary = t
        .get_json("BinaryParameters(Pid='ACME',Id='Mapping.xsl')")
        .await;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(binary["d"]["Value"].as_str().unwrap())
        .expect("12.6 Binary is base64");
    assert!(
        bytes.starts_with(b"<?xml"),
        "12.6 Binary decodes to the stored bytes"
    );
}

#[tokio::test]
async fn rule_12_7_error_bodies_and_unusual_statuses() {
    let t = Tenant::start(Seed::Demo).await;
    let r = t.get("IntegrationPackages('Nope')").await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json"),
        "12.7 errors are application/json"
    );
    let body = r.json();
    assert_eq!(
        body["error"]["code"], "Not Found",
        "12.7 code is the reason phrase"
    );
    assert_eq!(body["error"]["message"]["lang"], "en", "12.7 message.lang");
    let put = t
        .send(
            Method::PUT,
            "UserCredentials('Nobody')",
            Some(json!({"Name": "Nobody", "Kind": "default", "Password": "x"})),
        )
        .await;
    assert_status!(put, 409, "12.7 updating a missing security artifact is 409");
    assert!(
        !put.error_message().is_empty(),
        "12.7 409 carries an OData error"
    );
    let dup = t
        .send(
            Method::POST,
            "IntegrationDesigntimeArtifacts",
            Some(json!({"Id": "Health_Ping", "Name": "Health Ping", "PackageId": "Monitoring"})),
        )
        .await;
    assert_status!(dup, 500, "12.7 a duplicate design-time id is 500");
    let pd = t
        .send(
            Method::POST,
            "StringParameters",
            Some(json!({"Pid": "ACME", "Id": "ReceiverURL", "Value": "x"})),
        )
        .await;
    assert_status!(pd, 500, "12.7 a duplicate Partner Directory key is 500");
    let select = t.get("SecureParameters?$select=Name").await;
    assert_status!(select, 501, "12.7 $select on SecureParameters is 501");
    let vm = t
        .send(
            Method::PUT,
            "ValueMappingDesigntimeArtifacts(Id='Orders_Country_Codes',Version='active')",
            Some(json!({"Name": "X"})),
        )
        .await;
    assert_status!(vm, 501, "12.7 PUT on a value mapping is 501");
    let ro = t
        .send(
            Method::PUT,
            "IntegrationPackages('SAPS4HANABusinessPartner')",
            Some(json!({"Name": "X", "ShortText": "Y"})),
        )
        .await;
    assert_status!(ro, 403, "12.7 updating a configure-only package is 403");
    let reserved = t
        .send(
            Method::DELETE,
            &format!(
                "KeystoreEntries('{}')",
                hex::encode_upper("sap_cloudintegrationcertificate")
            ),
            None,
        )
        .await;
    assert_status!(reserved, 403, "12.7 a reserved keystore alias is 403");
}

#[tokio::test]
async fn rule_12_8_page_cap_next_links_and_counts() {
    let t = Tenant::start(Seed::Demo).await;
    t.switches(json!({"page_cap": 2})).await;
    let mut ids = Vec::new();
    let mut url = t.api("IntegrationPackages");
    let mut pages = 0;
    loop {
        let r = t
            .raw(
                t.http
                    .get(&url)
                    .basic_auth(crate::common::USER, Some(crate::common::PASSWORD))
                    .header("Accept", "application/json"),
            )
            .await;
        assert_status!(r, 200, "12.8 paging");
        let d = r.json()["d"].clone();
        let results = d["results"].as_array().unwrap();
        assert!(results.len() <= 2, "12.8 pages respect the cap");
        ids.extend(
            results
                .iter()
                .map(|p| p["Id"].as_str().unwrap().to_string()),
        );
        pages += 1;
        match d["__next"].as_str() {
            Some(next) => {
                assert!(
                    next.contains("$skiptoken="),
                    "12.8 __next carries $skiptoken: {next}"
                );
                url = format!("{}/{next}", t.handle.api_url());
            }
            None => break,
        }
    }
    assert_eq!(
        ids.len(),
        6,
        "12.8 following __next returns every package exactly once: {ids:?}"
    );
    assert_eq!(
        pages, 3,
        "12.8 six packages at a cap of two are three pages"
    );
    let counted = t
        .get_json("IntegrationPackages?$inlinecount=allpages&$top=1")
        .await;
    assert_eq!(
        counted["d"]["__count"],
        json!("6"),
        "12.8 __count is a string of the total"
    );
    assert_eq!(
        counted["d"]["results"].as_array().unwrap().len(),
        1,
        "12.8 $top"
    );
    let skipped = t.results("IntegrationPackages?$skip=5").await;
    assert_eq!(skipped.len(), 1, "12.8 $skip");
    let count = t.get("IntegrationPackages/$count").await;
    assert_eq!(
        (count.status.as_u16(), count.text().as_str()),
        (200, "6"),
        "12.8 /$count is plain text"
    );
    assert!(
        count
            .header("content-type")
            .unwrap()
            .starts_with("text/plain"),
        "12.8 /$count is text/plain"
    );
    t.switches(json!({"absolute_next_links": true})).await;
    let abs = t.get_json("IntegrationPackages").await;
    assert!(
        abs["d"]["__next"].as_str().unwrap().starts_with("http://"),
        "12.8 absolute __next links on request"
    );
}

#[tokio::test]
async fn rule_12_8_per_set_query_restrictions() {
    let t = Tenant::start(Seed::Demo).await;
    assert_status!(
        t.get("UserCredentialParameters").await,
        500,
        "12.8/16 UserCredentialParameters needs $filter=Pid eq"
    );
    assert_status!(
        t.get("UserCredentialParameters?$filter=Pid%20eq%20'ACME'")
            .await,
        200,
        "12.8/16 UserCredentialParameters with the Pid filter"
    );
    assert_status!(
        t.get("IntegrationRuntimeArtifacts?$filter=DeployedOn%20eq%20'x'")
            .await,
        400,
        "12.8 IntegrationRuntimeArtifacts cannot filter on DeployedOn"
    );
    assert_status!(
        t.get("IntegrationRuntimeArtifacts?$filter=Id%20eq%20'a'%20and%20Id%20eq%20'b'")
            .await,
        400,
        "12.8 IntegrationRuntimeArtifacts allows only eq joined by or"
    );
    let or = t.results("IntegrationRuntimeArtifacts?$filter=Id%20eq%20'Health_Ping'%20or%20Id%20eq%20'Orders_Inbound_HTTPS'").await;
    assert_eq!(
        or.len(),
        2,
        "12.8 eq joined by or on IntegrationRuntimeArtifacts"
    );
    assert_status!(
        t.get("AccessPolicies?$filter=substringof('Fin',RoleName)")
            .await,
        400,
        "12.8 AccessPolicies filter with eq only"
    );
    let configs = t
        .results("IntegrationDesigntimeArtifacts(Id='Orders_Inbound_HTTPS',Version='active')/Configurations?$filter=startswith(ParameterKey,'ERP')")
        .await;
    assert_eq!(configs.len(), 2, "12.8 Configurations accept startswith");
    assert_status!(
        t.get("AlternativePartners?$filter=Hexid%20eq%20'30'").await,
        400,
        "12.16 AlternativePartners cannot filter on hex keys"
    );
    assert_eq!(
        t.results("AlternativePartners?$filter=Agency%20eq%20'ERP'")
            .await
            .len(),
        1,
        "12.16 AlternativePartners filter on Agency"
    );
}

#[tokio::test]
async fn rule_12_17_stable_order_and_deterministic_ids_and_times() {
    let a = Tenant::with(config(Seed::Demo)).await;
    let b = Tenant::with(config(Seed::Demo)).await;
    let ids: Vec<String> = a
        .results("IntegrationPackages")
        .await
        .iter()
        .map(|p| p["Id"].as_str().unwrap().to_string())
        .collect();
    b.results("IntegrationPackages").await;
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "12.17 collections are ordered by key");
    let body = json!({"RoleName": "New_Role", "Description": "d", "ArtifactReferences": []});
    let pa = a
        .send(Method::POST, "AccessPolicies", Some(body.clone()))
        .await
        .json();
    let pb = b
        .send(Method::POST, "AccessPolicies", Some(body.clone()))
        .await
        .json();
    assert_eq!(
        pa["d"]["Id"], pb["d"]["Id"],
        "12.17 generated ids follow the seed"
    );
    let c = Tenant::with(cpi_gitops::emulator::EmulatorConfig {
        id_seed: 9,
        ..config(Seed::Demo)
    })
    .await;
    let pc = c
        .send(Method::POST, "AccessPolicies", Some(body))
        .await
        .json();
    assert_ne!(
        pa["d"]["Id"], pc["d"]["Id"],
        "12.17 another id seed gives other ids, as another tenant would"
    );
    let da = a
        .send(
            Method::POST,
            "SecureParameters",
            Some(json!({"Name": "S", "SecureParam": "v"})),
        )
        .await;
    let db = b
        .send(
            Method::POST,
            "SecureParameters",
            Some(json!({"Name": "S", "SecureParam": "v"})),
        )
        .await;
    assert_eq!((da.status.as_u16(), db.status.as_u16()), (202, 202));
    let ta: Value = a.get_json("SecureParameters('S')").await;
    let tb: Value = b.get_json("SecureParameters('S')").await;
    assert_eq!(
        ta["d"]["DeployedOn"], tb["d"]["DeployedOn"],
        "12.17 timestamps come from the injectable clock"
    );
}
