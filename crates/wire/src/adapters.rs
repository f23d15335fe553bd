//! Which integration flows start by themselves (design.md section 8), read from the flow's own
//! BPMN XML (`src/main/resources/scenarioflows/integrationflow/<name>.iflw`), never from names.
//!
//! A flow starts by itself when its integration process begins with a **timer start event**
//! (`<bpmn2:startEvent>` holding a `<bpmn2:timerEventDefinition>`), or when a **sender channel**
//! (a `<bpmn2:messageFlow>` whose `targetRef` is a start event) uses an adapter that polls a
//! source (SFTP, FTP, Mail, SuccessFactors, ...) or consumes a queue or topic (JMS, AMQP, Kafka,
//! ...). Such a flow would run on both twins of a high-availability pair and process the same
//! files, mails or messages twice, so a passive tenant holds it back. Flows started by a caller
//! (HTTPS, SOAP, IDoc, AS2, ...) are safe on both twins: the traffic manager sends each call to one.
//!
//! The adapter of a channel is its `ComponentType` property (or, when that is missing, the
//! `cname::` of its `cmdVariantUri`), looked up in [`SENDER_ADAPTERS`] without regard to case,
//! spaces or punctuation. A channel whose adapter is not in the table still counts as polling when
//! it carries a scheduler (a non-empty `scheduleKey` property: the scheduler every polling sender
//! adapter, custom ones included, is configured with); any other unknown adapter counts as a
//! caller's. Channels of a *Poll Enrich* step point at that step, not at a start event: they run
//! only when the flow runs, and are not starts.
//!
//! This is the one table, shared by the product (plan, apply, drift and failover classify the
//! flows of committed content with [`read_flow`]) and the emulator (which runs started timers and
//! pollers on `/admin/tick`).

use std::fmt;

/// How a sender channel starts its flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Start {
    /// A caller sends a message (HTTPS, SOAP, IDoc, ...): safe on both twins.
    Push,
    /// The adapter polls a source on a schedule (files, mails, an API).
    Polls,
    /// The adapter consumes messages from a queue or topic as they arrive.
    Consumes,
}

impl Start {
    /// Whether a channel that starts this way makes its flow start by itself.
    pub fn by_itself(self) -> bool {
        !matches!(self, Start::Push)
    }
}

impl fmt::Display for Start {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Start::Push => "push",
            Start::Polls => "polls",
            Start::Consumes => "consumes",
        })
    }
}

/// A sender adapter of SAP Cloud Integration and how it starts a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderAdapter {
    /// The channel's `ComponentType`, e.g. `SFTP`.
    pub component_type: &'static str,
    /// Other spellings seen in `ComponentType` or in the `cname::` of `cmdVariantUri`.
    pub aliases: &'static [&'static str],
    /// How it starts its flow.
    pub start: Start,
    /// What it does, in a few words (the README's table).
    pub what: &'static str,
}

const fn polls(
    component_type: &'static str,
    aliases: &'static [&'static str],
    what: &'static str,
) -> SenderAdapter {
    SenderAdapter {
        component_type,
        aliases,
        start: Start::Polls,
        what,
    }
}

const fn consumes(
    component_type: &'static str,
    aliases: &'static [&'static str],
    what: &'static str,
) -> SenderAdapter {
    SenderAdapter {
        component_type,
        aliases,
        start: Start::Consumes,
        what,
    }
}

const fn push(
    component_type: &'static str,
    aliases: &'static [&'static str],
    what: &'static str,
) -> SenderAdapter {
    SenderAdapter {
        component_type,
        aliases,
        start: Start::Push,
        what,
    }
}

/// SAP Cloud Integration's sender adapters (the adapter list of SAP Help's "Configure
/// Communication Channels with Adapters", and the sender adapters of SAP Business Accelerator
/// Hub), each with how it starts its flow. The README's table is this list.
pub const SENDER_ADAPTERS: &[SenderAdapter] = &[
    polls("SFTP", &[], "polls a folder on an SFTP server"),
    polls("FTP", &["FTPS"], "polls a folder on an FTP server"),
    polls("Mail", &["IMAP", "POP3"], "polls a mailbox (IMAP, POP3)"),
    polls(
        "SuccessFactors",
        &["SFSF"],
        "polls SAP SuccessFactors (SOAP, OData V2 and REST senders alike)",
    ),
    polls("Ariba", &[], "polls SAP Ariba for documents"),
    polls(
        "DataStoreConsumer",
        &["DataStore", "Data Store"],
        "the Data Store sender: polls a data store of the tenant",
    ),
    polls("Dropbox", &[], "polls a Dropbox folder"),
    polls(
        "AzureStorage",
        &[],
        "polls Azure blob, file share, queue or table storage",
    ),
    polls(
        "AmazonWebServices",
        &["AWS", "AmazonS3", "AmazonSQS"],
        "polls Amazon S3 buckets or SQS queues",
    ),
    polls(
        "GoogleCloudStorage",
        &[],
        "polls Google Cloud Storage buckets",
    ),
    polls(
        "MicrosoftSharePoint",
        &["SharePoint"],
        "polls a SharePoint document library",
    ),
    polls(
        "MicrosoftOneDrive",
        &["OneDrive"],
        "polls a OneDrive folder",
    ),
    polls(
        "MicrosoftOutlook",
        &["Outlook", "MicrosoftOffice365Outlook"],
        "polls an Outlook mailbox",
    ),
    polls("SMB", &[], "polls an SMB share (Edge Integration Cell)"),
    polls("NFS", &[], "polls an NFS folder (Edge Integration Cell)"),
    polls("Splunk", &[], "polls Splunk searches"),
    polls("Slack", &[], "polls Slack conversations"),
    consumes("JMS", &[], "consumes a message queue of the tenant"),
    consumes(
        "AMQP",
        &[],
        "consumes queues or topic subscriptions of a broker (SAP Event Mesh, ...)",
    ),
    consumes("Kafka", &[], "consumes Kafka topics"),
    consumes(
        "AdvancedEventMesh",
        &["AEM", "SolaceAEM", "Advanced Event Mesh"],
        "consumes queues of SAP Integration Suite, advanced event mesh",
    ),
    consumes("RabbitMQ", &[], "consumes RabbitMQ queues"),
    consumes("IBMMQ", &["IBM MQ", "IBMMQJMS"], "consumes IBM MQ queues"),
    consumes(
        "GooglePubSub",
        &["Google Pub/Sub"],
        "consumes Google Cloud Pub/Sub subscriptions",
    ),
    consumes(
        "AzureServiceBus",
        &[],
        "consumes Azure Service Bus queues and subscriptions",
    ),
    consumes(
        "Salesforce",
        &["SalesforcePubSub", "Salesforce Pub/Sub"],
        "subscribes to Salesforce platform events and change data capture",
    ),
    push("HTTPS", &["HTTP"], "a caller posts to the flow's address"),
    push(
        "SOAP",
        &[],
        "a caller calls the web service (SOAP 1.x, SAP RM, plain SOAP)",
    ),
    push("IDOC", &["IDoc"], "an SAP system sends IDocs"),
    push(
        "XI",
        &[],
        "an SAP system sends XI messages (the adapter's own JMS or data store queue holds only what reached this tenant)",
    ),
    push("AS2", &["AS2 MDN"], "a partner sends AS2 messages"),
    push("AS4", &[], "a partner sends or pulls AS4 messages"),
    push(
        "ProcessDirect",
        &[],
        "another flow of the same tenant calls it",
    ),
    push(
        "HCIOData",
        &["OData"],
        "the OData sender exposes an OData service that callers call",
    ),
    push("OFTP", &[], "a partner connects over OFTP 2"),
    push(
        "RFC",
        &[],
        "an SAP system calls a function module (Edge Integration Cell)",
    ),
    push(
        "APIDirect",
        &[],
        "API management calls the flow (Edge Integration Cell)",
    ),
];

/// A name reduced to lower-case letters and digits, so `Advanced Event Mesh`,
/// `AdvancedEventMesh` and `sap:AdvancedEventMesh` compare equal (after the `sap:` prefix is
/// taken off).
fn normalize(name: &str) -> String {
    let name = name.trim();
    let name = name
        .strip_prefix("sap:")
        .or_else(|| name.strip_prefix("SAP:"))
        .unwrap_or(name);
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The sender adapter named `name` (a `ComponentType` or an alias), if the table has it.
pub fn adapter(name: &str) -> Option<&'static SenderAdapter> {
    let wanted = normalize(name);
    if wanted.is_empty() {
        return None;
    }
    SENDER_ADAPTERS.iter().find(|a| {
        normalize(a.component_type) == wanted || a.aliases.iter().any(|n| normalize(n) == wanted)
    })
}

/// Why a channel was judged the way it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Its adapter is in [`SENDER_ADAPTERS`].
    Table,
    /// Its adapter is not in the table, and it carries a scheduler (`scheduleKey`).
    Scheduler,
    /// Its adapter is not in the table and it has no scheduler: counted as a caller's.
    Unknown,
}

/// A sender channel that starts the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Its adapter as the flow names it (`ComponentType`, else the `cmdVariantUri`'s `cname`).
    pub adapter: String,
    /// How it starts the flow.
    pub start: Start,
    /// Why.
    pub source: Source,
}

/// How a flow starts: its timer start events and its sender channels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowStart {
    /// Timer start events.
    pub timers: usize,
    /// Sender channels, in the order of the XML.
    pub channels: Vec<Channel>,
}

impl FlowStart {
    /// Whether the flow starts without a caller: a timer, or a polling or consuming channel.
    pub fn by_itself(&self) -> bool {
        self.timers > 0 || self.channels.iter().any(|c| c.start.by_itself())
    }

    /// Whether a caller can also start it (a push channel).
    pub fn has_push(&self) -> bool {
        self.channels.iter().any(|c| c.start == Start::Push)
    }

    /// Whether it starts by itself *and* by a caller: on a passive twin it is held back whole,
    /// push channel included.
    pub fn mixed(&self) -> bool {
        self.by_itself() && self.has_push()
    }

    /// What starts it by itself, for messages: `timer`, `SFTP`, ... (sorted, without repeats).
    pub fn starters(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .channels
            .iter()
            .filter(|c| c.start.by_itself())
            .map(|c| c.adapter.clone())
            .collect();
        if self.timers > 0 {
            out.push("timer".into());
        }
        out.sort();
        out.dedup();
        out
    }

    /// The push adapters that can also start it (sorted, without repeats).
    pub fn push_adapters(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .channels
            .iter()
            .filter(|c| c.start == Start::Push)
            .map(|c| c.adapter.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Adds the starts of another flow file of the same artifact.
    pub fn merge(&mut self, other: FlowStart) {
        self.timers += other.timers;
        self.channels.extend(other.channels);
    }
}

/// Why a flow's XML could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not readable as integration flow XML: {reason}")]
pub struct FlowXmlError {
    /// Why.
    pub reason: String,
}

/// Whether `path` (inside an artifact's content) is an integration flow's BPMN XML.
pub fn is_flow_file(path: &str) -> bool {
    path.starts_with("src/main/resources/scenarioflows/integrationflow/") && path.ends_with(".iflw")
}

/// How the flow described by the BPMN XML `xml` starts.
pub fn read_flow(xml: &[u8]) -> Result<FlowStart, FlowXmlError> {
    let text = String::from_utf8_lossy(xml);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let doc = roxmltree::Document::parse(text).map_err(|e| FlowXmlError {
        reason: e.to_string(),
    })?;
    if doc.root_element().tag_name().name() != "definitions" {
        return Err(FlowXmlError {
            reason: format!(
                "the root element is <{}>, not a BPMN <definitions>",
                doc.root_element().tag_name().name()
            ),
        });
    }
    let mut start_events = std::collections::BTreeSet::new();
    let mut timers = 0;
    for node in doc.descendants().filter(|n| is(n, "startEvent")) {
        if let Some(id) = node.attribute("id") {
            start_events.insert(id.to_string());
        }
        if node.children().any(|c| is(&c, "timerEventDefinition")) {
            timers += 1;
        }
    }
    let mut channels = Vec::new();
    for flow in doc.descendants().filter(|n| is(n, "messageFlow")) {
        let starts = flow
            .attribute("targetRef")
            .is_some_and(|t| start_events.contains(t));
        if !starts {
            continue;
        }
        channels.push(channel(&flow));
    }
    Ok(FlowStart { timers, channels })
}

/// How the artifact whose content files are `files` (path, bytes) starts: every flow file's
/// starts together.
pub fn read_artifact<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<FlowStart, (String, FlowXmlError)> {
    let mut start = FlowStart::default();
    for (path, bytes) in files {
        if is_flow_file(path) {
            start.merge(read_flow(bytes).map_err(|e| (path.to_string(), e))?);
        }
    }
    Ok(start)
}

fn is(node: &roxmltree::Node, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name
}

/// The `ifl:property` values of an element's `extensionElements`, by key.
fn properties(node: &roxmltree::Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for ext in node.children().filter(|c| is(c, "extensionElements")) {
        for p in ext.children().filter(|c| is(c, "property")) {
            let text = |name: &str| {
                p.children()
                    .find(|c| is(c, name))
                    .map(|c| c.text().unwrap_or_default().trim().to_string())
            };
            if let Some(key) = text("key") {
                out.push((key, text("value").unwrap_or_default()));
            }
        }
    }
    out
}

fn channel(flow: &roxmltree::Node) -> Channel {
    let props = properties(flow);
    let get = |key: &str| {
        props
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let from_variant = get("cmdVariantUri").and_then(|uri| {
        uri.split('/')
            .find_map(|part| part.strip_prefix("cname::"))
            .map(|n| n.strip_prefix("sap:").unwrap_or(n).to_string())
    });
    let name = get("ComponentType")
        .map(str::to_string)
        .or(from_variant.clone())
        .unwrap_or_default();
    let known = adapter(&name).or_else(|| from_variant.as_deref().and_then(adapter));
    let (start, source) = match known {
        Some(a) if a.start.by_itself() => (a.start, Source::Table),
        _ if get("scheduleKey").is_some() => (Start::Polls, Source::Scheduler),
        Some(a) => (a.start, Source::Table),
        None => (Start::Push, Source::Unknown),
    };
    let adapter = if name.is_empty() {
        "(no adapter)".to_string()
    } else {
        name
    };
    Channel {
        adapter,
        start,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A realistic integration flow: the collaboration with its participants and channels,
    /// an integration process with `start` as its start event, a Request Reply step and a
    /// receiver channel, as the Web UI writes it.
    fn flow(sender: &str, start: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:ifl="http:///com.sap.ifl.model/Ifl.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_1">
    <bpmn2:collaboration id="Collaboration_1" name="Default Collaboration">
        <bpmn2:extensionElements>
            <ifl:property>
                <key>namespaceMapping</key>
                <value/>
            </ifl:property>
            <ifl:property>
                <key>cmdVariantUri</key>
                <value>ctype::IFlowVariant/cname::IFlowConfiguration/version::1.2.4</value>
            </ifl:property>
        </bpmn2:extensionElements>
        <bpmn2:participant id="Participant_1" ifl:type="EndpointSender" name="Sender">
            <bpmn2:extensionElements>
                <ifl:property>
                    <key>enableBasicAuthentication</key>
                    <value>false</value>
                </ifl:property>
            </bpmn2:extensionElements>
        </bpmn2:participant>
        <bpmn2:participant id="Participant_2" ifl:type="EndpointRecevier" name="Receiver"/>
        <bpmn2:participant id="Participant_Process_1" ifl:type="IntegrationProcess" name="Integration Process" processRef="Process_1"/>
{sender}        <bpmn2:messageFlow id="MessageFlow_9" name="HTTP" sourceRef="ServiceTask_5" targetRef="Participant_2">
            <bpmn2:extensionElements>
                <ifl:property>
                    <key>ComponentType</key>
                    <value>HTTP</value>
                </ifl:property>
                <ifl:property>
                    <key>direction</key>
                    <value>Receiver</value>
                </ifl:property>
                <ifl:property>
                    <key>cmdVariantUri</key>
                    <value>ctype::AdapterVariant/cname::sap:HTTP/tp::HTTP/mp::None/direction::Receiver/version::1.10.0</value>
                </ifl:property>
            </bpmn2:extensionElements>
        </bpmn2:messageFlow>
    </bpmn2:collaboration>
    <bpmn2:process id="Process_1" name="Integration Process">
        <bpmn2:extensionElements>
            <ifl:property>
                <key>transactionTimeout</key>
                <value>30</value>
            </ifl:property>
        </bpmn2:extensionElements>
{start}        <bpmn2:serviceTask id="ServiceTask_5" name="Request Reply 1">
            <bpmn2:extensionElements>
                <ifl:property>
                    <key>activityType</key>
                    <value>ExternalCall</value>
                </ifl:property>
            </bpmn2:extensionElements>
        </bpmn2:serviceTask>
        <bpmn2:endEvent id="EndEvent_2" name="End">
            <bpmn2:messageEventDefinition/>
        </bpmn2:endEvent>
    </bpmn2:process>
</bpmn2:definitions>"#
        )
    }

    const MESSAGE_START: &str = r#"        <bpmn2:startEvent id="StartEvent_2" name="Start">
            <bpmn2:extensionElements>
                <ifl:property>
                    <key>componentVersion</key>
                    <value>1.0</value>
                </ifl:property>
                <ifl:property>
                    <key>cmdVariantUri</key>
                    <value>ctype::FlowstepVariant/cname::MessageStartEvent/version::1.0</value>
                </ifl:property>
            </bpmn2:extensionElements>
            <bpmn2:outgoing>SequenceFlow_3</bpmn2:outgoing>
            <bpmn2:messageEventDefinition/>
        </bpmn2:startEvent>
"#;

    const TIMER_START: &str = r#"        <bpmn2:startEvent id="StartEvent_7" name="Start Timer 1">
            <bpmn2:outgoing>SequenceFlow_8</bpmn2:outgoing>
            <bpmn2:timerEventDefinition id="TimerEventDefinition_11457">
                <bpmn2:extensionElements>
                    <ifl:property>
                        <key>scheduleKey</key>
                        <value>&lt;row&gt;&lt;cell&gt;dateType&lt;/cell&gt;&lt;cell&gt;DAILY&lt;/cell&gt;&lt;/row&gt;&lt;row&gt;&lt;cell&gt;timeZone&lt;/cell&gt;&lt;cell&gt;( UTC 0:00 ) Greenwich Mean Time(Etc/GMT)&lt;/cell&gt;&lt;/row&gt;&lt;row&gt;&lt;cell&gt;triggerType&lt;/cell&gt;&lt;cell&gt;cron&lt;/cell&gt;&lt;/row&gt;&lt;row&gt;&lt;cell&gt;schedule1&lt;/cell&gt;&lt;cell&gt;0+0+2+?+*+*+*&lt;/cell&gt;&lt;/row&gt;</value>
                    </ifl:property>
                    <ifl:property>
                        <key>cmdVariantUri</key>
                        <value>ctype::FlowstepVariant/cname::intermediatetimer/version::1.0.1</value>
                    </ifl:property>
                    <ifl:property>
                        <key>activityType</key>
                        <value>StartTimerEvent</value>
                    </ifl:property>
                </bpmn2:extensionElements>
            </bpmn2:timerEventDefinition>
        </bpmn2:startEvent>
"#;

    /// A sender channel into `StartEvent_2` as the Web UI writes it: `ComponentType`,
    /// `direction`, the protocols, `cmdVariantUri`, and `extra` properties.
    fn sender(id: &str, component_type: &str, tp: &str, mp: &str, extra: &str) -> String {
        format!(
            r#"        <bpmn2:messageFlow id="{id}" name="{component_type}" sourceRef="Participant_1" targetRef="StartEvent_2">
            <bpmn2:extensionElements>
                <ifl:property>
                    <key>ComponentType</key>
                    <value>{component_type}</value>
                </ifl:property>
                <ifl:property>
                    <key>Description</key>
                    <value/>
                </ifl:property>
                <ifl:property>
                    <key>direction</key>
                    <value>Sender</value>
                </ifl:property>
                <ifl:property>
                    <key>TransportProtocol</key>
                    <value>{tp}</value>
                </ifl:property>
                <ifl:property>
                    <key>MessageProtocol</key>
                    <value>{mp}</value>
                </ifl:property>
                <ifl:property>
                    <key>ComponentNS</key>
                    <value>sap</value>
                </ifl:property>{extra}
                <ifl:property>
                    <key>cmdVariantUri</key>
                    <value>ctype::AdapterVariant/cname::sap:{component_type}/tp::{tp}/mp::{mp}/direction::Sender/version::1.4.0</value>
                </ifl:property>
            </bpmn2:extensionElements>
        </bpmn2:messageFlow>
"#
        )
    }

    const SCHEDULER: &str = r#"
                <ifl:property>
                    <key>scheduleKey</key>
                    <value>&lt;row&gt;&lt;cell&gt;dateType&lt;/cell&gt;&lt;cell&gt;DAILY&lt;/cell&gt;&lt;/row&gt;&lt;row&gt;&lt;cell&gt;OnEveryMinute&lt;/cell&gt;&lt;cell&gt;10&lt;/cell&gt;&lt;/row&gt;&lt;row&gt;&lt;cell&gt;triggerType&lt;/cell&gt;&lt;cell&gt;simple&lt;/cell&gt;&lt;/row&gt;</value>
                </ifl:property>"#;

    /// Every adapter of the table, with the protocols and properties its sender channel has,
    /// and how it must be judged.
    fn every_adapter() -> Vec<(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Start,
    )> {
        use Start::*;
        let q = r#"
                <ifl:property>
                    <key>QueueName</key>
                    <value>Orders_In</value>
                </ifl:property>"#;
        vec![
            ("SFTP", "SFTP", "File", SCHEDULER, Polls),
            ("FTP", "FTP", "File", SCHEDULER, Polls),
            ("Mail", "IMAP4", "MIME Multipart", SCHEDULER, Polls),
            ("SuccessFactors", "HTTPS", "OData V2", SCHEDULER, Polls),
            ("Ariba", "HTTPS", "cXML", SCHEDULER, Polls),
            ("DataStoreConsumer", "JDBC", "None", "", Polls),
            ("Dropbox", "HTTPS", "REST", SCHEDULER, Polls),
            ("AzureStorage", "HTTPS", "REST", SCHEDULER, Polls),
            ("AmazonWebServices", "HTTPS", "S3", SCHEDULER, Polls),
            ("GoogleCloudStorage", "HTTPS", "REST", "", Polls),
            ("MicrosoftSharePoint", "HTTPS", "REST", SCHEDULER, Polls),
            ("MicrosoftOneDrive", "HTTPS", "REST", SCHEDULER, Polls),
            ("MicrosoftOutlook", "HTTPS", "REST", SCHEDULER, Polls),
            ("SMB", "SMB", "File", SCHEDULER, Polls),
            ("NFS", "NFS", "File", SCHEDULER, Polls),
            ("Splunk", "HTTPS", "REST", SCHEDULER, Polls),
            ("Slack", "HTTPS", "REST", SCHEDULER, Polls),
            ("JMS", "Not Applicable", "Not Applicable", q, Consumes),
            ("AMQP", "WebSocket", "AMQP 1.0", q, Consumes),
            ("Kafka", "TCP", "Not Applicable", "", Consumes),
            ("AdvancedEventMesh", "TCP", "SMF", q, Consumes),
            ("RabbitMQ", "TCP", "AMQP 0-9-1", q, Consumes),
            ("IBMMQ", "TCP", "JMS", q, Consumes),
            ("GooglePubSub", "HTTPS", "gRPC", "", Consumes),
            ("AzureServiceBus", "AMQP", "AMQP 1.0", q, Consumes),
            ("Salesforce", "HTTPS", "Pub/Sub", "", Consumes),
            ("HTTPS", "HTTPS", "None", "", Push),
            ("SOAP", "HTTP", "SOAP 1.x", "", Push),
            ("IDOC", "HTTP", "IDoc SOAP", "", Push),
            ("XI", "HTTP", "XI", q, Push),
            ("AS2", "HTTP", "AS2", "", Push),
            ("AS4", "HTTP", "ebMS3 Push", "", Push),
            (
                "ProcessDirect",
                "Not Applicable",
                "Not Applicable",
                "",
                Push,
            ),
            ("HCIOData", "HTTP", "OData V2", "", Push),
            ("OFTP", "TCP", "OFTP 2", "", Push),
            ("RFC", "RFC", "RFC-XML", "", Push),
            ("APIDirect", "HTTP", "None", "", Push),
        ]
    }

    #[test]
    fn every_adapter_of_the_table_is_judged_from_a_realistic_sender_channel() {
        let cases = every_adapter();
        for a in SENDER_ADAPTERS {
            assert!(
                cases.iter().any(|c| c.0 == a.component_type),
                "{} has no test case",
                a.component_type
            );
        }
        for (component_type, tp, mp, extra, start) in cases {
            let xml = flow(
                &sender("MessageFlow_4", component_type, tp, mp, extra),
                MESSAGE_START,
            );
            let got = read_flow(xml.as_bytes()).unwrap();
            assert_eq!(got.channels.len(), 1, "{component_type}");
            assert_eq!(got.channels[0].adapter, component_type);
            assert_eq!(got.channels[0].start, start, "{component_type}");
            assert_eq!(got.channels[0].source, Source::Table, "{component_type}");
            assert_eq!(got.by_itself(), start.by_itself(), "{component_type}");
            assert_eq!(adapter(component_type).map(|a| a.start), Some(start));
        }
    }

    #[test]
    fn a_timer_start_event_starts_the_flow_by_itself() {
        let got = read_flow(flow("", TIMER_START).as_bytes()).unwrap();
        assert_eq!(got.timers, 1);
        assert!(got.channels.is_empty());
        assert!(got.by_itself());
        assert!(!got.mixed());
        assert_eq!(got.starters(), vec!["timer"]);
        // The form older flows and the emulator write: properties beside the definition.
        let older = TIMER_START
            .replace(
                "<bpmn2:timerEventDefinition id=\"TimerEventDefinition_11457\">",
                "<bpmn2:extensionElements/><bpmn2:timerEventDefinition id=\"T\"/><bpmn2:documentation>",
            )
            .replace("</bpmn2:timerEventDefinition>", "</bpmn2:documentation>");
        assert_eq!(read_flow(flow("", &older).as_bytes()).unwrap().timers, 1);
    }

    #[test]
    fn a_push_flow_does_not_start_by_itself() {
        let xml = flow(
            &sender("MessageFlow_4", "HTTPS", "HTTPS", "None", ""),
            MESSAGE_START,
        );
        let got = read_flow(xml.as_bytes()).unwrap();
        assert!(!got.by_itself());
        assert!(got.has_push());
        assert!(got.starters().is_empty());
    }

    #[test]
    fn a_flow_with_a_push_sender_and_a_poller_is_mixed() {
        let senders = format!(
            "{}{}",
            sender("MessageFlow_4", "HTTPS", "HTTPS", "None", ""),
            sender("MessageFlow_5", "DataStoreConsumer", "JDBC", "None", "")
        );
        let got = read_flow(flow(&senders, MESSAGE_START).as_bytes()).unwrap();
        assert!(got.mixed());
        assert_eq!(got.starters(), vec!["DataStoreConsumer"]);
        assert_eq!(got.push_adapters(), vec!["HTTPS"]);
    }

    #[test]
    fn a_poll_enrich_channel_is_not_a_start() {
        // The SFTP channel of a Poll Enrich step points at the step, not at a start event.
        let poll_enrich = sender("MessageFlow_6", "SFTP", "SFTP", "File", "")
            .replace("targetRef=\"StartEvent_2\"", "targetRef=\"ServiceTask_5\"");
        let senders = format!(
            "{}{poll_enrich}",
            sender("MessageFlow_4", "HTTPS", "HTTPS", "None", "")
        );
        let got = read_flow(flow(&senders, MESSAGE_START).as_bytes()).unwrap();
        assert!(!got.by_itself());
        assert_eq!(got.channels.len(), 1);
    }

    #[test]
    fn unknown_adapters_poll_when_they_carry_a_scheduler_and_are_push_otherwise() {
        let custom = sender("MessageFlow_4", "AcmeFileHub", "HTTPS", "REST", SCHEDULER);
        let got = read_flow(flow(&custom, MESSAGE_START).as_bytes()).unwrap();
        assert_eq!(
            (got.channels[0].start, got.channels[0].source),
            (Start::Polls, Source::Scheduler)
        );
        let custom = sender("MessageFlow_4", "AcmeWebhook", "HTTPS", "REST", "");
        let got = read_flow(flow(&custom, MESSAGE_START).as_bytes()).unwrap();
        assert_eq!(
            (got.channels[0].start, got.channels[0].source),
            (Start::Push, Source::Unknown)
        );
        // A push adapter of the table with a scheduler polls (the PO-style OData sender).
        let odata = sender("MessageFlow_4", "HCIOData", "HTTP", "OData V2", SCHEDULER);
        let got = read_flow(flow(&odata, MESSAGE_START).as_bytes()).unwrap();
        assert_eq!(got.channels[0].start, Start::Polls);
    }

    #[test]
    fn the_adapter_comes_from_the_variant_when_the_component_type_is_missing() {
        let channel = sender("MessageFlow_4", "Kafka", "TCP", "Not Applicable", "").replace(
            "<key>ComponentType</key>\n                    <value>Kafka</value>",
            "<key>ComponentType</key>\n                    <value/>",
        );
        let got = read_flow(flow(&channel, MESSAGE_START).as_bytes()).unwrap();
        assert_eq!(got.channels[0].adapter, "Kafka");
        assert_eq!(got.channels[0].start, Start::Consumes);
    }

    #[test]
    fn names_match_without_case_spaces_or_prefix() {
        for name in [
            "sftp",
            "Advanced Event Mesh",
            "sap:JMS",
            "ibm mq",
            "Data Store",
        ] {
            assert!(adapter(name).is_some_and(|a| a.start.by_itself()), "{name}");
        }
        for name in ["", "  ", "Acme"] {
            assert!(adapter(name).is_none(), "{name}");
        }
    }

    #[test]
    fn broken_xml_is_an_error_and_flow_files_are_found_by_path() {
        assert!(read_flow(b"<bpmn2:definitions").is_err());
        assert!(read_flow(b"<other/>").is_err());
        let bom = format!("\u{feff}{}", flow("", TIMER_START));
        assert_eq!(read_flow(bom.as_bytes()).unwrap().timers, 1);
        assert!(is_flow_file(
            "src/main/resources/scenarioflows/integrationflow/Orders.iflw"
        ));
        assert!(!is_flow_file("src/main/resources/script/a.groovy"));
        let xml = flow("", TIMER_START);
        let files = [
            ("META-INF/MANIFEST.MF", &b"Manifest-Version: 1.0"[..]),
            (
                "src/main/resources/scenarioflows/integrationflow/F.iflw",
                xml.as_bytes(),
            ),
        ];
        assert!(read_artifact(files).unwrap().by_itself());
        let broken = [(
            "src/main/resources/scenarioflows/integrationflow/F.iflw",
            &b"<x"[..],
        )];
        assert!(read_artifact(broken).is_err());
    }
}
