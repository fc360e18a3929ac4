//! The import graph of the workspace's production code, module by module (a crate's
//! top-level modules are the nodes; `crate::`, `super::` and other crates' paths are the
//! arrows; `#[cfg(test)]` code is left out). It must have no circle, and no production
//! module may reach into the simulator: only the mock-mode wiring and the simulator itself
//! use it. The crates themselves are layered (`LAYERS`): a dependency up a layer fails
//! here, and does not compile once it closes a circle. `scripts/import-graph.sh` prints
//! the graph (Graphviz DOT) with `LLMMON_IMPORT_GRAPH=dot`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The workspace's crates: the name other crates use in paths, and its source folder.
const CRATES: &[(&str, &str)] = &[
    ("llmmon", "src"),
    ("llmmon_exporter", "exporter/src"),
    ("llmmon_core", "core/src"),
    ("llmmon_readings", "readings/src"),
    ("llmmon_sim", "sim/src"),
    ("llmmon_announcements", "announcements/src"),
];

/// Modules whose job is to run the simulator: they may depend on it.
const SIMULATOR_USERS: &[&str] = &["llmmon_exporter::wiring", "llmmon_exporter::history"];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The crates from the bottom layer up, each with its manifest's folder: a crate's
/// dependencies (not its dev-dependencies) are crates of the layers below it.
const LAYERS: &[(&str, &str)] = &[
    ("llmmon-core", "core"),
    ("llmmon-readings", "readings"),
    ("llmmon-sim", "sim"),
    ("llmmon-announcements", "announcements"),
    ("llmmon-exporter", "exporter"),
    ("llmmon", "."),
];

#[test]
fn every_crate_depends_only_on_the_layers_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut bad = Vec::new();
    for (layer, (name, dir)) in LAYERS.iter().enumerate() {
        let below: Vec<&str> = LAYERS[..layer].iter().map(|(n, _)| *n).collect();
        for dependency in workspace_dependencies(&root.join(dir).join("Cargo.toml")) {
            if !below.contains(&dependency.as_str()) {
                bad.push(format!("{name} -> {dependency}"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "dependencies up a layer:\n{}",
        bad.join("\n")
    );
    let simulator = workspace_dependencies(&root.join("sim/Cargo.toml"));
    assert_eq!(
        simulator,
        ["llmmon-core", "llmmon-readings"],
        "the simulator's layers"
    );
}

/// The llmmon crates a manifest's `[dependencies]` name.
fn workspace_dependencies(manifest: &Path) -> Vec<String> {
    let text = fs::read_to_string(manifest).expect("a crate's manifest reads");
    let manifest: toml::Table = toml::from_str(&text).expect("a manifest parses");
    let Some(dependencies) = manifest.get("dependencies").and_then(|d| d.as_table()) else {
        return Vec::new();
    };
    dependencies
        .keys()
        .filter(|name| name.starts_with("llmmon"))
        .cloned()
        .collect()
}

#[test]
fn the_module_graph_has_no_circle() {
    let graph = graph();
    print_if_asked(&graph);
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "circles in the module graph:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn no_production_module_reaches_into_the_simulator() {
    let graph = graph();
    let bad: Vec<String> = graph
        .iter()
        .flat_map(|(from, tos)| tos.iter().map(move |to| (from, to)))
        .filter(|(from, to)| is_simulator(to) && !is_simulator(from))
        .filter(|(from, _)| !SIMULATOR_USERS.contains(&from.as_str()))
        .map(|(from, to)| format!("{from} -> {to}"))
        .collect();
    assert!(
        bad.is_empty(),
        "production code uses the simulator:\n{}",
        bad.join("\n")
    );
}

/// What only the wiring builds: the simulator produces readings and answers upstream
/// requests, the wiring puts the real collectors and sources over it.
const BUILT_BY_THE_WIRING: &[&str] = &["Collector", "HttpSource", "http_source", "wiring"];

#[test]
fn the_simulator_builds_no_collector_or_source() {
    let sim = Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/src");
    let mut bad = Vec::new();
    for file in rust_files(&sim) {
        let text = fs::read_to_string(&file).expect("read");
        let production = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in production.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in BUILT_BY_THE_WIRING.iter().filter(|w| code.contains(*w)) {
                bad.push(format!(
                    "{}:{}: {word}: {}",
                    file.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        !rust_files(&sim).is_empty(),
        "no simulator sources under {}",
        sim.display()
    );
    assert!(
        bad.is_empty(),
        "the simulator builds what the wiring should:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_graph_reader_sees_arrows_of_every_form() {
    let text = "use crate::a::b;\nuse crate::{c, d::{e, f}};\nfn g() { crate::h::i(); super::j::k(); llmmon_x::l::m(); }\n#[cfg(test)]\nmod tests { use crate::z; }\n";
    let mut found = BTreeSet::new();
    arrows(
        text,
        "llmmon",
        &["n".into()],
        &mut found,
        &["llmmon_x".to_string()],
    );
    let want: BTreeSet<String> = [
        "llmmon::a",
        "llmmon::c",
        "llmmon::d",
        "llmmon::h",
        "llmmon::j",
        "llmmon_x::l",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(found, want);
    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("a".into());
    assert_eq!(cycles(&graph), vec!["a -> b -> a".to_string()]);
}

fn is_simulator(module: &str) -> bool {
    module.starts_with("llmmon_sim")
}

fn print_if_asked(graph: &Graph) {
    if std::env::var("LLMMON_IMPORT_GRAPH").as_deref() != Ok("dot") {
        return;
    }
    println!("digraph llmmon {{");
    for (from, tos) in graph {
        for to in tos {
            println!("  \"{from}\" -> \"{to}\";");
        }
    }
    println!("}}");
}

/// Every production module of every crate that exists, with the modules it uses.
fn graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let crate_names: Vec<String> = CRATES.iter().map(|(name, _)| name.to_string()).collect();
    let mut graph = Graph::new();
    for (name, dir) in CRATES {
        let src = root.join(dir);
        if !src.is_dir() {
            continue;
        }
        for file in rust_files(&src) {
            let path = module_path(&src, &file);
            let Some(top) = path.first() else { continue };
            let node = format!("{name}::{top}");
            let text = fs::read_to_string(&file).expect("a source file reads");
            let tos = graph.entry(node.clone()).or_default();
            arrows(&text, name, &path, tos, &crate_names);
            tos.remove(&node);
        }
    }
    // Paths to items re-exported at a crate's root are not modules: leave them out.
    let nodes: BTreeSet<String> = graph.keys().cloned().collect();
    for tos in graph.values_mut() {
        tos.retain(|to| nodes.contains(to));
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("a source folder lists") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `a/b.rs` is `[a, b]`, `a/mod.rs` and `a.rs` are `[a]`; `lib.rs` and `main.rs` are `[]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("the file is under its crate");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if parts.is_empty() && (stem == "lib" || stem == "main") {
        return parts;
    }
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// Adds to `out` the top-level modules `text` (the file of module `path` in crate `krate`)
/// uses, as `crate::module`.
fn arrows(text: &str, krate: &str, path: &[String], out: &mut BTreeSet<String>, crates: &[String]) {
    let production = text.split("#[cfg(test)]").next().unwrap_or_default();
    for (at, _) in production.match_indices("crate::") {
        if at > 0 && is_ident(production.as_bytes()[at - 1]) {
            continue;
        }
        for first in first_segments(&production[at + "crate::".len()..]) {
            out.insert(format!("{krate}::{first}"));
        }
    }
    for (at, _) in production.match_indices("super::") {
        if at > 0 && is_ident(production.as_bytes()[at - 1]) {
            continue;
        }
        let mut rest = &production[at..];
        let mut depth = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            depth += 1;
            rest = r;
        }
        if at >= 7 && production[..at].ends_with("super::") {
            continue;
        }
        // `super` from a file of depth d points at the module of depth d - 1.
        if depth >= path.len() {
            for first in first_segments(rest) {
                out.insert(format!("{krate}::{first}"));
            }
        }
    }
    for other in crates.iter().filter(|c| c.as_str() != krate) {
        let prefix = format!("{other}::");
        for (at, _) in production.match_indices(&prefix) {
            if at > 0 && is_ident(production.as_bytes()[at - 1]) {
                continue;
            }
            for first in first_segments(&production[at + prefix.len()..]) {
                out.insert(format!("{other}::{first}"));
            }
        }
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The first path segments after `crate::`: `a` for `a::b`, `a` and `c` for `{a::b, c}`.
fn first_segments(rest: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = rest.strip_prefix('{') else {
        let first = ident(rest);
        return if first.is_empty() || first == "self" {
            vec![]
        } else {
            vec![first]
        };
    };
    let mut firsts = Vec::new();
    let mut depth = 0;
    let mut start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => start = true,
            c if start && !c.is_whitespace() => {
                let first = ident(&group[i..]);
                if !first.is_empty() && first != "self" {
                    firsts.push(first);
                }
                start = false;
            }
            _ => {}
        }
    }
    firsts
}

/// Every elementary circle's smallest representative, as `a -> b -> a` (a depth-first
/// search from each node that only visits nodes after it, so each circle is found once).
fn cycles(graph: &Graph) -> Vec<String> {
    let nodes: Vec<&String> = graph.keys().collect();
    let mut found = Vec::new();
    for (i, start) in nodes.iter().enumerate() {
        let allowed: BTreeSet<&String> = nodes[i..].iter().copied().collect();
        let mut path = vec![*start];
        walk(graph, start, &allowed, &mut path, &mut found);
    }
    found
}

fn walk<'a>(
    graph: &'a Graph,
    start: &String,
    allowed: &BTreeSet<&'a String>,
    path: &mut Vec<&'a String>,
    found: &mut Vec<String>,
) {
    let Some(tos) = graph.get(*path.last().expect("the path has its start")) else {
        return;
    };
    for to in tos {
        if to == start {
            let mut names: Vec<&str> = path.iter().map(|s| s.as_str()).collect();
            names.push(start);
            found.push(names.join(" -> "));
        } else if allowed.contains(to) && !path.contains(&to) && found.len() < 200 {
            path.push(to);
            walk(graph, start, allowed, path, found);
            path.pop();
        }
    }
}
