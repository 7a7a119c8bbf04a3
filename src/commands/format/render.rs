//! A consumed record as bytes on stdout: kcat's default (the value and a newline), a
//! template (`-f`), or one JSON object with kcat's field names (`-J`).

use std::io::Write as _;

use bytes::Bytes;

use super::encoding::encode;
use super::template::{Field, Piece, Template};
use super::timestamp::format_time;
use crate::cli::consume::BytesEncoding;
use crate::client::consumer::{ConsumerRecord, TimestampKind};

/// How each record is printed.
#[derive(Debug, Clone)]
pub enum Renderer {
    /// The value and a newline.
    ValueLines { value: BytesEncoding },
    /// A `-f` template.
    Template {
        template: Template,
        key: BytesEncoding,
        value: BytesEncoding,
    },
    /// One JSON object per line.
    Json {
        key: BytesEncoding,
        value: BytesEncoding,
    },
}

impl Renderer {
    /// Appends `record` to `out`.
    pub fn render(&self, record: &ConsumerRecord, out: &mut Vec<u8>) {
        match self {
            Renderer::ValueLines { value } => {
                if let Some(marker) = control_marker(record) {
                    out.extend_from_slice(
                        format!(
                            "[{marker} marker: producer id {}, epoch {}, offset {}]",
                            record.producer_id, record.producer_epoch, record.offset
                        )
                        .as_bytes(),
                    );
                } else if let Some(bytes) = &record.value {
                    encode(bytes, *value, out);
                }
                out.push(b'\n');
            }
            Renderer::Template {
                template,
                key,
                value,
            } => render_template(template, record, *key, *value, out),
            Renderer::Json { key, value } => render_json(record, *key, *value, out),
        }
    }
}

/// `commit` or `abort` for a transaction marker (its key is version i16, type i16).
fn control_marker(record: &ConsumerRecord) -> Option<&'static str> {
    if !record.is_control {
        return None;
    }
    let key = record.key.as_deref().unwrap_or_default();
    Some(match key.get(2..4) {
        Some([0, 0]) => "abort",
        Some([0, 1]) => "commit",
        _ => "control",
    })
}

fn render_template(
    template: &Template,
    record: &ConsumerRecord,
    key: BytesEncoding,
    value: BytesEncoding,
    out: &mut Vec<u8>,
) {
    let size = |b: &Option<Bytes>| b.as_ref().map_or(-1, |b| b.len() as i64);
    for piece in &template.pieces {
        let field = match piece {
            Piece::Literal(bytes) => {
                out.extend_from_slice(bytes);
                continue;
            }
            Piece::Field(field) => field,
        };
        // Writing to a Vec cannot fail.
        let _ = match field {
            Field::Topic => write!(out, "{}", record.topic),
            Field::Partition => write!(out, "{}", record.partition),
            Field::Offset => write!(out, "{}", record.offset),
            Field::Key => {
                encode(record.key.as_deref().unwrap_or_default(), key, out);
                Ok(())
            }
            Field::KeySize => write!(out, "{}", size(&record.key)),
            Field::Value => {
                encode(record.value.as_deref().unwrap_or_default(), value, out);
                Ok(())
            }
            Field::ValueSize => write!(out, "{}", size(&record.value)),
            Field::Headers => {
                for (i, (name, header_value)) in record.headers.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(name.as_bytes());
                    if let Some(bytes) = header_value {
                        out.push(b'=');
                        out.extend_from_slice(bytes);
                    }
                }
                Ok(())
            }
            Field::Timestamp => write!(out, "{}", record.timestamp),
            Field::TimestampType => write!(
                out,
                "{}",
                match record.timestamp_kind {
                    TimestampKind::CreateTime => "CreateTime",
                    TimestampKind::LogAppendTime => "LogAppendTime",
                }
            ),
            Field::Date(pattern) => {
                format_time(record.timestamp, pattern.as_deref(), out);
                Ok(())
            }
            Field::LeaderEpoch => write!(out, "{}", record.leader_epoch),
            Field::ProducerId => write!(out, "{}", record.producer_id),
            Field::ProducerEpoch => write!(out, "{}", record.producer_epoch),
        };
    }
}

/// kcat's `-J` object: topic, partition, offset, tstype, ts, headers (name, value, name,
/// value...; only when there are headers), key, payload; plus `control` on markers.
fn render_json(
    record: &ConsumerRecord,
    key: BytesEncoding,
    value: BytesEncoding,
    out: &mut Vec<u8>,
) {
    let tstype = match record.timestamp_kind {
        TimestampKind::CreateTime => "create",
        TimestampKind::LogAppendTime => "logappend",
    };
    out.extend_from_slice(b"{\"topic\":");
    json_string(record.topic.as_bytes(), BytesEncoding::Text, out);
    let _ = write!(
        out,
        ",\"partition\":{},\"offset\":{},\"tstype\":\"{tstype}\",\"ts\":{}",
        record.partition, record.offset, record.timestamp
    );
    if !record.headers.is_empty() {
        out.extend_from_slice(b",\"headers\":[");
        for (i, (name, header_value)) in record.headers.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_string(name.as_bytes(), BytesEncoding::Text, out);
            out.push(b',');
            json_bytes(header_value.as_deref(), BytesEncoding::Text, out);
        }
        out.push(b']');
    }
    out.extend_from_slice(b",\"key\":");
    json_bytes(record.key.as_deref(), key, out);
    out.extend_from_slice(b",\"payload\":");
    json_bytes(record.value.as_deref(), value, out);
    if let Some(marker) = control_marker(record) {
        let _ = write!(out, ",\"control\":\"{marker}\"");
    }
    out.extend_from_slice(b"}\n");
}

fn json_bytes(bytes: Option<&[u8]>, encoding: BytesEncoding, out: &mut Vec<u8>) {
    match bytes {
        Some(bytes) => json_string(bytes, encoding, out),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string of `bytes` in `encoding`; text that is not UTF-8 is shown lossily (use hex
/// or base64 for binary data).
fn json_string(bytes: &[u8], encoding: BytesEncoding, out: &mut Vec<u8>) {
    let mut encoded = Vec::new();
    encode(bytes, encoding, &mut encoded);
    let text = String::from_utf8_lossy(&encoded);
    // Serializing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text.as_ref());
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn record() -> ConsumerRecord {
        ConsumerRecord {
            topic: "orders".into(),
            partition: 2,
            offset: 41,
            timestamp: 1_714_564_800_000,
            timestamp_kind: TimestampKind::CreateTime,
            key: Some(Bytes::from_static(b"user-1")),
            value: Some(Bytes::from_static(b"hello \"world\"")),
            headers: vec![
                ("source".into(), Some(Bytes::from_static(b"cli"))),
                ("empty".into(), None),
            ],
            leader_epoch: 3,
            producer_id: 7,
            producer_epoch: 1,
            is_transactional: false,
            is_control: false,
        }
    }

    fn rendered(renderer: &Renderer, record: &ConsumerRecord) -> String {
        let mut out = Vec::new();
        renderer.render(record, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn template(format: &str) -> Renderer {
        Renderer::Template {
            template: Template::parse(format).unwrap(),
            key: BytesEncoding::Text,
            value: BytesEncoding::Text,
        }
    }

    #[test]
    fn default_prints_the_value_and_a_newline() {
        let renderer = Renderer::ValueLines {
            value: BytesEncoding::Text,
        };
        assert_eq!(rendered(&renderer, &record()), "hello \"world\"\n");
        let tombstone = ConsumerRecord {
            value: None,
            ..record()
        };
        assert_eq!(rendered(&renderer, &tombstone), "\n");
    }

    #[test]
    fn every_escape_renders() {
        let out = rendered(
            &template("%t %p %o %k %K %s %S %h %T %y %d %d{%H:%M} %E %P %Q\\n"),
            &record(),
        );
        assert_eq!(
            out,
            "orders 2 41 user-1 6 hello \"world\" 13 source=cli,empty 1714564800000 \
             CreateTime 2024-05-01T12:00:00.000Z 12:00 3 7 1\n"
        );
    }

    #[test]
    fn null_key_renders_empty_with_size_minus_one() {
        let r = ConsumerRecord {
            key: None,
            ..record()
        };
        assert_eq!(rendered(&template("[%k|%K]"), &r), "[|-1]");
    }

    #[test]
    fn json_uses_kcat_field_names() {
        let renderer = Renderer::Json {
            key: BytesEncoding::Text,
            value: BytesEncoding::Base64,
        };
        let out = rendered(&renderer, &record());
        assert_eq!(
            out,
            "{\"topic\":\"orders\",\"partition\":2,\"offset\":41,\"tstype\":\"create\",\
             \"ts\":1714564800000,\"headers\":[\"source\",\"cli\",\"empty\",null],\
             \"key\":\"user-1\",\"payload\":\"aGVsbG8gIndvcmxkIg==\"}\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed["offset"], 41);
    }

    #[test]
    fn control_records_say_which_marker() {
        let marker = ConsumerRecord {
            key: Some(Bytes::from_static(&[0, 0, 0, 1])),
            value: Some(Bytes::from_static(&[0, 0, 0, 0, 0, 0])),
            is_control: true,
            headers: Vec::new(),
            ..record()
        };
        let lines = Renderer::ValueLines {
            value: BytesEncoding::Text,
        };
        assert_eq!(
            rendered(&lines, &marker),
            "[commit marker: producer id 7, epoch 1, offset 41]\n"
        );
        let json = Renderer::Json {
            key: BytesEncoding::Hex,
            value: BytesEncoding::Hex,
        };
        assert!(rendered(&json, &marker).ends_with(",\"control\":\"commit\"}\n"));
    }
}
