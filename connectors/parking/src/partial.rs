//! Partial answers: how a parking answer cut short by the deadline tells the hub so.
//!
//! [`crate::ParkingConnector::fetch_outcome`] returns a typed [`FetchOutcome`] whose
//! [`Partial`] says how much arrived; the connector's `fetch` (the trait call the hub makes)
//! hands it on as the SDK's [`Fetched`], its `partial` the detail text (counts only).

use minwon_connector_sdk::{Case, Fetched};

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

    /// The SDK's contract form: the cases and, when partial, the detail text.
    pub fn into_fetched(self) -> Fetched {
        let partial = self.detail();
        Fetched {
            cases: self.cases,
            partial,
        }
    }
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
    fn partial_outcomes_carry_a_detail_and_complete_ones_none() {
        let partial = FetchOutcome {
            cases: vec![case("a"), case("b")],
            pages: 2,
            partial: Some(Partial {
                incomplete_vehicles: 1,
            }),
        };
        let fetched = partial.into_fetched();
        assert_eq!(
            fetched.partial.as_deref(),
            Some(
                "partial: the deadline ended paging after 2 page(s), 2 ticket(s) fetched; \
                 1 vehicle(s) incomplete"
            )
        );
        assert_eq!(fetched.cases.len(), 2);
        assert!(fetched.cases.iter().all(|c| c.attributes.is_empty()));
        let complete = FetchOutcome {
            cases: vec![case("a")],
            pages: 1,
            partial: None,
        }
        .into_fetched();
        assert_eq!(complete.partial, None);
    }
}
