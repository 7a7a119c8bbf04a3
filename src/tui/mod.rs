//! `kf top`, the live dashboard, with its state apart from its drawing:
//! - [`app`]: the `App` state and the pure functions that update it from input and polls.
//! - [`feed`]: one polled API's last value and its freshness (stale, unsupported, failed).
//! - [`model`]: the poller's answers as plain data.
//! - [`stats`]: per-partition offsets, sizes, rates from two samples, sparkline histories.
//! - [`rows`]: each view's rows derived from the state (shared by the screen and `--once`).
//! - [`poller`]: the poll tasks, off the drawing thread, batched per broker.
//! - [`render`]: the frame and one file per view.
//! - [`terminal`]: the event loop and the terminal's setup and restoration.
//! - [`snapshot`]: `--once` output.

pub mod app;
pub mod feed;
#[cfg(test)]
pub mod fixtures;
pub mod model;
pub mod poller;
pub mod render;
pub mod rows;
pub mod snapshot;
pub mod stats;
pub mod terminal;
