//! Keys and values as text (the bytes as they are), lowercase hex, or standard base64.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::borrow::Cow;

use super::FormatError;
use crate::cli::consume::BytesEncoding;

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Appends `bytes` to `out` in `encoding`.
pub fn encode(bytes: &[u8], encoding: BytesEncoding, out: &mut Vec<u8>) {
    match encoding {
        BytesEncoding::Text => out.extend_from_slice(bytes),
        BytesEncoding::Hex => {
            out.reserve(bytes.len() * 2);
            for b in bytes {
                out.push(HEX_DIGITS[usize::from(b >> 4)]);
                out.push(HEX_DIGITS[usize::from(b & 0x0f)]);
            }
        }
        BytesEncoding::Base64 => {
            let start = out.len();
            out.resize(
                start + base64::encoded_len(bytes.len(), true).unwrap_or(0),
                0,
            );
            let written = STANDARD.encode_slice(bytes, &mut out[start..]).unwrap_or(0);
            out.truncate(start + written);
        }
    }
}

/// The bytes `text` stands for in `encoding` (text itself, borrowed, for text).
pub fn decode(text: &[u8], encoding: BytesEncoding) -> Result<Cow<'_, [u8]>, String> {
    match encoding {
        BytesEncoding::Text => Ok(Cow::Borrowed(text)),
        BytesEncoding::Hex => {
            if text.len() % 2 != 0 {
                return Err("odd number of hex digits".into());
            }
            text.chunks(2)
                .map(|pair| Ok((hex_digit(pair[0])? << 4) | hex_digit(pair[1])?))
                .collect::<Result<Vec<u8>, String>>()
                .map(Cow::Owned)
        }
        BytesEncoding::Base64 => STANDARD
            .decode(text)
            .map(Cow::Owned)
            .map_err(|e| format!("bad base64: {e}")),
    }
}

/// Parses a hex digit of a `\xHH` escape or of hex input.
pub(super) fn hex_digit(c: u8) -> Result<u8, String> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(format!("'{}' is not a hex digit", char::from(c))),
    }
}

/// [`decode`] for a named field, as a [`FormatError`].
pub(super) fn decode_field<'a>(
    field: &'static str,
    text: &'a [u8],
    encoding: BytesEncoding,
) -> Result<Cow<'a, [u8]>, FormatError> {
    decode(text, encoding).map_err(|reason| FormatError::BadField { field, reason })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn encoded(bytes: &[u8], encoding: BytesEncoding) -> String {
        let mut out = Vec::new();
        encode(bytes, encoding, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_encoding_round_trips_binary_bytes() {
        let bytes: Vec<u8> = (0..=255).collect();
        for encoding in [
            BytesEncoding::Text,
            BytesEncoding::Hex,
            BytesEncoding::Base64,
        ] {
            let mut out = Vec::new();
            encode(&bytes, encoding, &mut out);
            assert_eq!(*decode(&out, encoding).unwrap(), *bytes, "{encoding:?}");
        }
    }

    #[test]
    fn hex_and_base64_match_the_usual_spelling() {
        assert_eq!(encoded(b"\x00\xffkf", BytesEncoding::Hex), "00ff6b66");
        assert_eq!(encoded(b"kafka", BytesEncoding::Base64), "a2Fma2E=");
        assert_eq!(encoded(b"", BytesEncoding::Base64), "");
    }

    #[test]
    fn bad_hex_and_base64_are_refused() {
        assert!(decode(b"abc", BytesEncoding::Hex).is_err());
        assert!(decode(b"zz", BytesEncoding::Hex).is_err());
        assert!(decode(b"!!!", BytesEncoding::Base64).is_err());
        assert_eq!(*decode(b"6B66", BytesEncoding::Hex).unwrap(), *b"kf");
    }
}
