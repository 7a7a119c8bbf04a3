//! The wall clock as Kafka counts it: milliseconds since the Unix epoch (record timestamps,
//! segment roll times, quorum activity).

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in milliseconds since the epoch (0 for a clock set before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
