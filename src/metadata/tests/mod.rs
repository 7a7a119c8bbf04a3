//! Scenario tests of the metadata quorum.
