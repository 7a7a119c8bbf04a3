//! The one table of links between the brokers of a cluster: which brokers are isolated and which
//! one-way links are cut. The metadata quorum's in-process transport (`metadata::raft::network`)
//! and the inter-broker path (`broker::inter_broker`, which WriteTxnMarkers and replica fetches
//! take) both ask it before delivering anything, so one `kf cluster isolate` cuts a broker off
//! from the quorum and from its peers alike. Clients are not on these links: an isolated broker's
//! listeners still answer, as a broker behind a network partition would to clients on its side.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[derive(Default, Debug)]
struct Links {
    /// Brokers cut off from every other broker and from the quorum, both ways.
    isolated: BTreeSet<i32>,
    /// (from, to) pairs: messages from `from` to `to` are lost.
    cut: BTreeSet<(i32, i32)>,
}

/// Shared by every part of a cluster; clones share the table.
#[derive(Clone, Default, Debug)]
pub struct Faults {
    links: Arc<RwLock<Links>>,
}

impl Faults {
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, Links> {
        self.links.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Links> {
        self.links.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a message from broker `from` reaches broker `to` (a broker always reaches itself).
    pub fn linked(&self, from: i32, to: i32) -> bool {
        if from == to {
            return true;
        }
        let links = self.read();
        !links.isolated.contains(&from)
            && !links.isolated.contains(&to)
            && !links.cut.contains(&(from, to))
    }

    /// Cuts every link to and from `broker`.
    pub fn isolate(&self, broker: i32) {
        self.write().isolated.insert(broker);
    }

    /// Messages from `from` to `to` are lost until healed.
    pub fn cut(&self, from: i32, to: i32) {
        self.write().cut.insert((from, to));
    }

    /// Restores one cut link.
    pub fn heal_link(&self, from: i32, to: i32) {
        self.write().cut.remove(&(from, to));
    }

    /// Restores every link of `broker`: its isolation and the cut links to and from it.
    pub fn heal(&self, broker: i32) {
        let mut links = self.write();
        links.isolated.remove(&broker);
        links
            .cut
            .retain(|(from, to)| *from != broker && *to != broker);
    }

    /// Restores every link of the cluster.
    pub fn heal_all(&self) {
        let mut links = self.write();
        links.isolated.clear();
        links.cut.clear();
    }

    pub fn is_isolated(&self, broker: i32) -> bool {
        self.read().isolated.contains(&broker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolation_cuts_both_ways_and_heals() {
        let faults = Faults::new();
        faults.isolate(1);
        assert!(!faults.linked(0, 1));
        assert!(!faults.linked(1, 2));
        assert!(faults.linked(0, 2));
        assert!(faults.linked(1, 1));
        assert!(faults.is_isolated(1));
        faults.heal(1);
        assert!(faults.linked(0, 1) && faults.linked(1, 0));
        assert!(!faults.is_isolated(1));
    }

    #[test]
    fn a_cut_link_is_one_way_and_heal_clears_it() {
        let faults = Faults::new();
        faults.cut(0, 2);
        assert!(!faults.linked(0, 2));
        assert!(faults.linked(2, 0));
        faults.heal_link(0, 2);
        assert!(faults.linked(0, 2));
        faults.cut(0, 2);
        faults.isolate(1);
        faults.heal_all();
        assert!(faults.linked(0, 2) && faults.linked(1, 0));
    }
}
