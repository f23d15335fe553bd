//! README.md's table of sender adapters is the code's: every adapter, and how it starts a flow.

use cpi_gitops::wire::adapters::SENDER_ADAPTERS;

#[test]
fn the_readme_lists_every_sender_adapter_as_the_code_judges_it() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| adapter (`ComponentType`) |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter(|l| l.starts_with("| `"))
        .collect();
    assert_eq!(
        table.len(),
        SENDER_ADAPTERS.len(),
        "one row per adapter: {table:#?}"
    );
    for a in SENDER_ADAPTERS {
        let row = table
            .iter()
            .find(|r| r.starts_with(&format!("| `{}` |", a.component_type)))
            .unwrap_or_else(|| panic!("README.md has no row for {}", a.component_type));
        assert_eq!(
            row.contains("**held back**"),
            a.start.by_itself(),
            "{}: {row}",
            a.component_type
        );
        assert!(row.contains(&format!("| {} |", a.start)), "{row}");
        for alias in a.aliases {
            assert!(row.contains(&format!("`{alias}`")), "{alias}: {row}");
        }
    }
}
