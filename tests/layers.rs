//! The crate's modules import one way: no file under `src/` (but `lib.rs` and `main.rs`, which
//! declare and start everything) reaches, through `crate::` paths, a module that reaches it back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The module a file is: `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// Every path that follows `crate::` in `text`, with `{a, b::c}` groups expanded.
fn crate_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        expand("", rest, &mut paths);
    }
    paths
}

fn expand(prefix: &str, text: &str, paths: &mut Vec<String>) {
    if let Some(group) = text.strip_prefix('{') {
        let mut depth = 0;
        let mut start = 0;
        for (index, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    expand(prefix, group[start..index].trim(), paths);
                    return;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(prefix, group[start..index].trim(), paths);
                    start = index + 1;
                }
                _ => {}
            }
        }
        return;
    }
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    let path = text[..end].trim_end_matches(':');
    let joined = if prefix.is_empty() {
        path.to_owned()
    } else {
        format!("{prefix}::{path}")
    };
    if text[end..].starts_with('{') && text[..end].ends_with("::") {
        expand(&joined, &text[end..], paths);
    } else if !joined.is_empty() {
        paths.push(joined);
    }
}

/// The deepest module named by `path` (a path may go on to an item inside it).
fn resolve(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|length| parts[..length].join("::"))
        .find(|candidate| modules.contains(candidate))
}

#[test]
fn no_module_reaches_a_module_that_reaches_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|file| module_of(&src, file)).collect();
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("read source");
        // Comments (doc links included) name modules without importing them.
        let code: String = text
            .lines()
            .map(|line| line.split("//").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let reached = crate_paths(&code)
            .iter()
            .filter_map(|path| resolve(path, &modules))
            .filter(|target| *target != module && target != "lib")
            .collect();
        imports.insert(module, reached);
    }
    assert!(
        imports.len() > 40,
        "the sources were read: {}",
        imports.len()
    );

    // Every module each module reaches, directly or through others, with the way it got there.
    for start in imports.keys() {
        let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
        let mut to_visit: Vec<(&String, &String)> =
            imports[start].iter().map(|next| (next, start)).collect();
        while let Some((next, from)) = to_visit.pop() {
            if next == start {
                let mut chain = vec![from.clone()];
                while let Some(previous) = came_from.get(chain.last().unwrap()) {
                    chain.push((*previous).clone());
                }
                chain.reverse();
                panic!(
                    "{start} reaches itself back: {} -> {start}",
                    chain.join(" -> ")
                );
            }
            if came_from.contains_key(next) {
                continue;
            }
            came_from.insert(next, from);
            if let Some(further) = imports.get(next) {
                to_visit.extend(further.iter().map(|further| (further, next)));
            }
        }
    }
}

#[test]
fn the_import_reader_sees_groups_and_nested_paths() {
    assert_eq!(
        crate_paths("use crate::{admin, vendors};\nuse crate::http::{body::JsonBody, cache};"),
        ["admin", "vendors", "http::body::JsonBody", "http::cache"]
    );
    let modules: BTreeSet<String> = ["http", "http::body"].map(String::from).into();
    assert_eq!(
        resolve("http::body::JsonBody", &modules).as_deref(),
        Some("http::body")
    );
}
