//! `parameters.propdef`: the definitions of a flow's externalized parameters.
//!
//! The file is XML: `<parameters><parameter><key|name>..</..><type>xsd:string</type>
//! <isRequired>..</isRequired><description>..</description></parameter>...</parameters>`.
//! Only these elements matter for the `Configurations` API, so a small scanner reads them.

/// One parameter definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterDef {
    /// The parameter key (`<key>`, or `<name>` when there is no key).
    pub key: String,
    /// `xsd:string`, `xsd:integer`, `custom:schedule`, ...
    pub data_type: String,
    /// Description, possibly empty.
    pub description: String,
}

/// Reads every `<parameter>` element.
pub fn parse(bytes: &[u8]) -> Vec<ParameterDef> {
    let text = String::from_utf8_lossy(bytes);
    let mut defs = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("<parameter>") {
        let after = &rest[start + "<parameter>".len()..];
        let Some(end) = after.find("</parameter>") else {
            break;
        };
        let body = &after[..end];
        let key = element(body, "key").or_else(|| element(body, "name"));
        if let Some(key) = key {
            defs.push(ParameterDef {
                key,
                data_type: element(body, "type").unwrap_or_else(|| "xsd:string".into()),
                description: element(body, "description").unwrap_or_default(),
            });
        }
        rest = &after[end..];
    }
    defs
}

/// Writes definitions in the tenant's single-line form.
pub fn write(defs: &[ParameterDef]) -> Vec<u8> {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?><parameters>");
    for def in defs {
        out.push_str(&format!(
            "<parameter><key>{}</key><name>{}</name><type>{}</type><isRequired>false</isRequired><description>{}</description></parameter>",
            xml_escape(&def.key),
            xml_escape(&def.key),
            xml_escape(&def.data_type),
            xml_escape(&def.description)
        ));
    }
    out.push_str("</parameters>");
    out.into_bytes()
}

fn element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&close)? + start;
    Some(xml_unescape(&body[start..end]))
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let defs = vec![
            ParameterDef {
                key: "Receiver Address".into(),
                data_type: "xsd:string".into(),
                description: "ERP <endpoint> & path".into(),
            },
            ParameterDef {
                key: "Schedule".into(),
                data_type: "custom:schedule".into(),
                description: String::new(),
            },
        ];
        assert_eq!(parse(&write(&defs)), defs);
    }

    #[test]
    fn name_is_the_key_when_no_key_element() {
        let defs = parse(b"<parameters><parameter><name>T</name><type>xsd:integer</type></parameter></parameters>");
        assert_eq!(defs[0].key, "T");
        assert_eq!(defs[0].data_type, "xsd:integer");
    }
}
