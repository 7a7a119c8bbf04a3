//! Timestamps as users write them (`-o @TIME`) and as `%d` prints them. Times without a zone
//! are UTC, so output never depends on the machine's time zone.

use std::fmt::Write as _;

use chrono::format::Item;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Parses epoch ms (`1714564800000`), RFC 3339 (`2024-05-01T12:00:00Z`), a date and time
/// without zone (UTC), a date (`2024-05-01`, UTC midnight), or a time relative to `now`
/// (`-1h`, `-30m`, `-10s`, `-500ms`, `-2d`).
pub fn parse_time(text: &str, now: i64) -> Result<i64, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse()
            .map_err(|_| format!("'{text}' is too large for a timestamp"));
    }
    if let Some(ago) = text.strip_prefix('-') {
        return Ok(now.saturating_sub(parse_duration_ms(ago)?));
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.timestamp_millis());
    }
    for pattern in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(time) = NaiveDateTime::parse_from_str(text, pattern) {
            return Ok(time.and_utc().timestamp_millis());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date
            .and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp_millis()));
    }
    Err(format!(
        "'{text}' is not a time: use ms since the epoch, RFC 3339 (2024-05-01T12:00:00Z), \
         a date (2024-05-01) or -1h / -30m / -10s / -2d"
    ))
}

/// `30m` → 1,800,000.
fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("'-{text}' is not a duration such as -1h"))?;
    let unit_ms = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("'-{text}': the unit must be ms, s, m, h or d")),
    };
    Ok(number.saturating_mul(unit_ms))
}

/// A duration as `30m`, `2h`, `1d`, `500ms`, `10s`, or ISO 8601 (`PT1H30M`, `P1DT2H`,
/// `PT0.5S`), in ms.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let iso = text
        .strip_prefix('P')
        .or_else(|| text.strip_prefix('p'))
        .map(|rest| parse_iso_duration(&rest.to_ascii_uppercase()));
    match iso {
        Some(Some(ms)) => Ok(ms),
        Some(None) => Err(format!(
            "'{text}' is not an ISO 8601 duration such as PT1H30M"
        )),
        None => parse_duration_ms(text)
            .map_err(|_| format!("'{text}' is not a duration such as 30m, 2h, 1d or PT1H30M")),
    }
}

/// The part of an ISO 8601 duration after `P`: `[nD][T[nH][nM][n[.n]S]]`.
fn parse_iso_duration(text: &str) -> Option<i64> {
    let (days, time) = match text.split_once('T') {
        Some((days, time)) => (days, Some(time)),
        None => (text, None),
    };
    let mut ms: f64 = 0.0;
    let mut any = false;
    let mut add = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut rest = part;
        for (unit, unit_ms) in units {
            if let Some((number, tail)) = rest.split_once(*unit) {
                let value: f64 = number.parse().ok()?;
                if !value.is_finite() || value < 0.0 {
                    return None;
                }
                ms += value * unit_ms;
                any = true;
                rest = tail;
            }
        }
        rest.is_empty().then_some(())
    };
    add(days, &[('D', 86_400_000.0)])?;
    if let Some(time) = time {
        add(time, &[('H', 3_600_000.0), ('M', 60_000.0), ('S', 1_000.0)])?;
    }
    // Saturating: a float beyond i64 converts to i64::MAX.
    any.then_some(ms as i64)
}

/// Appends `ms` as RFC 3339 in UTC with milliseconds, or per a strftime pattern.
pub fn format_time(ms: i64, pattern: Option<&[Item<'static>]>, out: &mut Vec<u8>) {
    let Some(time) = DateTime::<Utc>::from_timestamp_millis(ms) else {
        out.extend_from_slice(ms.to_string().as_bytes());
        return;
    };
    let mut text = String::new();
    let written = match pattern {
        None => {
            text = time.to_rfc3339_opts(SecondsFormat::Millis, true);
            Ok(())
        }
        Some(items) => write!(text, "{}", time.format_with_items(items.iter())),
    };
    if written.is_err() {
        text = ms.to_string();
    }
    out.extend_from_slice(text.as_bytes());
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::format::StrftimeItems;

    const NOW: i64 = 1_714_564_800_000; // 2024-05-01T12:00:00Z

    #[test]
    fn every_spelling_of_a_time_parses() {
        assert_eq!(parse_time("1714564800000", NOW).unwrap(), NOW);
        assert_eq!(parse_time("2024-05-01T12:00:00Z", NOW).unwrap(), NOW);
        assert_eq!(parse_time("2024-05-01T14:00:00+02:00", NOW).unwrap(), NOW);
        assert_eq!(
            parse_time("2024-05-01T12:00:00.250", NOW).unwrap(),
            NOW + 250
        );
        assert_eq!(parse_time("2024-05-01 12:00:00", NOW).unwrap(), NOW);
        assert_eq!(parse_time("2024-05-01", NOW).unwrap(), NOW - 12 * 3_600_000);
    }

    #[test]
    fn relative_times_count_back_from_now() {
        assert_eq!(parse_time("-1h", NOW).unwrap(), NOW - 3_600_000);
        assert_eq!(parse_time("-30m", NOW).unwrap(), NOW - 1_800_000);
        assert_eq!(parse_time("-10s", NOW).unwrap(), NOW - 10_000);
        assert_eq!(parse_time("-500ms", NOW).unwrap(), NOW - 500);
        assert_eq!(parse_time("-2d", NOW).unwrap(), NOW - 172_800_000);
        assert!(parse_time("-1y", NOW).is_err());
        assert!(parse_time("-h", NOW).is_err());
        assert!(parse_time("yesterday", NOW).is_err());
    }

    #[test]
    fn durations_parse_short_and_iso() {
        assert_eq!(parse_duration("30m").unwrap(), 1_800_000);
        assert_eq!(parse_duration("1d").unwrap(), 86_400_000);
        assert_eq!(parse_duration("PT1H30M").unwrap(), 5_400_000);
        assert_eq!(parse_duration("P1DT2H").unwrap(), 93_600_000);
        assert_eq!(parse_duration("PT0.5S").unwrap(), 500);
        assert_eq!(parse_duration("P2D").unwrap(), 172_800_000);
        assert!(parse_duration("P").is_err());
        assert!(parse_duration("PT1X").is_err());
        assert!(parse_duration("1y").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn times_format_in_utc() {
        let mut out = Vec::new();
        format_time(NOW + 7, None, &mut out);
        assert_eq!(out, b"2024-05-01T12:00:00.007Z");
        let items = StrftimeItems::new("%Y/%m/%d %H:%M")
            .parse_to_owned()
            .unwrap();
        let mut out = Vec::new();
        format_time(NOW, Some(&items), &mut out);
        assert_eq!(out, b"2024/05/01 12:00");
    }
}
