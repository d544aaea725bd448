#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Questionnaire versions as the office's pages write them: numbered per code, published as the
//! next `satisfaction` version (the one phones ask), and XLSForm workbooks read into sheets; on
//! SQLite and PostgreSQL.

mod common;

use common::Backend;
use fieldcheck_domain::questionnaire::{default_questionnaire, phones_pick};
use fieldcheck_domain::questionnaire_xlsform::from_xlsform;
use fieldcheck_store::StoreError;
use fieldcheck_store::assessment::{
    create_next_questionnaire_version, get_questionnaire, list_questionnaires,
    publish_questionnaire, read_xlsform,
};

on_both_backends!(versions_are_numbered_and_published_for_phones);

async fn phones_version(store: &fieldcheck_store::Store) -> (String, i32, String) {
    let all = list_questionnaires(&store.db).await.unwrap();
    let i = phones_pick(
        all.iter()
            .map(|s| (s.questionnaire.code.as_str(), s.questionnaire.version)),
    )
    .unwrap();
    let q = &all[i].questionnaire;
    (q.code.clone(), q.version, q.title.clone())
}

async fn versions_are_numbered_and_published_for_phones(backend: Backend) {
    let (_database, store) = common::open_store(backend, [3u8; 32]).await;
    let before = list_questionnaires(&store.db).await.unwrap().len();

    let txn = store.write().await.unwrap();
    let mut q = default_questionnaire().unwrap();
    q.version = 42; // whatever the draft says, the store numbers it
    let first = create_next_questionnaire_version(&*txn, None, q.clone())
        .await
        .unwrap();
    let second = create_next_questionnaire_version(&*txn, None, q.clone())
        .await
        .unwrap();
    q.code = "pilot".into();
    q.title = "试点".into();
    let pilot = create_next_questionnaire_version(&*txn, None, q)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        second.questionnaire.version,
        first.questionnaire.version + 1
    );
    assert_eq!(pilot.questionnaire.version, 1);
    let newest = second.questionnaire.version;
    assert_eq!(phones_version(&store).await.1, newest);

    let txn = store.write().await.unwrap();
    let published = publish_questionnaire(&*txn, None, pilot.id).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        phones_version(&store).await,
        ("satisfaction".into(), newest + 1, "试点".into())
    );
    assert_eq!(
        get_questionnaire(&store.db, published.id)
            .await
            .unwrap()
            .questionnaire
            .questions,
        pilot.questionnaire.questions
    );
    assert_eq!(
        list_questionnaires(&store.db).await.unwrap().len(),
        before + 4
    );

    // What phones ask already is not published again; unknown ids are not found.
    let txn = store.write().await.unwrap();
    assert!(matches!(
        publish_questionnaire(&*txn, None, published.id).await,
        Err(StoreError::Duplicate(_))
    ));
    assert!(matches!(
        publish_questionnaire(&*txn, None, uuid::Uuid::now_v7()).await,
        Err(StoreError::NotFound)
    ));
}

#[test]
fn xlsform_sheets_are_read_by_name() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let rows: [(&str, &[&[&str]]); 3] = [
        (
            "Survey",
            &[
                &["type", "name", "label", "required", "satisfaction"],
                &["select_one sat", "overall", "满意吗？", "yes", "yes"],
                &["integer", "n", "几次", "", ""],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label", "satisfied"],
                &["sat", "y", "满意", "yes"],
                &["sat", "n", "不满意", "no"],
            ],
        ),
        ("settings", &[&["form_id", "form_title"], &["s2", "问卷"]]),
    ];
    for (name, sheet) in rows {
        let ws = book.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, row) in sheet.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    ws.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let form = read_xlsform(&bytes).unwrap();
    assert_eq!(form.survey.len(), 3);
    assert_eq!(form.survey[2][..3], ["integer", "n", "几次"]);
    let q = from_xlsform(&form).unwrap();
    assert_eq!((q.code.as_str(), q.questions.len()), ("s2", 2));
    q.validate_definition().unwrap();

    assert!(matches!(
        read_xlsform(b"PK not really"),
        Err(StoreError::File(_))
    ));
}
