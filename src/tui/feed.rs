//! A `Feed` is the last answer of one polled API and how fresh it is: a pane draws the value
//! it has and marks it stale when the latest poll failed or is overdue, so a slow or failing
//! API never blanks or freezes the screen.

use serde::Serialize;

/// Why a poll gave no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollError {
    /// The cluster does not offer the API (or kf cannot use it); the pane says why.
    Unsupported(String),
    /// The request failed or timed out; the last value (if any) stays, marked stale.
    Failed(String),
}

/// The last value of one polled API, with when it arrived and the latest error.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed<T> {
    value: Option<T>,
    /// When `value` arrived (ms since the dashboard started).
    updated_ms: Option<u64>,
    /// The error of the latest poll, cleared by the next success.
    error: Option<PollError>,
}

impl<T> Default for Feed<T> {
    fn default() -> Self {
        Feed {
            value: None,
            updated_ms: None,
            error: None,
        }
    }
}

/// How a pane should present its feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Freshness {
    /// Nothing has arrived yet.
    Loading,
    /// The value is current.
    Fresh,
    /// The value is `age_ms` old because the latest poll failed or is overdue.
    Stale { age_ms: u64, reason: String },
    /// No value: the API is not offered.
    Unsupported { reason: String },
    /// No value: every poll so far failed.
    Failed { reason: String },
}

impl<T> Feed<T> {
    /// Takes a poll's outcome at `now_ms`; an error keeps the previous value.
    pub fn apply(&mut self, outcome: Result<T, PollError>, now_ms: u64) {
        match outcome {
            Ok(value) => {
                self.value = Some(value);
                self.updated_ms = Some(now_ms);
                self.error = None;
            }
            Err(PollError::Unsupported(reason)) => {
                self.value = None;
                self.updated_ms = None;
                self.error = Some(PollError::Unsupported(reason));
            }
            Err(error) => self.error = Some(error),
        }
    }

    pub fn value(&self) -> Option<&T> {
        self.value.as_ref()
    }

    pub fn value_mut(&mut self) -> Option<&mut T> {
        self.value.as_mut()
    }

    /// Fresh while the value is younger than three refresh intervals and the latest poll
    /// succeeded; overdue polls count as stale even before they fail.
    pub fn freshness(&self, now_ms: u64, interval_ms: u64) -> Freshness {
        let age_ms = self.updated_ms.map(|t| now_ms.saturating_sub(t));
        match (&self.error, age_ms) {
            (Some(PollError::Unsupported(reason)), _) => Freshness::Unsupported {
                reason: reason.clone(),
            },
            (Some(PollError::Failed(reason)), None) => Freshness::Failed {
                reason: reason.clone(),
            },
            (Some(PollError::Failed(reason)), Some(age_ms)) => Freshness::Stale {
                age_ms,
                reason: reason.clone(),
            },
            (None, None) => Freshness::Loading,
            (None, Some(age_ms)) if age_ms > stale_after_ms(interval_ms) => Freshness::Stale {
                age_ms,
                reason: "no answer yet".to_string(),
            },
            (None, Some(_)) => Freshness::Fresh,
        }
    }
}

/// A value older than this many ms is stale: three refreshes, and never under 3 s.
pub fn stale_after_ms(interval_ms: u64) -> u64 {
    interval_ms.saturating_mul(3).max(3_000)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_poll_keeps_the_value_and_marks_it_stale() {
        let mut feed = Feed::default();
        assert_eq!(feed.freshness(0, 1_000), Freshness::Loading);
        feed.apply(Ok(7), 1_000);
        assert_eq!(feed.freshness(1_500, 1_000), Freshness::Fresh);
        feed.apply(Err(PollError::Failed("timed out".into())), 2_000);
        assert_eq!(feed.value(), Some(&7));
        assert_eq!(
            feed.freshness(2_500, 1_000),
            Freshness::Stale {
                age_ms: 1_500,
                reason: "timed out".into()
            }
        );
        feed.apply(Ok(8), 3_000);
        assert_eq!(feed.freshness(3_000, 1_000), Freshness::Fresh);
    }

    #[test]
    fn an_overdue_value_is_stale_and_unsupported_has_no_value() {
        let mut feed = Feed::default();
        feed.apply(Ok(1), 0);
        assert!(matches!(
            feed.freshness(10_000, 1_000),
            Freshness::Stale { age_ms: 10_000, .. }
        ));
        feed.apply(
            Err(PollError::Unsupported("no DescribeQuorum".into())),
            10_000,
        );
        assert_eq!(feed.value(), None);
        assert_eq!(
            feed.freshness(10_000, 1_000),
            Freshness::Unsupported {
                reason: "no DescribeQuorum".into()
            }
        );
        let mut never: Feed<i32> = Feed::default();
        never.apply(Err(PollError::Failed("refused".into())), 5);
        assert_eq!(
            never.freshness(5, 1_000),
            Freshness::Failed {
                reason: "refused".into()
            }
        );
    }
}
