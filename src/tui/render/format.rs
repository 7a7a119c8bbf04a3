//! Numbers as the dashboard prints them: short, fixed-width friendly.

/// `1.2k`, `3.4M`: counts and rates with a metric suffix.
pub fn metric(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e9 {
        format!("{:.1}G", value / 1e9)
    } else if magnitude >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if magnitude >= 1e4 {
        format!("{:.1}k", value / 1e3)
    } else if value.fract() == 0.0 || magnitude >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Bytes with a binary suffix: `512B`, `1.5KiB`, `3.0MiB`.
pub fn bytes(value: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut scaled = value;
    let mut unit = 0;
    while scaled.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        scaled /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{scaled:.0}{}", UNITS[unit])
    } else {
        format!("{scaled:.1}{}", UNITS[unit])
    }
}

pub fn opt_offset(value: Option<i64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

pub fn opt_rate(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), metric)
}

pub fn opt_bytes_rate(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{}/s", bytes(v)))
}

/// `1s`, `250ms`, `2m5s`.
pub fn duration_ms(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        if ms % 1_000 == 0 {
            format!("{}s", ms / 1_000)
        } else {
            format!("{:.1}s", ms as f64 / 1_000.0)
        }
    } else {
        format!("{}m{}s", ms / 60_000, (ms % 60_000) / 1_000)
    }
}

/// The last `width` samples as block characters scaled to their maximum.
pub fn sparkline(
    samples: impl DoubleEndedIterator<Item = f64> + ExactSizeIterator,
    width: usize,
) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let skip = samples.len().saturating_sub(width);
    let tail: Vec<f64> = samples.skip(skip).collect();
    let max = tail.iter().copied().fold(0.0_f64, f64::max);
    tail.iter()
        .map(|v| {
            if max <= 0.0 {
                BARS[0]
            } else {
                let level = (v / max * (BARS.len() - 1) as f64).round() as usize;
                BARS[level.min(BARS.len() - 1)]
            }
        })
        .collect()
}

pub fn ids(ids: &[i32]) -> String {
    crate::output::id_list(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(metric(12.0), "12");
        assert_eq!(metric(2.5), "2.5");
        assert_eq!(metric(1301.1), "1301");
        assert_eq!(metric(12_345.0), "12.3k");
        assert_eq!(metric(2_500_000.0), "2.5M");
        assert_eq!(bytes(512.0), "512B");
        assert_eq!(bytes(1536.0), "1.5KiB");
        assert_eq!(duration_ms(1_000), "1s");
        assert_eq!(duration_ms(250), "250ms");
        assert_eq!(duration_ms(125_000), "2m5s");
    }

    #[test]
    fn a_sparkline_scales_to_its_maximum_and_keeps_the_newest() {
        let samples = [0.0, 1.0, 2.0, 4.0, 8.0];
        assert_eq!(sparkline(samples.iter().copied(), 3), "▃▅█");
        assert_eq!(sparkline([0.0, 0.0].iter().copied(), 5), "▁▁");
    }
}
