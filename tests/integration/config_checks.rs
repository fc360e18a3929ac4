//! Every config file checked by the tool or schema its own project publishes (see
//! docs/verification.md):
//!
//! - Prometheus: `promtool check config` on every Prometheus config, laid out in a temp dir
//!   exactly as the Compose service mounts it (so the rule files, target files and secrets
//!   it names must really be there), which also runs promtool's rule checks on every rule
//!   file the config loads.
//! - Alertmanager: the template rendered by its entrypoint with the environment the
//!   Compose service passes, then `amtool check-config`.
//! - Compose: every file, and every merged base + overlay variant, as written and
//!   interpolated with `.env.example`, against the Compose Specification's JSON schema
//!   (tests/fixtures/schemas/compose-spec.json).
//! - Grafana: every dashboard in dashboards/ type-checked by `tsc` against Grafana's own
//!   published types (`@grafana/schema`, installed by scripts/grafana-schema.sh): the
//!   dashboard model, each panel, variable and annotation, each panel's options and custom
//!   field config against its plugin's types, Loki queries against Loki's query type.
//! - The exporter's own config file, through the exporter's own loader.
//!
//! Each check names the file and the reason; a missing tool fails with its install command.
//! Negative cases prove that each check catches a real mistake.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value as Json};
use serde_yaml_ng::{Mapping, Value};

use crate::support::compose_env::{interpolate, interpolate_value};
use crate::support::require;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn compose_dir() -> PathBuf {
    root().join("compose")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A path relative to the repository root, for messages.
fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

// ------------------------------------------------------------------ Compose files as data

const COMPOSE_FILES: [&str; 5] = [
    "docker-compose.yml",
    "docker-compose.mock.yml",
    "docker-compose.dev.yml",
    "docker-compose.prod.yml",
    "docker-compose.fleet.yml",
];

/// The overlay combinations the docs and the systemd unit use (`-f base -f …`).
const VARIANTS: [&[&str]; 6] = [
    &[],
    &["docker-compose.mock.yml"],
    &["docker-compose.prod.yml"],
    &["docker-compose.dev.yml"],
    &["docker-compose.mock.yml", "docker-compose.dev.yml"],
    &["docker-compose.prod.yml", "docker-compose.fleet.yml"],
];

fn variant_name(overlays: &[&str]) -> String {
    let mut files = vec!["docker-compose.yml"];
    files.extend_from_slice(overlays);
    files.join(" + ")
}

/// A compose file as YAML, with `<<` merge keys applied as Compose applies them.
fn compose_yaml(name: &str) -> Value {
    let path = compose_dir().join(name);
    let mut doc: Value = serde_yaml_ng::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", rel(&path)));
    doc.apply_merge()
        .unwrap_or_else(|e| panic!("{}: merge keys: {e}", rel(&path)));
    doc
}

fn tag_of(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) => Some(t.tag.to_string().trim_start_matches('!').to_owned()),
        _ => None,
    }
}

/// One file on its own, as Compose loads it before merging: entries tagged `!reset` are
/// dropped, `!override` gives its value. Any other tag is an error.
fn resolve_tags(v: &Value) -> Option<Value> {
    match v {
        Value::Tagged(t) => match tag_of(v).as_deref() {
            Some("reset") => None,
            Some("override") => resolve_tags(&t.value),
            other => panic!("unsupported YAML tag {other:?} in a compose file"),
        },
        Value::Mapping(m) => Some(Value::Mapping(
            m.iter()
                .filter_map(|(k, x)| resolve_tags(x).map(|x| (k.clone(), x)))
                .collect(),
        )),
        Value::Sequence(s) => Some(Value::Sequence(s.iter().filter_map(resolve_tags).collect())),
        other => Some(other.clone()),
    }
}

/// The path in the container of a volume entry (short `src:target[:mode]` or long syntax).
fn mount_target(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => s.split(':').nth(1).map(str::to_owned),
        other => other["target"].as_str().map(str::to_owned),
    }
}

/// Merges overlay `over` into `base` by the Compose Specification's merge rules (compose-spec
/// `spec.md` "Merge and override"): mappings merge key by key; `command`, `entrypoint` and
/// `healthcheck.test` are replaced; `volumes` merge by their path in the container; other
/// sequences are appended without duplicates; scalars are replaced; `!reset` removes what the
/// base has and `!override` replaces it whole. (tests/integration/compose.rs has its own copy
/// for its assertions; this one is here because that one is private.)
fn merge(base: &mut Mapping, over: &Mapping, parent: Option<&str>) {
    for (k, v) in over {
        let key = k.as_str().unwrap_or_default();
        match tag_of(v).as_deref() {
            Some("reset") => {
                base.remove(k);
                continue;
            }
            Some("override") => {
                if let Some(x) = resolve_tags(v) {
                    base.insert(k.clone(), x);
                }
                continue;
            }
            _ => {}
        }
        let replaced = matches!(key, "command" | "entrypoint")
            || (key == "test" && parent == Some("healthcheck"));
        match (base.get_mut(k), v) {
            (Some(Value::Mapping(b)), Value::Mapping(o)) => merge(b, o, Some(key)),
            (Some(Value::Sequence(b)), Value::Sequence(o)) if !replaced => {
                for x in o.iter().filter_map(resolve_tags) {
                    if key == "volumes" {
                        let target = mount_target(&x);
                        b.retain(|y| target.is_none() || mount_target(y) != target);
                    }
                    if !b.contains(&x) {
                        b.push(x);
                    }
                }
            }
            _ => {
                if let Some(x) = resolve_tags(v) {
                    base.insert(k.clone(), x);
                }
            }
        }
    }
}

/// Base + overlays, merged, not interpolated.
fn merged(overlays: &[&str]) -> Value {
    let base = compose_yaml("docker-compose.yml");
    let mut doc = resolve_tags(&base)
        .and_then(|d| d.as_mapping().cloned())
        .expect("the base file is a mapping");
    for o in overlays {
        let over = compose_yaml(o);
        merge(
            &mut doc,
            over.as_mapping()
                .unwrap_or_else(|| panic!("{o} is not a mapping")),
            None,
        );
    }
    Value::Mapping(doc)
}

/// `.env.example` as NAME → value, plus a Grafana password and the production secrets
/// (required, no default there).
fn env_example() -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = read(&compose_dir().join(".env.example"))
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    env.insert("GRAFANA_ADMIN_PASSWORD".into(), "test-only-password".into());
    // What docker-compose.fleet.yml requires, as a server of a fleet has it.
    env.insert(
        "FLEET_REMOTE_WRITE_URL".into(),
        "https://metrics.example.org/api/v1/write".into(),
    );
    env.insert("FLEET_HOST".into(), "llm-h200-01".into());
    // The secrets docker-compose.prod.yml requires (`:?`), as a filled-in .env has them.
    for secret in [
        "LITELLM_MASTER_KEY",
        "LANGFUSE_PUBLIC_KEY",
        "LANGFUSE_SECRET_KEY",
        "LLMMON_ANNOUNCEMENTS_TOKEN",
    ] {
        env.insert(
            secret.into(),
            format!("test-only-{}", secret.to_lowercase()),
        );
    }
    env
}

/// YAML (tags already resolved) as the JSON document the schema sees.
fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                json!(n.as_f64().expect("a YAML number is a float at worst"))
            }
        }
        Value::String(s) => Json::String(s.clone()),
        Value::Sequence(s) => Json::Array(s.iter().map(to_json).collect()),
        Value::Mapping(m) => Json::Object(
            m.iter()
                .map(|(k, x)| {
                    let key = match k {
                        Value::String(s) => s.clone(),
                        other => serde_yaml_ng::to_string(other)
                            .expect("scalar key")
                            .trim()
                            .to_owned(),
                    };
                    (key, to_json(x))
                })
                .collect(),
        ),
        Value::Tagged(t) => panic!("unresolved YAML tag {}", t.tag),
    }
}

fn compose_schema() -> jsonschema::Validator {
    let path = root().join("tests/fixtures/schemas/compose-spec.json");
    let schema: Json = serde_json::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", rel(&path)));
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{} is not a valid JSON schema: {e}", rel(&path)))
}

/// Every schema violation of `doc`, each as `<what>: <JSON pointer>: <reason>`.
fn schema_errors(validator: &jsonschema::Validator, what: &str, doc: &Json) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{what}: {}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_compose_file_and_merged_variant_matches_the_compose_specification_schema() {
    let validator = compose_schema();
    let env = env_example();
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in COMPOSE_FILES {
        let doc = resolve_tags(&compose_yaml(file)).expect("a document");
        let what = format!("compose/{file}");
        problems.extend(schema_errors(
            &validator,
            &format!("{what} (as written)"),
            &to_json(&doc),
        ));
        match interpolate_value(&doc, &env) {
            Ok(doc) => problems.extend(schema_errors(
                &validator,
                &format!("{what} (interpolated with .env.example)"),
                &to_json(&doc),
            )),
            Err(e) => problems.push(format!("{what}: interpolation failed: {e}")),
        }
        checked += 2;
    }
    for overlays in VARIANTS {
        let doc = merged(overlays);
        let what = format!("compose/{{{}}} merged", variant_name(overlays));
        problems.extend(schema_errors(
            &validator,
            &format!("{what} (as written)"),
            &to_json(&doc),
        ));
        match interpolate_value(&doc, &env) {
            Ok(doc) => problems.extend(schema_errors(
                &validator,
                &format!("{what} (interpolated with .env.example)"),
                &to_json(&doc),
            )),
            Err(e) => problems.push(format!("{what}: interpolation failed: {e}")),
        }
        checked += 2;
    }
    assert_eq!(checked, 2 * (COMPOSE_FILES.len() + VARIANTS.len()));
    assert!(
        problems.is_empty(),
        "compose files that the Compose Specification schema rejects:\n{}",
        problems.join("\n")
    );
    // Every compose file of compose/ is in the list above.
    let mut on_disk: Vec<String> = std::fs::read_dir(compose_dir())
        .expect("compose/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("docker-compose") || n.starts_with("compose."))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = COMPOSE_FILES.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "a compose file is not schema-checked");
}

#[test]
fn the_central_stack_matches_the_compose_schema_and_refuses_to_start_without_credentials() {
    let validator = compose_schema();
    let doc = resolve_tags(&compose_yaml("central/docker-compose.yml")).expect("a document");
    let mut env: BTreeMap<String, String> = read(&compose_dir().join("central/.env.example"))
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut problems = schema_errors(&validator, "central (as written)", &to_json(&doc));
    let required = [
        "CENTRAL_WRITE_USER",
        "CENTRAL_WRITE_PASSWORD",
        "CENTRAL_READ_USER",
        "CENTRAL_READ_PASSWORD",
        "GRAFANA_ADMIN_PASSWORD",
    ];
    for key in required {
        assert_eq!(
            env.get(key).map(String::as_str),
            Some(""),
            "{key} ships empty"
        );
        let err = interpolate_value(&doc, &env).expect_err("refused without credentials");
        assert!(
            err.contains("CENTRAL_") || err.contains("GRAFANA_"),
            "{err}"
        );
        env.insert(key.into(), format!("test-{key}"));
    }
    match interpolate_value(&doc, &env) {
        Ok(filled) => problems.extend(schema_errors(
            &validator,
            "central (filled)",
            &to_json(&filled),
        )),
        Err(e) => problems.push(format!("central: interpolation failed: {e}")),
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_compose_schema_check_catches_a_misspelt_key_a_wrong_type_and_a_bad_merge() {
    let validator = compose_schema();
    let mut doc = to_json(&resolve_tags(&compose_yaml("docker-compose.yml")).expect("doc"));
    assert!(schema_errors(&validator, "base", &doc).is_empty());
    let svc = &mut doc["services"]["prometheus"];
    svc["healthchek"] = svc["healthcheck"].clone();
    svc["restart"] = json!(5);
    svc["ports"] = json!({"9090": 9090});
    let errors = schema_errors(&validator, "docker-compose.yml", &doc).join("\n");
    for needle in [
        "/services/prometheus: Additional properties are not allowed ('healthchek' was unexpected)",
        "/services/prometheus/restart: 5 is not of type \"string\"",
        "/services/prometheus/ports:",
    ] {
        assert!(
            errors.contains(needle),
            "{needle:?} not reported:\n{errors}"
        );
    }
    assert!(errors.starts_with("docker-compose.yml: "), "{errors}");
    // A `!reset` in an overlay leaves nothing behind, and an overlay can break the merged
    // document: `cpus` must be a number or a string.
    let mut base = compose_yaml("docker-compose.yml")
        .as_mapping()
        .cloned()
        .expect("mapping");
    let over: Value = serde_yaml_ng::from_str(
        "services:\n  prometheus:\n    cpus: [2]\n    healthcheck: !reset null\n",
    )
    .expect("YAML");
    merge(&mut base, over.as_mapping().expect("mapping"), None);
    let doc = to_json(&Value::Mapping(base));
    assert!(doc["services"]["prometheus"].get("healthcheck").is_none());
    let errors = schema_errors(&validator, "merged", &doc).join("\n");
    assert!(errors.contains("/services/prometheus/cpus"), "{errors}");
}

#[test]
fn compose_interpolation_follows_the_specification() {
    let env: BTreeMap<String, String> = [("A", "a"), ("E", "")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let cases = [
        ("${A}", "a"),
        ("$A/x", "a/x"),
        ("${E:-d}", "d"),
        ("${E-d}", ""),
        ("${U-d}", "d"),
        ("${U:-${A}b}", "ab"),
        ("${A:+alt}", "alt"),
        ("${E:+alt}", ""),
        ("${E+alt}", "alt"),
        ("$$code", "$code"),
        ("cost $5", "cost $5"),
    ];
    for (input, want) in cases {
        assert_eq!(interpolate(input, &env).as_deref(), Ok(want), "{input}");
    }
    assert!(interpolate("${E:?needed}", &env)
        .expect_err("empty")
        .contains("E is missing: needed"));
    assert!(interpolate("${E?needed}", &env).is_ok());
    assert!(interpolate("${A", &env).is_err());
}

// ------------------------------------------------------------------ container layouts

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A container path under `root` (a temp dir standing in for the container's `/`).
fn inside(root: &Path, container_path: &str) -> PathBuf {
    root.join(container_path.trim_start_matches('/'))
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(from).expect("read dir") {
            let e = e.expect("entry");
            copy_tree(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from, to)
            .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
    }
}

/// The file system a service of the merged, interpolated stack `doc` sees, built in a temp
/// dir: its bind mounts of this checkout copied to their container paths, its named volumes
/// and tmpfs mounts as empty directories, its secrets at /run/secrets/<name> (a file secret
/// copied, an environment secret holding the variable's value or a placeholder).
/// Host paths outside the checkout (the Docker socket, `/`) are left out.
fn container_fs(doc: &Value, service: &str, env: &BTreeMap<String, String>) -> tempfile::TempDir {
    let fs = tempfile::tempdir().expect("temp dir");
    let svc = &doc["services"][service];
    for v in svc["volumes"].as_sequence().into_iter().flatten() {
        let (source, target) = match v {
            Value::String(s) => {
                let mut parts = s.split(':');
                (
                    parts.next().unwrap_or_default().to_owned(),
                    parts.next().map(str::to_owned),
                )
            }
            other => (
                other["source"].as_str().unwrap_or_default().to_owned(),
                other["target"].as_str().map(str::to_owned),
            ),
        };
        let target = target.unwrap_or_else(|| panic!("{service}: volume {v:?} has no target"));
        if source.starts_with('.') {
            let host = compose_dir().join(&source);
            assert!(
                host.exists(),
                "{service}: mounts {source}, which does not exist"
            );
            copy_tree(&host, &inside(fs.path(), &target));
        } else if !source.starts_with('/') {
            std::fs::create_dir_all(inside(fs.path(), &target)).expect("mkdir");
        }
    }
    for t in strings(&svc["tmpfs"]) {
        let path = t.split(':').next().unwrap_or_default();
        std::fs::create_dir_all(inside(fs.path(), path)).expect("mkdir");
    }
    for s in svc["secrets"].as_sequence().into_iter().flatten() {
        let (name, target) = match s {
            Value::String(n) => (n.clone(), format!("/run/secrets/{n}")),
            other => {
                let n = other["source"].as_str().expect("secret source").to_owned();
                let t = other["target"].as_str().map_or_else(
                    || format!("/run/secrets/{n}"),
                    |t| {
                        if t.starts_with('/') {
                            t.to_owned()
                        } else {
                            format!("/run/secrets/{t}")
                        }
                    },
                );
                (n, t)
            }
        };
        let decl = &doc["secrets"][name.as_str()];
        let path = inside(fs.path(), &target);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        if let Some(file) = decl["file"].as_str() {
            std::fs::copy(compose_dir().join(file), &path).expect("copy secret file");
        } else if let Some(var) = decl["environment"].as_str() {
            let value = env
                .get(var)
                .filter(|v| !v.is_empty())
                .map_or("placeholder-secret", String::as_str);
            std::fs::write(&path, value).expect("write secret");
        } else {
            panic!(
                "{service}: secret {name} is not declared with a file or an environment variable"
            );
        }
    }
    fs
}

/// The interpolated merged stack of a variant.
fn stack(overlays: &[&str], env: &BTreeMap<String, String>) -> Value {
    interpolate_value(&merged(overlays), env)
        .unwrap_or_else(|e| panic!("{}: {e}", variant_name(overlays)))
}

/// The value of `--flag=value` in a service's command.
fn flag(svc: &Value, name: &str) -> Option<String> {
    strings(&svc["command"])
        .into_iter()
        .find_map(|a| a.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

// ------------------------------------------------------------------ Prometheus

/// Prefixes every absolute file path a Prometheus config names with `fs` (the container's
/// `/` in a temp dir): `rule_files`, `scrape_config_files`, `file_sd_configs[].files` and
/// every `*_file` setting (credentials, passwords, TLS files). Relative paths stay, as
/// Prometheus resolves them against the config file's directory, which the layout keeps.
fn rewrite_paths(v: &mut Value, fs: &Path, key: Option<&str>) {
    let paths_here = matches!(key, Some("rule_files" | "scrape_config_files" | "files"))
        || key.is_some_and(|k| k.ends_with("_file"));
    match v {
        Value::String(s) if paths_here && s.starts_with('/') => {
            *s = inside(fs, s).to_string_lossy().into_owned();
        }
        Value::Sequence(seq) => {
            for x in seq {
                rewrite_paths(x, fs, key);
            }
        }
        Value::Mapping(m) => {
            for (k, x) in m.iter_mut() {
                rewrite_paths(x, fs, k.as_str());
            }
        }
        _ => {}
    }
}

/// Runs `promtool check config` (which also checks every rule file the config loads, as
/// `promtool check rules` does) on `config`; an error names the config and promtool's
/// reason. Warnings (a missing `file_sd` file) count as errors, and so does a `rule_files`
/// pattern that matches no file (Prometheus accepts it silently).
fn promtool_check_config(config: &Path, what: &str) -> Result<String, String> {
    let bin = require("promtool", "prometheus");
    let out = Command::new(bin)
        .args(["check", "config"])
        .arg(config)
        .output()
        .expect("run promtool");
    let text = output_text(&out);
    if !out.status.success() {
        return Err(format!("{what}: promtool check config failed:\n{text}"));
    }
    if text.contains("WARNING") {
        return Err(format!("{what}: promtool check config warns:\n{text}"));
    }
    let doc: Value = serde_yaml_ng::from_str(&read(config)).expect("promtool read it");
    let dir = config.parent().expect("config dir");
    for pattern in strings(&doc["rule_files"]) {
        let pattern = dir.join(&pattern);
        let files = glob_files(&pattern);
        if files.is_empty() {
            return Err(format!(
                "{what}: rule_files pattern {} matches no file",
                pattern.display()
            ));
        }
        for f in files {
            let shown = f.strip_prefix(dir).unwrap_or(&f).display().to_string();
            if !text.contains(&shown) && !text.contains(&f.display().to_string()) {
                return Err(format!(
                    "{what}: promtool did not check rule file {shown}:\n{text}"
                ));
            }
        }
    }
    Ok(text)
}

/// Files matching a pattern whose last component may hold `*` (what the configs use).
fn glob_files(pattern: &Path) -> Vec<PathBuf> {
    let dir = pattern.parent().expect("dir");
    let name = pattern
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let (pre, post) = name.split_once('*').unwrap_or((name.as_str(), ""));
    let exact = !name.contains('*');
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().expect("name").to_string_lossy();
            if exact {
                n == name
            } else {
                n.starts_with(pre) && n.ends_with(post) && n.len() >= pre.len() + post.len()
            }
        })
        .collect();
    out.sort();
    out
}

/// Lays the Prometheus service of a merged stack out as in its container and checks the
/// config it is started with (`--config.file`).
fn check_prometheus_service(
    doc: &Value,
    what: &str,
    env: &BTreeMap<String, String>,
) -> Result<String, String> {
    let fs = container_fs(doc, "prometheus", env);
    let svc = &doc["services"]["prometheus"];
    let config =
        flag(svc, "--config.file").unwrap_or_else(|| "/etc/prometheus/prometheus.yml".into());
    let path = inside(fs.path(), &config);
    if !path.is_file() {
        return Err(format!(
            "{what}: --config.file={config} is not mounted into the container"
        ));
    }
    let mut cfg: Value =
        serde_yaml_ng::from_str(&read(&path)).map_err(|e| format!("{what}: {config}: {e}"))?;
    rewrite_paths(&mut cfg, fs.path(), None);
    std::fs::write(&path, serde_yaml_ng::to_string(&cfg).expect("YAML")).expect("write config");
    promtool_check_config(&path, what)
}

/// Configs in compose/config/prometheus/ run outside Compose (by hand or by the tests),
/// whose relative paths resolve next to them.
const LOCAL_PROMETHEUS_CONFIGS: [&str; 1] = ["prometheus.local.yml"];

/// Settings that name a secret the user supplies (never committed).
const SECRET_FILE_KEYS: [&str; 4] = [
    "credentials_file",
    "bearer_token_file",
    "password_file",
    "client_secret_file",
];

fn secret_files(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Mapping(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    (Some(k), Value::String(path)) if SECRET_FILE_KEYS.contains(&k) => {
                        out.push(path.clone());
                    }
                    _ => secret_files(x, out),
                }
            }
        }
        Value::Sequence(s) => s.iter().for_each(|x| secret_files(x, out)),
        _ => {}
    }
}

/// Checks a local config on a copy of its directory, with a placeholder for each secret
/// file it names beside it that the user supplies and the checkout lacks (git ignores
/// them); its rule and target files must be there as committed.
fn check_local_prometheus_config(name: &str) -> Result<String, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let copy = dir.path().join("prometheus");
    copy_tree(&compose_dir().join("config/prometheus"), &copy);
    let config = copy.join(name);
    let doc: Value = serde_yaml_ng::from_str(&read(&config)).map_err(|e| format!("{name}: {e}"))?;
    let mut secrets = Vec::new();
    secret_files(&doc, &mut secrets);
    for s in secrets {
        let path = copy.join(&s);
        if path.starts_with(&copy) && !path.exists() {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, "placeholder-secret").expect("write secret");
        }
    }
    promtool_check_config(&config, &format!("compose/config/prometheus/{name}"))
}

#[test]
fn promtool_accepts_every_prometheus_config_as_its_container_sees_it() {
    let env = env_example();
    let prom_dir = compose_dir().join("config/prometheus");
    let mut problems = Vec::new();
    let mut mounted_configs = BTreeSet::new();
    let mut mounted_dirs = BTreeSet::new();
    for overlays in VARIANTS {
        let doc = stack(overlays, &env);
        let what = format!(
            "compose/config/prometheus as mounted by {}",
            variant_name(overlays)
        );
        if let Err(e) = check_prometheus_service(&doc, &what, &env) {
            problems.push(e);
        }
        for v in strings(&doc["services"]["prometheus"]["volumes"]) {
            if let Some(src) = v
                .split(':')
                .next()
                .and_then(|s| s.strip_prefix("./config/prometheus/"))
            {
                // A mounted file (a config, the fleet's render script and its template:
                // tests/integration/fleet.rs runs those with a real Prometheus) or a folder.
                if prom_dir.join(src).is_dir() {
                    mounted_dirs.insert(src.to_owned());
                } else {
                    mounted_configs.insert(src.to_owned());
                }
            }
        }
    }
    for name in LOCAL_PROMETHEUS_CONFIGS {
        if let Err(e) = check_local_prometheus_config(name) {
            problems.push(e);
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // Every Prometheus config and every directory of compose/config/prometheus is checked
    // above: mounted into the container of some variant, or one of the local configs. Its
    // tests/ directory holds promtool unit tests, run by tests/integration/rules.rs.
    for e in std::fs::read_dir(&prom_dir).expect("prometheus dir") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        let path = prom_dir.join(&name);
        if path.is_dir() {
            assert!(
                mounted_dirs.contains(&name) || name == "tests",
                "compose/config/prometheus/{name}/ is mounted into no Prometheus, so no check sees it"
            );
        } else {
            assert!(
                mounted_configs.contains(&name)
                    || LOCAL_PROMETHEUS_CONFIGS.contains(&name.as_str()),
                "compose/config/prometheus/{name} is not promtool-checked"
            );
        }
    }
    assert!(
        mounted_dirs.contains("targets-mock") && mounted_dirs.contains("rules"),
        "{mounted_dirs:?}"
    );
}

#[test]
fn the_prometheus_check_fails_on_a_missing_mount_a_missing_secret_and_a_bad_key() {
    let env = env_example();
    let base = stack(&[], &env);
    assert!(check_prometheus_service(&base, "base", &env).is_ok());
    let cases: [(&str, &str); 3] = [
        ("./config/prometheus/targets:", "litellm-proxy.yml"),
        ("./config/prometheus/rules:", "matches no file"),
        ("secrets", "litellm_master_key"),
    ];
    for (remove, reason) in cases {
        let mut doc = base.clone();
        let svc = doc["services"]["prometheus"]
            .as_mapping_mut()
            .expect("service");
        if remove == "secrets" {
            svc.remove("secrets");
        } else {
            let vols = svc["volumes"].as_sequence_mut().expect("volumes");
            vols.retain(|v| !v.as_str().unwrap_or_default().starts_with(remove));
        }
        let err = check_prometheus_service(&doc, "broken", &env).expect_err(remove);
        assert!(
            err.starts_with("broken: ") && err.contains(reason),
            "{remove}: {err}"
        );
    }
    // A misspelt setting in the config itself.
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("prometheus.yml");
    std::fs::write(&bad, "global:\n  scrape_intervall: 30s\n").expect("write");
    let err = promtool_check_config(&bad, "bad.yml").expect_err("unknown field");
    assert!(
        err.contains("bad.yml") && err.contains("scrape_intervall"),
        "{err}"
    );
}

// ------------------------------------------------------------------ Alertmanager

/// Renders the Alertmanager config as the Compose service's entrypoint does (its own
/// render-config.sh, the template and output paths from the entrypoint, the service's
/// environment), in a layout of the container, then runs `amtool check-config` on it.
fn check_alertmanager_service(
    doc: &Value,
    what: &str,
    env: &BTreeMap<String, String>,
) -> Result<String, String> {
    let fs = container_fs(doc, "alertmanager", env);
    render_and_check_alertmanager(fs.path(), &doc["services"]["alertmanager"], what)
}

/// The rendering and check of `check_alertmanager_service` in the container layout `fs`.
fn render_and_check_alertmanager(fs: &Path, svc: &Value, what: &str) -> Result<String, String> {
    let entry = strings(&svc["entrypoint"]);
    let sep = entry.iter().position(|a| a == "--").unwrap_or(entry.len());
    let [shell, script, template, output] = &entry[..sep] else {
        return Err(format!(
            "{what}: entrypoint {entry:?} is not `sh render-config.sh TEMPLATE OUTPUT -- …`"
        ));
    };
    if flag(svc, "--config.file").as_deref() != Some(output.as_str()) {
        return Err(format!(
            "{what}: Alertmanager does not read the rendered {output}"
        ));
    }
    let sh = require(
        Path::new(shell)
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("sh"),
        "dash",
    );
    let mut cmd = Command::new(sh);
    cmd.arg(inside(fs, script))
        .arg(inside(fs, template))
        .arg(inside(fs, output))
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    if let Some(m) = svc["environment"].as_mapping() {
        for (k, v) in m {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => serde_yaml_ng::to_string(other)
                    .expect("scalar")
                    .trim()
                    .to_owned(),
            };
            cmd.env(k.as_str().expect("variable name"), v);
        }
    }
    let out = cmd.output().expect("run render-config.sh");
    if !out.status.success() {
        return Err(format!(
            "{what}: render-config.sh failed:\n{}",
            output_text(&out)
        ));
    }
    let rendered = inside(fs, output);
    let am = require("amtool", "prometheus-alertmanager");
    let out = Command::new(am)
        .arg("check-config")
        .arg(&rendered)
        .output()
        .expect("run amtool");
    let text = output_text(&out);
    if !out.status.success() || !text.contains("SUCCESS") {
        return Err(format!(
            "{what}: amtool check-config rejects the rendered {output}:\n{text}"
        ));
    }
    Ok(text)
}

#[test]
fn amtool_accepts_the_alertmanager_config_as_each_variant_renders_it() {
    // tests/integration/alerting.rs renders the template with no, one and every receiver set;
    // this is the file as the Compose service itself renders it from .env.example.
    let env = env_example();
    let mut problems = Vec::new();
    for overlays in VARIANTS {
        let what = format!(
            "compose/config/alertmanager/alertmanager.yml rendered by {}",
            variant_name(overlays)
        );
        match check_alertmanager_service(&stack(overlays, &env), &what, &env) {
            Ok(text) => assert!(text.contains("receivers"), "{text}"),
            Err(e) => problems.push(e),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // amtool catches a real mistake through the same path: a route to an unknown receiver.
    let doc = stack(&[], &env);
    let fs = container_fs(&doc, "alertmanager", &env);
    let template = inside(fs.path(), "/etc/alertmanager/alertmanager.yml");
    let broken = read(&template).replacen("receiver: log-only", "receiver: nobody", 1);
    std::fs::write(&template, broken).expect("write");
    let err = render_and_check_alertmanager(fs.path(), &doc["services"]["alertmanager"], "broken")
        .expect_err("unknown receiver");
    assert!(
        err.starts_with("broken: ") && err.contains("nobody"),
        "{err}"
    );
}

// ------------------------------------------------------------------ the exporter's config

#[test]
fn the_exporters_config_file_loads_with_the_exporters_own_loader() {
    // The loader denies unknown keys and validates every value.
    let path = compose_dir().join("config/exporter/llmmon.toml");
    let raw = llmmon_exporter::config::RawSettings::load(Some(&path))
        .unwrap_or_else(|e| panic!("{}: {e}", rel(&path)));
    raw.validate()
        .unwrap_or_else(|e| panic!("{}: {e}", rel(&path)));
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("llmmon.toml");
    std::fs::write(
        &bad,
        read(&path).replace("discover = true", "discovr = true"),
    )
    .expect("write");
    let err = llmmon_exporter::config::RawSettings::load(Some(&bad)).expect_err("unknown key");
    assert!(err.to_string().contains("discovr"), "{err}");
}

// ------------------------------------------------------------------ Grafana dashboards

/// Where scripts/grafana-schema.sh installs @grafana/schema and TypeScript.
fn grafana_schema_dir() -> PathBuf {
    root().join("target/grafana-schema")
}

fn tsc() -> PathBuf {
    require("node", "nodejs");
    let tsc = grafana_schema_dir().join("node_modules/.bin/tsc");
    assert!(
        tsc.is_file(),
        "{} is missing; this test needs Grafana's published schema and TypeScript. Install them \
         with: ./scripts/grafana-schema.sh (needs node and npm: apt-get update && apt-get \
         install -y nodejs npm), or run ./scripts/test.sh, which does",
        rel(&tsc)
    );
    tsc
}

/// Panel plugin id → the module of @grafana/schema with its `Options` type, and whether it
/// also has a `FieldConfig` (custom field config) type.
const PANEL_SCHEMAS: [(&str, &str, bool); 22] = [
    (
        "annolist",
        "annotationslist/panelcfg/x/AnnotationsListPanelCfg",
        false,
    ),
    ("barchart", "barchart/panelcfg/x/BarChartPanelCfg", true),
    ("bargauge", "bargauge/panelcfg/x/BarGaugePanelCfg", false),
    (
        "candlestick",
        "candlestick/panelcfg/x/CandlestickPanelCfg",
        true,
    ),
    ("canvas", "canvas/panelcfg/x/CanvasPanelCfg", false),
    (
        "dashlist",
        "dashboardlist/panelcfg/x/DashboardListPanelCfg",
        false,
    ),
    ("datagrid", "datagrid/panelcfg/x/DatagridPanelCfg", false),
    ("debug", "debug/panelcfg/x/DebugPanelCfg", false),
    ("gauge", "gauge/panelcfg/x/GaugePanelCfg", false),
    ("geomap", "geomap/panelcfg/x/GeomapPanelCfg", false),
    ("heatmap", "heatmap/panelcfg/x/HeatmapPanelCfg", true),
    ("histogram", "histogram/panelcfg/x/HistogramPanelCfg", true),
    ("logs", "logs/panelcfg/x/LogsPanelCfg", false),
    ("news", "news/panelcfg/x/NewsPanelCfg", false),
    ("nodeGraph", "nodegraph/panelcfg/x/NodeGraphPanelCfg", false),
    ("piechart", "piechart/panelcfg/x/PieChartPanelCfg", true),
    ("stat", "stat/panelcfg/x/StatPanelCfg", false),
    (
        "state-timeline",
        "statetimeline/panelcfg/x/StateTimelinePanelCfg",
        true,
    ),
    (
        "status-history",
        "statushistory/panelcfg/x/StatusHistoryPanelCfg",
        true,
    ),
    ("table", "table/panelcfg/x/TablePanelCfg", true),
    ("text", "text/panelcfg/x/TextPanelCfg", false),
    (
        "timeseries",
        "timeseries/panelcfg/x/TimeSeriesPanelCfg",
        true,
    ),
];

/// Core panels for which @grafana/schema publishes no options type: only the panel itself
/// (its Panel properties) is checked.
const PANELS_WITHOUT_SCHEMA: [&str; 1] = ["alertlist"];

/// Properties Grafana itself writes that the v1 dashboard schema has no place for, each
/// with the reason; they are taken out before the check and listed in docs/verification.md.
/// (object kind, property, why)
const GRAFANA_EXTENSIONS: [(&str, &str, &str); 9] = [
    (
        "prometheus annotation",
        "expr",
        "Prometheus annotation options; v2 schema: legacyOptions",
    ),
    (
        "prometheus annotation",
        "step",
        "Prometheus annotation options; v2 schema: legacyOptions",
    ),
    (
        "prometheus annotation",
        "tagKeys",
        "Prometheus annotation options; v2 schema: legacyOptions",
    ),
    (
        "prometheus annotation",
        "textFormat",
        "Prometheus annotation options; v2 schema: legacyOptions",
    ),
    (
        "prometheus annotation",
        "titleFormat",
        "Prometheus annotation options; v2 schema: legacyOptions",
    ),
    (
        "prometheus annotation",
        "useValueForTime",
        "Prometheus annotation options; v2 schema: legacyOptions",
    ),
    (
        "query variable",
        "definition",
        "QueryVariableModel.definition (grafana-data)",
    ),
    (
        "interval variable",
        "auto",
        "IntervalVariableModel.auto (grafana-data)",
    ),
    (
        "interval variable",
        "auto_count",
        "IntervalVariableModel.auto_count (grafana-data)",
    ),
];

/// Removes the GRAFANA_EXTENSIONS properties from `obj` of `kind`.
fn strip_extensions(obj: &mut Json, kind: &str) {
    if let Some(m) = obj.as_object_mut() {
        for (k, prop, _) in GRAFANA_EXTENSIONS {
            if k == kind {
                m.remove(prop);
            }
        }
        if kind == "interval variable" {
            m.remove("auto_min");
        }
    }
}

/// The TypeScript every generated file starts with. `Json<T>` is what a JSON document of
/// type T may hold: string enums become their values (JSON cannot name an enum member),
/// and every property is optional, because the TS generator makes a field with a CUE
/// default required while Grafana (like CUE) fills the default in. Unknown properties,
/// wrong value types and values outside an enum or union stay errors.
const PRELUDE: &str = r#"export type { Dashboard, Panel, RowPanel, VariableModel, AnnotationQuery, FieldConfig } from "@grafana/schema";
export type { LokiDataQuery } from "@grafana/schema/dist/types/raw/composable/loki/dataquery/x/LokiDataQuery_types.gen";
export type Json<T> = T extends string ? `${T}`
  : T extends number | boolean | null | undefined ? T
  : T extends readonly (infer U)[] ? Json<U>[]
  : T extends object ? { [K in keyof T]?: Json<T[K]> }
  : T;
"#;

/// One generated TypeScript file for a dashboard, with the label of each checked section
/// by its first line.
struct TsFile {
    text: String,
    sections: Vec<(usize, String)>,
}

impl TsFile {
    fn new() -> Self {
        let mut text = String::from("import type * as G from \"./prelude\";\n");
        for (plugin, module, _) in PANEL_SCHEMAS {
            text.push_str(&format!(
                "import type * as {} from \"@grafana/schema/dist/types/raw/composable/{module}_types.gen\";\n",
                ts_ident(plugin)
            ));
        }
        Self {
            text,
            sections: Vec::new(),
        }
    }

    fn check(&mut self, label: String, ty: &str, value: &Json) {
        let n = self.sections.len();
        self.sections.push((self.text.lines().count() + 1, label));
        let body = serde_json::to_string_pretty(value).expect("JSON");
        self.text
            .push_str(&format!("export const s{n}: {ty} = {body};\n"));
    }

    fn label_of(&self, line: usize) -> &str {
        self.sections
            .iter()
            .rev()
            .find(|(start, _)| *start <= line)
            .map_or("(imports)", |(_, l)| l.as_str())
    }
}

fn ts_ident(plugin: &str) -> String {
    format!("p_{}", plugin.replace('-', "_"))
}

fn panel_label(p: &Json) -> String {
    format!(
        "panel {} {:?} ({})",
        p["id"],
        p["title"].as_str().unwrap_or_default(),
        p["type"].as_str().unwrap_or_default()
    )
}

/// Adds a panel, its options, custom field config, overrides and Loki queries; rows'
/// nested panels one by one. Problems found without the compiler (a panel type with no
/// schema) go to `problems`.
fn add_panel(ts: &mut TsFile, p: &Json, problems: &mut Vec<String>) {
    let kind = p["type"].as_str().unwrap_or_default().to_owned();
    let label = panel_label(p);
    if kind == "row" {
        let mut row = p.clone();
        row["panels"] = json!([]);
        ts.check(label, "G.Json<G.RowPanel>", &row);
        for inner in p["panels"].as_array().into_iter().flatten() {
            add_panel(ts, inner, problems);
        }
        return;
    }
    ts.check(label.clone(), "G.Json<G.Panel>", p);
    let Some((plugin, _, has_field_config)) = PANEL_SCHEMAS.iter().find(|(k, _, _)| *k == kind)
    else {
        if !PANELS_WITHOUT_SCHEMA.contains(&kind.as_str()) {
            problems.push(format!(
                "{label}: no panel plugin {kind:?} in @grafana/schema"
            ));
        }
        return;
    };
    let ns = ts_ident(plugin);
    if let Some(o) = p.get("options") {
        ts.check(
            format!("{label} options"),
            &format!("G.Json<{ns}.Options>"),
            o,
        );
    }
    let custom_ty = if *has_field_config {
        format!("G.Json<{ns}.FieldConfig>")
    } else {
        "Record<string, never>".to_owned()
    };
    if let Some(c) = p["fieldConfig"]["defaults"].get("custom") {
        ts.check(
            format!("{label} fieldConfig.defaults.custom"),
            &custom_ty,
            c,
        );
    }
    for (i, o) in p["fieldConfig"]["overrides"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for prop in o["properties"].as_array().into_iter().flatten() {
            let id = prop["id"].as_str().unwrap_or_default();
            let ty = match id.strip_prefix("custom.") {
                Some(field) => format!("({custom_ty})[{field:?}]"),
                None => format!("G.Json<G.FieldConfig>[{id:?}]"),
            };
            let value = prop.get("value").cloned().unwrap_or(Json::Null);
            ts.check(
                format!("{label} fieldConfig.overrides[{i}] {id}"),
                &ty,
                &value,
            );
        }
    }
    for t in p["targets"].as_array().into_iter().flatten() {
        let ds = t["datasource"]["type"]
            .as_str()
            .or(p["datasource"]["type"].as_str());
        if ds == Some("loki") {
            let refid = t["refId"].as_str().unwrap_or_default();
            ts.check(
                format!("{label} target {refid} (Loki query)"),
                "G.Json<G.LokiDataQuery>",
                t,
            );
        }
    }
}

/// The TypeScript file that checks one dashboard, and problems found without the compiler.
fn dashboard_ts(d: &Json) -> (TsFile, Vec<String>) {
    let mut ts = TsFile::new();
    let mut problems = Vec::new();
    let mut top = d.clone();
    top["panels"] = json!([]);
    if top["templating"]["list"].is_array() {
        top["templating"]["list"] = json!([]);
    }
    if top["annotations"]["list"].is_array() {
        top["annotations"]["list"] = json!([]);
    }
    ts.check("dashboard".into(), "G.Json<G.Dashboard>", &top);
    for a in d["annotations"]["list"].as_array().into_iter().flatten() {
        let mut a = a.clone();
        if a["datasource"]["type"] == "prometheus" {
            strip_extensions(&mut a, "prometheus annotation");
        }
        let label = format!("annotation {:?}", a["name"].as_str().unwrap_or_default());
        ts.check(label, "G.Json<G.AnnotationQuery>", &a);
    }
    for v in d["templating"]["list"].as_array().into_iter().flatten() {
        let mut v = v.clone();
        match v["type"].as_str() {
            Some("query") => strip_extensions(&mut v, "query variable"),
            Some("interval") => strip_extensions(&mut v, "interval variable"),
            _ => {}
        }
        let label = format!("variable {:?}", v["name"].as_str().unwrap_or_default());
        ts.check(label, "G.Json<G.VariableModel>", &v);
    }
    for p in d["panels"].as_array().into_iter().flatten() {
        add_panel(&mut ts, p, &mut problems);
    }
    (ts, problems)
}

/// Type-checks dashboards (`name` → JSON) with tsc against @grafana/schema; every problem
/// as `<name> <section>: <tsc error> (at: <the offending line>)`. The generated files live
/// in a temp dir inside target/grafana-schema/, so that `@grafana/schema` resolves to the
/// installed package.
fn check_dashboards(dashboards: &[(String, Json)]) -> Vec<String> {
    let tsc = tsc();
    let dir = tempfile::Builder::new()
        .prefix("check-")
        .tempdir_in(grafana_schema_dir())
        .expect("temp dir");
    std::fs::write(dir.path().join("prelude.ts"), PRELUDE).expect("prelude");
    let mut problems = Vec::new();
    let mut files = BTreeMap::new();
    for (i, (name, d)) in dashboards.iter().enumerate() {
        let (ts, found) = dashboard_ts(d);
        problems.extend(found.into_iter().map(|p| format!("{name} {p}")));
        let file = format!("d{i}.ts");
        std::fs::write(dir.path().join(&file), &ts.text).expect("write ts");
        files.insert(file, (name.clone(), ts));
    }
    let tsconfig = json!({
        "compilerOptions": {
            "strict": true, "noEmit": true, "types": [], "lib": ["es2022"],
            "module": "commonjs", "moduleResolution": "node10", "skipLibCheck": false
        },
        "files": files.keys().chain(std::iter::once(&"prelude.ts".to_owned())).collect::<Vec<_>>(),
    });
    std::fs::write(dir.path().join("tsconfig.json"), tsconfig.to_string()).expect("tsconfig");
    let out = Command::new(&tsc)
        .args(["--noEmit", "--pretty", "false", "-p"])
        .arg(dir.path())
        .current_dir(dir.path())
        .output()
        .expect("run tsc");
    let text = output_text(&out);
    // `d3.ts(12,5): error TS2353: …`, continuation lines indented.
    for line in text.lines() {
        let located = line.split_once('(').and_then(|(file, rest)| {
            let (pos, msg) = rest.split_once("): ")?;
            let line_no: usize = pos.split(',').next()?.parse().ok()?;
            Some((file, line_no, msg))
        });
        match located.and_then(|(file, n, msg)| files.get(file).map(|f| (f, n, msg))) {
            Some(((name, ts), n, msg)) => {
                let at = ts.text.lines().nth(n - 1).unwrap_or_default().trim();
                problems.push(format!("{name} {}: {msg} (at: {at})", ts.label_of(n)));
            }
            None if line.starts_with(' ') && !problems.is_empty() => {
                let last = problems.last_mut().expect("a problem");
                last.push_str("\n    ");
                last.push_str(line.trim());
            }
            None if !line.trim().is_empty() => problems.push(format!("tsc: {line}")),
            None => {}
        }
    }
    if !out.status.success() && problems.is_empty() {
        problems.push(format!("tsc failed without a located error:\n{text}"));
    }
    problems
}

fn dashboard_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            dashboard_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn committed_dashboards() -> Vec<(String, Json)> {
    let mut paths = Vec::new();
    dashboard_files(&root().join("dashboards"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let d: Json = serde_json::from_str(&read(&p))
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", rel(&p)));
            (rel(&p), d)
        })
        .collect()
}

#[test]
fn the_installed_grafana_schema_is_the_pinned_one_and_matches_the_grafana_image() {
    tsc();
    let lock: Json = serde_json::from_str(&read(
        &root().join("scripts/grafana-schema/package-lock.json"),
    ))
    .expect("lock");
    let pinned = lock["packages"]["node_modules/@grafana/schema"]["version"]
        .as_str()
        .expect("@grafana/schema in the lock")
        .to_owned();
    let installed: Json = serde_json::from_str(&read(
        &grafana_schema_dir().join("node_modules/@grafana/schema/package.json"),
    ))
    .expect("package.json");
    assert_eq!(
        installed["version"].as_str(),
        Some(pinned.as_str()),
        "target/grafana-schema is stale; run ./scripts/grafana-schema.sh"
    );
    let image = merged(&[])["services"]["grafana"]["image"]
        .as_str()
        .expect("grafana image")
        .to_owned();
    assert_eq!(
        image.rsplit(':').next(),
        Some(pinned.as_str()),
        "@grafana/schema {pinned} is not the version of the stack's {image}; pin the same in \
         scripts/grafana-schema/package.json and regenerate its lock"
    );
}

#[test]
fn every_dashboard_matches_grafanas_published_dashboard_and_panel_schema() {
    let dashboards = committed_dashboards();
    assert!(dashboards.len() >= 10, "{} dashboards", dashboards.len());
    let problems = check_dashboards(&dashboards);
    assert!(
        problems.is_empty(),
        "dashboards that Grafana's schema (@grafana/schema) rejects:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_dashboard_check_catches_misspelt_fields_wrong_types_and_unknown_values() {
    let (name, mut d) = committed_dashboards()
        .into_iter()
        .find(|(n, _)| n.ends_with("vllm.json"))
        .expect("the vLLM dashboard");
    // Find the first timeseries and table panels, wherever they are nested.
    fn find<'a>(panels: &'a mut Json, kind: &str) -> Option<&'a mut Json> {
        for p in panels.as_array_mut()? {
            if p["type"] == kind {
                return Some(p);
            }
            if let Some(x) = p.get_mut("panels").and_then(|ps| find(ps, kind)) {
                return Some(x);
            }
        }
        None
    }
    let ts = find(&mut d["panels"], "timeseries").expect("a timeseries panel");
    ts["titel"] = json!("typo");
    ts["options"]["legend"]["displayMode"] = json!("lists");
    ts["fieldConfig"]["defaults"]["custom"]["lineWidth"] = json!("1");
    ts["fieldConfig"]["overrides"] = json!([{"matcher": {"id": "byName", "options": "x"}, "properties": [{"id": "custom.lineWidht", "value": 2}, {"id": "unit", "value": 3}]}]);
    let ts_label = panel_label(ts);
    let table = find(&mut d["panels"], "table").expect("a table panel");
    table["options"]["showHeader"] = json!("yes");
    let table_label = panel_label(table);
    d["graphTooltip"] = json!(7);
    d["templating"]["list"][0]["refresh"] = json!("always");
    d["panels"].as_array_mut().expect("panels").push(json!({"id": 999, "type": "timeseriess", "title": "t", "gridPos": {"h": 1, "w": 1, "x": 0, "y": 99}}));
    let problems = check_dashboards(&[(name.clone(), d)]).join("\n");
    for (section, needle) in [
        (ts_label.clone(), "'\"titel\"' does not exist"),
        (format!("{ts_label} options"), "\"lists\""),
        (
            format!("{ts_label} fieldConfig.defaults.custom"),
            "Type 'string' is not assignable to type 'number'",
        ),
        (
            format!("{ts_label} fieldConfig.overrides[0] custom.lineWidht"),
            "lineWidht",
        ),
        (
            format!("{ts_label} fieldConfig.overrides[0] unit"),
            "not assignable to type 'string",
        ),
        (
            format!("{table_label} options"),
            "not assignable to type 'boolean",
        ),
        ("dashboard".to_owned(), "graphTooltip"),
        ("variable".to_owned(), "\"always\""),
        ("panel 999".to_owned(), "no panel plugin \"timeseriess\""),
    ] {
        let hit = problems
            .lines()
            .any(|l| l.starts_with(&format!("{name} {section}")) && l.contains(needle));
        assert!(hit, "{section}: {needle:?} not reported:\n{problems}");
    }
}
