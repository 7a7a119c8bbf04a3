//! A format string parsed once into literal bytes and record fields.

use chrono::format::{Item, StrftimeItems};

use super::encoding::hex_digit;
use super::FormatError;

/// One record property a `%` escape stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Topic,
    Partition,
    Offset,
    Key,
    KeySize,
    Value,
    ValueSize,
    Headers,
    Timestamp,
    TimestampType,
    /// `%d` (RFC 3339) or `%d{STRFTIME}`: the timestamp in UTC.
    Date(Option<Vec<Item<'static>>>),
    LeaderEpoch,
    ProducerId,
    ProducerEpoch,
}

impl Field {
    /// The escape letter, for messages.
    pub fn letter(&self) -> char {
        match self {
            Field::Topic => 't',
            Field::Partition => 'p',
            Field::Offset => 'o',
            Field::Key => 'k',
            Field::KeySize => 'K',
            Field::Value => 's',
            Field::ValueSize => 'S',
            Field::Headers => 'h',
            Field::Timestamp => 'T',
            Field::TimestampType => 'y',
            Field::Date(_) => 'd',
            Field::LeaderEpoch => 'E',
            Field::ProducerId => 'P',
            Field::ProducerEpoch => 'Q',
        }
    }
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Literal(Vec<u8>),
    Field(Field),
}

/// A parsed format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub pieces: Vec<Piece>,
}

impl Template {
    /// Parses `%` escapes and backslash escapes.
    pub fn parse(format: &str) -> Result<Template, FormatError> {
        let mut pieces = Vec::new();
        let mut literal = Vec::new();
        let mut chars = format.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '%' => {
                    let Some((_, letter)) = chars.next() else {
                        return Err(FormatError::TrailingPercent);
                    };
                    let field = match letter {
                        '%' => {
                            literal.push(b'%');
                            continue;
                        }
                        't' => Field::Topic,
                        'p' => Field::Partition,
                        'o' => Field::Offset,
                        'k' => Field::Key,
                        'K' => Field::KeySize,
                        's' => Field::Value,
                        'S' => Field::ValueSize,
                        'h' => Field::Headers,
                        'T' => Field::Timestamp,
                        'y' => Field::TimestampType,
                        'E' => Field::LeaderEpoch,
                        'P' => Field::ProducerId,
                        'Q' => Field::ProducerEpoch,
                        'd' if chars.peek().is_some_and(|(_, c)| *c == '{') => {
                            chars.next();
                            let mut pattern = String::new();
                            loop {
                                match chars.next() {
                                    Some((_, '}')) => break,
                                    Some((_, c)) => pattern.push(c),
                                    None => return Err(FormatError::UnclosedBrace),
                                }
                            }
                            Field::Date(Some(strftime(&pattern)?))
                        }
                        'd' => Field::Date(None),
                        other => return Err(FormatError::UnknownEscape(other)),
                    };
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Field(field));
                }
                '\\' => {
                    let rest = &format[at + 1..];
                    let (bytes, used) = backslash(rest)?;
                    literal.extend_from_slice(&bytes);
                    for _ in 0..used {
                        chars.next();
                    }
                }
                c => {
                    let mut buf = [0u8; 4];
                    literal.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Template { pieces })
    }
}

/// Bytes for a string with backslash escapes only (`-D`, `-k`).
pub fn unescape(text: &str) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..at]);
        let (bytes, used) = backslash(&rest[at + 1..])?;
        out.extend_from_slice(&bytes);
        rest = &rest[at + 1 + used..];
    }
    out.extend_from_slice(rest.as_bytes());
    Ok(out)
}

/// The bytes of the escape at the start of `rest` (just after a backslash) and how many
/// (ASCII) characters of `rest` it used.
fn backslash(rest: &str) -> Result<(Vec<u8>, usize), FormatError> {
    let bad = || FormatError::UnknownBackslash(rest.chars().take(3).collect());
    let bytes = rest.as_bytes();
    let byte = match bytes.first() {
        Some(b'n') => b'\n',
        Some(b'r') => b'\r',
        Some(b't') => b'\t',
        Some(b'0') => 0,
        Some(b'\\') => b'\\',
        Some(b'x') if bytes.len() >= 3 => {
            let high = hex_digit(bytes[1]).map_err(|_| bad())?;
            let low = hex_digit(bytes[2]).map_err(|_| bad())?;
            return Ok((vec![(high << 4) | low], 3));
        }
        _ => return Err(bad()),
    };
    Ok((vec![byte], 1))
}

/// A strftime pattern parsed once; chrono reports bad specifiers as error items.
fn strftime(pattern: &str) -> Result<Vec<Item<'static>>, FormatError> {
    let items = StrftimeItems::new(pattern)
        .parse_to_owned()
        .map_err(|_| FormatError::BadStrftime(pattern.to_string()))?;
    if items.iter().any(|item| matches!(item, Item::Error)) {
        return Err(FormatError::BadStrftime(pattern.to_string()));
    }
    Ok(items)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn fields_literals_and_escapes_parse() {
        let t = Template::parse("%t/%p@%o %k=%s 100%%\\n").unwrap();
        assert_eq!(
            t.pieces,
            vec![
                Piece::Field(Field::Topic),
                Piece::Literal(b"/".to_vec()),
                Piece::Field(Field::Partition),
                Piece::Literal(b"@".to_vec()),
                Piece::Field(Field::Offset),
                Piece::Literal(b" ".to_vec()),
                Piece::Field(Field::Key),
                Piece::Literal(b"=".to_vec()),
                Piece::Field(Field::Value),
                Piece::Literal(b" 100%\n".to_vec()),
            ]
        );
    }

    #[test]
    fn date_takes_an_optional_strftime_pattern() {
        let t = Template::parse("%d{%Y-%m-%d}|%d").unwrap();
        assert!(matches!(&t.pieces[0], Piece::Field(Field::Date(Some(_)))));
        assert_eq!(t.pieces[2], Piece::Field(Field::Date(None)));
        assert_eq!(Template::parse("%d{%Y"), Err(FormatError::UnclosedBrace));
        assert!(matches!(
            Template::parse("%d{%Q}"),
            Err(FormatError::BadStrftime(_))
        ));
    }

    #[test]
    fn bad_escapes_are_refused() {
        assert_eq!(Template::parse("%z"), Err(FormatError::UnknownEscape('z')));
        assert_eq!(Template::parse("abc%"), Err(FormatError::TrailingPercent));
        assert!(Template::parse("\\q").is_err());
        assert!(Template::parse("\\x4").is_err());
    }

    #[test]
    fn unescape_handles_hex_and_control_characters() {
        assert_eq!(unescape("a\\tb\\x00\\x7e\\\\").unwrap(), b"a\tb\x00~\\");
        assert_eq!(unescape("\\n").unwrap(), b"\n");
        assert_eq!(unescape("::").unwrap(), b"::");
        assert!(unescape("\\").is_err());
    }
}
