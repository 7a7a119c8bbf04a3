//! Scenario tests of the metadata quorum: in-process nodes on temporary directories, waiting on
//! conditions (watch channels), never on fixed sleeps.

mod controller_requests;
mod convergence;
mod elections;
mod faults;
mod fencing;
mod log_store;
mod restart;
mod support;
