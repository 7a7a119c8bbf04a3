//! The one table of links between the brokers of a cluster: which brokers are isolated and which
//! one-way links are cut. The metadata quorum's in-process transport (`metadata::raft::network`)
//! and the inter-broker path (`broker::inter_broker`, which WriteTxnMarkers and replica fetches
//! take) both ask it before delivering anything, so one `kf cluster isolate` cuts a broker off
//! from the quorum and from its peers alike. Clients are not on these links: an isolated broker's
//! listeners still answer, as a broker behind a network partition would to clients on its side.
//! Beside the links, a broker's disk can stall: its partition changes (the logs a new metadata
//! image creates, opens or deletes) wait until it resumes, while everything else goes on.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

#[derive(Default, Debug)]
struct Links {
    /// Brokers cut off from every other broker and from the quorum, both ways.
    isolated: BTreeSet<i32>,
    /// (from, to) pairs: messages from `from` to `to` are lost.
    cut: BTreeSet<(i32, i32)>,
}

/// Brokers whose disk stalls, the partition changes waiting on each, and the condition they
/// sleep on.
#[derive(Default, Debug)]
struct StalledDisks {
    state: Mutex<DiskStalls>,
    resumed: Condvar,
}

#[derive(Default, Debug)]
struct DiskStalls {
    stalled: BTreeSet<i32>,
    /// Threads blocked in `wait_for_disk`, per broker; only stalled brokers have any.
    waiting: BTreeMap<i32, usize>,
}

/// Shared by every part of a cluster; clones share the table.
#[derive(Clone, Default, Debug)]
pub struct Faults {
    links: Arc<RwLock<Links>>,
    disks: Arc<StalledDisks>,
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

    fn disk_stalls(&self) -> MutexGuard<'_, DiskStalls> {
        self.disks.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `broker`'s partition changes wait (see [`Faults::wait_for_disk`]) until resumed.
    pub fn stall_disk(&self, broker: i32) {
        self.disk_stalls().stalled.insert(broker);
    }

    /// Lets `broker`'s waiting partition changes go on.
    pub fn resume_disk(&self, broker: i32) {
        self.disk_stalls().stalled.remove(&broker);
        self.disks.resumed.notify_all();
    }

    /// How many threads wait on `broker`'s stalled disk now.
    pub fn disk_waiters(&self, broker: i32) -> usize {
        self.disk_stalls()
            .waiting
            .get(&broker)
            .copied()
            .unwrap_or(0)
    }

    /// Blocks the calling thread while `broker`'s disk is stalled. Only file work that runs on
    /// a blocking thread calls it: a stall that held a runtime worker would stall every broker of
    /// the process, which is what the stall lets a test prove does not happen.
    pub fn wait_for_disk(&self, broker: i32) {
        let mut stalls = self.disk_stalls();
        if !stalls.stalled.contains(&broker) {
            return;
        }
        *stalls.waiting.entry(broker).or_default() += 1;
        while stalls.stalled.contains(&broker) {
            stalls = self
                .disks
                .resumed
                .wait(stalls)
                .unwrap_or_else(|p| p.into_inner());
        }
        if let Some(waiting) = stalls.waiting.get_mut(&broker) {
            *waiting -= 1;
            if *waiting == 0 {
                stalls.waiting.remove(&broker);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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

    #[test]
    fn a_stalled_disk_holds_its_broker_s_work_until_resumed() {
        let faults = Faults::new();
        faults.stall_disk(1);
        faults.wait_for_disk(0);
        let (done_tx, done) = std::sync::mpsc::channel();
        let waiting = faults.clone();
        let worker = std::thread::spawn(move || {
            waiting.wait_for_disk(1);
            done_tx.send(()).unwrap();
        });
        while faults.disk_waiters(1) == 0 {
            std::thread::yield_now();
        }
        assert!(done.try_recv().is_err(), "the thread passed a stalled disk");
        faults.resume_disk(1);
        done.recv().unwrap();
        worker.join().unwrap();
        assert_eq!(faults.disk_waiters(1), 0);
    }
}
