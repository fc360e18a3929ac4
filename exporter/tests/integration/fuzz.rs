//! Property-based fuzzing on stable Rust (proptest) of everything that reads outside input:
//! the fast exposition reader against the full parser (differential), vLLM normalisation,
//! the vLLM / LiteLLM / Langfuse JSON payload readers, the announcement validator and
//! Markdown renderer, and the TOML / environment configuration.
//!
//! Every target runs `PROPTEST_CASES` inputs (a small default here, so the whole file takes
//! seconds); `scripts/fuzz.sh` runs the same targets with a million each in release mode.
//! Each target prints `fuzz <target>: <n> inputs in <s> s (<rate>/s)` on stderr.
//!
//! What is asserted: no panic, no hang (every input is bounded, the script adds a wall-clock
//! limit), the fast reader gives what the full parser gives or leaves the input to it, and
//! what a reader hands on is accepted by the next stage (our own exposition of a vLLM
//! reading parses again; an announcement's HTML has only our tags).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use llmmon_core::scrape::{self, fast, Scrape};
use llmmon_core::source::SourceError;
use llmmon_core::upstream::{Auth, Response, Transport};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::Value;

#[path = "../../../tests/integration/support/fuzz.rs"]
mod harness;
use harness::fuzz;

// ---------------------------------------------------------------- expositions

fn metric_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => clean_metric_name(),
        1 => "[a-z_:][a-z0-9_:]{0,6}",
        1 => "[ -~]{0,6}",
    ]
}

fn clean_metric_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "a", "a_total", "h", "vllm:num_requests_running", "vllm:prompt_tokens_total",
            "vllm:time_to_first_token_seconds", "http_requests_total", "x_sum", "x_bucket",
            "litellm_deployment_state", "vllm:kv_cache_usage_perc",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z_:][a-z0-9_:]{0,6}",
    ]
}

fn label_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "model_name", "engine", "le", "quantile", "handler", "status", "m", "x",
            "finished_reason", "model_group", "api_base",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z_][a-zA-Z0-9_]{0,4}",
        1 => "[ -~]{0,4}",
    ]
}

/// A label value as written in the exposition: mostly escaped right, sometimes not, and now
/// and then huge.
fn label_value() -> impl Strategy<Value = String> {
    let escaped = "[a-z0-9\"\\\\\n\t +.éµ/:-]{0,8}".prop_map(|raw| {
        raw.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    });
    prop_oneof![
        6 => escaped,
        2 => prop::sample::select(vec!["0.1", "1", "+Inf", "Inf", "-1", "NaN", "m", "1e3"])
            .prop_map(str::to_owned),
        1 => "[ -~\\\\\t]{0,8}",
        1 => huge_value(),
    ]
}

/// Now and then a huge label value (one character repeated, up to 8 KiB).
fn huge_value() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => "[a-z]{0,3}",
        1 => (1usize..8_192, prop::char::range('a', 'z')).prop_map(|(n, c)| c.to_string().repeat(n)),
    ]
}

fn clean_label_value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z0-9\"\\\\\n +.éµ/:-]{0,8}".prop_map(|raw| {
            raw.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        }),
        1 => huge_value(),
    ]
}

fn clean_sample_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "0", "1", "1.5", "1e3", "NaN", "+Inf", "-Inf", "2.5e-3"
        ])
        .prop_map(str::to_owned),
        (0u32..100_000).prop_map(|v| v.to_string()),
        (0.0f64..1e9).prop_map(|v| v.to_string()),
    ]
}

fn clean_labels() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map(
        prop::sample::select(vec!["model_name", "engine", "handler", "m", "x"])
            .prop_map(str::to_owned),
        clean_label_value(),
        0..4,
    )
    .prop_map(|m| m.into_iter().collect())
}

fn sample_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "0", "1", "-1", "1.5", "1e3", "1E-3", "NaN", "+Inf", "-Inf", "Inf", "inf", "nan",
            "-0", "0x10", "1_000", "", "1.", ".5", "+1", "--1", "9223372036854775807",
            "9223372036854775808", "1e400", "+nan", "-NaN", "infinity", "+Infinity",
        ])
        .prop_map(str::to_owned),
        2 => any::<f64>().prop_map(|v| v.to_string()),
        2 => any::<i64>().prop_map(|v| v.to_string()),
        1 => (0u32..1000).prop_map(|v| v.to_string()),
    ]
}

fn labels() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((label_name(), label_value()), 0..4)
}

fn render_labels(labels: &[(String, String)], sep: &str) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let body: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{{{}}}", body.join(sep))
}

fn sample_line() -> impl Strategy<Value = String> {
    (
        metric_name(),
        prop::option::of(prop::sample::select(vec![
            "", "_total", "_bucket", "_sum", "_count",
        ])),
        labels(),
        prop::sample::select(vec![",", ", ", " , ", ",\t"]),
        prop::sample::select(vec![" ", "  ", "\t"]),
        sample_value(),
        prop::option::weighted(0.1, prop::sample::select(vec![" 1700000000", " -1", " x"])),
        prop::option::weighted(
            0.1,
            prop::sample::select(vec![" # {trace_id=\"a\"} 1.0", " # {} 1", " #"]),
        ),
    )
        .prop_map(|(name, suffix, labels, sep, ws, value, ts, ex)| {
            format!(
                "{name}{}{}{ws}{value}{}{}",
                suffix.unwrap_or(""),
                render_labels(&labels, sep),
                ts.unwrap_or(""),
                ex.unwrap_or("")
            )
        })
}

fn any_line() -> impl Strategy<Value = String> {
    let kind = prop::sample::select(vec![
        "counter",
        "gauge",
        "histogram",
        "summary",
        "untyped",
        "info",
        "stateset",
        "Gauge",
        "",
    ]);
    prop_oneof![
        6 => sample_line(),
        2 => (metric_name(), kind).prop_map(|(n, k)| format!("# TYPE {n} {k}")),
        2 => (metric_name(), "[ -~\\\\]{0,10}").prop_map(|(n, h)| format!("# HELP {n} {h}")),
        1 => metric_name().prop_map(|n| format!("# UNIT {n} seconds")),
        1 => "# [ -~]{0,10}",
        1 => Just(String::new()),
        1 => Just("# EOF".to_owned()),
        1 => "[ -~]{0,12}",
    ]
}

/// A well-formed family (the fast reader's everyday shape), to be damaged later or not.
fn family(clean: bool) -> impl Strategy<Value = String> {
    let kind = prop::sample::select(vec!["counter", "gauge", "histogram"]);
    let (name, labels, value) = if clean {
        (
            clean_metric_name().boxed(),
            clean_labels().boxed(),
            clean_sample_value().boxed(),
        )
    } else {
        (
            metric_name().boxed(),
            labels().boxed(),
            sample_value().boxed(),
        )
    };
    (
        name,
        kind,
        any::<bool>(),
        prop::collection::vec(labels, 1..4),
        prop::collection::vec(value, 1..4),
        prop::collection::vec(
            (
                prop::sample::select(vec!["0.1", "1", "2.5", "-1", "+Inf", "10"]),
                0u8..5,
            ),
            1..5,
        ),
    )
        .prop_map(|(name, kind, help, series, values, buckets)| {
            let mut out = String::new();
            if help {
                out.push_str(&format!("# HELP {name} Some help \\n text.\n"));
            }
            out.push_str(&format!("# TYPE {name} {kind}\n"));
            for (i, l) in series.iter().enumerate() {
                let v = &values[i % values.len()];
                if kind != "histogram" {
                    out.push_str(&format!("{name}{} {v}\n", render_labels(l, ",")));
                    continue;
                }
                let l: Vec<(String, String)> =
                    l.iter().filter(|(k, _)| k != "le").cloned().collect();
                let mut total = 0u32;
                for (le, n) in &buckets {
                    total += u32::from(*n);
                    let mut with_le = l.clone();
                    with_le.push(("le".to_owned(), (*le).to_owned()));
                    out.push_str(&format!(
                        "{name}_bucket{} {total}\n",
                        render_labels(&with_le, ",")
                    ));
                }
                let ls = render_labels(&l, ",");
                out.push_str(&format!("{name}_sum{ls} {v}\n{name}_count{ls} {total}\n"));
            }
            out
        })
}

/// An exposition: well-formed families only (the fast path's shape) or families and stray
/// lines, then perhaps truncated or given CRLF endings.
fn exposition() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(family(true), 1..5).prop_map(|f| f.concat()),
        noisy_exposition(),
    ]
}

fn noisy_exposition() -> impl Strategy<Value = String> {
    let block = prop_oneof![
        3 => family(false),
        2 => prop::collection::vec(any_line(), 1..4).prop_map(|l| l.join("\n") + "\n"),
    ];
    (
        prop::collection::vec(block, 0..6),
        prop::option::weighted(0.15, any::<prop::sample::Index>()),
        prop::sample::select(vec![0u8, 0, 0, 0, 0, 0, 1, 2]),
    )
        .prop_map(|(blocks, cut, ending)| {
            let mut text = blocks.concat();
            if let Some(cut) = cut {
                let mut at = cut.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.truncate(at);
            }
            match ending {
                1 => text.replace('\n', "\r\n"),
                2 => text.trim_end_matches('\n').to_owned(),
                _ => text,
            }
        })
}

/// Families by name, each as its Debug text (NaN equals NaN there, and no HashMap order).
fn canonical(s: &Scrape) -> BTreeMap<String, String> {
    s.families
        .iter()
        .map(|(k, f)| (k.clone(), format!("{f:?}")))
        .collect()
}

#[test]
fn fast_reader_and_full_parser_agree() {
    let fast_taken = std::cell::Cell::new(0u32);
    let total = std::cell::Cell::new(0u32);
    fuzz("exposition_differential", 400, exposition(), |text| {
        total.set(total.get() + 1);
        let full = scrape::parse_full(&text);
        match fast::parse_common(&text) {
            Some(f) => {
                fast_taken.set(fast_taken.get() + 1);
                let full = full.map_err(|e| {
                    TestCaseError::fail(format!("fast read what the full parser refuses: {e}"))
                })?;
                prop_assert_eq!(canonical(&f), canonical(&full));
            }
            None => {
                // The public entry point then gives exactly the full parser's answer.
                let p = scrape::parse(&text);
                match (&p, &full) {
                    (Ok(a), Ok(b)) => prop_assert_eq!(canonical(a), canonical(b)),
                    (Err(a), Err(b)) => prop_assert_eq!(a, b),
                    _ => prop_assert!(false, "parse and parse_full differ"),
                }
            }
        }
        Ok(())
    });
    // The generator reaches the fast path often enough for the comparison to mean something.
    let (fast_taken, total) = (fast_taken.get(), total.get());
    assert!(
        total < 100 || fast_taken * 50 >= total,
        "only {fast_taken} of {total} inputs took the fast path"
    );
}

#[test]
fn exposition_readers_survive_arbitrary_text() {
    let text = prop_oneof![
        "\\PC{0,64}",
        prop::collection::vec(any::<u8>(), 0..64)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "[#{}=\",\\\\ a-z0-9\n:._+-]{0,64}",
    ];
    fuzz("exposition_arbitrary", 1_000, text, |text| {
        let a = scrape::parse(&text);
        let b = scrape::parse_full(&text);
        prop_assert_eq!(a.is_ok(), b.is_ok());
        Ok(())
    });
}

// ---------------------------------------------------------------- vLLM

/// vLLM-shaped expositions: the everyday families with random model names and values.
fn vllm_exposition() -> impl Strategy<Value = String> {
    let model = prop_oneof!["[a-zA-Z0-9/._-]{0,12}", label_value()];
    (
        exposition(),
        prop::collection::vec((model, sample_value()), 0..4),
    )
        .prop_map(|(noise, models)| {
            let mut out = String::new();
            for (name, kind) in [
                ("vllm:num_requests_running", "gauge"),
                ("vllm:kv_cache_usage_perc", "gauge"),
                ("vllm:prompt_tokens_total", "counter"),
                ("vllm:request_success_total", "counter"),
            ] {
                out.push_str(&format!("# TYPE {name} {kind}\n"));
                for (i, (m, v)) in models.iter().enumerate() {
                    out.push_str(&format!(
                        "{name}{{model_name=\"{m}\",engine=\"{i}\",finished_reason=\"stop\"}} {v}\n"
                    ));
                }
            }
            out.push_str("# TYPE vllm:time_to_first_token_seconds histogram\n");
            for (i, (m, v)) in models.iter().enumerate() {
                let l = format!("model_name=\"{m}\",engine=\"{i}\"");
                out.push_str(&format!(
                    "vllm:time_to_first_token_seconds_bucket{{{l},le=\"0.1\"}} 1\n\
                     vllm:time_to_first_token_seconds_bucket{{{l},le=\"+Inf\"}} 2\n\
                     vllm:time_to_first_token_seconds_sum{{{l}}} {v}\n\
                     vllm:time_to_first_token_seconds_count{{{l}}} 2\n"
                ));
            }
            out + &noise
        })
}

/// Answers every GET from a table of paths (anything else: 404).
struct Canned(BTreeMap<&'static str, (u16, Bytes)>);

#[async_trait]
impl Transport for Canned {
    async fn get(&self, url: &str, _: &Auth, _: Duration) -> Result<Response, SourceError> {
        let path = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
        let path = path.split('?').next().unwrap_or(path);
        let (status, body) = self
            .0
            .get(path)
            .cloned()
            .unwrap_or((404, Bytes::from_static(b"not found")));
        Ok(Response {
            status,
            retry_after: None,
            body,
        })
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (0u64..100).prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "m",
            "qwen",
            "2026-05-01",
            "gpt-4o",
            "healthy",
            "openai/m",
            "NaN",
            "1e400",
        ])
        .prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            4 => prop::sample::select(vec![
                "data", "id", "root", "max_model_len", "version", "model_name", "litellm_params",
                "model", "model_info", "healthy_endpoints", "unhealthy_endpoints", "results",
                "date", "metrics", "breakdown", "models", "api_requests", "spend",
                "prompt_tokens", "completion_tokens", "keys", "key_alias", "token",
                "total_tokens", "successful_requests", "failed_requests", "count_count",
                "sum_totalCost", "providedModelName", "name", "countTraceId", "totalCost",
                "usage", "input", "output", "total", "status", "api_base", "count",
                "latency_p50", "p50_latency", "meta", "totalItems", "db", "healthy_count",
            ])
            .prop_map(str::to_owned),
            1 => "[a-z_]{0,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A body: JSON, JSON-ish garbage or nothing.
fn json_body() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        6 => json_value().prop_map(|v| Bytes::from(v.to_string())),
        1 => "[\\[\\]{}\":,0-9a-z ]{0,20}".prop_map(Bytes::from),
        1 => prop::collection::vec(any::<u8>(), 0..16).prop_map(Bytes::from),
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop::sample::select(vec![200u16, 200, 200, 200, 401, 404, 429, 500, 503])
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn vllm_source_reads_anything_and_its_output_parses_again() {
    use llmmon_exporter::vllm::discovery::StaticTargets;
    use llmmon_exporter::vllm::http_source::VllmHttpSource;
    use llmmon_exporter::vllm::VllmSource;
    let rt = runtime();
    let input = (
        (status(), vllm_exposition()),
        (status(), json_body()),
        (status(), json_body()),
        status(),
    );
    fuzz(
        "vllm_source",
        300,
        input,
        |((ms, m), (vs, v), (ds, d), hs)| {
            let canned = Canned(BTreeMap::from([
                ("/metrics", (ms, Bytes::from(m))),
                ("/version", (vs, v)),
                ("/v1/models", (ds, d)),
                ("/health", (hs, Bytes::new())),
            ]));
            let source = VllmHttpSource::new(
                vec![Arc::new(StaticTargets(vec!["http://127.0.0.1:1".into()]))],
                Arc::new(canned),
                Auth::None,
                None,
                Duration::from_secs(1),
            );
            let instances = rt
                .block_on(source.instances())
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let read: Vec<_> = instances.into_iter().filter_map(Result::ok).collect();
            let text = llmmon_core::exposition::render(&llmmon_exporter::vllm::render(&read));
            // Nothing read renders as an empty body (which Prometheus takes); anything else must
            // parse again.
            if read.is_empty() {
                prop_assert_eq!(text, "");
            } else if let Err(e) = scrape::parse_full(&text) {
                return Err(TestCaseError::fail(format!(
                    "our exposition is refused: {e}\n{text}"
                )));
            }
            Ok(())
        },
    );
}

#[test]
fn vllm_normalisation_takes_any_exposition() {
    use llmmon_exporter::vllm::normalize;
    fuzz("vllm_normalize", 300, vllm_exposition(), |text| {
        if let Ok(s) = scrape::parse(&text) {
            let models = normalize::models(&s);
            prop_assert!(models.iter().all(|m| !m.is_empty()));
            for m in models.iter().chain([&String::new()]) {
                let stats = normalize::engine_stats(&s, m);
                if let Some(h) = stats.ttft {
                    prop_assert!(h.buckets.iter().all(|(le, _)| le.is_finite()));
                }
            }
            let _ = normalize::is_v0(&s);
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- LiteLLM, Langfuse

#[test]
fn litellm_payload_readers_take_any_json() {
    use llmmon_core::payload::from_object;
    use llmmon_exporter::litellm::http_source::{
        parse_catalog, parse_daily, parse_deployment_state, parse_health, parse_keys, ActivityPage,
    };
    let input = (
        json_value(),
        json_value(),
        json_value(),
        json_value(),
        exposition(),
    );
    fuzz(
        "litellm_payloads",
        500,
        input,
        |(cat, health, daily, keys, prom)| {
            let catalog = parse_catalog(&from_object(cat));
            let _ = parse_health(&from_object(health));
            let days: ActivityPage = from_object(daily);
            let _ = parse_daily(&days.results, "2026-05-01", &catalog);
            let _ = parse_keys(&from_object(keys));
            if let Ok(s) = scrape::parse(&prom) {
                let _ = parse_deployment_state(&s);
            }
            Ok(())
        },
    );
}

#[test]
fn langfuse_source_reads_anything_and_its_output_parses_again() {
    use llmmon_exporter::langfuse::http_source::LangfuseHttpSource;
    use llmmon_exporter::langfuse::LangfuseSource;
    let rt = runtime();
    let input = (
        (status(), json_body()),
        (status(), json_body()),
        (status(), json_body()),
        (status(), json_body()),
    );
    fuzz("langfuse_source", 300, input, |(h, v1, v2, legacy)| {
        let canned = Canned(BTreeMap::from([
            ("/api/public/health", h),
            ("/api/public/metrics", v1),
            ("/api/public/v2/metrics", v2),
            ("/api/public/metrics/daily", legacy),
        ]));
        let source = LangfuseHttpSource::new(
            "http://127.0.0.1:1",
            Auth::None,
            Arc::new(canned),
            Duration::from_secs(1),
        )
        .with_clock(Arc::new(|| 1_795_615_200.0));
        if let Ok(r) = rt.block_on(source.read()) {
            let text = llmmon_core::exposition::render(&llmmon_exporter::langfuse::render(&r));
            if let (false, Err(e)) = (text.is_empty(), scrape::parse_full(&text)) {
                return Err(TestCaseError::fail(format!(
                    "our exposition is refused: {e}"
                )));
            }
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- announcements

fn markup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(vec![
                "**",
                "*",
                "`",
                "[",
                "](",
                ")",
                "https://x.test/a",
                "javascript:alert(1)",
                "<script>",
                "</p>",
                "\n",
                "\n\n",
                "- ",
                "* ",
                "&",
                "\"",
                "'",
                "\r\n",
                "<",
                ">",
                "\\",
                "é",
                "\u{0}",
                "\t",
                "[t](https://x.test/\"onload=x)",
            ])
            .prop_map(str::to_owned),
            "[a-z ]{0,4}",
        ],
        0..16,
    )
    .prop_map(|p| p.concat())
}

/// Whether `html` holds only the tags the renderer writes (and well-formed entities).
fn only_our_tags(html: &str) -> Result<(), String> {
    const TAGS: [&str; 12] = [
        "<p>",
        "</p>",
        "<ul>",
        "</ul>",
        "<li>",
        "</li>",
        "<strong>",
        "</strong>",
        "<em>",
        "</em>",
        "<code>",
        "</code>",
    ];
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        if let Some(t) = TAGS.iter().find(|t| rest.starts_with(**t)) {
            rest = &rest[t.len()..];
        } else if rest.starts_with("<br>") {
            rest = &rest[4..];
        } else if let Some(a) = [
            "<a href=\"https://",
            "<a href=\"http://",
            "<a href=\"mailto:",
        ]
        .iter()
        .find_map(|p| rest.strip_prefix(p))
        {
            // The URL (escaped: no quote in it), then our one attribute.
            let q = a.find('"').ok_or("unclosed href")?;
            rest = a[q..]
                .strip_prefix("\" rel=\"nofollow noopener\">")
                .ok_or_else(|| format!("attribute breaks out: {}", &a[..a.len().min(60)]))?;
        } else if rest.starts_with("</a>") {
            rest = &rest[4..];
        } else {
            return Err(format!(
                "foreign markup at {:?}",
                &rest[..rest.len().min(20)]
            ));
        }
    }
    Ok(())
}

#[test]
fn announcement_text_is_always_safe() {
    use llmmon_announcements::text::{escape_html, json_safe, markdown_html, plain};
    fuzz("announcement_text", 2_000, markup(), |src| {
        let html = markdown_html(&src);
        only_our_tags(&html).map_err(TestCaseError::fail)?;
        let p = plain(&src);
        prop_assert!(!p.contains(['<', '>']) && !p.chars().any(char::is_control));
        let e = escape_html(&src);
        prop_assert!(!e.contains(['<', '>', '"', '\'']));
        let j = json_safe(serde_json::to_string(&src).expect("json"));
        prop_assert!(!j.contains(['<', '>', '&']));
        let back: String = serde_json::from_str(&j).expect("json_safe keeps JSON valid");
        prop_assert_eq!(back, src);
        Ok(())
    });
}

#[test]
fn announcement_validator_takes_any_draft() {
    use llmmon_announcements::model::{valid_name, Draft, MAX_BODY, MAX_TITLE};
    let now = chrono::DateTime::from_timestamp(1_795_615_200, 0).expect("time");
    fuzz("announcement_validator", 1_000, json_value(), |v| {
        let Ok(draft) = serde_json::from_value::<Draft>(v) else {
            return Ok(());
        };
        if let Ok(a) = draft.create(1, now, "fuzz") {
            prop_assert!(!a.title.is_empty() || a.title.chars().count() <= MAX_TITLE);
            prop_assert!(a.title.chars().count() <= MAX_TITLE);
            prop_assert!(a.body.chars().count() <= MAX_BODY);
            prop_assert!(a.services.iter().chain(&a.models).all(|n| valid_name(n)));
            // What the validator let through round-trips through the store's JSON.
            let line = serde_json::to_string(&a).expect("serialises");
            let back: llmmon_announcements::model::Announcement =
                serde_json::from_str(&line).expect("reads back");
            prop_assert_eq!(back, a);
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- configuration

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "1",
            "0",
            "-1",
            "0.5",
            "1e9",
            "nan",
            "inf",
            "-inf",
            "true",
            "\"\"",
            "\"x\"",
            "\"127.0.0.1:9400\"",
            "\"http://h:8000\"",
            "[]",
            "[\"http://a:1\"]",
            "{}",
            "\"normal\"",
            "\"degraded\"",
            "18446744073709551615",
            "1.5",
            "\"[::1]:0\"",
        ])
        .prop_map(str::to_owned),
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
        "\"[ -~]{0,8}\"",
        "[ -~]{0,8}",
    ]
}

fn toml_doc() -> impl Strategy<Value = String> {
    let section = prop::sample::select(vec![
        "collect",
        "simulator",
        "listen",
        "vllm",
        "litellm",
        "langfuse",
        "docker",
        "host",
        "x",
    ]);
    let key = prop::sample::select(vec![
        "interval_s",
        "timeout_s",
        "seed",
        "scale",
        "scenario",
        "faults_since",
        "targets",
        "url",
        "base_url",
        "api_key",
        "public_key",
        "secret_key",
        "vllm",
        "litellm",
        "gpu",
        "socket",
        "proc_root",
        "discover",
        "source",
        "x",
    ]);
    prop::collection::vec(
        (section, prop::collection::vec((key, toml_value()), 0..4)),
        0..4,
    )
    .prop_map(|sections| {
        sections
            .into_iter()
            .map(|(s, kv)| {
                let body: String = kv.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
                format!("[{s}]\n{body}")
            })
            .collect()
    })
}

#[test]
fn configuration_takes_any_toml() {
    use figment::providers::{Format, Serialized, Toml};
    use figment::Figment;
    use llmmon_exporter::config::RawSettings;
    fuzz("config_toml", 500, toml_doc(), |doc| {
        let fig =
            Figment::from(Serialized::defaults(RawSettings::default())).merge(Toml::string(&doc));
        if let Ok(raw) = fig.extract::<RawSettings>() {
            if let Ok(s) = raw.validate() {
                prop_assert!(s.interval > Duration::ZERO);
                prop_assert!(s.timeout > Duration::ZERO && s.timeout < s.interval);
            }
        }
        Ok(())
    });
}

#[test]
#[allow(clippy::result_large_err)] // figment::Jail's closure type
fn configuration_takes_any_environment() {
    use llmmon_exporter::config::RawSettings;
    let var = (
        prop::sample::select(vec![
            "LLMMON_COLLECT__INTERVAL_S",
            "LLMMON_COLLECT__TIMEOUT_S",
            "LLMMON_SIMULATOR__SEED",
            "LLMMON_SIMULATOR__SCALE",
            "LLMMON_VLLM__TARGETS",
            "LLMMON_LITELLM__URL",
            "LLMMON_LISTEN__VLLM",
            "LLMMON_SIMULATOR__SCENARIO",
        ]),
        toml_value(),
    );
    fuzz(
        "config_env",
        100,
        prop::collection::vec(var, 0..4),
        |vars| {
            figment::Jail::expect_with(|jail| {
                for (k, v) in &vars {
                    jail.set_env(k, v);
                }
                if let Ok(raw) = RawSettings::load(None) {
                    if let Ok(s) = raw.validate() {
                        assert!(s.timeout < s.interval, "{vars:?}");
                    }
                }
                Ok(())
            });
            Ok(())
        },
    );
}

/// A strategy sanity check: shrinking finds the smallest failing input (so a failure the
/// fuzzer reports is readable), and the seed from FUZZ_SEED replays the same inputs.
#[test]
fn fuzz_harness_replays_a_seed() {
    let config = Config {
        rng_seed: RngSeed::Fixed(7),
        ..Config::default()
    };
    let draw = || {
        let mut r = TestRunner::new(config.clone());
        exposition().new_tree(&mut r).expect("tree").current()
    };
    assert_eq!(draw(), draw());
}
