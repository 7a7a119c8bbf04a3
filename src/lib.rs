//! kf: a local multi-broker Apache Kafka cluster and the toolkit to drive it.
//!
//! The map (see ARCHITECTURE.md for the path of a request):
//! - [`protocol`]: framing, the supported-versions table, v2 record batch helpers.
//! - [`log`]: a partition's segmented log on disk (segments, indexes, recovery, retention).
//! - [`config`]: Kafka's topic and broker config definitions, typed broker config, log config.
//! - [`metadata`]: metadata records, each broker's `MetadataImage`, the Raft quorum, the controller.
//! - [`coord`]: coordinators keeping their state in internal topics (transactions).
//! - [`replica`]: the partitions a broker hosts: leader epoch, ISR, high watermark, append and read.
//! - [`broker`]: one broker: listener, connections, dispatch, one handler file per Kafka API.
//! - [`coord`]: coordinators keeping their state in internal topics; the group coordinator.
//! - [`cluster`]: start and stop N brokers in one process; broker configuration; the state file.
//! - [`client`]: a Kafka client on standard APIs only (connections, metadata, producer, consumer, admin).
//! - [`cli`]: the clap definitions, the one source of help, completions and man pages.
//! - [`commands`]: one file per `kf` subcommand.
//! - [`tui`]: `kf top`: dashboard state, poller, event loop and one render file per view.
//! - [`output`]: text, JSON and YAML rendering shared by commands.
//! - [`blocking`]: blocking file work reached from async code, run off the runtime's workers.
//! - [`clock`]: the wall clock in Kafka's milliseconds.
//! - [`diagnostics`]: kf's log output on stderr (`$KF_LOG`), quiet about expected transient states.
//! - `huge_alloc`: the global allocator, which maps huge blocks lazily (see its header for why).

pub mod blocking;
pub mod broker;
pub mod cli;
pub mod client;
pub mod clock;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod coord;
pub mod diagnostics;
mod huge_alloc;
pub mod log;
pub mod metadata;
pub mod output;
pub mod protocol;
pub mod replica;
pub mod tui;

/// Huge allocations are mapped lazily so a malformed request cannot abort the process.
#[global_allocator]
static ALLOCATOR: huge_alloc::LazyHugeAllocator = huge_alloc::LazyHugeAllocator;
