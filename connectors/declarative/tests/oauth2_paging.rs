//! A `rest-json` table behind OAuth2 client credentials, searched by cursor and by offset,
//! against a real loopback back-end (tests/support): every booking arrives, one page at a
//! time; the token is fetched once, shared by concurrent calls, refreshed once on a 401; a
//! wrong secret is `Unauthorized` without the secret in any text; and every lie the paging
//! guards exist for — a repeated cursor, an empty page before the end, more than the cap —
//! is a `BadResponse` carrying no personal value.

mod support;

use minwon_connector_declarative::DeclarativeConfig;
use minwon_connector_sdk::conformance::assert_no_personal_data;
use minwon_connector_sdk::sim::{Population, SynthCitizen};
use minwon_connector_sdk::{
    BuiltConnector, CallContext, Case, CitizenKeys, ConnectorError, ErrorKind, Rrn,
};
use std::time::Duration;
use support::{CLIENT_SECRET, Quirk, cursor_paging, offset_paging, table};

fn ctx() -> CallContext {
    CallContext::with_budget(Duration::from_secs(5))
}

fn build(base_url: &str, paging: &str, secret: &str, client_auth: &str) -> BuiltConnector {
    let text = table(base_url, paging, secret, client_auth);
    DeclarativeConfig::from_toml_str("bulky", &text)
        .expect("the table is valid")
        .build()
        .expect("builds")
}

fn keys(c: &SynthCitizen) -> CitizenKeys {
    CitizenKeys {
        rrn: Some(Rrn::parse(&c.rrn).unwrap()),
        ..CitizenKeys::default()
    }
}

fn ids(cases: &[Case]) -> Vec<String> {
    cases.iter().map(|c| c.native_id.clone()).collect()
}

/// The first citizen has three bookings (every source's "everything" citizens do).
fn three(pop: &Population) -> &SynthCitizen {
    &pop.citizens()[0]
}

async fn fetch_err(built: &BuiltConnector, c: &SynthCitizen) -> ConnectorError {
    let e = built
        .connector
        .fetch_cases(&keys(c), &ctx())
        .await
        .expect_err("the back-end lied");
    assert_no_personal_data(&e, c);
    e
}

#[tokio::test]
async fn cursor_paging_fetches_every_booking_one_page_at_a_time() {
    let pop = Population::default_demo();
    let (sim, gw) = support::start(&pop).await;
    let built = build(
        &sim.base_url(),
        &cursor_paging(1, 10),
        CLIENT_SECRET,
        "client_secret_basic",
    );
    let mut bookings = 0;
    for c in pop.citizens().iter().take(8) {
        let cases = built.connector.fetch_cases(&keys(c), &ctx()).await.unwrap();
        assert_eq!(
            ids(&cases),
            gw.booking_numbers(&c.rrn),
            "citizen {}",
            c.index
        );
        bookings += cases.len() as u64;
    }
    assert!(bookings > 8, "bookings: {bookings}");
    // One record a page, and the last page names no next cursor: one request per booking
    // (a citizen without bookings costs one request answered `1001`).
    let without = pop
        .citizens()
        .iter()
        .take(8)
        .filter(|c| gw.booking_numbers(&c.rrn).is_empty())
        .count() as u64;
    assert_eq!(gw.searches(), bookings + without);
}

#[tokio::test]
async fn offset_paging_with_and_without_a_total_fetches_every_booking() {
    let pop = Population::default_demo();
    for with_total in [true, false] {
        let (sim, gw) = support::start(&pop).await;
        let paging = offset_paging(2, 10, with_total);
        let built = build(
            &sim.base_url(),
            &paging,
            CLIENT_SECRET,
            "client_secret_post",
        );
        let mut expected_requests = 0;
        for c in pop.citizens().iter().take(8) {
            let cases = built.connector.fetch_cases(&keys(c), &ctx()).await.unwrap();
            let n = gw.booking_numbers(&c.rrn).len() as u64;
            assert_eq!(ids(&cases), gw.booking_numbers(&c.rrn));
            // With a total paging stops once it arrived; without one, at the first short
            // page (a full last page costs one more, empty, request).
            expected_requests += match (with_total, n) {
                (_, 0) => 1,
                (true, n) => n.div_ceil(2),
                (false, n) => n / 2 + 1,
            };
        }
        assert_eq!(
            gw.searches(),
            expected_requests,
            "with_total = {with_total}"
        );
    }
}

#[tokio::test]
async fn a_token_is_fetched_once_and_reused_by_every_call() {
    let pop = Population::default_demo();
    let (sim, gw) = support::start(&pop).await;
    let built = build(
        &sim.base_url(),
        &cursor_paging(2, 10),
        CLIENT_SECRET,
        "client_secret_basic",
    );
    for c in pop.citizens().iter().take(5) {
        let cases = built.connector.fetch_cases(&keys(c), &ctx()).await.unwrap();
        built
            .connector
            .get_case(&cases[0].native_id, &ctx())
            .await
            .unwrap();
    }
    built.health.check(&ctx()).await.expect("healthy");
    let s = gw.stats();
    assert_eq!((s.tokens_issued, s.rejected_tokens), (1, 0));
    assert!(s.api_calls >= 11, "{s:?}");
}

#[tokio::test]
async fn concurrent_first_calls_share_one_token_request() {
    let pop = Population::default_demo();
    let (sim, gw) = support::start(&pop).await;
    let built = build(
        &sim.base_url(),
        &cursor_paging(2, 10),
        CLIENT_SECRET,
        "client_secret_basic",
    );
    let tasks: Vec<_> = pop
        .citizens()
        .iter()
        .take(8)
        .map(|c| {
            let (conn, keys) = (built.connector.clone(), keys(c));
            tokio::spawn(async move { conn.fetch_cases(&keys, &ctx()).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(gw.stats().tokens_issued, 1);
}

#[tokio::test]
async fn a_revoked_token_costs_one_401_one_refresh_and_one_retry() {
    let pop = Population::default_demo();
    let (sim, gw) = support::start(&pop).await;
    let built = build(
        &sim.base_url(),
        &cursor_paging(5, 10),
        CLIENT_SECRET,
        "client_secret_basic",
    );
    let c = three(&pop);
    let before = built.connector.fetch_cases(&keys(c), &ctx()).await.unwrap();
    assert_eq!(gw.revoke_tokens(), 1);
    let after = built.connector.fetch_cases(&keys(c), &ctx()).await.unwrap();
    assert_eq!(ids(&before), ids(&after));
    let s = gw.stats();
    assert_eq!((s.tokens_issued, s.rejected_tokens, s.api_calls), (2, 1, 2));
}

#[tokio::test]
async fn a_token_refused_again_after_the_refresh_is_unauthorized() {
    let pop = Population::default_demo();
    let (sim, gw) = support::start(&pop).await;
    gw.set_quirk(Quirk::RejectTokens);
    let built = build(
        &sim.base_url(),
        &cursor_paging(5, 10),
        CLIENT_SECRET,
        "client_secret_basic",
    );
    let e = fetch_err(&built, three(&pop)).await;
    assert_eq!(e.kind, ErrorKind::Unauthorized, "{e}");
    assert_eq!((gw.stats().tokens_issued, gw.searches()), (2, 0));
}

#[tokio::test]
async fn a_wrong_client_secret_is_unauthorized_and_never_shown() {
    let pop = Population::default_demo();
    let (sim, gw) = support::start(&pop).await;
    for auth in ["client_secret_basic", "client_secret_post"] {
        let built = build(
            &sim.base_url(),
            &cursor_paging(5, 10),
            "Wr0ng-Secret-99",
            auth,
        );
        let e = fetch_err(&built, three(&pop)).await;
        assert_eq!(e.kind, ErrorKind::Unauthorized, "{auth}: {e}");
        let table = table(
            &sim.base_url(),
            &cursor_paging(5, 10),
            "Wr0ng-Secret-99",
            auth,
        );
        let config = DeclarativeConfig::from_toml_str("bulky", &table).unwrap();
        let text = format!("{e} {e:?} {config:?}");
        assert!(
            !text.contains("Wr0ng-Secret-99") && !text.contains(CLIENT_SECRET),
            "{text}"
        );
        let down = built
            .health
            .check(&ctx())
            .await
            .expect_err("refused credentials");
        assert_eq!(down.kind, ErrorKind::Unauthorized);
    }
    let s = gw.stats();
    assert_eq!((s.token_refusals, s.tokens_issued, s.api_calls), (4, 0, 0));
}

#[tokio::test]
async fn a_failing_token_endpoint_is_unavailable() {
    let pop = Population::default_demo();
    let (sim, gw) = support::start(&pop).await;
    gw.set_quirk(Quirk::TokenEndpointDown);
    let built = build(
        &sim.base_url(),
        &cursor_paging(5, 10),
        CLIENT_SECRET,
        "client_secret_basic",
    );
    let e = fetch_err(&built, three(&pop)).await;
    assert_eq!(e.kind, ErrorKind::Unavailable, "{e}");
    assert_eq!(gw.searches(), 0);
}

#[tokio::test]
async fn a_repeated_cursor_is_a_bad_response() {
    let pop = Population::default_demo();
    let (sim, gw) = support::start(&pop).await;
    gw.set_quirk(Quirk::RepeatCursor);
    let built = build(
        &sim.base_url(),
        &cursor_paging(1, 10),
        CLIENT_SECRET,
        "client_secret_basic",
    );
    let e = fetch_err(&built, three(&pop)).await;
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert!(e.message.contains("cursor"), "{e}");
    assert_eq!(gw.searches(), 2, "stopped at the first repeat");
}

#[tokio::test]
async fn an_empty_page_before_the_end_is_a_bad_response() {
    let pop = Population::default_demo();
    let (sim, gw) = support::start(&pop).await;
    gw.set_quirk(Quirk::EmptyPageEarly);
    for paging in [cursor_paging(1, 10), offset_paging(1, 10, true)] {
        let built = build(
            &sim.base_url(),
            &paging,
            CLIENT_SECRET,
            "client_secret_basic",
        );
        let e = fetch_err(&built, three(&pop)).await;
        assert_eq!(e.kind, ErrorKind::BadResponse, "{paging}: {e}");
    }
}

#[tokio::test]
async fn more_than_the_cap_is_a_bad_response_never_a_cut_list() {
    let pop = Population::default_demo();
    let (sim, gw) = support::start(&pop).await;
    let base = sim.base_url();
    let c = three(&pop);
    // Three bookings, one a page, at most two pages: still a next cursor after the second.
    let e = fetch_err(
        &build(
            &base,
            &cursor_paging(1, 2),
            CLIENT_SECRET,
            "client_secret_basic",
        ),
        c,
    )
    .await;
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    // The same by offset without a total: two full pages and no end in sight.
    let e = fetch_err(
        &build(
            &base,
            &offset_paging(1, 2, false),
            CLIENT_SECRET,
            "client_secret_basic",
        ),
        c,
    )
    .await;
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    // A page larger than asked.
    gw.set_quirk(Quirk::OversizedPage);
    for paging in [cursor_paging(1, 10), offset_paging(1, 10, true)] {
        let e = fetch_err(
            &build(&base, &paging, CLIENT_SECRET, "client_secret_basic"),
            c,
        )
        .await;
        assert_eq!(e.kind, ErrorKind::BadResponse, "{paging}: {e}");
    }
    // A total beyond limit × max_pages is refused on the first page.
    gw.set_quirk(Quirk::HugeTotal);
    let before = gw.searches();
    let e = fetch_err(
        &build(
            &base,
            &offset_paging(2, 10, true),
            CLIENT_SECRET,
            "client_secret_basic",
        ),
        c,
    )
    .await;
    assert_eq!(e.kind, ErrorKind::BadResponse, "{e}");
    assert_eq!(gw.searches() - before, 1);
}
