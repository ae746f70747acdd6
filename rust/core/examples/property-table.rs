//! Prints the README's property table from the registry.
fn main() {
    print!("{}", athena_core::properties::markdown_table());
}
