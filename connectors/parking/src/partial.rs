//! The "partial" marker: how a parking answer cut short by the deadline tells the hub so.
//!
//! The connector does two things:
//! - [`crate::ParkingConnector::fetch_outcome`] returns a typed [`FetchOutcome`] whose
//!   [`Partial`] says how much arrived, for callers holding the concrete connector;
//! - [`crate::ParkingConnector`]'s `fetch_cases` (the trait call the hub makes) sets
//!   `attributes["partial"] = "true"` on every case of a partial answer, and
//!   [`partial_detail`] turns that back into the text the hub puts in the source's `detail`.

use minwon_connector_sdk::Case;

/// The SDK's partial marker, set on every case of a partial answer.
pub use minwon_connector_sdk::model::{PARTIAL_ATTR, PARTIAL_VALUE};

/// What is missing from a partial answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partial {
    /// Vehicles whose tickets did not all arrive.
    pub incomplete_vehicles: usize,
}

/// Every ticket fetched, and whether the deadline cut the answer short.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchOutcome {
    /// The cases, in vehicle order then page order.
    pub cases: Vec<Case>,
    /// Pages fetched, over every vehicle.
    pub pages: u32,
    /// `Some` when the deadline ended paging before the last page of some vehicle.
    pub partial: Option<Partial>,
}

impl FetchOutcome {
    /// The text for the source's `detail` when partial; counts only, never a plate.
    pub fn detail(&self) -> Option<String> {
        self.partial.map(|p| {
            format!(
                "partial: the deadline ended paging after {} page(s), {} ticket(s) fetched; \
                 {} vehicle(s) incomplete",
                self.pages,
                self.cases.len(),
                p.incomplete_vehicles
            )
        })
    }

    /// The cases, each marked with [`PARTIAL_ATTR`] when the outcome is partial.
    pub fn into_marked_cases(self) -> Vec<Case> {
        let mut cases = self.cases;
        if self.partial.is_some() {
            for c in &mut cases {
                c.attributes
                    .insert(PARTIAL_ATTR.to_string(), PARTIAL_VALUE.to_string());
            }
        }
        cases
    }
}

/// Whether a case list from `fetch_cases` is a partial answer.
pub fn is_partial(cases: &[Case]) -> bool {
    minwon_connector_sdk::model::is_partial(cases)
}

/// The source `detail` for a case list from `fetch_cases`: `Some("partial: …")` when it is
/// partial, `None` when complete. What the hub calls after a parking fetch.
pub fn partial_detail(cases: &[Case]) -> Option<String> {
    is_partial(cases).then(|| {
        format!(
            "partial: the deadline ended paging; {} ticket(s) fetched",
            cases.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use minwon_connector_sdk::{CaseKind, CaseStatus, PersonalData};

    fn case(id: &str) -> Case {
        Case {
            source: "parking".into(),
            native_id: id.into(),
            kind: CaseKind::ParkingTicket,
            title: "견인 (풍무동 견인보관소)".into(),
            status: CaseStatus::InProgress,
            source_status: "견인보관중".into(),
            amount_krw: None,
            opened_at: None,
            updated_at: None,
            due_date: None,
            department: "주차관리과".into(),
            contact: String::new(),
            attributes: Default::default(),
            personal: PersonalData::default(),
        }
    }

    #[test]
    fn partial_outcomes_mark_every_case_and_complete_ones_none() {
        let partial = FetchOutcome {
            cases: vec![case("a"), case("b")],
            pages: 2,
            partial: Some(Partial {
                incomplete_vehicles: 1,
            }),
        };
        assert_eq!(
            partial.detail().unwrap(),
            "partial: the deadline ended paging after 2 page(s), 2 ticket(s) fetched; \
             1 vehicle(s) incomplete"
        );
        let marked = partial.into_marked_cases();
        assert!(marked.iter().all(|c| c.attributes[PARTIAL_ATTR] == "true"));
        assert_eq!(
            partial_detail(&marked).unwrap(),
            "partial: the deadline ended paging; 2 ticket(s) fetched"
        );
        let complete = FetchOutcome {
            cases: vec![case("a")],
            pages: 1,
            partial: None,
        }
        .into_marked_cases();
        assert!(!is_partial(&complete) && partial_detail(&complete).is_none());
    }
}
