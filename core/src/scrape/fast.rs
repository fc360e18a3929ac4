//! A fast reader for the everyday shape of a Prometheus text exposition, for `llmmon top`'s
//! 1 s refresh and the collectors. `parse_full` (a PEG grammar, `openmetrics-parser`) costs
//! about 60 ms per
//! MB of our exporters' output, this reader about 6; at a 1 s refresh against exporters
//! that collect every second, parsing was most of the TUI's CPU. This reader takes the
//! common subset — `# HELP` / `# TYPE` headers,
//! counter, gauge and histogram families, samples without timestamps or exemplars — in one
//! pass, and hands anything else (and anything that would be an error) to `parse_full`,
//! so the result is always the one `parse_full` gives.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Family, Scrape, Series, SeriesValue};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn from_keyword(s: &str) -> Option<Self> {
        match s {
            "counter" => Some(Kind::Counter),
            "gauge" => Some(Kind::Gauge),
            "histogram" => Some(Kind::Histogram),
            _ => None,
        }
    }

    fn keyword(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// A histogram series while its samples come in.
#[derive(Default)]
struct Hist {
    buckets: Vec<(f64, f64)>,
    sum: Option<f64>,
    count: Option<f64>,
}

impl Hist {
    /// The series' value, or None where `parse_full` would refuse it.
    fn finish(self) -> Option<SeriesValue> {
        let has_inf = self.buckets.iter().any(|b| b.0 == f64::INFINITY);
        let negative_bucket = self.buckets.iter().any(|b| b.0 < 0.0);
        let cumulative = self.buckets.windows(2).all(|w| w[1].1 >= w[0].1);
        let sum_ok = match self.sum {
            Some(_) if negative_bucket => false,
            Some(s) => s >= 0.0,
            None => true,
        };
        if !has_inf || !cumulative || !sum_ok || self.sum.is_some() != self.count.is_some() {
            return None;
        }
        Some(SeriesValue::Histogram {
            buckets: self.buckets,
            sum: self.sum.unwrap_or(0.0),
            count: self.count.unwrap_or(0.0),
        })
    }
}

/// The family being read.
struct Current {
    name: String,
    kind: Option<Kind>,
    help: bool,
    label_names: Option<Vec<String>>,
    labels: Vec<BTreeMap<String, String>>,
    numbers: Vec<f64>,
    hists: Vec<Hist>,
}

impl Current {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind: None,
            help: false,
            label_names: None,
            labels: Vec::new(),
            numbers: Vec::new(),
            hists: Vec::new(),
        }
    }

    fn has_samples(&self) -> bool {
        !self.labels.is_empty()
    }

    /// Takes one sample line's parts; None where the fast path cannot follow.
    fn sample(&mut self, name: &str, mut labels: Vec<(String, String)>, value: &str) -> Option<()> {
        let kind = self.kind?;
        let suffix = name.strip_prefix(self.name.as_str())?;
        let mut le = None;
        match (kind, suffix) {
            (Kind::Counter | Kind::Gauge, "") => {}
            // `parse_full` trims a suffix repeatedly: `x_sum` of a histogram `x_sum`
            // would be read as `x`.
            (Kind::Histogram, _) if self.name.ends_with(suffix) => return None,
            (Kind::Histogram, "_bucket") => {
                let i = labels.iter().position(|(k, _)| k == "le")?;
                le = Some(labels.remove(i).1.parse::<f64>().ok()?);
            }
            (Kind::Histogram, "_sum" | "_count") => {}
            _ => return None,
        }
        let names: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
        match &self.label_names {
            Some(known) if known.iter().map(String::as_str).ne(names.iter().copied()) => {
                return None
            }
            Some(_) => {}
            None => self.label_names = Some(names.iter().map(|n| (*n).to_owned()).collect()),
        }
        let labels: BTreeMap<String, String> = labels.into_iter().collect();
        let same_as_last = self.labels.last() == Some(&labels);
        if kind != Kind::Histogram {
            // A repeated series is an error for `parse_full`.
            if same_as_last {
                return None;
            }
            let v = number(value)?;
            if kind == Kind::Counter && (v < 0.0 || v.is_nan()) {
                return None;
            }
            self.labels.push(labels);
            self.numbers.push(v);
            return Some(());
        }
        if !same_as_last {
            self.labels.push(labels);
            self.hists.push(Hist::default());
        }
        let h = self.hists.last_mut()?;
        match (suffix, le) {
            ("_bucket", Some(le)) => h.buckets.push((le, number(value)?)),
            ("_sum", _) if h.sum.is_none() => h.sum = Some(number(value)?),
            ("_count", _) if h.count.is_none() => h.count = Some(count(value)?),
            _ => return None,
        }
        Some(())
    }

    /// The finished family; None where `parse_full` would refuse it.
    fn finish(self) -> Option<Family> {
        let mut seen = HashSet::with_capacity(self.labels.len());
        if !self.labels.iter().all(|l| seen.insert(l)) {
            return None;
        }
        drop(seen);
        let kind = self.kind?;
        let series = if kind == Kind::Histogram {
            self.labels
                .into_iter()
                .zip(self.hists)
                .map(|(labels, h)| {
                    Some(Series {
                        labels,
                        value: h.finish()?,
                    })
                })
                .collect::<Option<Vec<_>>>()?
        } else {
            self.labels
                .into_iter()
                .zip(self.numbers)
                .map(|(labels, v)| Series {
                    labels,
                    value: SeriesValue::Number(v),
                })
                .collect()
        };
        Some(Family {
            name: self.name,
            kind: kind.keyword().to_owned(),
            label_names: self.label_names.unwrap_or_default(),
            series,
        })
    }
}

/// A sample value as `parse_full` reads it (an integer, else a float), or None where its
/// grammar would refuse it.
fn number(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let grammar_ok = match unsigned.as_bytes().first() {
        Some(b) if b.is_ascii_digit() => unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)),
        _ => {
            let word = unsigned.to_ascii_lowercase();
            // `+Inf` / `-Inf` only: the full grammar refuses `+Infinity` (found by fuzzing).
            (unsigned.len() < s.len() && word == "inf")
                || (unsigned.len() == s.len() && word == "nan")
        }
    };
    if !grammar_ok {
        return None;
    }
    match s.parse::<i64>() {
        Ok(i) => Some(i as f64),
        Err(_) => s.parse::<f64>().ok(),
    }
}

/// A histogram's `_count`: a whole, non-negative number.
fn count(s: &str) -> Option<f64> {
    let v = number(s)?;
    let whole = (v.round() - v).abs() < f64::EPSILON;
    (whole && v >= 0.0 && v < i64::MAX as f64).then_some((v as i64) as f64)
}

fn is_metric_name(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_' || c == b':')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
}

fn is_label_name(s: &str) -> bool {
    let mut b = s.bytes();
    b.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

fn skip_ws(s: &str) -> &str {
    s.trim_start_matches([' ', '\t'])
}

/// Reads `{name="value", …}` (the brace already taken); returns the sorted labels and the
/// rest of the line.
fn labels(mut s: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut out: Vec<(String, String)> = Vec::new();
    loop {
        s = skip_ws(s);
        if let Some(rest) = s.strip_prefix('}') {
            out.sort_unstable();
            return Some((out, rest));
        }
        let eq = s.find('=')?;
        let name = s[..eq].trim_end_matches([' ', '\t']);
        if !is_label_name(name) || out.iter().any(|(n, _)| n == name) {
            return None;
        }
        s = skip_ws(&s[eq + 1..]).strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = s.char_indices();
        let end = loop {
            match chars.next()? {
                (i, '"') => break i,
                (_, '\\') => match chars.next()?.1 {
                    '\\' => value.push('\\'),
                    'n' => value.push('\n'),
                    '"' => value.push('"'),
                    _ => return None,
                },
                (_, c) => value.push(c),
            }
        };
        out.push((name.to_owned(), value));
        s = skip_ws(&s[end + 1..]);
        match s.strip_prefix(',') {
            Some(rest) => s = rest,
            None if s.starts_with('}') => {}
            None => return None,
        }
    }
}

/// The common subset, or None to leave `text` to `parse_full`.
pub fn parse_common(text: &str) -> Option<Scrape> {
    if text.is_empty() || !text.ends_with('\n') || text.contains('\r') {
        return None;
    }
    let mut families: HashMap<String, Family> = HashMap::new();
    let mut current: Option<Current> = None;
    let mut close = |current: &mut Option<Current>| -> Option<()> {
        if let Some(c) = current.take() {
            let f = c.finish()?;
            if families.contains_key(&f.name) {
                return None;
            }
            families.insert(f.name.clone(), f);
        }
        Some(())
    };
    for line in text[..text.len() - 1].split('\n') {
        if line.is_empty() {
            close(&mut current)?;
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split_once(' ').map_or(rest, |(n, _)| n);
            let c = descriptor(&mut current, name, &mut close)?;
            if c.help {
                return None;
            }
            c.help = true;
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ')?;
            let kind = Kind::from_keyword(kind)?;
            let c = descriptor(&mut current, name, &mut close)?;
            if c.kind.is_some() {
                return None;
            }
            c.kind = Some(kind);
            continue;
        }
        // Other comments, untyped samples: the full parser's business.
        let c = current.as_mut()?;
        let name_end = line.find(['{', ' ', '\t']).unwrap_or(line.len());
        let (name, rest) = line.split_at(name_end);
        if !is_metric_name(name) {
            return None;
        }
        let (labels, rest) = match skip_ws(rest).strip_prefix('{') {
            Some(inner) => labels(inner)?,
            None => (Vec::new(), rest),
        };
        let value = rest.strip_prefix(' ')?.trim_start_matches(' ');
        if value.contains([' ', '\t']) {
            // A timestamp or an exemplar.
            return None;
        }
        c.sample(name, labels, value)?;
    }
    close(&mut current)?;
    (!families.is_empty()).then_some(Scrape { families })
}

/// The family a `# HELP` or `# TYPE` line belongs to: the current one while it has no
/// samples and this is its second descriptor, else a new one.
fn descriptor<'a>(
    current: &'a mut Option<Current>,
    name: &str,
    close: &mut impl FnMut(&mut Option<Current>) -> Option<()>,
) -> Option<&'a mut Current> {
    if !is_metric_name(name) {
        return None;
    }
    let continues = current
        .as_ref()
        .is_some_and(|c| !c.has_samples() && (c.help != c.kind.is_some()));
    if continues {
        let c = current.as_mut()?;
        return (c.name == name).then_some(c);
    }
    close(current)?;
    Some(current.insert(Current::new(name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrape::{parse, parse_full};

    /// The fast path gives exactly what the full parser gives.
    fn same(text: &str) {
        assert_eq!(parse(text), parse_full(text), "{text}");
    }

    fn fast(text: &str) -> bool {
        parse_common(text).is_some()
    }

    #[test]
    fn takes_the_common_shapes() {
        let text = "# HELP a_total Requests.\n# TYPE a_total counter\na_total{m=\"x\",c=\"1\"} 3\na_total{c=\"2\",m=\"y\"} 4.5e2\n\n# TYPE g gauge\ng -1.5\n# TYPE h histogram\nh_bucket{m=\"x\",le=\"0.1\"} 1\nh_bucket{m=\"x\",le=\"+Inf\"} 2\nh_sum{m=\"x\"} 0.3\nh_count{m=\"x\"} 2\n";
        assert!(fast(text));
        same(text);
        let escaped = "# TYPE i gauge\ni{ a = \"q\\\"\\\\\\n\" , }   -Inf\ni{a=\"-\"} +Inf\n";
        assert!(fast(escaped));
        same(escaped);
    }

    #[test]
    fn leaves_the_rest_to_the_full_parser() {
        for text in [
            "",
            "a 1\n",
            "# TYPE a gauge\na 1",
            "# TYPE a gauge\na 1 1700000000\n",
            "# TYPE a gauge\na 1\na 2\n",
            "# TYPE a gauge\nb 1\n",
            "# TYPE a counter\na -1\n",
            "# TYPE a summary\na{quantile=\"0.5\"} 1\n",
            "# TYPE a gauge\n# a comment\na 1\n",
            "# TYPE a gauge\na{x=\"1\"} 1\na{y=\"1\"} 1\n",
            "# TYPE a gauge\na 1\n# TYPE a gauge\na 2\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1.5\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n",
            "# TYPE a gauge\na{x=\"\\t\"} 1\n",
            "# TYPE a gauge\na inf\n",
            "# TYPE a counter\na +Infinity\n",
        ] {
            assert!(!fast(text), "{text:?}");
            same(text);
        }
    }

    #[test]
    fn upstream_expositions_read_the_same() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/upstream");
        // Newer vLLM bodies carry Python's summaries and counters typed without `_total`:
        // those go to the full parser.
        for (file, common) in [
            ("vllm/v0.34.0.prom", false),
            ("vllm/current.prom", false),
            ("vllm/v0.10.1.prom", false),
            ("vllm/v0.8.5.prom", false),
            ("vllm/v0.6.3.prom", true),
            ("litellm/metrics_1.79.prom", true),
            ("litellm/metrics_1.80.prom", true),
            ("litellm/metrics_1.110.prom", true),
        ] {
            let text = std::fs::read_to_string(format!("{dir}/{file}")).expect(file);
            same(&text);
            // Without the fixtures' provenance comments: the body as the server sends it.
            let body: String = text
                .lines()
                .filter(|l| !l.starts_with("# llmmon-fixture"))
                .map(|l| format!("{l}\n"))
                .collect();
            assert_eq!(fast(&body), common, "{file}");
            same(&body);
        }
    }
}
