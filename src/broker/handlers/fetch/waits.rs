//! What a waiting Fetch watches: each partition's last read, and the partitions it waits on,
//! so that it wakes only when one of them moved in a way that concerns it, and reads again only
//! those.

use std::collections::HashMap;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::replica::{Isolation, Offsets, Replica};

/// What a fetch's reads saw of its partitions (by their place in the fetch), and, once it is to
/// wait, its partitions watched, so that it wakes when one of them moves (and only then), and
/// reads again only the partitions a move brought something: as Kafka's DelayedFetch, which
/// compares offsets before reading. A follower's fetch is not re-read when only the high
/// watermark moved, nor a consumer's when only the log end did. A follower's session names
/// every partition it follows from the leader (~21 in the bench) and an append moves one, so a
/// woken fetch reading them all again cost more than the batch it was woken for.
///
/// Partitions are watched only when the fetch is about to wait, and compared then with what
/// their reads saw, which catches a move between the read and the watch: a consumer's fetch
/// that finds records (most of them while it streams) watches nothing. Watching every
/// partition of a 3,333-partition session at each read was 6% of a broker's CPU.
pub(super) struct Waits {
    isolation: Isolation,
    /// Each partition's last read; `None` when it read nothing comparable (an error, a
    /// diverging epoch): any move then counts.
    seen: Vec<Option<Seen>>,
    watched: HashMap<usize, Watched>,
}

/// What a read of a partition saw.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Seen {
    /// The partition's count of moves before the read: while it holds, nothing moved.
    moves: u64,
    leader_epoch: i32,
    /// The log start, and the end of what the fetch's isolation reads to.
    bounds: (i64, i64),
}

struct Watched {
    moved: watch::Receiver<u64>,
    replica: Replica,
    /// A move since the last read brought news: the next read takes this partition again.
    news: bool,
}

impl Waits {
    pub(super) fn new(isolation: Isolation, partitions: usize) -> Self {
        Self {
            isolation,
            seen: vec![None; partitions],
            watched: HashMap::new(),
        }
    }

    /// The partition at `index` is being read (again); call before each read of it.
    pub(super) fn reading(&mut self, index: usize) {
        self.seen[index] = None;
        if let Some(watched) = self.watched.get_mut(&index) {
            watched.news = false;
        }
    }

    /// The read of the partition at `index`, made after its `moves`th move in `leader_epoch`,
    /// returned what lies within `offsets`.
    pub(super) fn read(&mut self, index: usize, moves: u64, leader_epoch: i32, offsets: &Offsets) {
        self.seen[index] = Some(Seen {
            moves,
            leader_epoch,
            bounds: (offsets.log_start, self.isolation.max_offset(offsets)),
        });
    }

    pub(super) fn is_watched(&self, index: usize) -> bool {
        self.watched.contains_key(&index)
    }

    /// Watches the partition at `index` (`replica`, or `None` when it can no longer be found);
    /// true when it moved since its read (then marked for [`Self::has_news`]).
    pub(super) fn watch(&mut self, index: usize, replica: Option<Replica>) -> bool {
        debug_assert!(!self.is_watched(index));
        let Some(replica) = replica else {
            return true;
        };
        let isolation = self.isolation;
        let watched = Watched {
            // A follower reads to the log end: the high watermark alone moving is no news.
            moved: match isolation {
                Isolation::LogEnd => replica.partition.subscribe_log(),
                Isolation::HighWatermark | Isolation::Committed => replica.partition.subscribe(),
            },
            news: false,
            replica,
        };
        let news = watched.has_news(isolation, self.seen[index]);
        self.watched.insert(index, Watched { news, ..watched });
        news
    }

    /// Whether the partition at `index` is to be read again: a move brought it news, or it
    /// is not watched (it could not be found).
    pub(super) fn has_news(&self, index: usize) -> bool {
        self.watched.get(&index).is_none_or(|w| w.news)
    }

    /// Waits until a watched partition moved in a way that concerns this fetch (true; those
    /// partitions are marked for [`Self::has_news`]) or the deadline passed (false).
    pub(super) async fn moved(&mut self, deadline: Instant) -> bool {
        loop {
            if self.watched.is_empty() {
                tokio::time::sleep_until(deadline).await;
                return false;
            }
            let changes = self
                .watched
                .values_mut()
                .map(|w| Box::pin(w.moved.changed()));
            // A deleted partition wakes its waiters, and its log then counts as moved.
            let woke = match tokio::time::timeout_at(deadline, futures::future::select_all(changes))
                .await
            {
                Ok((_, index, _)) => index,
                Err(_) => return false,
            };
            let isolation = self.isolation;
            let mut news = false;
            for (i, (index, w)) in self.watched.iter_mut().enumerate() {
                let moved = i == woke || w.moved.has_changed().unwrap_or(true);
                w.moved.borrow_and_update();
                if moved && w.has_news(isolation, self.seen[*index]) {
                    w.news = true;
                    news = true;
                }
            }
            if news {
                return true;
            }
        }
    }
}

impl Watched {
    /// Whether the partition now differs from `seen`, what its last read saw (or cannot be
    /// told). Unmoved, it is told without its log.
    fn has_news(&self, isolation: Isolation, seen: Option<Seen>) -> bool {
        let Some(seen) = seen else {
            return true;
        };
        if self.replica.partition.moves() == seen.moves {
            return false;
        }
        match self.replica.read_bounds(isolation) {
            Ok(bounds) => {
                (self.replica.partition.leader_epoch(), bounds) != (seen.leader_epoch, seen.bounds)
            }
            Err(_) => true,
        }
    }
}
