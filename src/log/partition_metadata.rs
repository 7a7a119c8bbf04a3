//! `partition.metadata`: the topic id a partition directory belongs to, in Kafka's format
//! (`version: 0` then `topic_id: <base64 of the 16 bytes, URL-safe, unpadded>`). A topic
//! deleted and created again under the same name gets a new id, so a directory left over from
//! the old topic is told apart from the new one and never served in its place.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use super::error::{IoContext, LogError};

pub const PARTITION_METADATA_FILE: &str = "partition.metadata";
const VERSION: u32 = 0;

/// Kafka's text form of a topic id.
pub fn kafka_uuid_string(id: &Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn parse_kafka_uuid(text: &str) -> Option<Uuid> {
    let bytes: [u8; 16] = URL_SAFE_NO_PAD.decode(text).ok()?.try_into().ok()?;
    Some(Uuid::from_bytes(bytes)).filter(|id| !id.is_nil())
}

/// The topic id recorded in `dir`, `None` when the file is absent or empty (a crash cut its
/// first write short). A file that cannot be read as Kafka writes it is an error, as in Kafka.
pub fn read_topic_id(dir: &Path) -> Result<Option<Uuid>, LogError> {
    let path = dir.join(PARTITION_METADATA_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).at(&path),
    };
    if text.is_empty() {
        return Ok(None);
    }
    let mut lines = text.lines();
    let field = |line: Option<&str>, name: &str| -> Option<String> {
        let (key, value) = line?.split_once(':')?;
        (key.trim() == name).then(|| value.trim().to_owned())
    };
    let malformed = || {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "malformed partition metadata file",
        ))
        .at(&path)
    };
    match field(lines.next(), "version").and_then(|v| v.parse::<u32>().ok()) {
        Some(VERSION) => {}
        _ => return malformed(),
    }
    match field(lines.next(), "topic_id").and_then(|id| parse_kafka_uuid(&id)) {
        Some(id) => Ok(Some(id)),
        None => malformed(),
    }
}

/// Records `topic_id` in `dir` (temporary file, rename), before the partition takes any record.
/// `durable` syncs the file and the directory; otherwise the caller syncs the filesystem once
/// for a whole set of new partitions.
pub fn write_topic_id(dir: &Path, topic_id: &Uuid, durable: bool) -> Result<(), LogError> {
    let path = dir.join(PARTITION_METADATA_FILE);
    let temporary = dir.join(format!("{PARTITION_METADATA_FILE}.tmp"));
    let text = format!(
        "version: {VERSION}\ntopic_id: {}",
        kafka_uuid_string(topic_id)
    );
    let mut file = fs::File::create(&temporary).at(&temporary)?;
    file.write_all(text.as_bytes()).at(&temporary)?;
    if durable {
        file.sync_all().at(&temporary)?;
    }
    fs::rename(&temporary, &path).at(&path)?;
    if durable {
        fs::File::open(dir).and_then(|d| d.sync_all()).at(dir)?;
    }
    Ok(())
}

/// Makes a `partition.metadata` that [`write_topic_id`] wrote without a sync durable: the file,
/// then its directory (the rename), as Kafka's `PartitionMetadataFile.maybeFlush`.
pub fn sync_topic_id(dir: &Path) -> Result<(), LogError> {
    let path = dir.join(PARTITION_METADATA_FILE);
    fs::File::open(&path).and_then(|f| f.sync_all()).at(&path)?;
    fs::File::open(dir).and_then(|d| d.sync_all()).at(dir)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_kafkas_format() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_topic_id(dir.path()).unwrap(), None);
        let id = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        write_topic_id(dir.path(), &id, true).unwrap();
        let text = fs::read_to_string(dir.path().join(PARTITION_METADATA_FILE)).unwrap();
        assert_eq!(text, "version: 0\ntopic_id: ASNFZ4mrze8BI0VniavN7w");
        assert_eq!(read_topic_id(dir.path()).unwrap(), Some(id));
    }

    #[test]
    fn a_damaged_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(PARTITION_METADATA_FILE), "").unwrap();
        assert_eq!(
            read_topic_id(dir.path()).unwrap(),
            None,
            "a first write cut short"
        );
        for text in [
            "version: x",
            "version: 1\ntopic_id: ASNFZ4mrze8BI0VniavN7w",
            "version: 0\ntopic_id: nope",
            "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA",
        ] {
            fs::write(dir.path().join(PARTITION_METADATA_FILE), text).unwrap();
            assert!(read_topic_id(dir.path()).is_err(), "{text:?}");
        }
    }
}
