//! `kf top`

use clap::Args;

#[derive(Debug, Args)]
pub struct TopArgs {
    /// Refresh interval, e.g. 1s, 500ms, 2s
    #[arg(long = "interval", value_name = "DURATION", default_value = "1s", value_parser = parse_interval)]
    pub interval: std::time::Duration,
    /// Print one snapshot of every view and exit instead of drawing the dashboard
    #[arg(long)]
    pub once: bool,
    /// Output format of --once
    #[arg(
        short = 'o',
        long = "output",
        value_enum,
        default_value_t,
        requires = "once"
    )]
    pub output: super::OutputFormat,
    #[command(flatten)]
    pub connect: super::ConnectArgs,
}

/// `500ms`, `1s`, `2.5s`, `1m`; at least 100 ms so a dashboard cannot flood a cluster.
fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let (number, unit_ms) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1_000.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        (text, 1_000.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 1s, 500ms)"))?;
    let ms = value * unit_ms;
    if !(100.0..=3_600_000.0).contains(&ms) {
        return Err(format!(
            "`{text}`: the interval must be between 100ms and 1h"
        ));
    }
    Ok(std::time::Duration::from_millis(ms as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_parse_with_units_and_bounds() {
        assert_eq!(parse_interval("1s"), Ok(std::time::Duration::from_secs(1)));
        assert_eq!(
            parse_interval("250ms"),
            Ok(std::time::Duration::from_millis(250))
        );
        assert_eq!(parse_interval("2"), Ok(std::time::Duration::from_secs(2)));
        assert!(parse_interval("10ms").is_err());
        assert!(parse_interval("fast").is_err());
    }
}
