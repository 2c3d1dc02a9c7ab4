//! Tests of the served snapshot: imports, refusals, the schedule, the sync source.

use super::*;

fn with_file(text: &str) -> (tempfile::TempDir, KnowledgeConfig) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("base.toml");
    std::fs::write(&path, text).unwrap();
    let cfg = KnowledgeConfig {
        file: Some(path),
        ..KnowledgeConfig::default()
    };
    (dir, cfg)
}

fn ids(store: &KnowledgeStore, q: &str) -> Vec<String> {
    let s = store.current();
    let (hits, _) = s.index.search(q, None, 5).unwrap();
    hits.iter().map(|h| s.entries[h.ord].id.clone()).collect()
}

const SMALL: &str = r#"# SAMPLE
[[entry]]
id = "NEW-1"
category = "반려동물"
question = "햄스터 분양은 어디서 받나요?"
answer = "동물보호센터에 문의하세요."
department = "축산과"
phone = "031-000-0000"
reviewed_at = "2026-01-01"
review_every = "30d"
status = "active"
"#;

#[test]
fn an_import_swaps_in_a_new_generation_and_is_written_to_the_file() {
    let (_dir, cfg) = with_file(base::BUNDLED);
    let store = KnowledgeStore::open(&cfg).unwrap();
    assert_eq!(store.current().generation, 1);
    assert!(ids(&store, "햄스터").is_empty());
    let out = store.import(SMALL).unwrap();
    assert_eq!(
        (out.generation, out.entries, out.changed, out.persisted),
        (2, 1, true, true)
    );
    assert_eq!(ids(&store, "햄스터 분양"), ["NEW-1"]);
    assert_eq!(std::fs::read_to_string(cfg.file.unwrap()).unwrap(), SMALL);
    // The file now holds what is served: a reload changes nothing.
    let again = store.reload().unwrap();
    assert_eq!((again.generation, again.changed), (2, false));
}

#[test]
fn a_bad_base_is_refused_and_the_old_one_keeps_serving() {
    let (_dir, cfg) = with_file(base::BUNDLED);
    let store = KnowledgeStore::open(&cfg).unwrap();
    let before = ids(&store, "주민등록증을 잃어버렸어요");
    let broken = SMALL.replace("\"30d\"", "\"monthly\"");
    let e = store.import(&broken).unwrap_err();
    assert!(e.to_string().contains("review_every"), "{e}");
    assert_eq!(store.current().generation, 1);
    assert_eq!(ids(&store, "주민등록증을 잃어버렸어요"), before);
    assert_eq!(
        std::fs::read_to_string(cfg.file.as_ref().unwrap()).unwrap(),
        base::BUNDLED,
        "a refused import is not written"
    );
    // A broken file on disk is refused by the scheduled reload the same way.
    std::fs::write(cfg.file.as_ref().unwrap(), "[[entry]]\nid = 3\n").unwrap();
    assert!(store.reload().is_err());
    assert_eq!(store.current().generation, 1);
}

#[tokio::test(start_paused = true)]
async fn the_schedule_picks_up_a_changed_file() {
    let (_dir, cfg) = with_file(base::BUNDLED);
    let store = Arc::new(KnowledgeStore::open(&cfg).unwrap());
    let task = store.spawn_refresh(Duration::from_secs(60)).unwrap();
    std::fs::write(cfg.file.as_ref().unwrap(), SMALL).unwrap();
    for _ in 0..200 {
        if store.current().generation == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    task.abort();
    assert_eq!(store.current().generation, 2);
    assert_eq!(ids(&store, "햄스터"), ["NEW-1"]);
}

#[test]
fn entries_past_review_are_listed_longest_overdue_first() {
    let store = KnowledgeStore::open(&KnowledgeConfig::default()).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let snap = store.current();
    let due = snap.due_for_review(today);
    assert!(!due.is_empty() && due.len() < snap.entries.len());
    assert!(
        due.windows(2)
            .all(|w| w[0].review_due() <= w[1].review_due())
    );
    assert!(
        due.iter()
            .all(|e| e.status == Status::Active && e.review_due() < today)
    );
}

/// A stand-in for Saeol's listing: answers a category with its entries.
struct Listing(Vec<KnowledgeEntry>, bool);

#[async_trait::async_trait]
impl minwon_connector_sdk::KnowledgeSource for Listing {
    async fn search(
        &self,
        query: &str,
        category: Option<&str>,
        _: usize,
        _: &minwon_connector_sdk::CallContext,
    ) -> Result<(Vec<KnowledgeEntry>, usize), minwon_connector_sdk::ConnectorError> {
        if self.1 {
            return Err(minwon_connector_sdk::ConnectorError::bad_response("down"));
        }
        assert!(query.is_empty(), "a listing, not a search");
        let found: Vec<_> = self
            .0
            .iter()
            .filter(|e| Some(e.category.as_str()) == category)
            .cloned()
            .collect();
        let n = found.len();
        Ok((found, n))
    }
}

fn listing(failing: bool) -> SyncSource {
    let entry = |id: &str, q: &str, a: &str| KnowledgeEntry {
        id: id.into(),
        category: "여권".into(),
        question: q.into(),
        answer: a.into(),
        department: "민원여권과".into(),
        contact: "031-980-2165".into(),
        score: 0.0,
    };
    SyncSource {
        name: "saeol".into(),
        source: Arc::new(Listing(
            vec![
                entry(
                    "KB-0005",
                    "여권을 분실했을 때는 어떻게 하나요?",
                    "새올에서 고친 답입니다.",
                ),
                entry(
                    "SAEOL-77",
                    "여권 민원 접수증을 잃어버렸어요",
                    "접수증 없이도 신분증으로 찾을 수 있습니다.",
                ),
            ],
            failing,
        )),
        guard: Arc::new(crate::fanout::resilience::Guard::new(
            "saeol",
            crate::fanout::resilience::settings::ConnectorSettings::default(),
        )),
    }
}

#[tokio::test(start_paused = true)]
async fn the_sync_source_is_merged_at_start_and_an_unchanged_listing_swaps_nothing() {
    let store = Arc::new(
        KnowledgeStore::open(&KnowledgeConfig::default())
            .unwrap()
            .with_sync_source(listing(false)),
    );
    let task = store.spawn_refresh(Duration::from_secs(60)).unwrap();
    for _ in 0..50 {
        if store.current().generation == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    task.abort();
    let snap = store.current();
    assert_eq!(snap.generation, 2);
    let kb5 = snap.entries.iter().find(|e| e.id == "KB-0005").unwrap();
    assert_eq!(kb5.answer, "새올에서 고친 답입니다.");
    assert!(ids(&store, "민원 접수증 분실").contains(&"SAEOL-77".to_string()));
    // The same listing again changes nothing served: no new generation.
    let cats = ["여권".to_string()].into_iter().collect();
    let same = sync::pull(&listing(false), &cats).await.unwrap();
    let again = store.apply_sync(same).unwrap();
    assert_eq!((again.generation, again.changed), (2, false));
    // A failing source is an error for the refresh to log; nothing is swapped.
    let e = sync::pull(&listing(true), &cats).await.unwrap_err();
    assert!(e.to_string().contains("saeol"), "{e}");
    assert_eq!(store.current().generation, 2);
}

#[test]
fn a_missing_file_is_named_at_start() {
    let cfg = KnowledgeConfig {
        file: Some("/nonexistent/base.toml".into()),
        ..KnowledgeConfig::default()
    };
    let e = KnowledgeStore::open(&cfg).err().unwrap().to_string();
    assert!(e.contains("knowledge.file /nonexistent/base.toml"), "{e}");
}
