//! Cluster ids in Kafka's form: a random UUID as 22 characters of URL-safe base64, no padding.

use uuid::Uuid;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A fresh random cluster id.
pub fn random_cluster_id() -> String {
    encode(Uuid::new_v4().as_bytes())
}

fn encode(bytes: &[u8; 16]) -> String {
    let mut out = String::with_capacity(22);
    for chunk in bytes.chunks(3) {
        let mut group = [0u8; 3];
        group[..chunk.len()].copy_from_slice(chunk);
        let bits = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        // 3 bytes give 4 characters; a trailing 1-byte chunk gives 2 (no padding).
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let sextet = (bits >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[sextet as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_base64_url_without_padding() {
        assert_eq!(encode(&[0u8; 16]), "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(encode(&[0xffu8; 16]), "_____________________w");
        assert_eq!(random_cluster_id().len(), 22);
    }
}
