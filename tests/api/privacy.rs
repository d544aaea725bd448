//! ID numbers are encrypted at rest and never written anywhere in clear.

use crate::helpers::{Backend, spawn_app};
use crate::resources::valid_id;
use fieldcheck_store::sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_numbers_are_not_in_the_sqlite_file() {
    let app = spawn_app(Backend::Sqlite).await;
    let office = app.login("office").await;
    let village = app.village_id("460106001201", &office).await;
    let number = valid_id("46010619851224777");
    let r = app
        .post("/households", Some(&office), json!({ "registration_no": "HK-PRIV-1", "village_id": village, "head_name": "隐私户", "status": "exited", "members": [{ "name": "隐私户", "relation": "户主", "id_number": number }] }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The API can still reveal it, so it is stored, but only encrypted.
    let hid = r.body["id"].as_str().unwrap();
    let revealed = app
        .get(&format!("/households/{hid}?reveal=id_number"), &office)
        .await;
    assert_eq!(revealed.body["members"][0]["id_number"], number.as_str());
    app.state
        .store
        .db
        .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    let mut scanned = 0;
    for entry in std::fs::read_dir(&app.data_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains("fieldcheck.sqlite") {
            let bytes = std::fs::read(&path).unwrap();
            scanned += bytes.len();
            assert!(
                !bytes.windows(number.len()).any(|w| w == number.as_bytes()),
                "{} holds the ID number in clear",
                path.display()
            );
            assert!(
                !bytes.windows(14).any(|w| w == &number.as_bytes()[..14]),
                "{} holds a prefix of the ID number",
                path.display()
            );
        }
    }
    assert!(scanned > 10_000, "the database file was read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn id_numbers_are_not_in_postgres_in_clear() {
    let app = spawn_app(Backend::Postgres).await;
    let office = app.login("office").await;
    let village = app.village_id("460106001201", &office).await;
    let number = valid_id("46010619851224778");
    let r = app
        .post("/households", Some(&office), json!({ "registration_no": "HK-PRIV-2", "village_id": village, "head_name": "隐私户", "status": "exited", "members": [{ "name": "隐私户", "relation": "户主", "id_number": number }] }))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let db = &app.state.store.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT count(*) AS n FROM members m WHERE m::text LIKE '%{}%'",
                &number[..14]
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get("", "n").unwrap();
    assert_eq!(n, 0);
    let audit = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT count(*) AS n FROM audit_log a WHERE a::text LIKE '%{}%'",
                &number[..14]
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(audit.try_get::<i64>("", "n").unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_with_the_audit_log_is_detected() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login("admin").await;
    assert_eq!(app.get("/audit/verify", &admin).await.body["ok"], true);
    let db = &app.state.store.db;
    db.execute_unprepared("UPDATE audit_log SET details = '{\"edited\":true}' WHERE seq = 3")
        .await
        .unwrap();
    let v = app.get("/audit/verify", &admin).await;
    assert_eq!(v.body["ok"], false, "{}", v.text);
    assert_eq!(v.body["first_bad_seq"], 3);
}
