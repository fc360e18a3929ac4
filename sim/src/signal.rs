//! Deterministic building blocks of the simulator: hashing to numbers, smooth noise, the
//! daily traffic pattern with its closed-form integral, and a log-normal CDF for latency
//! histograms. Everything here is a pure function of its arguments.

use std::f64::consts::PI;

pub const DAY: f64 = 86_400.0;
/// Hour of the day (UTC) at which traffic peaks.
const PEAK_HOUR: f64 = 14.0;

/// A 64-bit mix of a seed, a key and a counter (FNV-1a over the key, then splitmix64).
pub fn hash(seed: u64, key: &str, n: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    splitmix(h ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Uniform in [0, 1).
pub fn unit(seed: u64, key: &str, n: u64) -> f64 {
    (hash(seed, key, n) >> 11) as f64 / (1u64 << 53) as f64
}

/// Smooth value noise in [-1, 1]: random values every `period` seconds, smoothstep between.
pub fn noise(seed: u64, key: &str, t: f64, period: f64) -> f64 {
    let x = t / period;
    let i = x.floor();
    let f = x - i;
    let a = unit(seed, key, i as u64) * 2.0 - 1.0;
    let b = unit(seed, key, i as u64 + 1) * 2.0 - 1.0;
    let s = f * f * (3.0 - 2.0 * f);
    a + (b - a) * s
}

/// Daily pattern in [0, 1]: 0 at night (02:00 UTC), 1 at the afternoon peak.
pub fn daily(t: f64) -> f64 {
    0.5 * (1.0 + (2.0 * PI * (t - PEAK_HOUR * 3600.0) / DAY).cos())
}

/// Antiderivative of [`daily`].
pub fn daily_antiderivative(t: f64) -> f64 {
    0.5 * t + DAY / (4.0 * PI) * (2.0 * PI * (t - PEAK_HOUR * 3600.0) / DAY).sin()
}

/// A rate `base + amplitude * daily(t)` and its integral over [a, b].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DailyRate {
    pub base: f64,
    pub amplitude: f64,
}

impl DailyRate {
    pub fn at(&self, t: f64) -> f64 {
        self.base + self.amplitude * daily(t)
    }

    pub fn integral(&self, a: f64, b: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        self.base * (b - a) + self.amplitude * (daily_antiderivative(b) - daily_antiderivative(a))
    }
}

/// Error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7).
pub fn erf(x: f64) -> f64 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    sign * y
}

/// A log-normal latency distribution given by its median and spread (sigma of ln x).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    pub median: f64,
    pub sigma: f64,
}

impl LogNormal {
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        0.5 * (1.0 + erf((x / self.median).ln() / (self.sigma * std::f64::consts::SQRT_2)))
    }

    pub fn mean(&self) -> f64 {
        self.median * (self.sigma * self.sigma / 2.0).exp()
    }

    /// The value below which a fraction `q` of observations fall (bisection on the CDF).
    pub fn quantile(&self, q: f64) -> f64 {
        let (mut lo, mut hi) = (self.median * 1e-4, self.median * 1e4);
        for _ in 0..80 {
            let mid = (lo * hi).sqrt();
            if self.cdf(mid) < q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo * hi).sqrt()
    }

    pub fn scaled(&self, factor: f64) -> Self {
        Self {
            median: self.median * factor,
            sigma: self.sigma,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_deterministic_and_spreads() {
        assert_eq!(hash(1, "a", 2), hash(1, "a", 2));
        assert_ne!(hash(1, "a", 2), hash(2, "a", 2));
        let mean: f64 = (0..10_000).map(|i| unit(7, "k", i)).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }

    #[test]
    fn noise_stays_in_range_and_is_continuous() {
        for i in 0..5_000 {
            let t = f64::from(i) * 0.7;
            let n = noise(3, "x", t, 10.0);
            assert!((-1.0..=1.0).contains(&n));
            assert!((noise(3, "x", t + 0.01, 10.0) - n).abs() < 0.01);
        }
    }

    #[test]
    fn daily_integral_matches_numeric_sum() {
        let rate = DailyRate {
            base: 2.0,
            amplitude: 3.0,
        };
        let (a, b) = (1_000.0, 200_000.0);
        let steps = 200_000;
        let dt = (b - a) / f64::from(steps);
        let numeric: f64 = (0..steps)
            .map(|i| rate.at(a + (f64::from(i) + 0.5) * dt) * dt)
            .sum();
        assert!((numeric - rate.integral(a, b)).abs() / numeric < 1e-6);
        assert_eq!(rate.integral(b, a), 0.0);
    }

    #[test]
    fn daily_peaks_in_the_afternoon() {
        assert!((daily(14.0 * 3600.0) - 1.0).abs() < 1e-9);
        assert!(daily(2.0 * 3600.0) < 1e-9);
    }

    #[test]
    fn lognormal_quantiles_invert_the_cdf() {
        let d = LogNormal {
            median: 0.4,
            sigma: 0.6,
        };
        assert!((d.cdf(0.4) - 0.5).abs() < 1e-6);
        assert!((d.quantile(0.5) - 0.4).abs() < 1e-4);
        assert!((d.cdf(d.quantile(0.99)) - 0.99).abs() < 1e-4);
        assert!(d.mean() > d.median);
    }
}
