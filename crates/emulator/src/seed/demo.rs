//! The `demo` seed: a small tenant as integration teams really have them, used by the demo, the
//! README walkthrough and the committed `tenant-state/` at the repository root.
//!
//! Its secrets are demo values, which its deployed companion package reveals to export like every
//! secret of a tenant.

use super::builder::Builder;
use crate::content::{self, FlowSpec, Receiver, Sender};
use cpi_gitops_wire::artifact::zip::Entry;
use cpi_gitops_wire::designtime::ArtifactKind;
use cpi_gitops_wire::keystore::{OWNER_SAP, OWNER_TENANT};
use cpi_gitops_wire::packages::MODE_READ_ONLY;
use cpi_gitops_wire::security::{CustomParameter, OAuth2ClientCredential};

const PARTNER_CA: &str = include_str!("certs/partner_ca.pem");
const BANK_SFTP_HOST: &str = include_str!("certs/bank_sftp_host.pem");
const DEMO_SIGNING: &str = include_str!("certs/demo_signing.pem");
const DEMO_SIGNING_P12: &[u8] = include_bytes!("certs/demo_signing.p12");
/// Password of the demo key pair's PKCS#12 file.
pub const DEMO_SIGNING_P12_PASSWORD: &str = "demo-keypair-pass";
const SAP_CERTIFICATE: &str = include_str!("certs/sap_cloudintegrationcertificate.pem");
const ACME_CLIENT: &str = include_str!("certs/acme_client.pem");

const DAILY_AT_TWO: &str = "<row><cell>dateType</cell><cell>DAILY</cell></row><row><cell>time</cell><cell>02:00</cell></row><row><cell>timeZone</cell><cell>( UTC 0:00 ) Greenwich Mean Time(Etc/GMT)</cell></row>";

fn flow(
    id: &str,
    name: &str,
    sender: Sender,
    receivers: Vec<Receiver>,
    scripts: &[&str],
) -> FlowSpec {
    FlowSpec {
        id: id.into(),
        name: name.into(),
        sender,
        receivers,
        scripts: scripts.iter().map(|s| s.to_string()).collect(),
        padding: 4,
    }
}

fn receiver(adapter: &str, address: &str, credential: &str) -> Receiver {
    Receiver {
        adapter: adapter.into(),
        address: address.into(),
        credential: credential.into(),
    }
}

pub fn build(b: &mut Builder) {
    orders(b);
    finance(b);
    shared_scripts(b);
    monitoring(b);
    sap_content(b);
    security(b);
    partner_directory(b);
    // Last, so that the seed's other timestamps and ids stay as they were before it shipped.
    super::companion::install(b);
}

fn orders(b: &mut Builder) {
    b.package(
        "Orders",
        "Order Management",
        "Order replication between the web shop and SAP S/4HANA",
        |p| {
            p.description = Some(
                "<p>Flows that move sales orders from the web shop into SAP S/4HANA and back.</p>"
                    .into(),
            );
            p.version = Some("1.2.0".into());
            p.vendor = Some("Example Corp".into());
            p.products = Some("[SAP S/4HANA]".into());
            p.keywords = Some("[orders, idoc]".into());
            p.industries = Some("[Retail]".into());
            p.line_of_business = Some("[Sales]".into());
        },
    );

    let spec = flow(
        "Orders_Inbound_HTTPS",
        "Orders Inbound HTTPS",
        Sender::Https {
            path: "/orders/inbound".into(),
        },
        vec![receiver("HTTP", "{{ERP Address}}", "{{ERP Credential}}")],
        &["SetOrderHeaders.groovy"],
    );
    let script = content::groovy(
        "SetOrderHeaders.groovy",
        "    def headers = message.getHeaders()\r\n    message.setHeader(\"X-Order-Source\", \"webshop\")",
        true,
        false,
    );
    let files = content::integration_flow(
        &spec,
        "1.0.7",
        &[
            (
                "ERP Address",
                "xsd:string",
                "https://erp.example.com/sap/bc/srt/idoc?sap-client=100",
            ),
            ("ERP Credential", "xsd:string", "ERP_Basic"),
            ("Timeout", "xsd:integer", "60000"),
        ],
        vec![Entry::dir("src/main/resources/script"), script],
    );
    b.artifact(
        ArtifactKind::IntegrationFlow,
        "Orders",
        "Orders_Inbound_HTTPS",
        "Orders Inbound HTTPS",
        "1.0.7",
        files,
    )
    .description = "Receives orders pushed by the web shop".into();
    b.systems("Orders_Inbound_HTTPS", "WebShop", "S4HANA");
    b.configure("Orders_Inbound_HTTPS", "Timeout", "120000");
    b.deploy("Orders_Inbound_HTTPS");

    let spec = flow(
        "Orders_Replicate_Timer",
        "Orders Replicate Timer",
        Sender::Timer {
            schedule: "{{Schedule}}".into(),
        },
        vec![receiver(
            "OData",
            "{{S4 Service URL}}",
            "{{S4 OAuth Credential}}",
        )],
        &[],
    );
    let files = content::integration_flow(
        &spec,
        "2.1.0",
        &[
            ("Schedule", "custom:schedule", DAILY_AT_TWO),
            (
                "S4 Service URL",
                "xsd:string",
                "https://s4.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV",
            ),
            ("S4 OAuth Credential", "xsd:string", "S4_OAuth"),
            ("Page Size", "xsd:integer", "500"),
        ],
        vec![],
    );
    b.artifact(
        ArtifactKind::IntegrationFlow,
        "Orders",
        "Orders_Replicate_Timer",
        "Orders Replicate Timer",
        "2.1.0",
        files,
    )
    .description = "Nightly order status replication".into();
    b.systems("Orders_Replicate_Timer", "", "S4HANA");
    b.deploy("Orders_Replicate_Timer");

    let files = content::value_mapping(
        "Orders_Country_Codes",
        "Orders Country Codes",
        "1.0.1",
        &[
            ("DE", "Deutschland"),
            ("AT", "Österreich"),
            ("FR", "France"),
        ],
        true,
    );
    b.artifact(
        ArtifactKind::ValueMapping,
        "Orders",
        "Orders_Country_Codes",
        "Orders Country Codes",
        "1.0.1",
        files,
    )
    .description = "ERP country codes to shop country names".into();
    b.deploy("Orders_Country_Codes");

    let files = content::message_mapping("Orders_IDoc_to_JSON", "Orders IDoc to JSON", "1.0.0");
    b.artifact(
        ArtifactKind::MessageMapping,
        "Orders",
        "Orders_IDoc_to_JSON",
        "Orders IDoc to JSON",
        "1.0.0",
        files,
    )
    .description = "ORDERS05 IDoc to the shop's order JSON".into();
    b.deploy("Orders_IDoc_to_JSON");
}

fn finance(b: &mut Builder) {
    b.package(
        "Finance",
        "Finance Integration",
        "Bank statements and payments",
        |p| {
            p.description =
                Some("<p>Bank connectivity over SFTP and the bank's REST API.</p>".into());
            p.vendor = Some("Example Corp".into());
            p.line_of_business = Some("[Finance]".into());
        },
    );
    let spec = flow(
        "Bank_Statements_SFTP_Poll",
        "Bank Statements SFTP Poll",
        Sender::Sftp {
            host: "{{SFTP Host}}".into(),
            directory: "{{SFTP Directory}}".into(),
            credential: "{{SFTP User}}".into(),
            key_alias: "{{SFTP Key Alias}}".into(),
        },
        vec![
            receiver("HTTP", "{{ERP Address}}", "{{ERP Credential}}"),
            receiver(
                "HTTP",
                "https://api.bank.example/v2/statements/ack",
                "{{Bank API Key}}",
            ),
        ],
        &["ParseCamt053.groovy"],
    );
    let script = content::groovy(
        "ParseCamt053.groovy",
        "    def body = message.getBody(java.lang.String)\r\n    message.setProperty(\"statementCount\", body.count(\"<Stmt>\"))",
        false,
        true,
    );
    let files = content::integration_flow(
        &spec,
        "1.3.2",
        &[
            ("SFTP Host", "xsd:string", "sftp.bank.example:22"),
            ("SFTP Directory", "xsd:string", "/outbound/camt053"),
            ("SFTP User", "xsd:string", "examplecorp"),
            ("SFTP Key Alias", "xsd:string", "demo_signing"),
            (
                "ERP Address",
                "xsd:string",
                "https://erp.example.com/sap/bc/srt/bankstatement",
            ),
            ("ERP Credential", "xsd:string", "ERP_Basic"),
            ("Bank API Key", "xsd:string", "Bank_API_Key"),
        ],
        vec![Entry::dir("src/main/resources/script"), script],
    );
    b.artifact(
        ArtifactKind::IntegrationFlow,
        "Finance",
        "Bank_Statements_SFTP_Poll",
        "Bank Statements SFTP Poll",
        "1.3.2",
        files,
    )
    .description = "Polls camt.053 statements from the bank".into();
    b.systems("Bank_Statements_SFTP_Poll", "Bank", "S4HANA");
    b.deploy("Bank_Statements_SFTP_Poll");

    let spec = flow(
        "Payments_Outbound",
        "Payments Outbound",
        Sender::Https {
            path: "/payments/outbound".into(),
        },
        vec![receiver("HTTP", "{{Bank Payments URL}}", "")],
        &[],
    );
    let mut files = content::integration_flow(
        &spec,
        "1.0.0",
        &[(
            "Bank Payments URL",
            "xsd:string",
            "https://api.bank.example/v2/payments",
        )],
        vec![],
    );
    // A value left over from an older version of the flow: parameters.prop keeps it, but the
    // flow no longer defines the parameter, so the Configurations API does not list it.
    for f in files
        .iter_mut()
        .filter(|f| f.name == cpi_gitops_wire::artifact::PARAMETERS_PROP_PATH)
    {
        f.data
            .extend_from_slice(b"Legacy\\ Payments\\ URL=https\\://bank.example/v1/payments\n");
    }
    b.artifact(
        ArtifactKind::IntegrationFlow,
        "Finance",
        "Payments_Outbound",
        "Payments Outbound",
        "1.0.0",
        files,
    )
    .description = "Sends payment runs to the bank (not yet live)".into();
}

fn shared_scripts(b: &mut Builder) {
    b.package(
        "Shared_Scripts",
        "Shared Scripts",
        "Script collections used by several packages",
        |p| {
            p.vendor = Some("Example Corp".into());
        },
    );
    let scripts = vec![
        content::groovy(
            "LogPayload.groovy",
            "    def log = messageLogFactory.getMessageLog(message)\r\n    log?.addAttachmentAsString(\"payload\", message.getBody(String), \"text/plain\")",
            false,
            true,
        ),
        content::groovy(
            "MapHeaders.groovy",
            "    message.getHeaders().each { k, v -> message.setProperty(\"hdr_\" + k, v) }",
            false,
            false,
        ),
        Entry::file(
            "src/main/resources/script/formatDate.js",
            "function processData(message) {\n    var d = new Date();\n    message.setProperty(\"today\", d.toISOString().substring(0, 10));\n    return message;\n}\n",
        ),
    ];
    let files = content::script_collection(
        "Common_Groovy_Utils",
        "Common Groovy Utils",
        "1.4.0",
        scripts,
    );
    b.artifact(
        ArtifactKind::ScriptCollection,
        "Shared_Scripts",
        "Common_Groovy_Utils",
        "Common Groovy Utils",
        "1.4.0",
        files,
    )
    .description = "Logging and header helpers".into();
    b.deploy("Common_Groovy_Utils");
}

fn monitoring(b: &mut Builder) {
    b.package("Monitoring", "Availability Monitoring", "Health probe for the traffic manager", |p| {
        p.description = Some("<p>The traffic manager calls /http/ping on each tenant; a tenant that does not answer 200 loses its traffic.</p>".into());
    });
    let spec = flow(
        "Health_Ping",
        "Health Ping",
        Sender::Https {
            path: "/ping".into(),
        },
        vec![],
        &[],
    );
    let files = content::integration_flow(&spec, "1.0.0", &[], vec![]);
    b.artifact(
        ArtifactKind::IntegrationFlow,
        "Monitoring",
        "Health_Ping",
        "Health Ping",
        "1.0.0",
        files,
    )
    .description = "Answers 200 for the DNS traffic manager's health probe".into();
    b.deploy("Health_Ping");
}

/// The SAP standard content of the demo: also what the emulator's content catalogue offers.
pub(super) fn sap_content(b: &mut Builder) {
    b.package(
        "SAPS4HANABusinessPartner",
        "SAP S/4HANA Business Partner Integration",
        "Configure-only content copied from the SAP Business Accelerator Hub",
        |p| {
            p.vendor = Some("SAP".into());
            p.version = Some("1.0.12".into());
            p.mode = Some(MODE_READ_ONLY.into());
            p.products = Some("[SAP S/4HANA Cloud]".into());
        },
    );
    let spec = flow(
        "Replicate_Business_Partner_from_S4HANA",
        "Replicate Business Partner from SAP S4HANA",
        Sender::Https {
            path: "/s4/businesspartner".into(),
        },
        vec![receiver(
            "SOAP",
            "{{SuccessFactors Address}}",
            "{{SuccessFactors Credential}}",
        )],
        &[],
    );
    let files = content::integration_flow(
        &spec,
        "1.0.12",
        &[
            ("SuccessFactors Address", "xsd:string", ""),
            ("SuccessFactors Credential", "xsd:string", "SF_API"),
        ],
        vec![],
    );
    b.artifact(
        ArtifactKind::IntegrationFlow,
        "SAPS4HANABusinessPartner",
        "Replicate_Business_Partner_from_S4HANA",
        "Replicate Business Partner from SAP S4HANA",
        "1.0.12",
        files,
    )
    .description = "SAP standard content".into();
    b.configure(
        "Replicate_Business_Partner_from_S4HANA",
        "SuccessFactors Address",
        "https://api.successfactors.example/sfapi/v1/soap",
    );
    b.deploy("Replicate_Business_Partner_from_S4HANA");
}

fn security(b: &mut Builder) {
    b.user_credential(
        "ERP_Basic",
        "default",
        "ERP_RFC",
        "demo-erp-password",
        None,
        "ERP technical user",
    );
    b.user_credential(
        "SF_API",
        "successfactors",
        "sfapi@EXAMPLECORP",
        "demo-sf-password",
        Some("EXAMPLECORP"),
        "SuccessFactors API user",
    );
    b.oauth2_client(
        OAuth2ClientCredential {
            name: "S4_OAuth".into(),
            description: Some("OAuth client for the S/4HANA OData APIs".into()),
            token_service_url: Some("https://s4.example.com/sap/bc/sec/oauth2/token".into()),
            client_id: Some("cpi-s4-client".into()),
            client_authentication: Some("header".into()),
            scope: Some("API_SALES_ORDER_SRV_0001".into()),
            scope_content_type: Some("urlencoded".into()),
            resource: Some(String::new()),
            audience: Some(String::new()),
            client_secret: Some(cpi_gitops_wire::Secret::new("demo-s4-client-secret")),
            ..Default::default()
        },
        vec![
            CustomParameter {
                key: "resource".into(),
                value: "urn:sap:s4".into(),
                send_as_part_of: "body".into(),
            },
            CustomParameter {
                key: "x-sap-client".into(),
                value: "100".into(),
                send_as_part_of: "header".into(),
            },
        ],
    );
    b.secure_parameter(
        "Bank_API_Key",
        "demo-bank-api-key",
        "API key of the bank's statement API",
    );
    b.secure_parameter(
        "Webhook_Token",
        "demo-webhook-token",
        "Token the web shop sends with order webhooks",
    );
    b.keystore_entry("partner_ca", OWNER_TENANT, PARTNER_CA, None);
    b.keystore_entry("bank_sftp_host", OWNER_TENANT, BANK_SFTP_HOST, None);
    b.keystore_entry(
        "demo_signing",
        OWNER_TENANT,
        DEMO_SIGNING,
        Some((DEMO_SIGNING_P12, DEMO_SIGNING_P12_PASSWORD)),
    );
    b.keystore_entry(
        "sap_cloudintegrationcertificate",
        OWNER_SAP,
        SAP_CERTIFICATE,
        None,
    );
    b.certificate_mapping("acme-sender", ACME_CLIENT);
    b.number_range(
        "Invoice_Numbers",
        "Outbound invoice numbers",
        "0000000001",
        "9999999999",
        "0000004711",
        false,
    );
    b.number_range(
        "IDoc_Control",
        "IDoc control numbers",
        "000001",
        "999999",
        "000042",
        true,
    );
    b.access_policy(
        "Finance_Restricted",
        "Only the finance team may see bank flows",
        &[
            (
                "INTEGRATION_FLOW",
                "Name",
                "Bank_Statements_SFTP_Poll",
                "exactString",
            ),
            (
                "INTEGRATION_FLOW",
                "Name",
                "Payments_.*",
                "regularExpression",
            ),
        ],
    );
}

fn partner_directory(b: &mut Builder) {
    b.string_parameter("ACME", "ReceiverURL", "https://acme.example/inbound");
    b.string_parameter("ACME", "SenderSystem", "ACME_PROD");
    b.binary_parameter(
        "ACME",
        "Mapping.xsl",
        "xsl",
        b"<?xml version=\"1.0\"?>\n<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">\n  <xsl:template match=\"/\"><Order><xsl:value-of select=\"//BELNR\"/></Order></xsl:template>\n</xsl:stylesheet>\n",
    );
    b.user_credential_parameter("ACME", "SFTP_Login", "acme-sftp", "demo-acme-sftp-password");
    b.alternative_partner("ERP", "ALE#KU", "0000100001", "ACME");
    b.authorized_user("acme-sender", "ACME");
    b.string_parameter("GLOBEX", "ReceiverURL", "https://globex.example/orders");
}
