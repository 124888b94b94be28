//! The committed schema.graphql is exactly what the code prints.

use std::path::Path;

#[test]
fn schema_graphql_matches_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let generated = smartsave::api::schema::sdl();
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
fn every_type_and_field_has_a_description() {
    // Descriptions show in GraphiQL and in generated clients.
    let sdl = smartsave::api::schema::sdl();
    let (mut in_description, mut described, mut in_schema_block) = (false, false, false);
    let mut missing = Vec::new();
    for line in sdl.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line == "\"\"\"" {
            in_description = !in_description;
            described = !in_description;
            continue;
        }
        if in_description || line.starts_with('"') {
            described = !in_description || described;
            continue;
        }
        in_schema_block = line == "schema {" || (in_schema_block && line != "}");
        // async-graphql generates `XConnection` types without a type description (their
        // fields have one); everything we declare must have its own.
        let generated = line.starts_with("type ") && line.ends_with("Connection {");
        let is_type = ["type ", "input ", "enum ", "scalar "]
            .iter()
            .any(|k| line.starts_with(k))
            && !generated;
        let is_field = line.contains(':') && !in_schema_block;
        if (is_type || is_field) && !described {
            missing.push(line.to_owned());
        }
        described = false;
    }
    assert!(missing.is_empty(), "add `///` docs to: {missing:#?}");
}
