//! A collection's result as samples per schema family, and its rendering to the Prometheus
//! text format (0.0.4) through prometheus-client's encoder.
//!
//! Collectors fill a [`MetricSet`]; the service renders it once per collection, so a scrape
//! only copies bytes.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::schema::{MetricDef, MetricKind};

/// Content-Type of what [`render`] produces (Prometheus 3 insists on a valid one).
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

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
    let mut out = String::with_capacity(set.sample_count() * 96);
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &registry);
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{GPU_ENERGY, GPU_UTILIZATION, VLLM_TTFT};

    #[test]
    fn counters_gain_total_and_histograms_are_cumulative() {
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
