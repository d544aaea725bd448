#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What a cycle's next step needs, counted from the demo's cycle, the history of its moves read
//! from the audit log, and approval without results refused: on SQLite and PostgreSQL.

mod common;

use common::Backend;
use fieldcheck_domain::UserId;
use fieldcheck_domain::assessment::{CycleStep, Missing, step_needs};
use fieldcheck_store::assessment::{self as store, SelfReportInput};
use fieldcheck_store::{Scope, StoreError, demo, users};

on_both_backends!(readiness_history_and_the_refused_approval);

async fn readiness_history_and_the_refused_approval(backend: Backend) {
    let (_database, st) = common::open_store(backend, [2u8; 32]).await;
    demo::load(&st).await.unwrap();
    let db = &st.db;
    let office = users::account_by_username(db, "office")
        .await
        .unwrap()
        .unwrap();
    let actor = UserId(office.row.id);
    let assessee = users::account_by_username(db, "assessee-longhua")
        .await
        .unwrap()
        .unwrap();
    let aid = assessee.row.assessee_id.unwrap();
    let cid = store::list_cycles(db).await.unwrap()[0].id;

    // Nothing submitted: every assessee misses all its categories.
    let all = store::readiness(db, &Scope::All, cid).await.unwrap();
    assert!(all.counts.assessees.len() > 4);
    assert!(
        all.counts
            .assessees
            .iter()
            .all(|a| a.categories > 0 && a.reports_submitted == 0)
    );
    assert_eq!(all.counts.results, 0);
    let longhua = store::readiness(db, &Scope::District("460106".into()), cid)
        .await
        .unwrap();
    assert!(
        longhua.counts.assessees.len() < all.counts.assessees.len(),
        "scoped to the district"
    );
    assert!(longhua.names.contains_key(&aid));

    // One report submitted, then returned: counted as such.
    let txn = st.write().await.unwrap();
    let r = store::submit_self_report(
        &*txn,
        UserId(assessee.row.id),
        aid,
        cid,
        SelfReportInput {
            category_code: "D1".into(),
            summary: "全年任务完成。".into(),
            materials: vec![],
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let line = |r: &store::Readiness| {
        r.counts
            .assessees
            .iter()
            .find(|a| a.assessee == aid)
            .cloned()
            .unwrap()
    };
    let now = store::readiness(db, &Scope::All, cid).await.unwrap();
    assert_eq!(line(&now).reports_submitted, 1);
    let txn = st.write().await.unwrap();
    store::return_self_report(&*txn, actor, r.id, "请补充")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let now = store::readiness(db, &Scope::All, cid).await.unwrap();
    assert_eq!(
        (line(&now).reports_submitted, line(&now).reports_returned),
        (0, 1)
    );
    assert!(
        step_needs(CycleStep::Evaluation, &now.counts).contains(&Missing::ReturnedReports {
            assessee: aid,
            count: 1
        })
    );

    // Moves forward and back land in the history with who and why.
    let mv = |to: CycleStep, reason: Option<&'static str>| {
        let st = &st;
        async move {
            let txn = st.write().await.unwrap();
            let r = store::transition(&*txn, actor, cid, to, reason).await;
            if r.is_ok() {
                txn.commit().await.unwrap();
            }
            r
        }
    };
    mv(CycleStep::Evaluation, None).await.unwrap();
    mv(CycleStep::SelfReport, Some("材料不全")).await.unwrap();
    for s in [
        CycleStep::Evaluation,
        CycleStep::Aggregation,
        CycleStep::Review,
    ] {
        mv(s, None).await.unwrap();
    }
    let history = store::step_history(db, cid).await.unwrap();
    assert_eq!(history.len(), 5);
    assert_eq!(
        (history[1].from.as_str(), history[1].to.as_str()),
        ("evaluation", "self_report")
    );
    assert_eq!(history[1].reason.as_deref(), Some("材料不全"));
    assert_eq!(
        history[0].actor_name.as_deref(),
        Some(office.row.display_name.as_str())
    );
    assert!(history.windows(2).all(|w| w[0].at <= w[1].at));

    // Approval without results: the domain's blocking need, refused by the store.
    match mv(CycleStep::Publication, None).await {
        Err(StoreError::Refused { code, .. }) => assert_eq!(code, "not-aggregated"),
        other => panic!("approval without results: {other:?}"),
    }
    assert_eq!(
        store::get_cycle(db, cid).await.unwrap().step,
        CycleStep::Review
    );
    assert_eq!(
        store::step_history(db, cid).await.unwrap().len(),
        5,
        "a refused move is not recorded"
    );
}
