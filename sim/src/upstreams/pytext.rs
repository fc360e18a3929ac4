//! Writes an exposition the way Python's prometheus_client does (what vLLM and LiteLLM
//! serve): counters typed under their `_total` name with a `_created` gauge beside them,
//! histograms with `_bucket`/`_count`/`_sum`/`_created`, floats in Python's repr.

use std::fmt::Write;

use llmmon_readings::vllm::Histogram;

/// Labels of one sample, in order.
pub type Labels<'a> = &'a [(&'a str, &'a str)];
/// Labels with owned values.
pub type OwnedLabels = Vec<(&'static str, String)>;

fn view(l: &OwnedLabels) -> Vec<(&str, &str)> {
    l.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[derive(Default)]
pub struct PyText {
    out: String,
    /// Creation time written in `_created` samples.
    pub created: f64,
}

fn float(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // Python's repr: integers keep a trailing ".0".
    format!("{v:?}")
}

/// `k="v",…` with Python's escapes, without the braces.
fn label_body(l: Labels<'_>) -> String {
    let mut out = String::new();
    for (i, (k, v)) in l.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{k}=\"{}\"",
            v.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        );
    }
    out
}

/// `{…}` from a label body and one more label (written as is), or nothing when both are
/// empty.
fn braces(body: &str, extra: Option<(&str, &str)>) -> String {
    match (body.is_empty(), extra) {
        (true, None) => String::new(),
        (true, Some((k, v))) => format!("{{{k}=\"{v}\"}}"),
        (false, None) => format!("{{{body}}}"),
        (false, Some((k, v))) => format!("{{{body},{k}=\"{v}\"}}"),
    }
}

fn labels(l: Labels<'_>, extra: Option<(&str, &str)>) -> String {
    braces(&label_body(l), extra)
}

impl PyText {
    pub fn new(created: f64) -> Self {
        Self {
            out: String::new(),
            created,
        }
    }

    fn header(&mut self, name: &str, help: &str, kind: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    pub fn gauge(&mut self, name: &str, help: &str, samples: &[(Labels<'_>, f64)]) {
        if samples.is_empty() {
            return;
        }
        self.header(name, help, "gauge");
        for (l, v) in samples {
            let _ = writeln!(self.out, "{name}{} {}", labels(l, None), float(*v));
        }
    }

    /// `base` without `_total`.
    pub fn counter(&mut self, base: &str, help: &str, samples: &[(Labels<'_>, f64)]) {
        if samples.is_empty() {
            return;
        }
        self.header(&format!("{base}_total"), help, "counter");
        for (l, v) in samples {
            let _ = writeln!(self.out, "{base}_total{} {}", labels(l, None), float(*v));
        }
        self.header(&format!("{base}_created"), help, "gauge");
        for (l, _) in samples {
            let _ = writeln!(
                self.out,
                "{base}_created{} {}",
                labels(l, None),
                float(self.created)
            );
        }
    }

    pub fn histogram(&mut self, name: &str, help: &str, samples: &[(Labels<'_>, &Histogram)]) {
        if samples.is_empty() {
            return;
        }
        self.header(name, help, "histogram");
        for (l, h) in samples {
            // The labels are escaped once per series, not once per bucket.
            let body = label_body(l);
            let sep = if body.is_empty() { "" } else { "," };
            for (le, c) in &h.buckets {
                let _ = writeln!(
                    self.out,
                    "{name}_bucket{{{body}{sep}le=\"{}\"}} {}",
                    float(*le),
                    float(*c as f64)
                );
            }
            let _ = writeln!(
                self.out,
                "{name}_bucket{{{body}{sep}le=\"+Inf\"}} {}",
                float(h.count as f64)
            );
            let plain = braces(&body, None);
            let _ = writeln!(self.out, "{name}_count{plain} {}", float(h.count as f64));
            let _ = writeln!(self.out, "{name}_sum{plain} {}", float(h.sum));
        }
        self.header(&format!("{name}_created"), help, "gauge");
        for (l, _) in samples {
            let _ = writeln!(
                self.out,
                "{name}_created{} {}",
                labels(l, None),
                float(self.created)
            );
        }
    }

    /// [`Self::counter`] with owned label values.
    pub fn counter_owned(&mut self, base: &str, help: &str, samples: &[(OwnedLabels, f64)]) {
        let views: Vec<Vec<(&str, &str)>> = samples.iter().map(|(l, _)| view(l)).collect();
        let refs: Vec<(Labels<'_>, f64)> = views
            .iter()
            .zip(samples)
            .map(|(l, (_, v))| (l.as_slice(), *v))
            .collect();
        self.counter(base, help, &refs);
    }

    /// [`Self::gauge`] with owned label values.
    pub fn gauge_owned(&mut self, name: &str, help: &str, samples: &[(OwnedLabels, f64)]) {
        let views: Vec<Vec<(&str, &str)>> = samples.iter().map(|(l, _)| view(l)).collect();
        let refs: Vec<(Labels<'_>, f64)> = views
            .iter()
            .zip(samples)
            .map(|(l, (_, v))| (l.as_slice(), *v))
            .collect();
        self.gauge(name, help, &refs);
    }

    /// [`Self::histogram`] with owned label values.
    pub fn histogram_owned(
        &mut self,
        name: &str,
        help: &str,
        samples: &[(OwnedLabels, Histogram)],
    ) {
        let views: Vec<Vec<(&str, &str)>> = samples.iter().map(|(l, _)| view(l)).collect();
        let refs: Vec<(Labels<'_>, &Histogram)> = views
            .iter()
            .zip(samples)
            .map(|(l, (_, h))| (l.as_slice(), h))
            .collect();
        self.histogram(name, help, &refs);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_like_python_prometheus_client() {
        let mut p = PyText::new(1.7e9);
        p.counter(
            "vllm:prompt_tokens",
            "Number of prefill tokens processed.",
            &[(&[("model_name", "m")], 10.0)],
        );
        let h = Histogram {
            buckets: vec![(0.001, 0), (1.0, 3)],
            sum: 1.5,
            count: 4,
        };
        p.histogram(
            "vllm:time_to_first_token_seconds",
            "Histogram of time to first token in seconds.",
            &[(&[("model_name", "m")], &h)],
        );
        let text = p.finish();
        assert!(text.contains("# TYPE vllm:prompt_tokens_total counter\nvllm:prompt_tokens_total{model_name=\"m\"} 10.0\n"));
        assert!(text.contains("vllm:prompt_tokens_created{model_name=\"m\"} 1700000000.0"));
        assert!(text
            .contains("vllm:time_to_first_token_seconds_bucket{model_name=\"m\",le=\"1.0\"} 3.0"));
        assert!(text.contains("le=\"+Inf\"} 4.0"));
        let parsed = llmmon_core::scrape::parse(&text).expect("parses");
        assert!(parsed.families.contains_key("vllm:prompt_tokens_total"));
    }
}
