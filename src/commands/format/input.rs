//! One input record of `kf produce` split into its parts: the whole record as the value, key
//! and value around a key delimiter (`-k`), or the fields of a template (`-f`).

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::encoding::decode_field;
use super::template::{Field, Piece, Template};
use super::FormatError;
use crate::cli::consume::BytesEncoding;

/// How input records are laid out.
#[derive(Debug, Clone)]
pub enum InputLayout {
    /// The whole record is the value; no key.
    ValueOnly,
    /// Key, delimiter, value; no delimiter: the whole record is the value, with no key.
    KeyDelimited(Vec<u8>),
    /// A template checked with [`check_input_template`].
    Template(Template),
}

/// How `kf produce` reads records.
#[derive(Debug, Clone)]
pub struct InputOptions {
    pub layout: InputLayout,
    pub key_encoding: BytesEncoding,
    pub value_encoding: BytesEncoding,
    /// `-Z`: an empty value is a null value (a tombstone).
    pub null_empty: bool,
}

/// A record header: its name and (possibly null) value.
pub type Header = (String, Option<Vec<u8>>);

/// What one input record holds; text key and value are borrowed from the input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedInput<'a> {
    pub key: Option<Cow<'a, [u8]>>,
    pub value: Option<Cow<'a, [u8]>>,
    pub partition: Option<i32>,
    pub timestamp: Option<i64>,
    pub headers: Vec<Header>,
}

/// Refuses templates that cannot be read back unambiguously.
pub fn check_input_template(template: &Template) -> Result<(), FormatError> {
    let mut seen = BTreeSet::new();
    let mut previous_field: Option<char> = None;
    for piece in &template.pieces {
        match piece {
            Piece::Literal(_) => previous_field = None,
            Piece::Field(field) => {
                let letter = field.letter();
                if !matches!(
                    field,
                    Field::Key
                        | Field::Value
                        | Field::Partition
                        | Field::Timestamp
                        | Field::Headers
                ) {
                    return Err(FormatError::NotAnInputField(letter));
                }
                if let Some(previous) = previous_field {
                    return Err(FormatError::AdjacentFields(previous, letter));
                }
                if !seen.insert(letter) {
                    return Err(FormatError::RepeatedField(letter));
                }
                previous_field = Some(letter);
            }
        }
    }
    Ok(())
}

/// Splits one record (without its delimiter).
pub fn parse_record<'a>(
    options: &InputOptions,
    record: &'a [u8],
) -> Result<ParsedInput<'a>, FormatError> {
    let mut parsed = ParsedInput::default();
    let (key, value): (Option<&[u8]>, &[u8]) = match &options.layout {
        InputLayout::ValueOnly => (None, record),
        InputLayout::KeyDelimited(delimiter) => match find(record, delimiter) {
            Some(at) => (Some(&record[..at]), &record[at + delimiter.len()..]),
            None => (None, record),
        },
        InputLayout::Template(template) => {
            let fields = match_template(template, record)?;
            let mut key = None;
            let mut value: &[u8] = &[];
            for (field, text) in fields {
                match field {
                    Field::Key => key = Some(text),
                    Field::Value => value = text,
                    Field::Partition => parsed.partition = Some(number(text, "%p partition")?),
                    Field::Timestamp => parsed.timestamp = Some(number(text, "%T timestamp")?),
                    Field::Headers => parsed.headers = parse_headers(text)?,
                    _ => {}
                }
            }
            (key, value)
        }
    };
    parsed.key = key
        .map(|k| decode_field("key", k, options.key_encoding))
        .transpose()?;
    parsed.value = if value.is_empty() && options.null_empty {
        None
    } else {
        Some(decode_field("value", value, options.value_encoding)?)
    };
    Ok(parsed)
}

/// `name=value,name=value`; a name alone has a null value.
pub fn parse_headers(text: &[u8]) -> Result<Vec<Header>, FormatError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(|b| *b == b',')
        .map(|entry| {
            let (name, value) = match entry.iter().position(|b| *b == b'=') {
                Some(at) => (&entry[..at], Some(entry[at + 1..].to_vec())),
                None => (entry, None),
            };
            let name = String::from_utf8(name.to_vec()).map_err(|_| FormatError::BadField {
                field: "header",
                reason: "a header name must be UTF-8".into(),
            })?;
            Ok((name, value))
        })
        .collect()
}

/// Each field of `template` with the bytes it matched: a field runs up to the next literal
/// (its first occurrence), or to the end of the record when it is last.
fn match_template<'t, 'a>(
    template: &'t Template,
    record: &'a [u8],
) -> Result<Vec<(&'t Field, &'a [u8])>, FormatError> {
    let mut fields = Vec::new();
    let mut at = 0;
    let mut pieces = template.pieces.iter().peekable();
    while let Some(piece) = pieces.next() {
        match piece {
            Piece::Literal(literal) => {
                if !record[at..].starts_with(literal) {
                    return Err(mismatch(literal, at));
                }
                at += literal.len();
            }
            Piece::Field(field) => {
                let end = match pieces.peek() {
                    Some(Piece::Literal(next)) => {
                        at + find(&record[at..], next)
                            .ok_or_else(|| mismatch(next, record.len()))?
                    }
                    _ => record.len(),
                };
                fields.push((field, &record[at..end]));
                at = end;
            }
        }
    }
    if at != record.len() {
        return Err(FormatError::Mismatch {
            expected: "the end of the record".into(),
            at,
        });
    }
    Ok(fields)
}

fn mismatch(literal: &[u8], at: usize) -> FormatError {
    FormatError::Mismatch {
        expected: String::from_utf8_lossy(literal).escape_debug().to_string(),
        at,
    }
}

fn number<T: std::str::FromStr>(text: &[u8], field: &'static str) -> Result<T, FormatError> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| FormatError::BadField {
            field,
            reason: format!("'{}' is not a number", String::from_utf8_lossy(text)),
        })
}

/// The first position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    match needle {
        [] => Some(0),
        [byte] => haystack.iter().position(|b| b == byte),
        _ => haystack.windows(needle.len()).position(|w| w == needle),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn options(layout: InputLayout) -> InputOptions {
        InputOptions {
            layout,
            key_encoding: BytesEncoding::Text,
            value_encoding: BytesEncoding::Text,
            null_empty: false,
        }
    }

    fn template(format: &str) -> InputOptions {
        let template = Template::parse(format).unwrap();
        check_input_template(&template).unwrap();
        options(InputLayout::Template(template))
    }

    #[test]
    fn key_delimiter_splits_at_the_first_occurrence() {
        let opts = options(InputLayout::KeyDelimited(b"::".to_vec()));
        let parsed = parse_record(&opts, b"k::v::w").unwrap();
        assert_eq!(parsed.key.as_deref(), Some(&b"k"[..]));
        assert_eq!(parsed.value.as_deref(), Some(&b"v::w"[..]));
        let no_key = parse_record(&opts, b"just a value").unwrap();
        assert_eq!(no_key.key, None);
        assert_eq!(no_key.value.as_deref(), Some(&b"just a value"[..]));
    }

    #[test]
    fn null_empty_turns_empty_values_into_tombstones() {
        let mut opts = options(InputLayout::KeyDelimited(b":".to_vec()));
        assert_eq!(
            parse_record(&opts, b"k:").unwrap().value.as_deref(),
            Some(&[][..])
        );
        opts.null_empty = true;
        let parsed = parse_record(&opts, b"k:").unwrap();
        assert_eq!(parsed.key.as_deref(), Some(&b"k"[..]));
        assert_eq!(parsed.value, None);
    }

    #[test]
    fn templates_fill_every_input_field() {
        let opts = template("%k|%p|%T|%h|%s");
        let parsed = parse_record(&opts, b"user|2|1000|a=1,b|the value|with bars").unwrap();
        assert_eq!(
            parsed,
            ParsedInput {
                key: Some(Cow::Borrowed(&b"user"[..])),
                value: Some(Cow::Borrowed(&b"the value|with bars"[..])),
                partition: Some(2),
                timestamp: Some(1000),
                headers: vec![("a".into(), Some(b"1".to_vec())), ("b".into(), None)],
            }
        );
    }

    #[test]
    fn templates_decode_hex_and_base64() {
        let mut opts = template("%k %s");
        opts.key_encoding = BytesEncoding::Hex;
        opts.value_encoding = BytesEncoding::Base64;
        let parsed = parse_record(&opts, b"00ff a2Fma2E=").unwrap();
        assert_eq!(parsed.key.as_deref(), Some(&[0, 255][..]));
        assert_eq!(parsed.value.as_deref(), Some(&b"kafka"[..]));
        assert!(matches!(
            parse_record(&opts, b"0g a2Fma2E="),
            Err(FormatError::BadField { field: "key", .. })
        ));
    }

    #[test]
    fn records_that_do_not_match_are_refused() {
        let opts = template("<%k>%s");
        assert!(matches!(
            parse_record(&opts, b"k>v"),
            Err(FormatError::Mismatch { at: 0, .. })
        ));
        assert!(parse_record(&opts, b"<kv").is_err());
        let opts = template("%p:%s");
        assert!(matches!(
            parse_record(&opts, b"x:v"),
            Err(FormatError::BadField { .. })
        ));
        let opts = template("%s;");
        assert!(parse_record(&opts, b"v;extra").is_err());
    }

    #[test]
    fn input_templates_must_be_readable() {
        let check = |f: &str| check_input_template(&Template::parse(f).unwrap());
        assert_eq!(check("%k%s"), Err(FormatError::AdjacentFields('k', 's')));
        assert_eq!(check("%o %s"), Err(FormatError::NotAnInputField('o')));
        assert_eq!(check("%s %s"), Err(FormatError::RepeatedField('s')));
        assert_eq!(check("%k=%s"), Ok(()));
    }
}
