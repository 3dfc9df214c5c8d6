//! Deterministic identifiers: every seeded id is a pure function of its parts
//! (cloud, region, kind, index), so two runs of the simulator agree byte for byte.
//!
//! FNV-1a over the parts (with a separator byte so `("ab","c")` differs from `("a","bc")`),
//! then a splitmix64 finaliser to spread the bits. Not cryptographic; it only has to be stable.

/// A 64-bit hash of `parts`, varied by `salt`.
pub fn hash64(salt: u64, parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    splitmix(h)
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A version-4-shaped UUID string (`8-4-4-4-12` lowercase hex) derived from `parts`.
pub fn uuid(parts: &[&str]) -> String {
    let a = hash64(1, parts);
    let b = hash64(2, parts);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// `len` lowercase hex digits derived from `parts` (keystone-style 32-hex ids, fake checksums).
pub fn hex(parts: &[&str], len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut salt = 10;
    while out.len() < len {
        out.push_str(&format!("{:016x}", hash64(salt, parts)));
        salt += 1;
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_is_stable_and_uuid_shaped() {
        let id = uuid(&["alpha", "us-east-1", "server", "0"]);
        assert_eq!(id, uuid(&["alpha", "us-east-1", "server", "0"]));
        assert_eq!(id.len(), 36);
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, vec![8, 4, 4, 4, 12]);
        assert_ne!(id, uuid(&["alpha", "us-east-1", "server", "1"]));
    }

    #[test]
    fn part_boundaries_matter() {
        assert_ne!(hash64(0, &["ab", "c"]), hash64(0, &["a", "bc"]));
    }

    #[test]
    fn hex_has_requested_length() {
        assert_eq!(hex(&["x"], 32).len(), 32);
        assert_eq!(hex(&["x"], 128).len(), 128);
    }
}
