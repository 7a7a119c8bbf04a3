//! kf's own diagnostics on stderr: the tracing subscriber, filtered by `$KF_LOG` (default:
//! warnings and errors), and which events are worth a user's attention at all.
//!
//! openraft logs every failed RPC between quorum nodes at ERROR. In one process those are the
//! expected, transient states of a cluster starting or stopping (a voter asks for votes before
//! the others have joined the transport, a stopped node no longer answers), never something a
//! user must act on, so they are shown only when `$KF_LOG` asks for debug output.

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{EnvFilter, Layer};

/// The environment variable with an `EnvFilter` directive, e.g. `KF_LOG=debug`.
pub const LOG_ENV: &str = "KF_LOG";
const DEFAULT_FILTER: &str = "warn,openraft=error";

/// Installs the subscriber for the `kf` binary.
pub fn init(color: bool) {
    let filter =
        EnvFilter::try_from_env(LOG_ENV).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let subscriber = subscriber(filter, std::io::stderr, color);
    // A second install (only possible in tests) keeps the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The subscriber `init` installs, writing to `writer`.
pub fn subscriber<W>(filter: EnvFilter, writer: W, color: bool) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let show_transient = filter
        .max_level_hint()
        .is_some_and(|level| level >= LevelFilter::DEBUG);
    tracing_subscriber::registry()
        .with(QuietTransient { show_transient })
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(color)
                .with_filter(filter),
        )
}

/// Drops openraft's ERROR events for failed RPCs between nodes unless debug output is on.
struct QuietTransient {
    show_transient: bool,
}

impl<S: Subscriber> Layer<S> for QuietTransient {
    fn event_enabled(&self, event: &Event<'_>, _ctx: Context<'_, S>) -> bool {
        self.show_transient || !is_transient_quorum_error(event)
    }
}

/// openraft's messages for a vote, replication or leadership-check RPC that failed or timed
/// out (the controller's leadership check answers NOT_CONTROLLER on its own), and a call into
/// a node that was shut down.
fn is_transient_quorum_error(event: &Event<'_>) -> bool {
    let metadata = event.metadata();
    if *metadata.level() != Level::ERROR || !metadata.target().starts_with("openraft") {
        return false;
    }
    let mut fields = Fields::default();
    event.record(&mut fields);
    matches!(
        fields.message.as_str(),
        "while requesting vote"
            | "timeout"
            | "RPCError"
            | "timeout while confirming leadership for read request"
    ) || fields.core_result.contains("Stopped")
}

#[derive(Default)]
struct Fields {
    message: String,
    core_result: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "core_result" => self.core_result = format!("{value:?}"),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A `MakeWriter` into a shared buffer, for tests of what reaches stderr.
    #[derive(Clone, Default)]
    struct CaptureWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl CaptureWriter {
        /// What was written so far.
        fn text(&self) -> String {
            let bytes = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    impl Write for CaptureWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for CaptureWriter {
        type Writer = CaptureWriter;

        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    fn emit_quorum_events(filter: &str) -> String {
        let capture = CaptureWriter::default();
        let subscriber = subscriber(EnvFilter::new(filter), capture.clone(), false);
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(
                target: "openraft::core::raft_core",
                error = "Unreachable node: node 2 is unreachable",
                target = 2,
                "while requesting vote"
            );
            tracing::error!(target: "openraft::replication", err = "Unreachable", "RPCError");
            tracing::error!(
                target: "openraft::core::raft_core",
                error = "timeout after 50ms",
                "timeout while confirming leadership for read request"
            );
            tracing::error!(
                target: "openraft::raft::raft_inner",
                core_result = ?Err::<(), _>("Stopped"),
                "failure when shutting down"
            );
            tracing::error!(target: "openraft::storage::callback", "LogFlush error: disk full");
            tracing::error!(target: "kf::cluster", "a broker failed");
        });
        capture.text()
    }

    #[test]
    fn transient_quorum_errors_are_quiet_by_default() {
        let text = emit_quorum_events(DEFAULT_FILTER);
        assert!(!text.contains("requesting vote"), "{text}");
        assert!(!text.contains("RPCError"), "{text}");
        assert!(!text.contains("confirming leadership"), "{text}");
        assert!(!text.contains("shutting down"), "{text}");
        assert!(text.contains("LogFlush error: disk full"), "{text}");
        assert!(text.contains("a broker failed"), "{text}");
    }

    #[test]
    fn debug_output_shows_them() {
        let text = emit_quorum_events("debug");
        assert!(text.contains("while requesting vote"), "{text}");
        assert!(text.contains("RPCError"), "{text}");
    }
}
