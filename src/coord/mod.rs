//! Coordinators that keep their state in an internal topic, as Kafka's group and transaction
//! coordinators do: the coordinator of a key is the leader of the internal topic's partition the
//! key hashes to, it appends its state changes to that partition as records, and a broker that
//! becomes a partition's leader replays the partition before it answers for its keys.
//!
//! - [`internal_topic`]: creating an internal topic when first needed, and which partition a key
//!   belongs to.
//! - [`partition_loader`]: following leadership of an internal topic's partitions, replaying
//!   each one this broker comes to lead, and appending records to it.
//! - [`record_fields`]: the fields their record schemas are made of.
//! - [`group`]: the group coordinator (`__consumer_offsets`).
//! - [`txn`]: the transaction coordinator (`__transaction_state`).

pub mod group;
pub mod internal_topic;
pub mod partition_loader;
pub mod record_fields;
pub mod txn;
