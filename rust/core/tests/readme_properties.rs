//! The README's property table is generated from the registry; this keeps it honest.

#[test]
fn readme_lists_exactly_the_registry() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let table = athena_core::properties::markdown_table();
    assert!(
        readme.contains(&table),
        "README.md's property table differs from the registry; replace it with the output of\n  cargo run --release -p athena-core --example property-table\n\n{table}"
    );
}
