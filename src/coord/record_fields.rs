//! The fields Kafka's coordinator record schemas are made of (`__consumer_offsets` and
//! `__transaction_state`): big-endian integers, uuids, classic (i16-length) and compact
//! (varint-length) strings, compact arrays, unsigned varints and tagged fields. Readers take
//! from the front of a slice and fail on a short one; writers append to a `Vec<u8>`.

use bytes::{Buf, BufMut};
use thiserror::Error;
use uuid::Uuid;

/// Why a field could not be read.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
pub enum FieldError {
    #[error("record is cut short")]
    Truncated,
    #[error("a string is not UTF-8")]
    NotUtf8,
    #[error("a required field is null")]
    Null,
}

fn need(r: &[u8], n: usize) -> Result<(), FieldError> {
    if r.len() < n {
        Err(FieldError::Truncated)
    } else {
        Ok(())
    }
}

pub fn take_i8(r: &mut &[u8]) -> Result<i8, FieldError> {
    need(r, 1)?;
    Ok(r.get_i8())
}

pub fn take_i16(r: &mut &[u8]) -> Result<i16, FieldError> {
    need(r, 2)?;
    Ok(r.get_i16())
}

pub fn take_i32(r: &mut &[u8]) -> Result<i32, FieldError> {
    need(r, 4)?;
    Ok(r.get_i32())
}

pub fn take_i64(r: &mut &[u8]) -> Result<i64, FieldError> {
    need(r, 8)?;
    Ok(r.get_i64())
}

pub fn take_uuid(r: &mut &[u8]) -> Result<Uuid, FieldError> {
    need(r, 16)?;
    let mut raw = [0u8; 16];
    r.copy_to_slice(&mut raw);
    Ok(Uuid::from_bytes(raw))
}

pub fn take_bytes<'a>(r: &mut &'a [u8], len: usize) -> Result<&'a [u8], FieldError> {
    need(r, len)?;
    let (head, tail) = r.split_at(len);
    *r = tail;
    Ok(head)
}

fn utf8(raw: &[u8]) -> Result<String, FieldError> {
    std::str::from_utf8(raw)
        .map(str::to_string)
        .map_err(|_| FieldError::NotUtf8)
}

/// An i16-length string; a null one (negative length) is refused.
pub fn take_classic_string(r: &mut &[u8]) -> Result<String, FieldError> {
    let len = usize::try_from(take_i16(r)?).map_err(|_| FieldError::Null)?;
    utf8(take_bytes(r, len)?)
}

pub fn take_unsigned_varint(r: &mut &[u8]) -> Result<u64, FieldError> {
    let mut value = 0u64;
    for shift in (0..35).step_by(7) {
        need(r, 1)?;
        let b = r.get_u8();
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(FieldError::Truncated)
}

/// A compact length: `None` for null.
pub fn take_compact_len(r: &mut &[u8]) -> Result<Option<usize>, FieldError> {
    let n = take_unsigned_varint(r)?;
    Ok(n.checked_sub(1)
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX)))
}

pub fn take_compact_string(r: &mut &[u8]) -> Result<Option<String>, FieldError> {
    match take_compact_len(r)? {
        None => Ok(None),
        Some(len) => utf8(take_bytes(r, len)?).map(Some),
    }
}

/// A compact array's length; a null array is refused.
pub fn take_array_len(r: &mut &[u8]) -> Result<usize, FieldError> {
    take_compact_len(r)?.ok_or(FieldError::Null)
}

/// The tagged fields of a flexible structure, each as (tag, its bytes).
pub fn take_tagged_fields<'a>(r: &mut &'a [u8]) -> Result<Vec<(u64, &'a [u8])>, FieldError> {
    let count = take_unsigned_varint(r)?;
    let mut fields = Vec::new();
    for _ in 0..count {
        let tag = take_unsigned_varint(r)?;
        let len = usize::try_from(take_unsigned_varint(r)?).map_err(|_| FieldError::Truncated)?;
        fields.push((tag, take_bytes(r, len)?));
    }
    Ok(fields)
}

pub fn skip_tagged_fields(r: &mut &[u8]) -> Result<(), FieldError> {
    take_tagged_fields(r).map(|_| ())
}

/// An i16-length string (cut at `i16::MAX` bytes, which no Kafka name reaches).
pub fn put_classic_string(w: &mut Vec<u8>, s: &str) {
    let len = s.len().min(i16::MAX as usize);
    w.put_i16(i16::try_from(len).unwrap_or(i16::MAX));
    w.put_slice(&s.as_bytes()[..len]);
}

pub fn put_unsigned_varint(w: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        w.put_u8((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    w.put_u8(v as u8);
}

pub fn put_array_len(w: &mut Vec<u8>, len: usize) {
    put_unsigned_varint(w, len as u64 + 1);
}

pub fn put_compact_string(w: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => w.put_u8(0),
        Some(s) => {
            put_unsigned_varint(w, s.len() as u64 + 1);
            w.put_slice(s.as_bytes());
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_short_input_is_refused() {
        let mut w = Vec::new();
        put_classic_string(&mut w, "group");
        put_compact_string(&mut w, Some("topic"));
        put_compact_string(&mut w, None);
        put_unsigned_varint(&mut w, 300);
        put_array_len(&mut w, 2);
        // One tagged field: tag 1, two bytes.
        w.extend_from_slice(&[1, 1, 2, 0xab, 0xcd]);
        let mut r = w.as_slice();
        assert_eq!(take_classic_string(&mut r).unwrap(), "group");
        assert_eq!(
            take_compact_string(&mut r).unwrap().as_deref(),
            Some("topic")
        );
        assert_eq!(take_compact_string(&mut r).unwrap(), None);
        assert_eq!(take_unsigned_varint(&mut r).unwrap(), 300);
        assert_eq!(take_array_len(&mut r).unwrap(), 2);
        assert_eq!(
            take_tagged_fields(&mut r).unwrap(),
            vec![(1, &[0xab, 0xcd][..])]
        );
        assert!(r.is_empty());
        assert_eq!(take_i32(&mut &[0u8, 1][..]), Err(FieldError::Truncated));
        assert_eq!(
            take_classic_string(&mut &[0u8, 4, b'a'][..]),
            Err(FieldError::Truncated)
        );
        assert_eq!(
            take_classic_string(&mut &[0xffu8, 0xff][..]),
            Err(FieldError::Null)
        );
        assert_eq!(
            take_compact_string(&mut &[2u8, 0xff][..]),
            Err(FieldError::NotUtf8)
        );
    }
}
