//! The layering of ARCHITECTURE.md, checked on the source: each top-level module of `src/`
//! imports only from modules listed before it in `LAYERS`.

use std::{collections::BTreeSet, fs, path::Path};

/// Bottom to top: the foundation, the domains in their order, the API surface, the
/// application. Keep in step with ARCHITECTURE.md and `src/lib.rs`.
const LAYERS: [&str; 21] = [
    "foundation",
    "graphql",
    "rates",
    "accounts",
    "users",
    "auth",
    "events",
    "notifications",
    "achievements",
    "budgets",
    "schedules",
    "rules",
    "transactions",
    "goals",
    "reports",
    "dashboard",
    "interchange",
    "sync",
    "admin",
    "api",
    "app",
];

/// The top-level modules a Rust source names through `crate::` paths: the first segment of
/// every `crate::x` path and of every item of a `use crate::{...}` group.
fn crate_modules(source: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut rest = source;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut end = group.len();
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 || (c == ',' && depth == 1) {
                    used.extend(first_segment(&item));
                    item.clear();
                    if depth == 0 {
                        end = i;
                        break;
                    }
                } else {
                    item.push(c);
                }
            }
            rest = &group[end..];
        } else {
            used.extend(first_segment(after));
            rest = after;
        }
    }
    used
}

fn first_segment(path: &str) -> Option<String> {
    let name: String = path
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_module_imports_only_from_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let rank = |name: &str| LAYERS.iter().position(|layer| *layer == name);
    let mut upward = Vec::new();
    let mut checked = 0;
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let top = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|c| c.trim_end_matches(".rs").to_owned())
            .unwrap_or_default();
        if matches!(top.as_str(), "lib" | "main") {
            continue;
        }
        let own = rank(&top).unwrap_or_else(|| panic!("src/{top} is in no layer: add it to LAYERS"));
        checked += 1;
        let source = fs::read_to_string(&file).expect("read source");
        for used in crate_modules(&source) {
            if rank(&used).is_some_and(|theirs| theirs > own) {
                upward.push(format!("{} imports {used}", relative.display()));
            }
        }
    }
    assert!(checked > 50, "only {checked} files checked");
    assert!(upward.is_empty(), "imports that run upward:\n{}", upward.join("\n"));
}

#[test]
fn the_import_reader_sees_groups_and_paths() {
    let source =
        "use crate::{\n    api::x, foundation::{a, b::{c, d}},\n    events,\n};\nfn f() { crate::users::g(); }";
    let found: Vec<String> = crate_modules(source).into_iter().collect();
    assert_eq!(found, ["api", "events", "foundation", "users"]);
}
