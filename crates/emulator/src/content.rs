//! Realistic artifact content for seeds and for artifacts created without content: manifests as
//! tenants write them (CRLF, wrapped at 72 bytes, significant trailing spaces), integration flows
//! as BPMN with adapter properties and `{{parameter}}` placeholders, value mappings, message
//! mappings and script collections.

use cpi_gitops_wire::artifact::manifest;
use cpi_gitops_wire::artifact::propdef::{self, ParameterDef};
use cpi_gitops_wire::artifact::zip::Entry;
use cpi_gitops_wire::artifact::{
    MANIFEST_PATH, PARAMETERS_PROP_PATH, PARAMETERS_PROPDEF_PATH, properties,
};
use cpi_gitops_wire::designtime::ArtifactKind;

/// `Import-Package` of integration flows: long enough to wrap several times.
const IMPORT_PACKAGE: &str = "com.sap.esb.application.services.cxf.interceptor,com.sap.esb.security,com.sap.it.op.agent.api,com.sap.it.op.agent.collector.camel,com.sap.it.op.agent.collector.cxf,com.sap.it.op.agent.mpl,javax.jms,javax.jws,javax.wsdl,javax.xml.bind.annotation,javax.xml.namespace,javax.xml.ws,org.apache.camel;version=\"2.8\",org.apache.camel.builder;version=\"2.8\",org.apache.camel.builder.xml;version=\"2.8\",org.apache.camel.component.cxf,org.apache.camel.model;version=\"2.8\",org.apache.camel.processor;version=\"2.8\",org.apache.camel.processor.aggregate;version=\"2.8\",org.apache.camel.spring.spi;version=\"2.8\",org.apache.commons.logging,org.apache.cxf.binding,org.apache.cxf.binding.soap,org.apache.cxf.binding.soap.spring,org.apache.cxf.bus,org.apache.cxf.bus.resource,org.apache.cxf.bus.spring,org.apache.cxf.buslifecycle,org.apache.cxf.catalog,org.apache.cxf.configuration.jsse;version=\"2.5\",org.apache.cxf.configuration.spring,org.apache.cxf.endpoint,org.apache.cxf.headers,org.apache.cxf.interceptor,org.apache.cxf.management.counters;version=\"2.5\",org.apache.cxf.message,org.apache.cxf.phase,org.apache.cxf.resource,org.apache.cxf.service.factory,org.apache.cxf.service.model,org.apache.cxf.transport,org.apache.cxf.transport.common.gzip,org.apache.cxf.transport.http,org.apache.cxf.transport.http.policy,org.apache.cxf.workqueue,org.apache.cxf.ws.rm.persistence,org.apache.cxf.wsdl11,org.osgi.framework;version=\"1.6.0\",org.slf4j;version=\"1.6\",org.springframework.beans.factory.config;version=\"3.0\",com.sap.esb.camel.security.cms,org.apache.camel.spi,com.sap.esb.webservice.audit.log,com.sap.esb.camel.endpoint.configurator.api,com.sap.esb.camel.jdbc.idempotency.reorg,javax.sql,org.apache.camel.processor.idempotent.jdbc,org.osgi.service.blueprint;version=\"[1.0.0,2.0.0)\"";

/// The manifest of an artifact of `kind`.
pub fn manifest_for(kind: ArtifactKind, id: &str, name: &str, version: &str) -> Vec<u8> {
    let symbolic = format!("{id}; singleton:=true");
    let mut headers: Vec<(&str, String)> = vec![
        ("Manifest-Version", "1.0".into()),
        ("Bundle-ManifestVersion", "2".into()),
        ("Bundle-Name", name.into()),
        ("Bundle-SymbolicName", symbolic),
        ("Bundle-Version", version.into()),
    ];
    match kind {
        ArtifactKind::IntegrationFlow => {
            headers.push(("SAP-BundleType", "IntegrationFlow".into()));
            headers.push(("SAP-NodeType", "IFLMAP".into()));
            headers.push(("SAP-RuntimeProfile", "iflmap".into()));
            headers.push(("Import-Package", IMPORT_PACKAGE.into()));
            headers.push(("Import-Service", String::new()));
            headers.push(("Origin-Bundle-Name", name.into()));
            headers.push(("Origin-Bundle-SymbolicName", id.into()));
            headers.push(("Origin-Bundle-Version", "1.0.0".into()));
            headers.push(("SAP-ArtifactTrait", String::new()));
        }
        ArtifactKind::ValueMapping => {
            headers.push(("SAP-BundleType", "ValueMapping".into()));
            headers.push(("SAP-NodeType", "IFLMAP".into()));
            headers.push(("SAP-RuntimeProfile", "iflmap".into()));
        }
        ArtifactKind::MessageMapping => {
            headers.push(("SAP-BundleType", "MessageMapping".into()));
            headers.push((
                "Provide-Capability",
                format!("messagemapping.{id};version:Version={version}"),
            ));
            headers.push(("SAP-ArtifactTrait", String::new()));
        }
        ArtifactKind::ScriptCollection => {
            headers.push(("SAP-BundleType", "ScriptCollection".into()));
            headers.push((
                "Provide-Capability",
                format!("scriptcollection.{id};version:Version={version}"),
            ));
        }
        _ => headers.push((
            "SAP-BundleType",
            kind.entity_type()
                .trim_end_matches("DesigntimeArtifact")
                .into(),
        )),
    }
    let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    manifest::write(&refs, 72)
}

/// The Eclipse `.project` file.
pub fn project_file(id: &str) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><projectDescription>\n   <name>{id}</name>\n   <comment/>\n   <projects/>\n   <buildSpec>\n      <buildCommand>\n         <name>org.eclipse.jdt.core.javabuilder</name>\n         <arguments/>\n      </buildCommand>\n   </buildSpec>\n   <natures>\n      <nature>org.eclipse.jdt.core.javanature</nature>\n      <nature>com.sap.ide.ifl.project.support.project.nature</nature>\n      <nature>com.sap.ide.ifl.bsn</nature>\n   </natures>\n</projectDescription>"
    )
    .into_bytes()
}

/// How an integration flow is started.
#[derive(Debug, Clone)]
pub enum Sender {
    /// HTTPS sender adapter on `path` (a literal or a `{{parameter}}`).
    Https {
        /// The address below `/http`.
        path: String,
    },
    /// Timer start event with the `{{Schedule}}`-style parameter `schedule`.
    Timer {
        /// The schedule parameter.
        schedule: String,
    },
    /// SFTP sender polling `host`/`directory` with a credential and a key alias.
    Sftp {
        /// The server.
        host: String,
        /// The folder polled.
        directory: String,
        /// The user credential's name.
        credential: String,
        /// The key pair's alias.
        key_alias: String,
    },
}

/// A receiver adapter of an integration flow.
#[derive(Debug, Clone)]
pub struct Receiver {
    /// `HTTP`, `OData`, `SOAP`, `Mail`, ...
    pub adapter: String,
    /// Where it sends (a URL or a `{{parameter}}`).
    pub address: String,
    /// Credential alias property (`credentialName`) or empty.
    pub credential: String,
}

/// What an integration flow's BPMN contains.
#[derive(Debug, Clone)]
pub struct FlowSpec {
    /// The flow's id.
    pub id: String,
    /// The flow's name.
    pub name: String,
    /// How it is started.
    pub sender: Sender,
    /// Where it sends.
    pub receivers: Vec<Receiver>,
    /// Script files the flow calls (`script/<name>`).
    pub scripts: Vec<String>,
    /// Extra padding properties to reach a realistic size.
    pub padding: usize,
}

fn property(out: &mut String, key: &str, value: &str) {
    out.push_str(&format!(
        "\n                <ifl:property>\n                    <key>{key}</key>\n                    <value>{}</value>\n                </ifl:property>",
        value.replace('&', "&amp;").replace('<', "&lt;")
    ));
}

/// The `.iflw` BPMN XML of a flow.
pub fn iflw(spec: &FlowSpec) -> Vec<u8> {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><bpmn2:definitions xmlns:bpmn2=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" xmlns:bpmndi=\"http://www.omg.org/spec/BPMN/20100524/DI\" xmlns:dc=\"http://www.omg.org/spec/DD/20100524/DC\" xmlns:di=\"http://www.omg.org/spec/DD/20100524/DI\" xmlns:ifl=\"http:///com.sap.ifl.model/Ifl.xsd\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" id=\"Definitions_1\">\n",
    );
    x.push_str("    <bpmn2:collaboration id=\"Collaboration_1\" name=\"Default Collaboration\">\n        <bpmn2:extensionElements>");
    property(&mut x, "namespaceMapping", "");
    property(&mut x, "httpSessionHandling", "None");
    property(&mut x, "returnExceptionToSender", "false");
    property(&mut x, "log", "All events");
    property(&mut x, "componentVersion", "1.2");
    property(
        &mut x,
        "cmdVariantUri",
        "ctype::IFlowVariant/cname::IFlowConfiguration/version::1.2.4",
    );
    x.push_str("\n        </bpmn2:extensionElements>\n");
    x.push_str("        <bpmn2:participant id=\"Participant_1\" ifl:type=\"EndpointSender\" name=\"Sender\"/>\n");
    for (i, _) in spec.receivers.iter().enumerate() {
        x.push_str(&format!("        <bpmn2:participant id=\"Participant_R{i}\" ifl:type=\"EndpointRecevier\" name=\"Receiver{i}\"/>\n"));
    }
    x.push_str("        <bpmn2:participant id=\"Participant_Process_1\" ifl:type=\"IntegrationProcess\" name=\"Integration Process\" processRef=\"Process_1\"/>\n");
    match &spec.sender {
        Sender::Https { path } => {
            x.push_str("        <bpmn2:messageFlow id=\"MessageFlow_S\" name=\"HTTPS\" sourceRef=\"Participant_1\" targetRef=\"StartEvent_1\">\n            <bpmn2:extensionElements>");
            property(&mut x, "ComponentType", "HTTPS");
            property(&mut x, "urlPath", path);
            property(&mut x, "maximumBodySize", "40");
            property(&mut x, "xsrfProtection", "0");
            property(&mut x, "senderAuthType", "RoleBased");
            property(&mut x, "userRole", "ESBMessaging.send");
            property(&mut x, "TransportProtocol", "HTTPS");
            x.push_str("\n            </bpmn2:extensionElements>\n        </bpmn2:messageFlow>\n");
        }
        Sender::Sftp {
            host,
            directory,
            credential,
            key_alias,
        } => {
            x.push_str("        <bpmn2:messageFlow id=\"MessageFlow_S\" name=\"SFTP\" sourceRef=\"Participant_1\" targetRef=\"StartEvent_1\">\n            <bpmn2:extensionElements>");
            property(&mut x, "ComponentType", "SFTP");
            property(&mut x, "host", host);
            property(&mut x, "path", directory);
            property(&mut x, "authentication", "public_key");
            property(&mut x, "credential_name", credential);
            property(&mut x, "privateKeyAlias", key_alias);
            property(
                &mut x,
                "scheduleKey",
                "<row><cell>dateType</cell><cell>DAILY</cell></row><row><cell>pollInterval</cell><cell>10</cell></row>",
            );
            property(&mut x, "postProcessing", "move");
            x.push_str("\n            </bpmn2:extensionElements>\n        </bpmn2:messageFlow>\n");
        }
        Sender::Timer { .. } => {}
    }
    for (i, r) in spec.receivers.iter().enumerate() {
        x.push_str(&format!("        <bpmn2:messageFlow id=\"MessageFlow_R{i}\" name=\"{}\" sourceRef=\"ServiceTask_{i}\" targetRef=\"Participant_R{i}\">\n            <bpmn2:extensionElements>", r.adapter));
        property(&mut x, "ComponentType", &r.adapter);
        property(&mut x, "httpAddressWithoutQuery", &r.address);
        property(&mut x, "httpMethod", "POST");
        property(
            &mut x,
            "authenticationMethod",
            if r.credential.is_empty() {
                "None"
            } else {
                "Basic"
            },
        );
        if !r.credential.is_empty() {
            property(&mut x, "credentialName", &r.credential);
        }
        property(&mut x, "httpRequestTimeout", "60000");
        x.push_str("\n            </bpmn2:extensionElements>\n        </bpmn2:messageFlow>\n");
    }
    x.push_str("    </bpmn2:collaboration>\n    <bpmn2:process id=\"Process_1\" name=\"Integration Process\">\n        <bpmn2:extensionElements>");
    property(&mut x, "transactionTimeout", "30");
    property(&mut x, "transactionalHandling", "Not Required");
    x.push_str("\n        </bpmn2:extensionElements>\n");
    match &spec.sender {
        Sender::Timer { schedule } => {
            x.push_str("        <bpmn2:startEvent id=\"StartEvent_1\" name=\"Start Timer\">\n            <bpmn2:extensionElements>");
            property(&mut x, "scheduleKey", schedule);
            property(&mut x, "activityType", "StartTimerEvent");
            x.push_str("\n            </bpmn2:extensionElements>\n            <bpmn2:timerEventDefinition id=\"TimerEventDefinition_1\"/>\n        </bpmn2:startEvent>\n");
        }
        _ => x.push_str("        <bpmn2:startEvent id=\"StartEvent_1\" name=\"Start\">\n            <bpmn2:messageEventDefinition/>\n        </bpmn2:startEvent>\n"),
    }
    for (i, script) in spec.scripts.iter().enumerate() {
        x.push_str(&format!("        <bpmn2:callActivity id=\"CallActivity_{i}\" name=\"Script {i}\">\n            <bpmn2:extensionElements>"));
        property(&mut x, "activityType", "Script");
        property(&mut x, "scriptFunction", "processData");
        property(&mut x, "script", script);
        property(&mut x, "subActivityType", "GroovyScript");
        x.push_str("\n            </bpmn2:extensionElements>\n        </bpmn2:callActivity>\n");
    }
    for i in 0..spec.receivers.len() {
        x.push_str(&format!("        <bpmn2:serviceTask id=\"ServiceTask_{i}\" name=\"Request Reply {i}\">\n            <bpmn2:extensionElements>"));
        property(&mut x, "activityType", "ExternalCall");
        x.push_str("\n            </bpmn2:extensionElements>\n        </bpmn2:serviceTask>\n");
    }
    for i in 0..spec.padding {
        x.push_str(&format!("        <bpmn2:callActivity id=\"ContentModifier_{i}\" name=\"Set Header {i}\">\n            <bpmn2:extensionElements>"));
        property(&mut x, "activityType", "Enricher");
        property(
            &mut x,
            "headerTable",
            &format!(
                "<row><cell id='Action'>Create</cell><cell id='Type'>constant</cell><cell id='Value'>value-{i}</cell><cell id='Name'>X-Header-{i}</cell></row>"
            ),
        );
        x.push_str("\n            </bpmn2:extensionElements>\n        </bpmn2:callActivity>\n");
    }
    x.push_str("        <bpmn2:endEvent id=\"EndEvent_1\" name=\"End\">\n            <bpmn2:messageEventDefinition/>\n        </bpmn2:endEvent>\n    </bpmn2:process>\n</bpmn2:definitions>");
    x.into_bytes()
}

/// The files of an integration flow, in the order tenants store them.
pub fn integration_flow(
    spec: &FlowSpec,
    version: &str,
    params: &[(&str, &str, &str)],
    extra: Vec<Entry>,
) -> Vec<Entry> {
    let mut files = vec![
        Entry::dir("META-INF"),
        Entry::file(
            MANIFEST_PATH,
            manifest_for(ArtifactKind::IntegrationFlow, &spec.id, &spec.name, version),
        ),
        Entry::file(".project", project_file(&spec.id)),
        Entry::dir("src/main/resources/scenarioflows/integrationflow"),
        Entry::file(
            format!(
                "src/main/resources/scenarioflows/integrationflow/{}.iflw",
                spec.name
            ),
            iflw(spec),
        ),
    ];
    if !params.is_empty() {
        let entries: Vec<(String, String)> = params
            .iter()
            .map(|(k, _, v)| (k.to_string(), v.to_string()))
            .collect();
        let prop = properties::store(
            &entries,
            None,
            Some(&properties::java_date(1_700_000_000_000)),
        );
        files.push(Entry::file(PARAMETERS_PROP_PATH, prop));
        let defs: Vec<ParameterDef> = params
            .iter()
            .map(|(k, t, _)| ParameterDef {
                key: k.to_string(),
                data_type: t.to_string(),
                description: String::new(),
            })
            .collect();
        files.push(Entry::file(PARAMETERS_PROPDEF_PATH, propdef::write(&defs)));
    }
    files.extend(extra);
    files
}

/// A value mapping: manifest, `.project`, `value_mapping.xml`.
pub fn value_mapping(
    id: &str,
    name: &str,
    version: &str,
    pairs: &[(&str, &str)],
    latin1: bool,
) -> Vec<Entry> {
    let encoding = if latin1 { "ISO-8859-1" } else { "UTF-8" };
    let mut xml =
        format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>\r\n<vm version=\"2.0\">\r\n");
    for (i, (src, tgt)) in pairs.iter().enumerate() {
        xml.push_str(&format!(
            "  <group id=\"{i:032x}\">\r\n    <entry><agency>ERP</agency><schema>Country</schema><value>{src}</value></entry>\r\n    <entry><agency>Shop</agency><schema>CountryName</schema><value>{tgt}</value></entry>\r\n  </group>\r\n"
        ));
    }
    xml.push_str("</vm>");
    let bytes = if latin1 {
        xml.chars()
            .map(|c| if (c as u32) < 256 { c as u8 } else { b'?' })
            .collect()
    } else {
        xml.into_bytes()
    };
    vec![
        Entry::file(
            MANIFEST_PATH,
            manifest_for(ArtifactKind::ValueMapping, id, name, version),
        ),
        Entry::file(".project", project_file(id)),
        Entry::file("value_mapping.xml", bytes),
    ]
}

/// A message mapping: manifest, `.project`, the `.mmap` and two XSDs.
pub fn message_mapping(id: &str, name: &str, version: &str) -> Vec<Entry> {
    let xsd = |root: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:example:{root}\">\n  <xsd:element name=\"{root}\">\n    <xsd:complexType>\n      <xsd:sequence>\n        <xsd:element name=\"OrderId\" type=\"xsd:string\"/>\n        <xsd:element name=\"Amount\" type=\"xsd:decimal\"/>\n        <xsd:element name=\"Currency\" type=\"xsd:string\"/>\n      </xsd:sequence>\n    </xsd:complexType>\n  </xsd:element>\n</xsd:schema>\n"
        )
    };
    let mmap = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><mapping name=\"{id}\" xmlns=\"urn:sap-com:xi:mapping:xitrafo\"><source>ORDERS05</source><target>OrderJson</target><brick path=\"/OrderJson/OrderId\"><arg>/ORDERS05/IDOC/E1EDK01/BELNR</arg></brick><brick path=\"/OrderJson/Amount\"><arg>/ORDERS05/IDOC/E1EDS01/SUMME</arg></brick></mapping>"
    );
    vec![
        Entry::dir("META-INF"),
        Entry::file(
            MANIFEST_PATH,
            manifest_for(ArtifactKind::MessageMapping, id, name, version),
        ),
        Entry::file(".project", project_file(id)),
        Entry::file(format!("src/main/resources/mapping/{id}.mmap"), mmap),
        Entry::file("src/main/resources/xsd/ORDERS05.xsd", xsd("ORDERS05")),
        Entry::file("src/main/resources/xsd/OrderJson.xsd", xsd("OrderJson")),
    ]
}

/// A script collection: manifest, `.project`, and the given scripts.
pub fn script_collection(id: &str, name: &str, version: &str, scripts: Vec<Entry>) -> Vec<Entry> {
    let mut files = vec![
        Entry::dir("META-INF"),
        Entry::file(
            MANIFEST_PATH,
            manifest_for(ArtifactKind::ScriptCollection, id, name, version),
        ),
        Entry::file(".project", project_file(id)),
        Entry::dir("src/main/resources/script"),
    ];
    files.extend(scripts);
    files
}

/// A Groovy script; `bom` prefixes a UTF-8 byte-order mark, `final_newline` adds a last `\n`.
pub fn groovy(name: &str, body: &str, bom: bool, final_newline: bool) -> Entry {
    let mut text = String::new();
    text.push_str(
        "import com.sap.gateway.ip.core.customdev.util.Message\r\nimport java.util.HashMap\r\n\r\n",
    );
    text.push_str("def Message processData(Message message) {\r\n");
    text.push_str(body);
    text.push_str("\r\n    return message\r\n}");
    if final_newline {
        text.push_str("\r\n");
    }
    let mut bytes = if bom {
        vec![0xEF, 0xBB, 0xBF]
    } else {
        Vec::new()
    };
    bytes.extend_from_slice(text.as_bytes());
    Entry::file(format!("src/main/resources/script/{name}"), bytes)
}

/// The content a tenant creates for an artifact uploaded without `ArtifactContent`.
pub fn template(kind: ArtifactKind, id: &str, name: &str) -> Vec<Entry> {
    match kind {
        ArtifactKind::IntegrationFlow => integration_flow(
            &FlowSpec {
                id: id.into(),
                name: name.into(),
                sender: Sender::Https {
                    path: format!("/{id}"),
                },
                receivers: vec![],
                scripts: vec![],
                padding: 0,
            },
            "1.0.0",
            &[],
            vec![],
        ),
        ArtifactKind::ValueMapping => value_mapping(id, name, "1.0.0", &[], false),
        ArtifactKind::MessageMapping => message_mapping(id, name, "1.0.0"),
        _ => script_collection(id, name, "1.0.0", vec![]),
    }
}

/// Values of the BPMN extension property `key` (`<key>k</key> <value>v</value>`), unescaped.
pub fn property_values(xml: &str, key: &str) -> Vec<String> {
    let needle = format!("<key>{key}</key>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(pos) = rest.find(&needle) {
        rest = &rest[pos + needle.len()..];
        let trimmed = rest.trim_start();
        if let Some(after) = trimmed.strip_prefix("<value>") {
            if let Some(end) = after.find("</value>") {
                out.push(
                    after[..end]
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&amp;", "&"),
                );
            }
        }
    }
    out
}

/// Replaces every `{{key}}` with its value; the first key without a non-empty value is the error.
pub fn resolve_placeholders(
    text: &str,
    values: &std::collections::BTreeMap<String, String>,
) -> Result<String, String> {
    let mut resolved = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        let key = &rest[start + 2..start + 2 + len];
        match values.get(key).filter(|v| !v.is_empty()) {
            Some(v) => {
                resolved.push_str(&rest[..start]);
                resolved.push_str(v);
            }
            None => return Err(key.to_string()),
        }
        rest = &rest[start + 2 + len + 2..];
    }
    resolved.push_str(rest);
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpi_gitops_wire::artifact::manifest::Manifest;

    #[test]
    fn manifests_are_crlf_wrapped_with_trailing_spaces() {
        let bytes = manifest_for(ArtifactKind::IntegrationFlow, "Flow_1", "Flow 1", "1.0.3");
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("Import-Service: \r\n"));
        assert!(text.lines().all(|l| l.trim_end_matches('\r').len() <= 72));
        assert!(text.split("\r\n").filter(|l| l.starts_with(' ')).count() > 10);
        let m = Manifest::parse(&bytes);
        assert_eq!(m.symbolic_name(), Some("Flow_1"));
        assert_eq!(m.version(), Some("1.0.3"));
        assert!(m.get("Import-Package").unwrap().ends_with("2.0.0)\""));
    }

    #[test]
    fn reads_properties_and_resolves_placeholders() {
        let spec = FlowSpec {
            id: "F".into(),
            name: "F".into(),
            sender: Sender::Https {
                path: "/ping".into(),
            },
            receivers: vec![Receiver {
                adapter: "HTTP".into(),
                address: "{{A}}".into(),
                credential: "{{C}}".into(),
            }],
            scripts: vec![],
            padding: 0,
        };
        let xml = String::from_utf8(iflw(&spec)).unwrap();
        assert_eq!(property_values(&xml, "urlPath"), vec!["/ping"]);
        assert_eq!(property_values(&xml, "credentialName"), vec!["{{C}}"]);
        let mut values = std::collections::BTreeMap::new();
        values.insert("A".to_string(), "x".to_string());
        assert_eq!(
            resolve_placeholders("{{A}}/{{C}}", &values),
            Err("C".to_string())
        );
        values.insert("C".to_string(), "y".to_string());
        assert_eq!(resolve_placeholders("{{A}}/{{C}}", &values).unwrap(), "x/y");
    }
}
