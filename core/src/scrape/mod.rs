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
pub mod quantile;

/// Most an exposition from an upstream (vLLM's, LiteLLM's own `/metrics/`) may hold. A real vLLM exposition is ~50 KB
/// and ~700 sample lines per model, with a dozen labels and values of tens of bytes; the
/// defaults leave room for ~30 models on one instance and stop a cardinality bomb (100 k
/// distinct label values fit in the 8 MB body cap) before anything is built for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Series, counted as sample lines (a histogram's bucket, `_sum` and `_count` lines
    /// each count).
    pub max_series: usize,
    /// Labels on one sample line.
    pub max_labels: usize,
    /// Bytes of one label value as written (escapes included).
    pub max_label_value_bytes: usize,
    /// Metric families (distinct `# HELP` / `# TYPE` names and untyped sample names).
    pub max_families: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_series: 20_000,
            max_labels: 64,
            max_label_value_bytes: 4096,
            max_families: 2_000,
        }
    }
}

impl Limits {
    /// The defaults, each replaced by its environment variable where set to a number:
    /// `LLMMON_SCRAPE_MAX_SERIES`, `LLMMON_SCRAPE_MAX_LABELS`,
    /// `LLMMON_SCRAPE_MAX_LABEL_VALUE_BYTES`, `LLMMON_SCRAPE_MAX_FAMILIES`.
    pub fn from_env() -> Self {
        let var = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default)
        };
        let d = Self::default();
        Self {
            max_series: var("LLMMON_SCRAPE_MAX_SERIES", d.max_series),
            max_labels: var("LLMMON_SCRAPE_MAX_LABELS", d.max_labels),
            max_label_value_bytes: var(
                "LLMMON_SCRAPE_MAX_LABEL_VALUE_BYTES",
                d.max_label_value_bytes,
            ),
            max_families: var("LLMMON_SCRAPE_MAX_FAMILIES", d.max_families),
        }
    }
}

/// Which cap an exposition went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cap {
    Series,
    Labels,
    LabelValue,
    Families,
}

impl Cap {
    /// The `reason` label of `llm_monitor_exporter_scrape_dropped_total`.
    pub fn reason(self) -> &'static str {
        match self {
            Cap::Series => "series",
            Cap::Labels => "labels",
            Cap::LabelValue => "label_value",
            Cap::Families => "families",
        }
    }
}

/// Why an upstream exposition was not read.
#[derive(Debug, Clone, PartialEq)]
pub enum Refused {
    /// Over a cap: nothing of it was kept.
    Capped { cap: Cap, limit: usize },
    /// Not a Prometheus text exposition.
    Malformed(ParseError),
}

impl std::error::Error for Refused {}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Capped { cap, limit } => {
                let what = match cap {
                    Cap::Series => "series",
                    Cap::Labels => "labels on one series",
                    Cap::LabelValue => "bytes in one label value",
                    Cap::Families => "metric families",
                };
                write!(
                    f,
                    "exposition dropped: more than {limit} {what} (cap {})",
                    cap.reason()
                )
            }
            Refused::Malformed(e) => e.fmt(f),
        }
    }
}

/// Checks `text` against `limits` in one pass that allocates nothing, before any parser
/// builds a series: an exposition over a cap costs its body and no more.
pub fn check_limits(text: &str, limits: &Limits) -> Result<(), Refused> {
    let over = |cap, limit| Err(Refused::Capped { cap, limit });
    let (mut series, mut families) = (0usize, 0usize);
    // The family being read: samples whose name starts with it belong to it.
    let mut family: &str = "";
    for line in text.split('\n') {
        let line = line.trim_start_matches([' ', '\t']);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('#') {
            let rest = rest.trim_start_matches([' ', '\t']);
            let desc = rest
                .strip_prefix("TYPE")
                .or_else(|| rest.strip_prefix("HELP"))
                .map(|r| r.trim_start_matches([' ', '\t']));
            if let Some(desc) = desc {
                let name = desc.split([' ', '\t']).next().unwrap_or("");
                if name != family {
                    families += 1;
                    if families > limits.max_families {
                        return over(Cap::Families, limits.max_families);
                    }
                    family = name;
                }
            }
            continue;
        }
        series += 1;
        if series > limits.max_series {
            return over(Cap::Series, limits.max_series);
        }
        let name_end = line.find(['{', ' ', '\t']).unwrap_or(line.len());
        let name = &line[..name_end];
        if family.is_empty() || !name.starts_with(family) {
            families += 1;
            if families > limits.max_families {
                return over(Cap::Families, limits.max_families);
            }
            family = name;
        }
        let Some(inner) = line[name_end..].strip_prefix('{') else {
            continue;
        };
        let (mut labels, mut in_value, mut escaped, mut len) = (0usize, false, false, 0usize);
        for b in inner.bytes() {
            if in_value {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => {
                        in_value = false;
                        continue;
                    }
                    _ => {}
                }
                len += 1;
                if len > limits.max_label_value_bytes {
                    return over(Cap::LabelValue, limits.max_label_value_bytes);
                }
                continue;
            }
            match b {
                b'"' => {
                    (in_value, len) = (true, 0);
                    labels += 1;
                    if labels > limits.max_labels {
                        return over(Cap::Labels, limits.max_labels);
                    }
                }
                b'}' => break,
                _ => {}
            }
        }
    }
    Ok(())
}

/// [`parse`] for the exposition of upstream `source` (e.g. `vllm/<target>`): refused whole,
/// before anything is built, when it goes over `limits`, and counted in [`dropped`].
pub fn parse_bounded(source: &str, text: &str, limits: &Limits) -> Result<Scrape, Refused> {
    if let Err(e) = check_limits(text, limits) {
        if let Refused::Capped { cap, .. } = e {
            record_dropped(source, cap);
        }
        return Err(e);
    }
    parse(text).map_err(Refused::Malformed)
}

static DROPPED: std::sync::Mutex<BTreeMap<(String, Cap), u64>> =
    std::sync::Mutex::new(BTreeMap::new());

/// Counts one exposition from `source` dropped over `cap` (this process's lifetime).
pub fn record_dropped(source: &str, cap: Cap) {
    let mut d = DROPPED.lock().unwrap_or_else(|e| e.into_inner());
    *d.entry((source.to_owned(), cap)).or_default() += 1;
}

/// Expositions dropped so far, by source and cap.
pub fn dropped() -> Vec<(String, Cap, u64)> {
    let d = DROPPED.lock().unwrap_or_else(|e| e.into_inner());
    d.iter().map(|((s, c), n)| (s.clone(), *c, *n)).collect()
}

/// Parses Prometheus text format 0.0.4: the everyday shape in one fast pass ([`fast`]),
/// anything else with the full grammar; the result is the same either way.
pub fn parse(text: &str) -> Result<Scrape, ParseError> {
    fast::parse_common(text).map_or_else(|| parse_full(text), Ok)
}

/// Parses Prometheus text format 0.0.4 with the full grammar (`openmetrics-parser`).
pub fn parse_full(text: &str) -> Result<Scrape, ParseError> {
    let exposition = openmetrics_parser::prometheus::parse_prometheus(text)
        .map_err(|e| ParseError(format!("{e:?}")))?;
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

/// A text that is not a Prometheus exposition, with the parser's account of why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse exposition: {0}")]
pub struct ParseError(pub String);

/// Why a request got no usable answer, in a few words and without the URL (it may hold
/// credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HttpFailure {
    #[error("timed out")]
    Timeout,
    #[error("connection refused")]
    Connect,
    #[error("unreadable response body")]
    Body,
    #[error("request failed")]
    Other,
}

impl From<&reqwest::Error> for HttpFailure {
    fn from(e: &reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::Timeout
        } else if e.is_connect() {
            Self::Connect
        } else if e.is_decode() || e.is_body() {
            Self::Body
        } else {
            Self::Other
        }
    }
}

impl From<reqwest::Error> for HttpFailure {
    fn from(e: reqwest::Error) -> Self {
        Self::from(&e)
    }
}

/// Why an exposition could not be fetched or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Http(#[from] HttpFailure),
    #[error("HTTP {0}")]
    Status(reqwest::StatusCode),
    #[error("body larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("body is not UTF-8")]
    NotUtf8,
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// Fetches and parses `url` (an exporter's `/metrics`) within `timeout`.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> Result<Scrape, FetchError> {
    Ok(parse(&fetch_text(client, url, timeout).await?)?)
}

/// Fetches `url`'s exposition text, bounded in size, without parsing it.
pub async fn fetch_text(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> Result<String, FetchError> {
    let resp = client
        .get(url)
        .timeout(timeout)
        .send()
        .await
        .map_err(HttpFailure::from)?;
    if !resp.status().is_success() {
        return Err(FetchError::Status(resp.status()));
    }
    if resp.content_length().unwrap_or(0) as usize > MAX_BODY_BYTES {
        return Err(FetchError::TooLarge);
    }
    let body = resp.bytes().await.map_err(HttpFailure::from)?;
    if body.len() > MAX_BODY_BYTES {
        return Err(FetchError::TooLarge);
    }
    String::from_utf8(body.to_vec()).map_err(|_| FetchError::NotUtf8)
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
    fn caps_refuse_before_parsing_and_name_the_cap() {
        let l = Limits {
            max_series: 3,
            max_labels: 2,
            max_label_value_bytes: 5,
            max_families: 2,
        };
        let ok =
            "# HELP a x\n# TYPE a gauge\na{m=\"12345\",n=\"a\\\"b\"} 1\na{m=\"1\",n=\"2\"} 2\n";
        assert!(parse_bounded("t", ok, &l).is_ok());
        let capped = |text: &str| match parse_bounded("t", text, &l) {
            Err(Refused::Capped { cap, .. }) => Some(cap),
            _ => None,
        };
        assert_eq!(capped("a 1\na 2\na 3\na 4\n"), Some(Cap::Series));
        assert_eq!(capped("a{x=\"1\",y=\"2\",z=\"3\"} 1\n"), Some(Cap::Labels));
        assert_eq!(capped("a{x=\"123456\"} 1\n"), Some(Cap::LabelValue));
        assert_eq!(
            capped("# TYPE a gauge\n# TYPE b gauge\nc 1\n"),
            Some(Cap::Families)
        );
        // Histogram lines belong to their family; a real vLLM body passes the defaults.
        assert_eq!(
            capped("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n"),
            None
        );
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/upstream/vllm"
        );
        for f in ["current.prom", "v0.34.0.prom", "v0.8.5.prom"] {
            let text = std::fs::read_to_string(format!("{dir}/{f}")).expect(f);
            assert!(parse_bounded("t", &text, &Limits::default()).is_ok(), "{f}");
        }
        let e = parse_bounded("t", "a 1\na 2\na 3\na 4\n", &l).expect_err("capped");
        assert_eq!(
            e.to_string(),
            "exposition dropped: more than 3 series (cap series)"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse("this is {not metrics").is_err());
    }
}
