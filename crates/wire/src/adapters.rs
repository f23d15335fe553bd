//! Which integration flows start by themselves (design.md section 8): a flow whose start event
//! is a timer, or whose sender adapter polls a source (SFTP, FTP, Mail, ...) or consumes a queue
//! (JMS, AMQP, Kafka, ...). Such a flow would run on both twins of a high-availability pair and
//! process the same files, mails or messages twice, so a passive tenant holds it back. Flows
//! started by a caller (HTTPS, SOAP, IDoc, AS2, ...) are safe on both twins: traffic reaches one
//! at a time.
//!
//! This is the one list of such adapters, shared by the product (which reads a flow's own content
//! to classify it) and the emulator. Names are the `ComponentType` values of sender channels in
//! an integration flow's BPMN XML, compared without regard to ASCII case.

/// How a sender adapter starts a flow by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfStart {
    /// It polls a source at an interval (files, mails, an API).
    Polls,
    /// It consumes messages from a queue or topic as they arrive.
    Consumes,
}

/// A sender adapter that starts its flow without a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelfStartingAdapter {
    /// The channel's `ComponentType`, e.g. `SFTP`.
    pub component_type: &'static str,
    /// How it starts the flow.
    pub starts_by: SelfStart,
}

/// The self-starting sender adapters known so far.
pub const SELF_STARTING_ADAPTERS: &[SelfStartingAdapter] = &[
    SelfStartingAdapter {
        component_type: "SFTP",
        starts_by: SelfStart::Polls,
    },
    SelfStartingAdapter {
        component_type: "FTP",
        starts_by: SelfStart::Polls,
    },
    SelfStartingAdapter {
        component_type: "Mail",
        starts_by: SelfStart::Polls,
    },
    SelfStartingAdapter {
        component_type: "JMS",
        starts_by: SelfStart::Consumes,
    },
    SelfStartingAdapter {
        component_type: "AMQP",
        starts_by: SelfStart::Consumes,
    },
    SelfStartingAdapter {
        component_type: "Kafka",
        starts_by: SelfStart::Consumes,
    },
];

/// The entry of the self-starting sender adapter named `component_type`, if it is one.
pub fn self_starting(component_type: &str) -> Option<&'static SelfStartingAdapter> {
    SELF_STARTING_ADAPTERS
        .iter()
        .find(|a| a.component_type.eq_ignore_ascii_case(component_type))
}

/// Whether a sender channel of `component_type` starts its flow by itself.
pub fn is_self_starting(component_type: &str) -> bool {
    self_starting(component_type).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_and_consuming_adapters_start_by_themselves_and_push_adapters_do_not() {
        assert_eq!(
            self_starting("sftp").map(|a| a.starts_by),
            Some(SelfStart::Polls)
        );
        assert_eq!(
            self_starting("JMS").map(|a| a.starts_by),
            Some(SelfStart::Consumes)
        );
        for push in ["HTTPS", "SOAP", "IDOC", "AS2", ""] {
            assert!(!is_self_starting(push), "{push}");
        }
    }
}
