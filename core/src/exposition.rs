//! A collection's result as samples per schema family, and its rendering to the Prometheus
//! text format (0.0.4) or OpenMetrics 1.0.0 through prometheus-client's encoders.
//!
//! Collectors fill a [`MetricSet`]; the service renders it once per collection, so a scrape
//! only copies bytes. A scrape whose `Accept` asks for OpenMetrics ([`negotiate`]) gets the
//! same samples as OpenMetrics ([`to_openmetrics`], equal to [`render_openmetrics`]).

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::schema::{MetricDef, MetricKind};

/// Content-Type of what [`render`] produces (Prometheus 3 insists on a valid one).
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Content-Type of OpenMetrics 1.0.0 text ([`render_openmetrics`], [`to_openmetrics`]).
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// One observation value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Gauge(f64),
    Counter(f64),
    /// Cumulative buckets `(upper bound, count)`; `+Inf` is added by the encoder.
    Histogram {
        buckets: Vec<(f64, u64)>,
        sum: f64,
        count: u64,
    },
}

/// One series of a family: label values in the family's label order, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Vec<String>,
    pub value: Value,
}

/// Samples grouped by family, in a stable order. A second sample with the same labels in a
/// family is dropped (the first wins): Prometheus refuses a whole scrape with a duplicate
/// series, so one upstream quirk (a model served by two deployments) must not cost all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricSet {
    families: BTreeMap<&'static str, (&'static MetricDef, Vec<Sample>)>,
    seen: HashSet<(&'static str, Vec<String>)>,
}

impl MetricSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a gauge sample. Label values must follow `def.labels`.
    pub fn gauge(&mut self, def: &'static MetricDef, labels: &[&str], value: f64) {
        self.push(def, labels, Value::Gauge(value));
    }

    /// Adds a gauge sample when the reading exists; absent stays absent, never zero.
    pub fn gauge_opt(&mut self, def: &'static MetricDef, labels: &[&str], value: Option<f64>) {
        if let Some(v) = value {
            self.gauge(def, labels, v);
        }
    }

    pub fn counter(&mut self, def: &'static MetricDef, labels: &[&str], value: f64) {
        self.push(def, labels, Value::Counter(value));
    }

    /// Adds one series per state: 1 for `current`, 0 for the others (the enum pattern).
    pub fn state_set(
        &mut self,
        def: &'static MetricDef,
        labels: &[&str],
        states: &[&str],
        current: &str,
    ) {
        for state in states {
            let mut all: Vec<&str> = labels.to_vec();
            all.push(state);
            self.gauge(def, &all, f64::from(u8::from(*state == current)));
        }
    }

    pub fn histogram(
        &mut self,
        def: &'static MetricDef,
        labels: &[&str],
        buckets: Vec<(f64, u64)>,
        sum: f64,
        count: u64,
    ) {
        self.push(
            def,
            labels,
            Value::Histogram {
                buckets,
                sum,
                count,
            },
        );
    }

    fn push(&mut self, def: &'static MetricDef, labels: &[&str], value: Value) {
        debug_assert_eq!(
            def.labels.len(),
            labels.len(),
            "{} takes labels {:?}",
            def.name,
            def.labels
        );
        debug_assert_eq!(
            matches!(value, Value::Histogram { .. }),
            def.kind == MetricKind::Histogram,
            "{} is a {:?}",
            def.name,
            def.kind
        );
        let labels: Vec<String> = labels.iter().map(|s| (*s).to_owned()).collect();
        if !self.seen.insert((def.name, labels.clone())) {
            return;
        }
        let sample = Sample { labels, value };
        self.families
            .entry(def.name)
            .or_insert_with(|| (def, Vec::new()))
            .1
            .push(sample);
    }

    /// Moves every sample of `other` into this set.
    pub fn extend(&mut self, other: MetricSet) {
        for (name, (def, samples)) in other.families {
            let mine = &mut self
                .families
                .entry(name)
                .or_insert_with(|| (def, Vec::new()))
                .1;
            for s in samples {
                if self.seen.insert((name, s.labels.clone())) {
                    mine.push(s);
                }
            }
        }
    }

    /// Families with at least one sample, in name order.
    pub fn families(&self) -> impl Iterator<Item = (&'static MetricDef, &[Sample])> {
        self.families.values().map(|(def, s)| (*def, s.as_slice()))
    }

    /// Samples of one family (empty when absent).
    pub fn samples(&self, def: &MetricDef) -> &[Sample] {
        self.families
            .get(def.name)
            .map(|(_, s)| s.as_slice())
            .unwrap_or_default()
    }

    /// The value of the single sample of `def` whose labels equal `labels`, if any.
    pub fn value(&self, def: &MetricDef, labels: &[&str]) -> Option<&Value> {
        self.samples(def)
            .iter()
            .find(|s| {
                s.labels
                    .iter()
                    .map(String::as_str)
                    .eq(labels.iter().copied())
            })
            .map(|s| &s.value)
    }

    pub fn sample_count(&self) -> usize {
        self.families.values().map(|(_, s)| s.len()).sum()
    }
}

/// Renders a set as Prometheus text format 0.0.4.
pub fn render(set: &MetricSet) -> String {
    let registry = registry(set);
    let mut out = String::with_capacity(set.sample_count() * 96);
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &registry);
    out
}

/// Renders a set as OpenMetrics 1.0.0 text: counters as `<name>` families of `<name>_total`
/// samples, `# EOF` at the end.
pub fn render_openmetrics(set: &MetricSet) -> String {
    let registry = registry(set);
    let mut out = String::with_capacity(set.sample_count() * 96);
    let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
    out
}

/// A registry holding the set (prometheus-client encodes registries).
fn registry(set: &MetricSet) -> Registry {
    #[derive(Debug)]
    struct View<'a>(&'a MetricSet);
    // prometheus-client wants an owned 'static collector; the set is cloned once per
    // collection (not per scrape), which keeps this simple.
    #[derive(Debug)]
    struct Owned(MetricSet);
    impl Collector for Owned {
        fn encode(&self, encoder: DescriptorEncoder) -> fmt::Result {
            View(&self.0).encode(encoder)
        }
    }
    impl View<'_> {
        fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
            for (def, samples) in self.0.families() {
                let kind = match def.kind {
                    MetricKind::Gauge => MetricType::Gauge,
                    MetricKind::Counter => MetricType::Counter,
                    MetricKind::Histogram => MetricType::Histogram,
                };
                let mut family =
                    encoder.encode_descriptor(def.base_name(), def.help, None, kind)?;
                for sample in samples {
                    let labels: Vec<(&str, &str)> = def
                        .labels
                        .iter()
                        .copied()
                        .zip(sample.labels.iter().map(String::as_str))
                        .collect();
                    let mut metric = family.encode_family(&labels)?;
                    match &sample.value {
                        Value::Gauge(v) => metric.encode_gauge(v)?,
                        Value::Counter(v) => {
                            metric.encode_counter::<NoLabelSet, _, f64>(v, None)?
                        }
                        Value::Histogram {
                            buckets,
                            sum,
                            count,
                        } => {
                            let mut all = buckets.clone();
                            all.push((f64::INFINITY, *count));
                            let non_cumulative = decumulate(&all);
                            metric.encode_histogram::<NoLabelSet>(
                                *sum,
                                *count,
                                &non_cumulative,
                                None,
                            )?
                        }
                    }
                }
            }
            Ok(())
        }
    }
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Owned(set.clone())));
    registry
}

/// The OpenMetrics 1.0.0 form of an exposition that [`render`] produced, for a scrape that
/// asks for OpenMetrics: the service publishes one rendering per collection, and this turns
/// it into what [`render_openmetrics`] gives for the same set (tested on every simulated
/// role; bucket bounds keep the text format's spelling, `le="1"`, so a Prometheus 2 keeps
/// its series). Counter families lose the `_total` their 0.0.4 metadata carries (the samples
/// keep it), `untyped` becomes `unknown`, quotes in help texts are escaped as OpenMetrics'
/// grammar requires (prometheus-client's encoder leaves them bare), and `# EOF` ends it.
pub fn to_openmetrics(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            let kind = lines
                .peek()
                .and_then(|l| l.strip_prefix("# TYPE "))
                .and_then(|t| t.split_once(' '))
                .filter(|(n, _)| *n == name)
                .map(|(_, k)| k);
            let family = family_name(name, kind);
            out.push_str("# HELP ");
            out.push_str(family);
            out.push(' ');
            out.push_str(&help.replace('"', "\\\""));
            out.push('\n');
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, ""));
            out.push_str("# TYPE ");
            out.push_str(family_name(name, Some(kind)));
            out.push(' ');
            out.push_str(if kind == "untyped" { "unknown" } else { kind });
            out.push('\n');
        } else if !line.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("# EOF\n");
    out
}

/// A family's OpenMetrics name: a counter's without `_total`.
fn family_name<'a>(name: &'a str, kind: Option<&str>) -> &'a str {
    match kind {
        Some("counter") => name.strip_suffix("_total").unwrap_or(name),
        _ => name,
    }
}

/// The exposition format a scrape gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text 0.0.4 ([`CONTENT_TYPE`]).
    Text,
    /// OpenMetrics text ([`OPENMETRICS_CONTENT_TYPE`], or version 0.0.1 when that is all
    /// the client takes; the content is the same).
    OpenMetrics { version: &'static str },
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => CONTENT_TYPE,
            Format::OpenMetrics { version: "0.0.1" } => {
                "application/openmetrics-text; version=0.0.1; charset=utf-8"
            }
            Format::OpenMetrics { .. } => OPENMETRICS_CONTENT_TYPE,
        }
    }
}

/// Picks the format an `Accept` header prefers: OpenMetrics when it lists
/// `application/openmetrics-text` (version 1.0.0, 0.0.1 or none) at a quality no lower than
/// the text format's (`text/plain`, `text/*`, `*/*`), as Prometheus' scrapes do; the text
/// format otherwise, and without a header.
pub fn negotiate(accept: Option<&str>) -> Format {
    let Some(accept) = accept else {
        return Format::Text;
    };
    let mut om: Option<(f64, &'static str)> = None;
    let mut text = 0.0_f64;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let (mut q, mut version) = (1.0_f64, None);
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "q" => q = v.parse().unwrap_or(0.0),
                    "version" => version = Some(v.to_owned()),
                    _ => {}
                }
            }
        }
        match media.as_str() {
            "application/openmetrics-text" => {
                let v = match version.as_deref() {
                    None | Some("1.0.0") => "1.0.0",
                    Some("0.0.1") => "0.0.1",
                    Some(_) => continue,
                };
                if q > 0.0 && om.is_none_or(|(best, bv)| q > best || (q == best && v > bv)) {
                    om = Some((q, v));
                }
            }
            "text/plain" | "text/*" | "*/*" => text = text.max(q),
            _ => {}
        }
    }
    match om {
        Some((q, version)) if q >= text => Format::OpenMetrics { version },
        _ => Format::Text,
    }
}

/// prometheus-client takes per-bucket counts and accumulates them itself.
fn decumulate(cumulative: &[(f64, u64)]) -> Vec<(f64, u64)> {
    let mut prev = 0;
    cumulative
        .iter()
        .map(|&(le, c)| {
            let d = c.saturating_sub(prev);
            prev = prev.max(c);
            (le, d)
        })
        .collect()
}

/// An OpenMetrics text as a sorted list of lines that ignores what the format leaves
/// free (for comparing two renderings of one set): the order of samples and of labels, and how `le` and values write a number.
pub fn canonical(om: &str) -> Vec<String> {
    let mut lines: Vec<String> = om
        .lines()
        .map(|line| {
            if line.starts_with('#') {
                // prometheus-client leaves quotes in help bare, which OpenMetrics'
                // grammar does not allow; to_openmetrics escapes them.
                return line.replace("\\\"", "\"");
            }
            let (series, value) = line.rsplit_once(' ').unwrap_or((line, ""));
            let value = value
                .parse::<f64>()
                .map_or(value.to_owned(), |v| v.to_string());
            let Some((name, labels)) = series.split_once('{') else {
                return format!("{series} {value}");
            };
            let mut pairs: Vec<String> = labels
                .trim_end_matches('}')
                .split("\",")
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once("=\"").unwrap_or((p, ""));
                    let v = v.trim_end_matches('"');
                    match (k, v.parse::<f64>()) {
                        ("le", Ok(n)) => format!("{k}={n}"),
                        _ => format!("{k}={v}"),
                    }
                })
                .collect();
            pairs.sort();
            format!("{name}{{{}}} {value}", pairs.join(","))
        })
        .collect();
    lines.sort();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{GPU_ENERGY, GPU_UTILIZATION, VLLM_TTFT};

    /// A gauge, a counter and a histogram with a label value that needs escaping.
    fn sample_set() -> MetricSet {
        let mut set = MetricSet::new();
        set.gauge(&GPU_UTILIZATION, &["0"], 0.5);
        set.counter(&GPU_ENERGY, &["0"], 12.0);
        set.histogram(
            &VLLM_TTFT,
            &["c", "m \"x\"", "0.6.3"],
            vec![(0.1, 2), (1.0, 5)],
            3.0,
            6,
        );
        set
    }

    #[test]
    fn counters_gain_total_and_histograms_are_cumulative() {
        let set = sample_set();
        let text = render(&set);
        assert!(
            text.contains("# TYPE llm_monitor_gpu_energy_joules_total counter"),
            "{text}"
        );
        assert!(
            text.contains("llm_monitor_gpu_energy_joules_total{gpu=\"0\"} 12"),
            "{text}"
        );
        assert!(
            text.contains("llm_monitor_gpu_utilization_ratio{gpu=\"0\"} 0.5"),
            "{text}"
        );
        assert!(
            text.contains(r#"model="m \"x\"""#),
            "label value escaped: {text}"
        );
        assert!(text.contains(r#"le="0.1"} 2"#), "{text}");
        assert!(text.contains(r#"le="1"} 5"#), "{text}");
        assert!(text.contains(r#"le="+Inf"} 6"#), "{text}");
        assert!(
            text.contains("llm_monitor_vllm_time_to_first_token_seconds_count{"),
            "{text}"
        );
    }

    #[test]
    fn openmetrics_from_the_text_rendering_equals_the_native_encoding() {
        let set = sample_set();
        let om = to_openmetrics(&render(&set));
        assert_eq!(canonical(&om), canonical(&render_openmetrics(&set)));
        assert!(
            om.contains("# TYPE llm_monitor_gpu_energy_joules counter\n"),
            "{om}"
        );
        assert!(
            om.contains("\nllm_monitor_gpu_energy_joules_total{gpu=\"0\"} 12.0\n"),
            "{om}"
        );
        assert!(om.ends_with("\n# EOF\n"), "{om}");
        // An OpenMetrics parser takes it, counters and histograms typed.
        let parsed = openmetrics_parser::openmetrics::parse_openmetrics(&om).expect("valid");
        let kinds: Vec<String> = [
            "llm_monitor_gpu_energy_joules",
            "llm_monitor_vllm_time_to_first_token_seconds",
        ]
        .iter()
        .map(|n| format!("{:?}", parsed.families[*n].family_type))
        .collect();
        assert_eq!(kinds, ["Counter", "Histogram"]);
    }

    #[test]
    fn help_quotes_are_escaped_and_untyped_becomes_unknown() {
        let text = "# HELP a_total say \"hi\"\n# TYPE a_total counter\na_total 1\n\
                    # HELP b x\n# TYPE b untyped\nb 2\n";
        assert_eq!(
            to_openmetrics(text),
            "# HELP a say \\\"hi\\\"\n# TYPE a counter\na_total 1\n# HELP b x\n# TYPE b unknown\nb 2\n# EOF\n"
        );
    }

    #[test]
    fn accept_headers_choose_the_format_as_prometheus_sends_them() {
        let om = Format::OpenMetrics { version: "1.0.0" };
        // Prometheus 2.42's scrape header, and Prometheus 3's default.
        let p2 = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        let p3 = "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";
        assert_eq!(negotiate(Some(p2)), om);
        assert_eq!(negotiate(Some(p3)), om);
        assert_eq!(negotiate(Some("application/openmetrics-text")), om);
        assert_eq!(
            negotiate(Some("application/openmetrics-text; version=0.0.1")),
            Format::OpenMetrics { version: "0.0.1" }
        );
        // Text when asked for, preferred, or nothing is said.
        for accept in [
            None,
            Some("*/*"),
            Some("text/plain;version=0.0.4"),
            Some("text/plain;q=1,application/openmetrics-text;q=0.5"),
            Some("application/openmetrics-text;q=0"),
            Some("application/openmetrics-text;version=2.0.0"),
            Some("application/json"),
        ] {
            assert_eq!(negotiate(accept), Format::Text, "{accept:?}");
        }
        assert_eq!(
            om.content_type(),
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
    }

    #[test]
    fn a_duplicate_series_is_dropped_and_the_first_kept() {
        let mut set = MetricSet::new();
        set.gauge(&GPU_UTILIZATION, &["0"], 0.5);
        set.gauge(&GPU_UTILIZATION, &["0"], 0.9);
        let mut other = MetricSet::new();
        other.gauge(&GPU_UTILIZATION, &["0"], 0.7);
        other.gauge(&GPU_UTILIZATION, &["1"], 0.1);
        set.extend(other);
        assert_eq!(set.samples(&GPU_UTILIZATION).len(), 2);
        assert_eq!(
            set.value(&GPU_UTILIZATION, &["0"]),
            Some(&Value::Gauge(0.5))
        );
    }

    #[test]
    fn state_set_marks_exactly_one_state() {
        let mut set = MetricSet::new();
        set.state_set(
            &crate::schema::CONTAINER_STATE,
            &["a"],
            &["running", "exited"],
            "exited",
        );
        assert_eq!(
            set.value(&crate::schema::CONTAINER_STATE, &["a", "exited"]),
            Some(&Value::Gauge(1.0))
        );
        assert_eq!(
            set.value(&crate::schema::CONTAINER_STATE, &["a", "running"]),
            Some(&Value::Gauge(0.0))
        );
    }
}
