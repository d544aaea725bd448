use crate::helpers::{Backend, PASSWORD, spawn_app, spawn_app_with, test_signing_secret};
use crate::on_both_backends;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

on_both_backends!(
    sign_in_refresh_rotation_and_logout,
    forged_and_broken_tokens_are_refused,
    failed_logins_are_slowed_down,
    a_refresh_whose_answer_was_lost_may_be_retried,
    sessions_and_device_tokens_never_stand_in_for_each_other
);

/// A phone whose refresh answer was lost on the way holds only the spent token: presenting it
/// again soon, while nobody used its successor, rotates it again and keeps one chain alive; the
/// successor it never received is revoked. With the grace off the retry is a reuse.
async fn a_refresh_whose_answer_was_lost_may_be_retried(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.login_full("inspector1").await;
    let spent = first["refresh_token"].as_str().unwrap().to_owned();
    let lost = app
        .post("/auth/refresh", None, json!({ "refresh_token": spent }))
        .await;
    assert_eq!(lost.status, 200, "{}", lost.text);
    let retried = app
        .post("/auth/refresh", None, json!({ "refresh_token": spent }))
        .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    let kept = retried.body["refresh_token"].as_str().unwrap().to_owned();
    let access = retried.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/me", access).await.status, 200);
    let next = app
        .post("/auth/refresh", None, json!({ "refresh_token": kept }))
        .await;
    assert_eq!(
        next.status, 200,
        "the retried chain lives on: {}",
        next.text
    );
    // The grace ends once the chain has moved on: the first token is now a stolen copy.
    app.post("/auth/refresh", None, json!({ "refresh_token": spent }))
        .await
        .assert_problem(401, "unauthorized");

    let strict = spawn_app_with(backend, |c| c.auth.refresh_retry_secs = 0).await;
    let first = strict.login_full("inspector1").await;
    let spent = first["refresh_token"].as_str().unwrap().to_owned();
    let lost = strict
        .post("/auth/refresh", None, json!({ "refresh_token": spent }))
        .await;
    assert_eq!(lost.status, 200);
    strict
        .post("/auth/refresh", None, json!({ "refresh_token": spent }))
        .await
        .assert_problem(401, "unauthorized");
    strict
        .post(
            "/auth/refresh",
            None,
            json!({ "refresh_token": lost.body["refresh_token"] }),
        )
        .await
        .assert_problem(401, "unauthorized");
}

async fn sign_in_refresh_rotation_and_logout(backend: Backend) {
    let app = spawn_app(backend).await;
    let wrong = app
        .post(
            "/auth/login",
            None,
            json!({ "username": "admin", "password": "wrong password" }),
        )
        .await;
    wrong.assert_problem(401, "unauthorized");
    let unknown = app
        .post(
            "/auth/login",
            None,
            json!({ "username": "nobody", "password": PASSWORD }),
        )
        .await;
    unknown.assert_problem(401, "unauthorized");

    let first = app.login_full("office").await;
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(first["token_type"], "Bearer");
    assert_eq!(first["user"]["role"], "office_reviewer");
    assert_eq!(app.get("/me", access).await.body["username"], "office");

    // Rotation: each refresh token works once and yields a new one.
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();
    let second = app
        .post("/auth/refresh", None, json!({ "refresh_token": r1 }))
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    let r2 = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_eq!(
        app.get("/me", second.body["access_token"].as_str().unwrap())
            .await
            .status,
        200
    );

    // Reusing a spent token once the chain has moved on (its successor used) revokes the whole
    // family, the newest token included: one of the two holders is not the user.
    let third = app
        .post("/auth/refresh", None, json!({ "refresh_token": r2 }))
        .await;
    assert_eq!(third.status, 200, "{}", third.text);
    let r3 = third.body["refresh_token"].as_str().unwrap().to_owned();
    app.post("/auth/refresh", None, json!({ "refresh_token": r1 }))
        .await
        .assert_problem(401, "unauthorized");
    app.post("/auth/refresh", None, json!({ "refresh_token": r3 }))
        .await
        .assert_problem(401, "unauthorized");

    // Logout revokes the device's sign-in; other devices stay signed in.
    let phone = app.login_full("office").await;
    let tablet = app.login_full("office").await;
    let out = app
        .post(
            "/auth/logout",
            None,
            json!({ "refresh_token": phone["refresh_token"] }),
        )
        .await;
    assert_eq!(out.status, 204);
    app.post(
        "/auth/refresh",
        None,
        json!({ "refresh_token": phone["refresh_token"] }),
    )
    .await
    .assert_problem(401, "unauthorized");
    let still = app
        .post(
            "/auth/refresh",
            None,
            json!({ "refresh_token": tablet["refresh_token"] }),
        )
        .await;
    assert_eq!(still.status, 200, "{}", still.text);
    app.post("/auth/refresh", None, json!({ "refresh_token": "made-up" }))
        .await
        .assert_problem(401, "unauthorized");

    // A disabled account loses its access at once, not when its token expires.
    let admin = app.login("admin").await;
    let inspector = app.login_full("inspector2").await;
    let me = app
        .get("/me", inspector["access_token"].as_str().unwrap())
        .await;
    app.disable_user(&admin, me.body["id"].as_str().unwrap())
        .await;
    app.get("/me", inspector["access_token"].as_str().unwrap())
        .await
        .assert_problem(401, "unauthorized");
    app.post(
        "/auth/refresh",
        None,
        json!({ "refresh_token": inspector["refresh_token"] }),
    )
    .await
    .assert_problem(401, "unauthorized");
}

#[derive(serde::Serialize)]
struct AnyClaims(serde_json::Value);

fn sign(alg: Algorithm, kid: Option<&str>, secret: &[u8], claims: serde_json::Value) -> String {
    let mut h = Header::new(alg);
    h.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&h, &AnyClaims(claims), &EncodingKey::from_secret(secret)).unwrap()
}

async fn forged_and_broken_tokens_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let good = app.login_full("admin").await;
    let sub = good["user"]["id"].as_str().unwrap().to_owned();
    let now = chrono::Utc::now().timestamp();
    let secret = test_signing_secret();
    let valid = json!({ "sub": sub, "iss": "fieldcheck", "aud": "fieldcheck-api", "iat": now, "exp": now + 600, "role": "admin", "did": "x" });
    // Sanity: a token made here the way the server makes them is accepted, so the refusals below
    // are about what each case changes.
    let ok = sign(Algorithm::HS256, Some("test-1"), &secret, valid.clone());
    assert_eq!(app.get("/me", &ok).await.status, 200);

    let with = |k: &str, v: serde_json::Value| {
        let mut c = valid.clone();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = valid.clone();
        c.as_object_mut().unwrap().remove(k);
        c
    };
    let b64 =
        |s: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, s);
    let alg_none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none","typ":"JWT","kid":"test-1"}"#),
        b64(&valid.to_string())
    );
    let cases = vec![
        ("alg none", alg_none),
        (
            "other key",
            sign(Algorithm::HS256, Some("test-1"), &[9u8; 32], valid.clone()),
        ),
        (
            "other algorithm",
            sign(Algorithm::HS512, Some("test-1"), &secret, valid.clone()),
        ),
        (
            "unknown kid",
            sign(Algorithm::HS256, Some("nope"), &secret, valid.clone()),
        ),
        (
            "no kid",
            sign(Algorithm::HS256, None, &secret, valid.clone()),
        ),
        (
            "expired",
            sign(
                Algorithm::HS256,
                Some("test-1"),
                &secret,
                with("exp", json!(now - 3600)),
            ),
        ),
        (
            "no exp",
            sign(Algorithm::HS256, Some("test-1"), &secret, without("exp")),
        ),
        (
            "exp as string",
            sign(
                Algorithm::HS256,
                Some("test-1"),
                &secret,
                with("exp", json!((now + 600).to_string())),
            ),
        ),
        (
            "no iat",
            sign(Algorithm::HS256, Some("test-1"), &secret, without("iat")),
        ),
        (
            "wrong aud",
            sign(
                Algorithm::HS256,
                Some("test-1"),
                &secret,
                with("aud", json!("someone-else")),
            ),
        ),
        (
            "wrong iss",
            sign(
                Algorithm::HS256,
                Some("test-1"),
                &secret,
                with("iss", json!("evil")),
            ),
        ),
        (
            "no sub",
            sign(Algorithm::HS256, Some("test-1"), &secret, without("sub")),
        ),
        (
            "unknown user",
            sign(
                Algorithm::HS256,
                Some("test-1"),
                &secret,
                with("sub", json!(uuid::Uuid::new_v4().to_string())),
            ),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in cases {
        let r = app.get("/me", &token).await;
        assert_eq!(r.status, 401, "{what} must be refused: {}", r.text);
        r.assert_problem(401, "unauthorized");
    }
    let none = app.raw(reqwest::Method::GET, "/me", None, |r| r).await;
    none.assert_problem(401, "unauthorized");
    let basic = app
        .raw(reqwest::Method::GET, "/me", None, |r| {
            r.header("authorization", "Basic YWRtaW46eA==")
        })
        .await;
    basic.assert_problem(401, "unauthorized");
}

async fn failed_logins_are_slowed_down(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let r = app
            .post(
                "/auth/login",
                None,
                json!({ "username": "surveyor1", "password": "not the password" }),
            )
            .await;
        statuses.push(r.status.as_u16());
        if r.status == 429 {
            r.assert_problem(429, "too-many-attempts");
            assert!(r.headers.get("retry-after").is_some());
        }
    }
    assert_eq!(&statuses[..5], &[401; 5]);
    assert!(statuses[5..].contains(&429), "{statuses:?}");
    // While locked out even the right password is refused, so guessing gains nothing.
    let r = app
        .post(
            "/auth/login",
            None,
            json!({ "username": "surveyor1", "password": PASSWORD }),
        )
        .await;
    r.assert_problem(429, "too-many-attempts");
}

/// A browser session and a device's refresh token are different kinds: a session's value is not
/// a refresh token, and no device name chosen at sign-in makes a refresh token a session.
async fn sessions_and_device_tokens_never_stand_in_for_each_other(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.web_session("office").await;
    let value = session.strip_prefix("fc_session=").unwrap();
    let refreshed = app
        .post("/auth/refresh", None, json!({ "refresh_token": value }))
        .await;
    refreshed.assert_problem(401, "unauthorized");
    // Nor does the API's sign-out end a session with it: the session still opens the pages.
    let out = app
        .post("/auth/logout", None, json!({ "refresh_token": value }))
        .await;
    assert_eq!(out.status, 204);
    app.web_page("/ui/gallery", &session).await;

    // A device that calls itself what the pages call their sessions gets a device token.
    let signed_in = app
        .post(
            "/auth/login",
            None,
            json!({ "username": "office", "password": PASSWORD, "device_id": "web-session" }),
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    let refresh = signed_in.body["refresh_token"].as_str().unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = no_redirects
        .get(format!("{}/ui/gallery", app.base))
        .header("cookie", format!("fc_session={refresh}"))
        .send()
        .await
        .unwrap();
    assert!(
        page.status().is_redirection(),
        "a refresh token opened the pages: {}",
        page.status()
    );
    // ...and it still works as what it is.
    let rotated = app
        .post("/auth/refresh", None, json!({ "refresh_token": refresh }))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
}
