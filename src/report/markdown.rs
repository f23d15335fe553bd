//! Markdown for pull-request comments and bodies, and `$GITHUB_STEP_SUMMARY`: code spans that
//! survive any name, and a size cap below GitHub's 65,536-character limit.

/// The most characters a markdown report may have (design.md section 6).
pub const LIMIT: usize = 60_000;

/// `text` as an inline code span, with a fence longer than any run of backticks inside it
/// (secrets known to the run masked first).
pub fn code(text: &str) -> String {
    let text = &*crate::redact::redact(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest == 0 {
        format!("{fence}{text}{fence}")
    } else {
        format!("{fence} {text} {fence}")
    }
}

/// `text` as plain markdown text on one line: characters markdown or HTML would interpret are
/// escaped, line breaks become spaces (a tenant's error text is shown as it is, never rendered).
/// Secrets known to the run are masked first: escaping would hide them from the masking at the
/// output.
pub fn escape(text: &str) -> String {
    let text = crate::redact::redact(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Cuts `text` to [`LIMIT`] characters at a line end, with a note saying how much was left out.
pub fn truncate(text: String) -> String {
    if text.chars().count() <= LIMIT {
        return text;
    }
    let budget = LIMIT - 200;
    let mut cut = 0;
    for (i, (byte, c)) in text.char_indices().enumerate() {
        if i >= budget {
            break;
        }
        if c == '\n' {
            cut = byte + 1;
        }
    }
    let left_out = text[cut..].lines().count();
    let mut out = text[..cut].to_string();
    // Close what the cut left open, so the note renders as a note.
    let (mut fenced, mut details) = (false, 0usize);
    for line in out.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with("<details>") {
            details += 1;
        } else if !fenced && line.starts_with("</details>") {
            details = details.saturating_sub(1);
        }
    }
    if fenced {
        out.push_str("```\n");
    }
    for _ in 0..details {
        out.push_str("\n</details>\n");
    }
    out.push_str(&format!(
        "\n> **Truncated**: {left_out} more lines are not shown (the report is limited to {LIMIT} characters). Run the command with `--format text` for the whole report.\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a`b"), "`` a`b ``");
    }

    #[test]
    fn a_cut_inside_a_fenced_details_block_closes_it() {
        let mut long = String::from("<details><summary>x</summary>\n\n```diff\n");
        long.extend((0..10_000).map(|i| format!("+line {i}\n")));
        long.push_str("```\n\n</details>\n");
        let out = truncate(long);
        assert!(out.chars().count() <= LIMIT);
        let before = &out[..out.find("**Truncated**").unwrap()];
        let tail = &before[before.rfind("+line").unwrap()..];
        assert!(
            tail.contains("```\n") && tail.contains("</details>"),
            "the fence and the details block are closed before the note: {tail:?}"
        );
    }

    #[test]
    fn escaped_text_is_shown_not_rendered() {
        assert_eq!(escape("a <b>|*c*\nd"), "a \\<b\\>\\|\\*c\\* d");
    }

    #[test]
    fn truncates_at_a_line_end_with_a_note() {
        let long: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
        let out = truncate(long);
        assert!(out.chars().count() <= LIMIT);
        assert!(out.contains("**Truncated**"));
        assert!(
            out.lines()
                .rev()
                .nth(1)
                .is_some_and(|l| l.starts_with("line ") || l.is_empty())
        );
    }
}
