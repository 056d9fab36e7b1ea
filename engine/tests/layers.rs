//! The engine's modules point one way (ARCHITECTURE.md, "Layers"): each top-level
//! module may use the modules of its own layer or the layers below, never above, and
//! no two modules use each other, at the top level or between the files of one
//! module. Read from the `crate::` and `super::` paths of the sources (tests and
//! comments left out). `cargo test --test layers -- --nocapture` prints the listing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Lowest first. A module may use its own layer and the ones before it.
const LAYERS: &[&[&str]] = &[
    &["error", "rng", "num", "bounded", "text"],
    &["config"],
    &["budget"],
    &["data"],
    &["model", "eval"],
    &["train"],
    &["diag"],
    &["pipeline", "panel"],
    &["export"],
    &["artifact"],
    &["runs", "tune"],
    &["worker"],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer: add it to LAYERS"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file: `train/trainer.rs` → `["train", "trainer"]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without its test module and comments.
fn code(text: &str) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        // `#[cfg(test)]` followed (after other attributes) by an inline `mod … {`: the
        // rest of the file is tests (a `mod tests;` declaration is skipped as a file).
        if t.starts_with("#[cfg(test)]") {
            let next = lines[i + 1..]
                .iter()
                .map(|l| l.trim_start())
                .find(|l| !l.starts_with("#["));
            if next.is_some_and(|l| l.starts_with("mod ") && l.trim_end().ends_with('{')) {
                break;
            }
        }
        if !t.starts_with("//") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The identifiers that follow `prefix` in `code`, including each name of a
/// `prefix{a, b::c}` group.
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for item in inner.split(',') {
                let name = ident(item.trim());
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn engine_modules_point_one_way_and_form_no_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // (module, file's submodule) → sibling submodules it uses
    let mut inner: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let submodules = |module: &str| -> BTreeSet<String> {
        let dir = src.join(module);
        std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.path().file_stem().unwrap().to_string_lossy().into_owned())
                    .filter(|n| n != "mod" && n != "tests")
                    .collect()
            })
            .unwrap_or_default()
    };
    for file in &files {
        let path = module_path(&src, file);
        if path.iter().any(|p| p == "tests" || p.ends_with("_tests")) || path == ["lib"] {
            continue;
        }
        let code = code(&std::fs::read_to_string(file).unwrap());
        let module = path[0].clone();
        for used in names_after(&code, "crate::") {
            if used != module {
                top.entry(module.clone()).or_default().insert(used);
            }
        }
        top.entry(module.clone()).or_default();
        if let Some(sub) = path.get(1) {
            let siblings = submodules(&module);
            let mut uses: BTreeSet<String> = names_after(&code, &format!("crate::{module}::"));
            if path.len() == 2 {
                uses.extend(names_after(&code, "super::"));
            }
            uses.retain(|u| u != sub && siblings.contains(u));
            inner
                .entry((module.clone(), sub.clone()))
                .or_default()
                .extend(uses);
        }
    }

    println!("engine modules, by layer (lowest first), and what each uses:");
    for layer in LAYERS {
        for m in *layer {
            let uses = top.get(*m).map(|u| u.iter().cloned().collect::<Vec<_>>());
            println!("  {m:9} -> {}", uses.unwrap_or_default().join(", "));
        }
    }
    let mut problems = Vec::new();
    for (module, uses) in &top {
        for used in uses {
            if layer_of(used) > layer_of(module) {
                problems.push(format!("`{module}` uses `{used}`, a layer above it"));
            }
            if top.get(used).is_some_and(|u| u.contains(module)) {
                problems.push(format!("`{module}` and `{used}` use each other"));
            }
        }
    }
    for ((module, sub), uses) in &inner {
        for used in uses {
            let back = inner.get(&(module.clone(), used.clone()));
            if back.is_some_and(|b| b.contains(sub)) {
                problems.push(format!(
                    "`{module}::{sub}` and `{module}::{used}` use each other"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
