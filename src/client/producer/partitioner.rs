//! Choosing a partition: the Java client's murmur2 hash for keyed records and a sticky
//! partition for records without a key (KIP-480/794: stay on one partition for about a
//! batch's worth of bytes, then move on).

use rand::Rng;
use std::collections::HashMap;

/// Java's `Utils.murmur2`, bit for bit (seed 0x9747b28c).
pub fn murmur2(data: &[u8]) -> i32 {
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    // Java mixes the length in as a signed int; the cast keeps the same bits.
    let mut h: u32 = 0x9747_b28c ^ (data.len() as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition the Java client's default partitioner picks for a keyed record.
pub fn partition_for_key(key: &[u8], num_partitions: i32) -> i32 {
    (murmur2(key) & 0x7fff_ffff) % num_partitions.max(1)
}

#[derive(Debug, Clone, Copy)]
struct Sticky {
    partition: i32,
    bytes: usize,
}

/// Per-topic sticky choice for records without a key.
#[derive(Debug, Default)]
pub struct StickyPartitioner {
    topics: HashMap<String, Sticky>,
}

impl StickyPartitioner {
    /// The partition for an unkeyed record of `size` bytes; switches (to a different
    /// partition when there is more than one) once `batch_size` bytes went to the current one.
    pub fn partition(
        &mut self,
        topic: &str,
        num_partitions: i32,
        size: usize,
        batch_size: usize,
    ) -> i32 {
        let n = num_partitions.max(1);
        let sticky = match self.topics.get_mut(topic) {
            Some(sticky) => sticky,
            None => self.topics.entry(topic.to_string()).or_insert(Sticky {
                partition: rand::rng().random_range(0..n),
                bytes: 0,
            }),
        };
        if sticky.partition >= n || sticky.bytes >= batch_size {
            let previous = sticky.partition;
            sticky.partition = if n > 1 {
                (previous + rand::rng().random_range(1..n)) % n
            } else {
                0
            };
            sticky.bytes = 0;
        }
        sticky.bytes += size;
        sticky.partition
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Vectors from Kafka's `UtilsTest.testMurmur2`.
    #[test]
    fn murmur2_matches_java() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (input, expected) in cases {
            assert_eq!(
                murmur2(input),
                expected,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn keyed_partition_is_positive_modulo() {
        assert_eq!(
            partition_for_key(b"21", 7),
            (-973_932_308i32 & 0x7fff_ffff) % 7
        );
        assert_eq!(partition_for_key(b"anything", 1), 0);
    }

    #[test]
    fn sticky_partition_switches_after_a_batch() {
        let mut sticky = StickyPartitioner::default();
        let first = sticky.partition("t", 4, 100, 250);
        assert_eq!(sticky.partition("t", 4, 100, 250), first);
        assert_eq!(sticky.partition("t", 4, 100, 250), first);
        let next = sticky.partition("t", 4, 100, 250);
        assert_ne!(next, first);
        assert!((0..4).contains(&next));
    }
}
