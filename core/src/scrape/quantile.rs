//! Percentiles from two readings of a cumulative histogram, the way Prometheus'
//! `histogram_quantile(q, rate(…))` gives them: one code for `llmmon top` and the
//! simulator's plausibility tests.

/// Prometheus' `histogram_quantile` on the bucket deltas: linear inside the bucket.
pub fn from_deltas(q: f64, newer: &[(f64, f64)], older: &[(f64, f64)]) -> Option<f64> {
    if newer.is_empty() || newer.len() != older.len() {
        return None;
    }
    let delta: Vec<(f64, f64)> = newer
        .iter()
        .zip(older)
        .map(|(a, b)| (a.0, (a.1 - b.1).max(0.0)))
        .collect();
    let total = delta.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut prev = (0.0, 0.0);
    for &(le, count) in &delta {
        if count >= rank {
            if le.is_infinite() {
                return Some(prev.0);
            }
            let width = count - prev.1;
            let into = if width > 0.0 {
                (rank - prev.1) / width
            } else {
                1.0
            };
            return Some(prev.0 + (le - prev.0) * into);
        }
        prev = (le, count);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_inside_the_bucket_like_prometheus() {
        let older = vec![(0.1, 0.0), (1.0, 0.0), (f64::INFINITY, 0.0)];
        let newer = vec![(0.1, 50.0), (1.0, 100.0), (f64::INFINITY, 100.0)];
        assert_eq!(from_deltas(0.5, &newer, &older), Some(0.1));
        let p75 = from_deltas(0.75, &newer, &older).expect("p75");
        assert!((p75 - 0.55).abs() < 1e-9, "{p75}");
        assert_eq!(
            from_deltas(0.5, &older, &older),
            None,
            "no observations, no percentile"
        );
    }
}
