//! Reading a Prometheus text exposition (ours, vLLM's, node_exporter's …) into families and
//! series, with `openmetrics-parser` (it keeps `:` in names and histograms whole, unlike
//! prometheus-parse 0.2).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use openmetrics_parser::PrometheusValue;

/// Most bytes read from one exposition; a bigger body is refused, not buffered.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum SeriesValue {
    Number(f64),
    Histogram {
        /// Cumulative `(upper bound, count)`, `+Inf` included.
        buckets: Vec<(f64, f64)>,
        sum: f64,
        count: f64,
    },
}

impl SeriesValue {
    pub fn number(&self) -> Option<f64> {
        match self {
            SeriesValue::Number(v) => Some(*v),
            SeriesValue::Histogram { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub value: SeriesValue,
}

impl Series {
    pub fn label(&self, name: &str) -> &str {
        self.labels.get(name).map(String::as_str).unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: String,
    /// counter, gauge, histogram, summary, untyped
    pub kind: String,
    pub label_names: Vec<String>,
    pub series: Vec<Series>,
}

/// One parsed exposition, by family name (counters under their `_total` name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scrape {
    pub families: HashMap<String, Family>,
}

impl Scrape {
    pub fn series(&self, name: &str) -> &[Series] {
        self.families
            .get(name)
            .map(|f| f.series.as_slice())
            .unwrap_or_default()
    }

    /// Value of the first series of `name` whose labels include all of `matching`.
    pub fn value(&self, name: &str, matching: &[(&str, &str)]) -> Option<f64> {
        self.series(name)
            .iter()
            .find(|s| matching.iter().all(|(k, v)| s.label(k) == *v))
            .and_then(|s| s.value.number())
    }
}

pub mod fast;

/// Parses Prometheus text format 0.0.4: the everyday shape in one fast pass ([`fast`]),
/// anything else with the full grammar; the result is the same either way.
pub fn parse(text: &str) -> Result<Scrape, String> {
    fast::parse_common(text).map_or_else(|| parse_full(text), Ok)
}

/// Parses Prometheus text format 0.0.4 with the full grammar (`openmetrics-parser`).
pub fn parse_full(text: &str) -> Result<Scrape, String> {
    let exposition = openmetrics_parser::prometheus::parse_prometheus(text)
        .map_err(|e| format!("cannot parse exposition: {e:?}"))?;
    let mut families = HashMap::new();
    for (name, fam) in exposition.families {
        let label_names: Vec<String> = fam.get_label_names().to_vec();
        let kind = fam.family_type.to_string();
        let series = fam
            .iter_samples()
            .filter_map(|s| {
                let labels: BTreeMap<String, String> = s
                    .get_labelset()
                    .ok()?
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let value = match &s.value {
                    PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => {
                        SeriesValue::Number(n.as_f64())
                    }
                    PrometheusValue::Counter(c) => SeriesValue::Number(c.value.as_f64()),
                    PrometheusValue::Histogram(h) => SeriesValue::Histogram {
                        buckets: h
                            .buckets
                            .iter()
                            .map(|b| (b.upper_bound, b.count.as_f64()))
                            .collect(),
                        sum: h.sum.as_ref().map(|n| n.as_f64()).unwrap_or(0.0),
                        count: h.count.map(|c| c as f64).unwrap_or(0.0),
                    },
                    PrometheusValue::Summary(_) => return None,
                };
                Some(Series { labels, value })
            })
            .collect();
        families.insert(
            name.clone(),
            Family {
                name,
                kind,
                label_names,
                series,
            },
        );
    }
    Ok(Scrape { families })
}

/// Fetches and parses `url` (an exporter's `/metrics`) within `timeout`.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> Result<Scrape, String> {
    parse(&fetch_text(client, url, timeout).await?)
}

/// Fetches `url`'s exposition text, bounded in size, without parsing it.
pub async fn fetch_text(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> Result<String, String> {
    let resp = client
        .get(url)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    if resp.content_length().unwrap_or(0) as usize > MAX_BODY_BYTES {
        return Err(format!("body larger than {MAX_BODY_BYTES} bytes"));
    }
    let body = resp.bytes().await.map_err(|e| describe(&e))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(format!("body larger than {MAX_BODY_BYTES} bytes"));
    }
    String::from_utf8(body.to_vec()).map_err(|_| "body is not UTF-8".to_owned())
}

/// A one-line reason for an HTTP failure, without the URL (it may hold credentials).
pub fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection refused".to_owned()
    } else if e.is_decode() || e.is_body() {
        "unreadable response body".to_owned()
    } else {
        "request failed".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colon_names_histograms_and_escaped_labels_survive() {
        let text = r#"# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="Qwen/Qwen3-32B"} 3.0
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{model_name="m",le="0.1"} 2.0
vllm:time_to_first_token_seconds_bucket{model_name="m",le="+Inf"} 5.0
vllm:time_to_first_token_seconds_count{model_name="m"} 5.0
vllm:time_to_first_token_seconds_sum{model_name="m"} 1.25
# HELP x_total a counter
# TYPE x_total counter
x_total{path="a \"quoted\" \\ value"} 7
"#;
        let s = parse(text).expect("parses");
        assert_eq!(s.value("vllm:num_requests_running", &[]), Some(3.0));
        let h = &s.series("vllm:time_to_first_token_seconds")[0].value;
        assert_eq!(
            h,
            &SeriesValue::Histogram {
                buckets: vec![(0.1, 2.0), (f64::INFINITY, 5.0)],
                sum: 1.25,
                count: 5.0
            }
        );
        let x = &s.series("x_total")[0];
        assert_eq!(x.label("path"), r#"a "quoted" \ value"#);
        assert_eq!(s.families["x_total"].kind, "counter");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse("this is {not metrics").is_err());
    }
}
