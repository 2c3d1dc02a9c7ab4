//! The simulator's opaque cursors: `c1` + the offset (8 hex digits) + a 64-bit tag binding the
//! offset to the plate searched (16 hex digits). A cursor from another search, an edited
//! offset or any other string is refused, as a real service refuses a cursor it did not issue.

/// Encodes the cursor of the page starting at `offset` of `plate`'s tickets.
pub fn encode(secret: u64, plate: &str, offset: usize) -> String {
    let offset = offset as u32;
    format!("c1{offset:08x}{:016x}", tag(secret, plate, offset))
}

/// The offset a cursor stands for, when it was issued for `plate`.
pub fn decode(secret: u64, plate: &str, cursor: &str) -> Option<usize> {
    let rest = cursor.strip_prefix("c1")?;
    if rest.len() != 24 || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let offset = u32::from_str_radix(&rest[..8], 16).ok()?;
    let t = u64::from_str_radix(&rest[8..], 16).ok()?;
    (t == tag(secret, plate, offset)).then_some(offset as usize)
}

/// FNV-1a over the secret, plate and offset, finished with a SplitMix64 round.
fn tag(secret: u64, plate: &str, offset: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = secret
        .to_le_bytes()
        .into_iter()
        .chain(plate.bytes())
        .chain(offset.to_le_bytes());
    for b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_foreign_or_edited_cursors() {
        let c = encode(7, "12가3456", 6);
        assert_eq!(c.len(), 26);
        assert_eq!(decode(7, "12가3456", &c), Some(6));
        assert_eq!(decode(7, "34나5678", &c), None, "another plate's cursor");
        assert_eq!(
            decode(8, "12가3456", &c),
            None,
            "another simulator's cursor"
        );
        let edited = format!("c1{:08x}{}", 9, &c[10..]);
        assert_eq!(decode(7, "12가3456", &edited), None);
        for junk in [
            "",
            "c1",
            "abc",
            "c1zzzzzzzz0000000000000000",
            &"c1".repeat(13),
        ] {
            assert_eq!(decode(7, "12가3456", junk), None, "{junk}");
        }
    }
}
