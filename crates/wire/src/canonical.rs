//! Canonical JSON: the one byte form of a JSON value that cpi-gitops writes.
//!
//! UTF-8, object keys sorted explicitly by code point (never trusting a map's iteration order),
//! two-space indent, `\n` line ends and one trailing newline. Used for every `*.json` file under
//! `tenant-state/` and for the emulator's state dump, so that two equal values always give equal
//! bytes and a changed value changes as few lines as possible.

use serde_json::Value;

/// Renders `value` canonically (see the module docs), ending with a newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out.push('\n');
    out
}

/// Same as [`to_string`], as bytes.
pub fn to_vec(value: &Value) -> Vec<u8> {
    to_string(value).into_bytes()
}

fn write_value(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.chars().cmp(b.chars()));
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_string(out, key);
                out.push_str(": ");
                write_value(out, &map[*key], depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_value(out, item, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::String(s) => write_string(out, s),
        other => out.push_str(&other.to_string()),
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_string(out: &mut String, s: &str) {
    // serde_json's string escaping is canonical already (minimal escapes, \u00XX for controls).
    out.push_str(&Value::String(s.to_owned()).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_by_code_point_and_indents() {
        let v = json!({"b": 1, "B": [true, null], "a": {"z": "x\ny", "é": {}}, "e": []});
        assert_eq!(
            to_string(&v),
            "{\n  \"B\": [\n    true,\n    null\n  ],\n  \"a\": {\n    \"z\": \"x\\ny\",\n    \"é\": {}\n  },\n  \"b\": 1,\n  \"e\": []\n}\n"
        );
    }

    #[test]
    fn scalars_end_with_newline() {
        assert_eq!(to_string(&json!("s")), "\"s\"\n");
        assert_eq!(to_string(&json!(1.5)), "1.5\n");
    }
}
