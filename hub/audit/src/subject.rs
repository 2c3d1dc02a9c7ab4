//! Pseudonymous data subjects: who an access was about, without storing who it was.
//!
//! The trail never holds a resident registration number (or any other citizen key) in clear.
//! It holds a keyed hash (HMAC-SHA256 under a secret [`SubjectKey`]) so an auditor holding the
//! key can find every access to one citizen, plus the masked form a person reads. Without the
//! key the HMAC cannot be reversed, not even by enumerating the small RRN space.
//!
//! The MAC input is `u64be(len(kind)) || kind || value`, so values of different kinds (an RRN
//! and a vehicle plate) never produce the same HMAC, whatever bytes they contain.
//!
//! One access can be about several people: an overview keyed by A's RRN and B's plate shows
//! both A's and B's cases, so the record names every key the query used
//! ([`SubjectKey::subjects_for_keys`]), each as its own [`Subject`] with its kind.

use crate::AuditError;
use hmac::{Hmac, KeyInit, Mac};
use minwon_connector_sdk::{CitizenKeys, KeyKind, Rrn, VehicleNumber, WaterCustomerNo};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

/// Minimum key length in bytes (the HMAC-SHA256 output size).
pub const MIN_KEY_LEN: usize = 32;

/// One data subject of an access: which kind of key names it, a keyed hash to search by and
/// a masked form to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Subject {
    /// The kind of key: `rrn`, `vehicle_number`, `water_customer_no` (see [`KeyKind`]) or
    /// [`CASE_REF_KIND`]. Empty for a subject written before kinds were recorded (records of
    /// canonical format v1, see [`crate::chain`]); its HMAC was still computed with its kind.
    /// Absent in JSON from such builds, hence the default.
    #[serde(default)]
    pub kind: String,
    /// Lower-case hex HMAC-SHA256 of the kind-separated key value.
    pub hmac: String,
    /// Masked form for people, e.g. `900101-1******`.
    pub masked: String,
}

/// The kind of a subject named by a case reference (`<source>:<native id>`), used when a
/// `GetCase` never saw the case (denied, or the source failed), so its citizen is unknown.
pub const CASE_REF_KIND: &str = "case_ref";

/// The secret HMAC key that pseudonymizes data subjects.
///
/// `Debug` prints `SubjectKey(..)`; the key bytes are never shown.
#[derive(Clone)]
pub struct SubjectKey {
    // Pre-keyed MAC state: cloning it is cheaper than re-keying on every record.
    mac: Hmac<Sha256>,
}

impl SubjectKey {
    /// Builds a key from secret bytes; at least [`MIN_KEY_LEN`] bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AuditError> {
        if bytes.len() < MIN_KEY_LEN {
            return Err(AuditError::InvalidKey(format!(
                "must be at least {MIN_KEY_LEN} bytes, got {}",
                bytes.len()
            )));
        }
        let mac = Hmac::<Sha256>::new_from_slice(bytes)
            .map_err(|_| AuditError::InvalidKey("rejected by HMAC".to_string()))?;
        Ok(SubjectKey { mac })
    }

    /// Builds a key from hex text (e.g. from a secret file); at least 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, AuditError> {
        let bytes = hex::decode(text.trim())
            .map_err(|_| AuditError::InvalidKey("not valid hex".to_string()))?;
        Self::from_bytes(&bytes)
    }

    /// A fresh random 32-byte key from the thread-local CSPRNG.
    ///
    /// Only for tests and demos: a trail written under a key that is not kept can no longer be
    /// searched by subject.
    pub fn generate() -> Self {
        let mut bytes = [0u8; MIN_KEY_LEN];
        rand::rng().fill_bytes(&mut bytes);
        Self::from_bytes(&bytes).expect("32 bytes is a valid key length")
    }

    /// The subject for a resident registration number (kind `rrn`, canonical hyphenated form,
    /// so `9001011234567` and `900101-1234567` are the same subject).
    pub fn subject_for_rrn(&self, rrn: &Rrn) -> Subject {
        self.subject_for(KeyKind::Rrn.as_str(), rrn.expose(), rrn.masked())
    }

    /// The subject for a vehicle plate number (kind `vehicle_number`).
    pub fn subject_for_vehicle(&self, vehicle: &VehicleNumber) -> Subject {
        self.subject_for(
            KeyKind::VehicleNumber.as_str(),
            vehicle.expose(),
            vehicle.masked(),
        )
    }

    /// The subject for a water customer number (kind `water_customer_no`).
    pub fn subject_for_water(&self, customer: &WaterCustomerNo) -> Subject {
        self.subject_for(
            KeyKind::WaterCustomerNo.as_str(),
            customer.expose(),
            customer.masked(),
        )
    }

    /// Every key of a query as its own subject, in a fixed order: the RRN, each vehicle
    /// number as given, the water customer number. Each key may point at a different person,
    /// so none is left out.
    pub fn subjects_for_keys(&self, keys: &CitizenKeys) -> Vec<Subject> {
        let mut out = Vec::with_capacity(2 + keys.vehicle_numbers.len());
        out.extend(keys.rrn.iter().map(|r| self.subject_for_rrn(r)));
        out.extend(
            keys.vehicle_numbers
                .iter()
                .map(|v| self.subject_for_vehicle(v)),
        );
        out.extend(
            keys.water_customer_no
                .iter()
                .map(|w| self.subject_for_water(w)),
        );
        out
    }

    /// The subject for any citizen key: `kind` names the key type (`rrn`, `vehicle_number`,
    /// `water_customer_no`, ...), `value` is its canonical form, `masked` what people see.
    pub fn subject_for(&self, kind: &str, value: &str, masked: String) -> Subject {
        let mut mac = self.mac.clone();
        mac.update(&(kind.len() as u64).to_be_bytes());
        mac.update(kind.as_bytes());
        mac.update(value.as_bytes());
        Subject {
            kind: kind.to_string(),
            hmac: hex::encode(mac.finalize().into_bytes()),
            masked,
        }
    }
}

impl fmt::Debug for SubjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SubjectKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SubjectKey {
        SubjectKey::from_bytes(&[byte; 32]).unwrap()
    }

    #[test]
    fn same_key_and_value_give_the_same_hmac() {
        let rrn = Rrn::parse("900101-1234567").unwrap();
        let a = key(1).subject_for_rrn(&rrn);
        let b = key(1).subject_for_rrn(&Rrn::parse("9001011234567").unwrap());
        assert_eq!(a, b);
        assert_eq!(a.hmac.len(), 64);
        assert_eq!(a.masked, "900101-1******");
    }

    #[test]
    fn different_keys_give_different_hmacs() {
        let rrn = Rrn::parse("900101-1234567").unwrap();
        assert_ne!(
            key(1).subject_for_rrn(&rrn).hmac,
            key(2).subject_for_rrn(&rrn).hmac
        );
    }

    #[test]
    fn kinds_are_separated() {
        let k = key(7);
        let a = k.subject_for("rrn", "12가3456", String::new());
        let b = k.subject_for("vehicle_number", "12가3456", String::new());
        assert_ne!(a.hmac, b.hmac);
        // Moving bytes between kind and value must not collide either.
        let c = k.subject_for("ab", "c", String::new());
        let d = k.subject_for("a", "bc", String::new());
        assert_ne!(c.hmac, d.hmac);
    }

    #[test]
    fn hmac_never_contains_the_value() {
        let rrn = Rrn::parse("900101-1234567").unwrap();
        let s = key(3).subject_for_rrn(&rrn);
        assert!(!s.hmac.contains("1234567"));
        assert!(!s.masked.contains("234567"));
    }

    #[test]
    fn short_keys_are_refused() {
        let e = SubjectKey::from_bytes(&[0u8; 31]).unwrap_err();
        assert!(matches!(e, AuditError::InvalidKey(_)));
        assert!(SubjectKey::from_hex("zz").is_err());
        assert!(SubjectKey::from_hex(&"ab".repeat(32)).is_ok());
    }

    #[test]
    fn debug_does_not_print_the_key() {
        let k = SubjectKey::from_bytes(&[0xAB; 32]).unwrap();
        let shown = format!("{k:?}");
        assert_eq!(shown, "SubjectKey(..)");
    }

    #[test]
    fn every_key_of_a_query_is_its_own_subject_with_its_kind() {
        let keys = CitizenKeys::parse(
            "900101-1234567",
            &["12가3456".to_string(), "34나5678".to_string()],
            "2024-000123",
        )
        .unwrap();
        let k = key(5);
        let subjects = k.subjects_for_keys(&keys);
        let kinds: Vec<&str> = subjects.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "rrn",
                "vehicle_number",
                "vehicle_number",
                "water_customer_no"
            ]
        );
        // Each is the subject a query by that key alone computes.
        assert_eq!(subjects[0], k.subject_for_rrn(keys.rrn.as_ref().unwrap()));
        assert_eq!(
            subjects[3],
            k.subject_for_water(keys.water_customer_no.as_ref().unwrap())
        );
        assert_ne!(subjects[1].hmac, subjects[2].hmac);
        for s in &subjects {
            assert!(!s.masked.contains("234567") && !s.masked.contains("000123"));
        }
        assert!(k.subjects_for_keys(&CitizenKeys::default()).is_empty());
    }

    #[test]
    fn a_subject_without_kind_reads_from_old_json() {
        let s: Subject =
            serde_json::from_str(r#"{"hmac":"ab","masked":"900101-1******"}"#).unwrap();
        assert_eq!(s.kind, "");
    }

    #[test]
    fn generated_keys_differ() {
        let a = SubjectKey::generate().subject_for("rrn", "x", String::new());
        let b = SubjectKey::generate().subject_for("rrn", "x", String::new());
        assert_ne!(a.hmac, b.hmac);
    }
}
