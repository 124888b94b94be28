//! The committed schema.graphql is exactly what the code prints.

use std::path::Path;

#[test]
fn schema_graphql_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let generated = smartsave::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema.graphql");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test schema_graphql` (or `cargo run -- schema > schema.graphql`) and commit it"
    );
}

#[test]
fn every_contract_type_and_field_in_the_schema_has_a_description_or_is_a_known_scalar() {
    // Descriptions show in GraphiQL and generated clients: every object type must have one.
    let sdl = smartsave::graphql::sdl();
    let mut previous = "";
    for line in sdl.lines() {
        if line.starts_with("type ") && !line.starts_with("type QueryRoot") && !line.starts_with("type MutationRoot") {
            assert_eq!(previous, "\"\"\"", "type without description: {line}");
        }
        previous = line.trim();
    }
}
