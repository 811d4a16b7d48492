//! The plain-words sentence of a comparison, and the days to 80 % power it may add.

use super::{
    dist, Correction, Difference, ExperimentComparison, ExperimentMethod, ExperimentOptions,
    SUMMARY_POWER,
};

/// More days at `units_per_day` (all arms; `n_all` units so far) until a fixed-horizon test of
/// an effect of `estimate` with standard error `se` now has 80 % power: the standard error
/// shrinks as 1/√n, so the units needed are n_all·((z_{1−α/2} + z_{0.8})·se/|estimate|)².
/// `None` for an effect of 0 (no size to power) or a number too large to be finite.
pub(super) fn days_to_power(
    estimate: f64,
    se: f64,
    alpha: f64,
    n_all: f64,
    units_per_day: f64,
) -> Option<f64> {
    if estimate == 0.0 {
        return None;
    }
    let z = dist::norm_ppf(1.0 - alpha / 2.0) + dist::norm_ppf(SUMMARY_POWER);
    let factor = (z * se / estimate.abs()).powi(2);
    let days = (n_all * (factor - 1.0) / units_per_day).max(0.0).ceil();
    days.is_finite().then_some(days)
}

/// Writes the summary sentence (and drops `days_to_power` once significant).
pub(super) fn finish(c: &mut ExperimentComparison, name: &str, opts: &ExperimentOptions) {
    if c.significant {
        c.days_to_power = None;
    }
    let relative = opts.difference == Difference::Relative;
    let value = |x: f64| {
        if relative {
            format!("{} %", fixed1(100.0 * x))
        } else {
            sig3(x)
        }
    };
    let signed = |x: f64| {
        let v = value(x);
        let zero = v.chars().all(|ch| !ch.is_ascii_digit() || ch == '0');
        if v.starts_with('−') || zero {
            v
        } else {
            format!("+{v}")
        }
    };
    let verb = if c.estimate > 0.0 {
        "raised"
    } else if c.estimate < 0.0 {
        "lowered"
    } else {
        "did not change"
    };
    let by = if c.estimate == 0.0 {
        String::new()
    } else {
        format!(" by {}", value(c.estimate.abs()))
    };
    let level = fixed1(100.0 * (1.0 - opts.alpha));
    let level = level.strip_suffix(".0").unwrap_or(&level);
    let interval = match (opts.method, opts.sequential) {
        (ExperimentMethod::Bayesian, _) => "credible interval",
        (_, true) => "always-valid CI",
        _ => "CI",
    };
    let verdict = if c.significant {
        "significant"
    } else {
        "not significant"
    };
    let tail = match (c.p_value, c.chance_to_win) {
        (Some(p), _) => match (opts.correction, c.adjusted_p_value) {
            (Correction::None, _) | (_, None) => format!("{verdict} ({})", p_text("p", p)),
            (_, Some(q)) => format!("{verdict} ({})", p_text("adjusted p", q)),
        },
        (None, Some(w)) => format!(
            "{} % chance to beat {}; {verdict}",
            fixed1(100.0 * w),
            c.baseline
        ),
        (None, None) => verdict.to_string(),
    };
    let mut s = format!(
        "{} {verb} {name}{by} vs {} ({level} % {interval} {} to {}); {tail}.",
        c.arm,
        c.baseline,
        signed(c.ci[0]),
        signed(c.ci[1])
    );
    if let (Some(d), Some(u)) = (c.days_to_power, opts.units_per_day) {
        let unit = if d == 1.0 { "day gives" } else { "days give" };
        s.push_str(&format!(
            " At {} units a day, about {d} more {unit} 80 % power to detect an effect this size.",
            sig3(u)
        ));
    }
    c.summary = s;
}

fn p_text(label: &str, p: f64) -> String {
    if p < 0.001 {
        format!("{label} < 0.001")
    } else {
        format!("{label} = {p:.3}")
    }
}

/// One decimal, with a true minus sign and no negative zero.
fn fixed1(x: f64) -> String {
    let s = format!("{x:.1}");
    match s.strip_prefix('-') {
        Some(rest) if rest.trim_start_matches(['0', '.']).is_empty() => rest.to_string(),
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// Three significant digits, with a true minus sign.
fn sig3(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let magnitude = libm::floor(libm::log10(x.abs())) as i32;
    let decimals = (2 - magnitude).clamp(0, 12) as usize;
    let s = format!("{x:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.trim_start_matches(['0', '.']).is_empty() => rest.to_string(),
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_words() {
        assert_eq!(fixed1(7.14), "7.1");
        assert_eq!(fixed1(-0.04), "0.0");
        assert_eq!(fixed1(-0.4), "−0.4");
        assert_eq!(sig3(0.0123456), "0.0123");
        assert_eq!(sig3(-1234.6), "−1235");
        assert_eq!(sig3(4.2), "4.20");
    }

    /// 7.1 % more on 10,000 units with se 3.8 %: ((1.96 + 0.8416)·0.038/0.071)² = 2.249 times
    /// the units, 12,490 more at 1,000 a day → 13 days.
    #[test]
    fn days_to_power_by_hand() {
        let z = 1.959963984540054 + 0.8416212335729143;
        let factor: f64 = (z * 0.038 / 0.071_f64).powi(2);
        let want = (10_000.0 * (factor - 1.0) / 1000.0_f64).ceil();
        assert_eq!(
            days_to_power(0.071, 0.038, 0.05, 10_000.0, 1000.0),
            Some(want)
        );
        assert_eq!(want, 13.0);
        assert_eq!(days_to_power(0.0, 0.038, 0.05, 10_000.0, 1000.0), None);
    }
}
