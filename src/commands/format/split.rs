//! Cutting input into records at a delimiter, read by read: records that lie within one read
//! are handed out as ranges of it (no copy); only the record that straddles two reads is
//! gathered in a buffer of its own.

use memchr::memmem::Finder;
use std::ops::Range;

/// Splits a stream of reads into records separated by a delimiter.
#[derive(Debug)]
pub struct RecordSplitter {
    finder: Finder<'static>,
    /// The start of a record whose end has not been read yet.
    partial: Vec<u8>,
    /// A record that began in earlier reads and ended in the latest one.
    completed: Vec<u8>,
}

impl RecordSplitter {
    /// A splitter for `delimiter`, which must not be empty.
    pub fn new(delimiter: &[u8]) -> RecordSplitter {
        RecordSplitter {
            finder: Finder::new(delimiter).into_owned(),
            partial: Vec::new(),
            completed: Vec::new(),
        }
    }

    /// Takes the next read. Returns the record carried over from earlier reads if it ended
    /// in this one (it comes before the others), and fills `records` with the ranges of
    /// `chunk` holding whole records, in order. What follows the last delimiter is kept for
    /// the next read.
    pub fn split(&mut self, chunk: &[u8], records: &mut Vec<Range<usize>>) -> Option<&[u8]> {
        records.clear();
        let delimiter_len = self.finder.needle().len();
        let mut start = 0;
        let mut carried_ended = false;
        if !self.partial.is_empty() {
            match self.end_of_partial(chunk) {
                Some((kept, rest)) => {
                    self.completed.clear();
                    self.completed.extend_from_slice(&self.partial[..kept]);
                    if let Some(end) = rest.checked_sub(delimiter_len) {
                        self.completed.extend_from_slice(&chunk[..end]);
                    }
                    self.partial.clear();
                    carried_ended = true;
                    start = rest;
                }
                None => {
                    self.partial.extend_from_slice(chunk);
                    return None;
                }
            }
        }
        let mut record_start = start;
        for at in self.finder.find_iter(&chunk[start..]) {
            records.push(record_start..start + at);
            record_start = start + at + delimiter_len;
        }
        self.partial.extend_from_slice(&chunk[record_start..]);
        carried_ended.then_some(self.completed.as_slice())
    }

    /// Where the carried record ends in `chunk`: how much of `partial` belongs to it (a
    /// delimiter may begin at its end) and where in `chunk` the next record starts.
    fn end_of_partial(&self, chunk: &[u8]) -> Option<(usize, usize)> {
        let delimiter = self.finder.needle();
        // A delimiter split across the two reads: its first `k` bytes end `partial`.
        for k in (1..delimiter.len()).rev() {
            if self.partial.ends_with(&delimiter[..k]) && chunk.starts_with(&delimiter[k..]) {
                return Some((self.partial.len() - k, delimiter.len() - k));
            }
        }
        self.finder
            .find(chunk)
            .map(|at| (self.partial.len(), at + delimiter.len()))
    }

    /// The last record at the end of input: the bytes after the last delimiter, if any.
    pub fn finish(&mut self) -> Option<&[u8]> {
        if self.partial.is_empty() {
            return None;
        }
        self.completed = std::mem::take(&mut self.partial);
        Some(&self.completed)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// Every record of `input` cut into reads of `read_size` bytes.
    fn records(input: &[u8], delimiter: &[u8], read_size: usize) -> Vec<Vec<u8>> {
        let mut splitter = RecordSplitter::new(delimiter);
        let mut ranges = Vec::new();
        let mut out = Vec::new();
        for chunk in input.chunks(read_size) {
            if let Some(carried) = splitter.split(chunk, &mut ranges) {
                out.push(carried.to_vec());
            }
            out.extend(ranges.iter().map(|r| chunk[r.clone()].to_vec()));
        }
        out.extend(splitter.finish().map(<[u8]>::to_vec));
        out
    }

    /// Input, delimiter, the records expected.
    type Case = (&'static [u8], &'static [u8], Vec<&'static [u8]>);

    #[test]
    fn records_come_out_whole_whatever_the_read_size() {
        let cases: [Case; 5] = [
            (b"a\nbb\n\nccc\n", b"\n", vec![b"a", b"bb", b"", b"ccc"]),
            (b"a\nbb\nlast", b"\n", vec![b"a", b"bb", b"last"]),
            (
                b"one\r\ntwo\r\n\r\nthree",
                b"\r\n",
                vec![b"one", b"two", b"", b"three"],
            ),
            (b"x||y|||z", b"||", vec![b"x", b"y", b"|z"]),
            (b"", b"\n", vec![]),
        ];
        for (input, delimiter, expected) in cases {
            for read_size in 1..=input.len().max(1) {
                assert_eq!(
                    records(input, delimiter, read_size),
                    expected,
                    "{:?} split at {:?} in reads of {read_size}",
                    String::from_utf8_lossy(input),
                    String::from_utf8_lossy(delimiter),
                );
            }
        }
    }

    #[test]
    fn records_within_one_read_are_ranges_of_it() {
        let mut splitter = RecordSplitter::new(b"\n");
        let mut ranges = Vec::new();
        assert!(splitter.split(b"ab\ncd\nef", &mut ranges).is_none());
        assert_eq!(ranges, vec![0..2, 3..5]);
        assert_eq!(splitter.split(b"g\n", &mut ranges), Some(&b"efg"[..]));
        assert!(ranges.is_empty());
        assert_eq!(splitter.finish(), None);
    }
}
