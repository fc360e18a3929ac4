//! Numbers as the tables show them: each formatter has a fixed widest form, keeps its unit,
//! and never leaves a cut number like `444.` (444 s is `444s`, 30 min 24 s is `30m24`).

/// Shown for a reading that is absent (absent is not zero).
pub const DASH: &str = "—";

pub fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or(DASH.to_owned(), f)
}

/// A duration, at most 5 characters: `0.17s`, `19.8s`, `444s`, `30m24`, `2h05`, `>99h`.
pub fn secs(v: f64) -> String {
    let v = v.max(0.0);
    if v < 9.995 {
        return format!("{v:.2}s");
    }
    if v < 99.95 {
        return format!("{v:.1}s");
    }
    let s = v.round() as u64;
    match s {
        0..=599 => format!("{s}s"),
        600..=3599 => format!("{}m{:02}", s / 60, s % 60),
        3600..=359_999 => format!("{}h{:02}", s / 3600, s % 3600 / 60),
        _ => ">99h".to_owned(),
    }
}

/// Large counts with a k / M / G suffix, at most 5 characters.
fn si(v: f64) -> String {
    for (scale, unit) in [(1e3, "k"), (1e6, "M"), (1e9, "G")] {
        let x = v / scale;
        if x < 99.95 {
            return format!("{x:.1}{unit}");
        }
        if x < 999.5 {
            return format!("{x:.0}{unit}");
        }
    }
    ">999G".to_owned()
}

/// A rate with one decimal while it is small: `2.0`, `48.5`, `312`, `12.3k`.
pub fn rate(v: f64) -> String {
    let v = v.max(0.0);
    if v < 99.95 {
        format!("{v:.1}")
    } else if v < 9999.5 {
        format!("{v:.0}")
    } else {
        si(v)
    }
}

/// A whole count: `0`, `61`, `9999`, `12.3k`.
pub fn whole(v: f64) -> String {
    let v = v.max(0.0);
    if v < 9999.5 {
        format!("{v:.0}")
    } else {
        si(v)
    }
}

/// A ratio as a percentage with a decimal below 10 %: `0.0%`, `7.9%`, `50%`, `100%`.
pub fn pct(ratio: f64) -> String {
    let v = (ratio * 100.0).max(0.0);
    if v < 9.95 {
        format!("{v:.1}%")
    } else {
        format!("{v:.0}%")
    }
}

/// A ratio as a whole percentage: `3%`, `100%`.
pub fn pct_whole(ratio: f64) -> String {
    format!("{:.0}%", (ratio * 100.0).max(0.0))
}

/// CPU cores: `0.01`, `12.4`, `123`.
pub fn cores(v: f64) -> String {
    let v = v.max(0.0);
    if v < 9.995 {
        format!("{v:.2}")
    } else if v < 99.95 {
        format!("{v:.1}")
    } else {
        whole(v)
    }
}

/// Bytes in binary units, at most 5 characters: `512M`, `13.2G`, `140G`, `1.5T`.
pub fn bytes(b: f64) -> String {
    let mib = (b.max(0.0) / (1u64 << 20) as f64).round();
    if mib < 999.5 {
        return format!("{mib:.0}M");
    }
    let gib = b / (1u64 << 30) as f64;
    if gib < 99.95 {
        format!("{gib:.1}G")
    } else if gib < 999.5 {
        format!("{gib:.0}G")
    } else if gib / 1024.0 < 99.95 {
        format!("{:.1}T", gib / 1024.0)
    } else {
        ">99T".to_owned()
    }
}

/// Dollars, with cents below 100 (`$0.24`, `$3.51`, `$120`).
pub fn usd(v: f64) -> String {
    if v < 100.0 {
        format!("${v:.2}")
    } else {
        format!("${v:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_keep_their_unit_and_fit_five_characters() {
        let cases = [
            (0.0123, "0.01s"),
            (0.17, "0.17s"),
            (9.999, "10.0s"),
            (19.84, "19.8s"),
            (99.97, "100s"),
            (444.0, "444s"),
            (444.4, "444s"),
            (1824.0, "30m24"),
            (3599.7, "1h00"),
            (7500.0, "2h05"),
            (1e9, ">99h"),
        ];
        for (v, want) in cases {
            assert_eq!(secs(v), want, "{v}");
        }
        for i in 0..2000 {
            let v = 1.37_f64.powi(i % 80) / 1000.0;
            let s = secs(v);
            assert!(s.chars().count() <= 5 && !s.ends_with('.'), "{v}: {s}");
        }
    }

    #[test]
    fn counts_rates_and_percentages_stay_narrow() {
        assert_eq!(rate(2.0), "2.0");
        assert_eq!(rate(99.96), "100");
        assert_eq!(rate(12_345.0), "12.3k");
        assert_eq!(whole(61.0), "61");
        assert_eq!(whole(2_500_000.0), "2.5M");
        assert_eq!(pct(0.079), "7.9%");
        assert_eq!(pct(0.0996), "10%");
        assert_eq!(pct(1.0), "100%");
        assert_eq!(pct_whole(0.034), "3%");
        assert_eq!(cores(1.744), "1.74");
        assert_eq!(cores(12.44), "12.4");
        assert_eq!(bytes(13.2 * 1073741824.0), "13.2G");
        assert_eq!(bytes(200.0 * 1048576.0), "200M");
        assert_eq!(bytes(1023.9 * 1048576.0), "1.0G");
        for i in 0..200 {
            let v = 1.31_f64.powi(i);
            for s in [rate(v), whole(v), cores(v), bytes(v)] {
                assert!(s.chars().count() <= 5, "{v}: {s}");
            }
        }
    }

    #[test]
    fn dollars_show_cents_below_a_hundred() {
        assert_eq!(super::usd(0.239), "$0.24");
        assert_eq!(super::usd(120.4), "$120");
    }
}
