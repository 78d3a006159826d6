//! Gatehouse as an OpenID Provider, from an app's side: discovery, the authorization
//! code flow through the real login and consent pages, the token endpoint's rules
//! (PKCE, single-use codes bound to client and redirect URI, rotating refresh tokens),
//! userinfo, introspection, revocation and RP-initiated logout. The real relying-party
//! libraries (openid-client, authlib) run in `end2end/`.

use crate::common::{self, ORIGIN, STRONG_PASSWORD, TestApp, TestResponse, code_at, spawn};
use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use gatehouse::server::{
    auth::{Actor, ClientInfo},
    db::Backend,
    provider::{
        clients::{self, NewClient, Registered},
        consent,
    },
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::Duration;

on_both_backends!(
    discovery_names_every_endpoint_and_the_keys_verify,
    a_confidential_app_signs_a_person_in_and_refreshes,
    a_stranger_logs_in_consents_and_is_sent_back,
    consent_denied_and_prompt_none_answer_the_app,
    a_wrong_redirect_uri_or_client_gets_a_page_not_a_redirect,
    pkce_is_required_for_public_apps_and_checked,
    a_replayed_code_revokes_what_it_issued,
    codes_are_bound_to_their_client_and_expire,
    a_wrong_client_secret_is_refused,
    withdrawing_consent_or_changing_the_password_ends_the_apps_tokens,
    a_second_factor_shows_in_amr_and_acr,
    prompt_login_and_max_age_ask_for_a_fresh_login,
    logging_out_through_the_app_returns_to_it,
    a_service_gets_tokens_for_itself,
    a_reused_refresh_token_ends_the_grant,
    the_profile_lists_allowed_apps_and_withdraws_them,
    only_admins_register_and_edit_apps,
    an_app_may_choose_eddsa_and_pairwise_subjects,
    a_database_outage_is_a_503_for_apps_too,
    a_chain_from_our_own_forms_ends_on_a_page_that_moves_on,
);

pub(crate) const CALLBACK: &str = "https://notes.example/callback";
pub(crate) const AFTER_LOGOUT: &str = "https://notes.example/bye";

pub(crate) fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub(crate) async fn register(
    app: &TestApp,
    name: &str,
    tweak: impl FnOnce(&mut NewClient),
) -> Registered {
    let mut new = NewClient {
        name: name.into(),
        redirect_uris: vec![CALLBACK.into()],
        post_logout_redirect_uris: vec![AFTER_LOGOUT.into()],
        confidential: true,
        ..Default::default()
    };
    tweak(&mut new);
    clients::register(&app.state, new, Actor::Cli, None, &ClientInfo::default())
        .await
        .expect("register client")
}

pub(crate) fn authorize_path(
    client_id: &str,
    scope: &str,
    challenge: Option<&str>,
    extra: &[(&str, &str)],
) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("scope", scope)
        .append_pair("state", "st4te")
        .append_pair("nonce", "n0nce");
    if let Some(c) = challenge {
        q.append_pair("code_challenge", c)
            .append_pair("code_challenge_method", "S256");
    }
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    format!("/oauth2/authorize?{}", q.finish())
}

/// The query parameters of a redirect back to the app.
pub(crate) fn callback_params(res: &TestResponse) -> std::collections::HashMap<String, String> {
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let location = res.location().expect("a redirect");
    assert!(
        location.starts_with(CALLBACK),
        "back to the app: {location}"
    );
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A back-channel call with no cookies, as an app's server makes it.
pub(crate) async fn backchannel(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> TestResponse {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter())
        .finish();
    let mut req =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        req = req.header(
            header::AUTHORIZATION,
            format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
        );
    }
    app.another_browser()
        .send(req.body(Body::from(body)).unwrap())
        .await
}

pub(crate) async fn exchange(
    app: &TestApp,
    client: &Registered,
    code: &str,
    verifier: Option<&str>,
) -> TestResponse {
    let mut fields = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
    ];
    if let Some(v) = verifier {
        fields.push(("code_verifier", v));
    }
    match &client.secret {
        Some(secret) => {
            backchannel(
                app,
                "/oauth2/token",
                &fields,
                Some((&client.client.id, secret)),
            )
            .await
        }
        None => {
            fields.push(("client_id", &client.client.id));
            backchannel(app, "/oauth2/token", &fields, None).await
        }
    }
}

pub(crate) async fn userinfo(app: &TestApp, token: &str) -> TestResponse {
    let req = Request::get("/oauth2/userinfo")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.another_browser().send(req).await
}

pub(crate) async fn introspect(app: &TestApp, client: &Registered, token: &str) -> Value {
    let res = backchannel(
        app,
        "/oauth2/introspect",
        &[("token", token)],
        Some((&client.client.id, client.secret.as_deref().unwrap())),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// Checks an ID token as a relying party does: signature by a key in the JWKS,
/// algorithm, issuer, audience, expiry. Returns its claims.
pub(crate) async fn verify_id_token(app: &TestApp, token: &str, audience: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).unwrap();
    let jwks = app.get("/.well-known/jwks.json").await.json();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("the ID token's key is in the JWKS")
        .clone();
    let key = match header.alg {
        jsonwebtoken::Algorithm::RS256 => jsonwebtoken::DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap(),
        jsonwebtoken::Algorithm::EdDSA => {
            jsonwebtoken::DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap()
        }
        other => panic!("unexpected algorithm {other:?}"),
    };
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_issuer(&[ORIGIN]);
    validation.set_audience(&[audience]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("a valid ID token")
        .claims
}

/// A signed-up, logged-in person in this browser; returns their user id.
pub(crate) async fn person(app: &TestApp, name: &str) -> String {
    let res = app.signup(name, &format!("{name}@example.com")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    app.me().await["id"].as_str().unwrap().to_string()
}

/// Authorizes with a logged-in browser that needs no consent; returns the code.
pub(crate) async fn code_for(
    app: &TestApp,
    client: &Registered,
    scope: &str,
    challenge: Option<&str>,
) -> String {
    let res = app
        .get(&authorize_path(&client.client.id, scope, challenge, &[]))
        .await;
    let params = callback_params(&res);
    assert_eq!(params["state"], "st4te");
    assert_eq!(params["iss"], ORIGIN, "RFC 9207");
    params["code"].clone()
}

async fn discovery_names_every_endpoint_and_the_keys_verify(backend: Backend) {
    let app = spawn(backend).await;
    let doc = app.get("/.well-known/openid-configuration").await.json();
    assert_eq!(doc["issuer"], ORIGIN);
    for (key, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("userinfo_endpoint", "/oauth2/userinfo"),
        ("jwks_uri", "/.well-known/jwks.json"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("introspection_endpoint", "/oauth2/introspect"),
        ("end_session_endpoint", "/oauth2/logout"),
    ] {
        assert_eq!(doc[key], format!("{ORIGIN}{path}"), "{key}");
    }
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(
        doc["id_token_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .contains(&"RS256".into())
    );
    let jwks = app.get("/.well-known/jwks.json").await.json();
    let kinds: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kty"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"RSA") && kinds.contains(&"OKP"),
        "{kinds:?}"
    );
    assert!(
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k.get("d").is_none()),
        "public halves only"
    );
}

async fn a_confidential_app_signs_a_person_in_and_refreshes(backend: Backend) {
    let app = spawn(backend).await;
    let user_id = person(&app, "ann").await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let (verifier, challenge) = pkce();
    let code = code_for(
        &app,
        &client,
        "openid profile email offline_access",
        Some(&challenge),
    )
    .await;

    let res = exchange(&app, &client, &code, Some(&verifier)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.headers[header::CACHE_CONTROL], "no-store");
    let tokens = res.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "openid profile email offline_access");
    let id = verify_id_token(
        &app,
        tokens["id_token"].as_str().unwrap(),
        &client.client.id,
    )
    .await;
    assert_eq!(id["sub"], user_id.as_str());
    assert_eq!(id["nonce"], "n0nce");
    assert_eq!(id["email"], "ann@example.com");
    assert_eq!(id["preferred_username"], "ann");
    assert_eq!(id["amr"], serde_json::json!(["pwd"]));
    assert!(id.get("acr").is_none(), "no second factor");
    assert!(id["auth_time"].as_i64().unwrap() <= app.state.clock.unix());

    let access = tokens["access_token"].as_str().unwrap();
    let info = userinfo(&app, access).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    assert_eq!(info.json()["sub"], user_id.as_str());
    assert_eq!(info.json()["email_verified"], false);
    // Gatehouse's own API does not take an app's token.
    let res = common::api(
        &app,
        axum::http::Method::GET,
        "/auth/me",
        None,
        Some(access),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    // Refresh: a new refresh token each time, and an ID token without the nonce.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let secret = client.secret.as_deref().unwrap();
    let res = backchannel(
        &app,
        "/oauth2/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &client.client.id),
            ("client_secret", secret),
        ],
        None,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let again = res.json();
    assert_ne!(again["refresh_token"], tokens["refresh_token"]);
    let id = verify_id_token(&app, again["id_token"].as_str().unwrap(), &client.client.id).await;
    assert!(id.get("nonce").is_none());
    assert_eq!(
        introspect(&app, &client, again["access_token"].as_str().unwrap()).await["active"],
        true
    );

    // Revocation (RFC 7009) ends the grant: its access tokens go inactive at once.
    let res = backchannel(
        &app,
        "/oauth2/revoke",
        &[("token", again["refresh_token"].as_str().unwrap())],
        Some((&client.client.id, secret)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        introspect(&app, &client, again["access_token"].as_str().unwrap()).await["active"],
        false
    );
    assert_eq!(
        userinfo(&app, again["access_token"].as_str().unwrap())
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_stranger_logs_in_consents_and_is_sent_back(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "ben").await;
    app.logout().await;
    let client = register(&app, "Acme Notes", |c| c.confidential = false).await;
    let (verifier, challenge) = pkce();
    let path = authorize_path(&client.client.id, "openid email", Some(&challenge), &[]);

    // Nobody logged in: the login page, which says which app is asking.
    let res = app.get(&path).await;
    res.assert_redirect_to("/login?next=%2Foauth2%2Fauthorize%2Fresume");
    let login = app.get(res.location().unwrap()).await;
    assert!(login.body.contains("Sign in to"), "{}", login.body);
    assert!(login.body.contains("Acme Notes"));
    // Without JavaScript: the login form posts and lands on the resume path.
    let res = app
        .post_form(
            "/fn/login",
            &[
                ("login", "ben"),
                ("password", STRONG_PASSWORD),
                ("next", "/oauth2/authorize/resume"),
            ],
            "/login",
        )
        .await;
    res.assert_redirect_to("/oauth2/authorize/resume");
    // A third-party app: the person is asked first.
    let res = app.get("/oauth2/authorize/resume").await;
    res.assert_redirect_to("/authorize/consent");
    let page = app.get("/authorize/consent").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Allow Acme Notes?"), "{}", page.body);
    assert!(page.body.contains("See your email address"));
    let res = app
        .post_form(
            "/oauth2/consent",
            &[("decision", "allow")],
            "/authorize/consent",
        )
        .await;
    let params = callback_params(&res);
    assert_eq!(params["state"], "st4te");
    let tokens = exchange(&app, &client, &params["code"], Some(&verifier)).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    assert!(
        tokens.json().get("refresh_token").is_none(),
        "no offline_access asked"
    );
    // Allowed once: the next sign-in goes straight back.
    let (_, challenge) = pkce();
    code_for(&app, &client, "openid email", Some(&challenge)).await;
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'app_authorized'")
            .await,
        1
    );
    // Asking for more scopes asks again.
    let res = app
        .get(&authorize_path(
            &client.client.id,
            "openid email profile",
            Some(&challenge),
            &[],
        ))
        .await;
    res.assert_redirect_to("/authorize/consent");
}

async fn consent_denied_and_prompt_none_answer_the_app(backend: Backend) {
    let app = spawn(backend).await;
    let client = register(&app, "Acme Notes", |_| {}).await;
    // prompt=none and nobody logged in.
    let res = app
        .get(&authorize_path(
            &client.client.id,
            "openid",
            None,
            &[("prompt", "none")],
        ))
        .await;
    assert_eq!(callback_params(&res)["error"], "login_required");
    person(&app, "cat").await;
    // Logged in, not allowed yet.
    let res = app
        .get(&authorize_path(
            &client.client.id,
            "openid",
            None,
            &[("prompt", "none")],
        ))
        .await;
    let params = callback_params(&res);
    assert_eq!(params["error"], "consent_required");
    assert_eq!(params["state"], "st4te");
    // Denied on the consent page.
    let res = app
        .get(&authorize_path(&client.client.id, "openid", None, &[]))
        .await;
    res.assert_redirect_to("/authorize/consent");
    let res = app
        .post_form(
            "/oauth2/consent",
            &[("decision", "deny")],
            "/authorize/consent",
        )
        .await;
    assert_eq!(callback_params(&res)["error"], "access_denied");
    // Allowed, then prompt=none goes straight through.
    app.get(&authorize_path(&client.client.id, "openid", None, &[]))
        .await;
    let res = app
        .post_form(
            "/oauth2/consent",
            &[("decision", "allow")],
            "/authorize/consent",
        )
        .await;
    assert!(callback_params(&res).contains_key("code"));
    let res = app
        .get(&authorize_path(
            &client.client.id,
            "openid",
            None,
            &[("prompt", "none")],
        ))
        .await;
    assert!(callback_params(&res).contains_key("code"));
    // prompt=consent asks again even so.
    let res = app
        .get(&authorize_path(
            &client.client.id,
            "openid",
            None,
            &[("prompt", "consent")],
        ))
        .await;
    res.assert_redirect_to("/authorize/consent");
}

async fn a_wrong_redirect_uri_or_client_gets_a_page_not_a_redirect(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "dan").await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    for path in [
        authorize_path(&client.client.id, "openid", None, &[])
            .replace("notes.example%2Fcallback", "evil.example%2Fcallback"),
        authorize_path(&client.client.id, "openid", None, &[])
            .replace("callback", "callback%2Fmore"),
        authorize_path("no-such-client", "openid", None, &[]),
    ] {
        let res = app.get(&path).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(res.location().is_none(), "never redirected: {path}");
        assert!(res.body.contains("cannot go on"));
    }
    // A good redirect URI with a bad request: the error goes back to the app.
    let res = app
        .get(
            &authorize_path(&client.client.id, "openid", None, &[])
                .replace("response_type=code", "response_type=token"),
        )
        .await;
    assert_eq!(callback_params(&res)["error"], "unsupported_response_type");
    let res = app
        .get(&authorize_path(&client.client.id, "profile", None, &[]))
        .await;
    assert_eq!(callback_params(&res)["error"], "invalid_scope");
    // A disabled app is refused like an unknown one.
    let change = clients::ClientChange {
        disabled: Some(true),
        ..Default::default()
    };
    clients::update(
        &app.state,
        &client.client.id,
        change,
        None,
        &ClientInfo::default(),
    )
    .await
    .unwrap();
    let res = app
        .get(&authorize_path(&client.client.id, "openid", None, &[]))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

async fn pkce_is_required_for_public_apps_and_checked(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "eve").await;
    let public = register(&app, "Acme SPA", |c| {
        c.confidential = false;
        c.first_party = true;
    })
    .await;
    let res = app
        .get(&authorize_path(&public.client.id, "openid", None, &[]))
        .await;
    assert_eq!(callback_params(&res)["error"], "invalid_request");
    let res = app
        .get(&authorize_path(
            &public.client.id,
            "openid",
            None,
            &[
                ("code_challenge", "abc"),
                ("code_challenge_method", "plain"),
            ],
        ))
        .await;
    assert_eq!(callback_params(&res)["error"], "invalid_request");

    let (verifier, challenge) = pkce();
    let code = code_for(&app, &public, "openid", Some(&challenge)).await;
    let res = exchange(&app, &public, &code, None).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"], "invalid_grant");
    let (wrong, _) = pkce();
    assert_eq!(
        exchange(&app, &public, &code, Some(&wrong)).await.json()["error"],
        "invalid_grant"
    );
    // The failed tries did not use the code up.
    assert_eq!(
        exchange(&app, &public, &code, Some(&verifier)).await.status,
        StatusCode::OK
    );

    // A confidential app may skip PKCE, but a verifier without a challenge is refused.
    let confidential = register(&app, "Acme Server", |c| c.first_party = true).await;
    let code = code_for(&app, &confidential, "openid", None).await;
    let (verifier, _) = pkce();
    assert_eq!(
        exchange(&app, &confidential, &code, Some(&verifier))
            .await
            .json()["error"],
        "invalid_grant"
    );
    assert_eq!(
        exchange(&app, &confidential, &code, None).await.status,
        StatusCode::OK
    );
}

async fn a_replayed_code_revokes_what_it_issued(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "fay").await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let code = code_for(&app, &client, "openid offline_access", None).await;
    let first = exchange(&app, &client, &code, None).await.json();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(introspect(&app, &client, access).await["active"], true);
    let again = exchange(&app, &client, &code, None).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.json()["error"], "invalid_grant");
    assert_eq!(introspect(&app, &client, access).await["active"], false);
    let res = backchannel(
        &app,
        "/oauth2/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
        ],
        Some((&client.client.id, client.secret.as_deref().unwrap())),
    )
    .await;
    assert_eq!(res.json()["error"], "invalid_grant");
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'app_token_reused'")
            .await,
        1
    );
}

async fn codes_are_bound_to_their_client_and_expire(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "gus").await;
    let a = register(&app, "App A", |c| c.first_party = true).await;
    let b = register(&app, "App B", |c| c.first_party = true).await;
    let code = code_for(&app, &a, "openid", None).await;
    let res = exchange(&app, &b, &code, None).await;
    assert_eq!(res.json()["error"], "invalid_grant");
    // Another redirect URI than the request's.
    let res = backchannel(
        &app,
        "/oauth2/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://notes.example/other"),
        ],
        Some((&a.client.id, a.secret.as_deref().unwrap())),
    )
    .await;
    assert_eq!(res.json()["error"], "invalid_grant");
    // Sixty seconds, then never.
    app.state.clock.advance(Duration::from_secs(61));
    assert_eq!(
        exchange(&app, &a, &code, None).await.json()["error"],
        "invalid_grant"
    );
    let code = code_for(&app, &a, "openid", None).await;
    assert_eq!(exchange(&app, &a, &code, None).await.status, StatusCode::OK);
}

async fn a_wrong_client_secret_is_refused(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "hal").await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let code = code_for(&app, &client, "openid", None).await;
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
    ];
    let res = backchannel(
        &app,
        "/oauth2/token",
        &fields,
        Some((&client.client.id, "wrong")),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["error"], "invalid_client");
    assert!(res.headers.contains_key(header::WWW_AUTHENTICATE));
    // A confidential client cannot pass as public by leaving the secret out.
    let mut bare = fields.to_vec();
    bare.push(("client_id", &client.client.id));
    assert_eq!(
        backchannel(&app, "/oauth2/token", &bare, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        exchange(&app, &client, &code, None).await.status,
        StatusCode::OK
    );
    assert!(!res.body.contains(client.secret.as_deref().unwrap()));
}

async fn withdrawing_consent_or_changing_the_password_ends_the_apps_tokens(backend: Backend) {
    let app = spawn(backend).await;
    let user_id = person(&app, "ida").await;
    let client = register(&app, "Acme Notes", |_| {}).await;
    app.get(&authorize_path(
        &client.client.id,
        "openid offline_access",
        None,
        &[],
    ))
    .await;
    let res = app
        .post_form(
            "/oauth2/consent",
            &[("decision", "allow")],
            "/authorize/consent",
        )
        .await;
    let tokens = exchange(&app, &client, &callback_params(&res)["code"], None)
        .await
        .json();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(introspect(&app, &client, access).await["active"], true);
    let listed = consent::list(&app.state, &user_id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].client_name, "Acme Notes");
    consent::revoke(
        &app.state,
        &user_id,
        &client.client.id,
        &ClientInfo::default(),
    )
    .await
    .unwrap();
    assert_eq!(introspect(&app, &client, access).await["active"], false);
    assert_eq!(
        introspect(&app, &client, tokens["refresh_token"].as_str().unwrap()).await["active"],
        false
    );

    // A password change ends every app's tokens, as it ends sessions.
    app.get(&authorize_path(
        &client.client.id,
        "openid offline_access",
        None,
        &[],
    ))
    .await;
    let res = app
        .post_form(
            "/oauth2/consent",
            &[("decision", "allow")],
            "/authorize/consent",
        )
        .await;
    let tokens = exchange(&app, &client, &callback_params(&res)["code"], None)
        .await
        .json();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(introspect(&app, &client, access).await["active"], true);
    app.execute(&format!(
        "update users set credentials_epoch = credentials_epoch + 1 where id = '{user_id}'"
    ))
    .await;
    assert_eq!(introspect(&app, &client, access).await["active"], false);
    assert_eq!(
        userinfo(&app, access).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn a_second_factor_shows_in_amr_and_acr(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "joy").await;
    app.start_totp().await;
    let secret = app.call("/fn/security", &[]).await.json()["setup"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let now = app.state.clock.unix();
    let res = app
        .call(
            "/fn/security-step",
            &[("change", "confirm_totp"), ("code", &code_at(&secret, now))],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    app.state.clock.advance(Duration::from_secs(30));
    app.logout().await;

    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let res = app
        .get(&authorize_path(&client.client.id, "openid", None, &[]))
        .await;
    res.assert_redirect_to("/login?next=%2Foauth2%2Fauthorize%2Fresume");
    let res = app
        .post_form(
            "/fn/login",
            &[
                ("login", "joy"),
                ("password", STRONG_PASSWORD),
                ("next", "/oauth2/authorize/resume"),
            ],
            "/login",
        )
        .await;
    let verify = res.location().unwrap().to_string();
    assert!(verify.starts_with("/login/verify"), "{verify}");
    let res = app
        .post_form(
            "/fn/login-verify",
            &[
                ("code", &code_at(&secret, app.state.clock.unix())),
                ("next", "/oauth2/authorize/resume"),
            ],
            &verify,
        )
        .await;
    res.assert_redirect_to("/oauth2/authorize/resume");
    let params = callback_params(&app.get("/oauth2/authorize/resume").await);
    let tokens = exchange(&app, &client, &params["code"], None).await.json();
    let id = verify_id_token(
        &app,
        tokens["id_token"].as_str().unwrap(),
        &client.client.id,
    )
    .await;
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(id["acr"], gatehouse::server::provider::ACR_MFA);
}

async fn prompt_login_and_max_age_ask_for_a_fresh_login(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "kim").await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    app.state.clock.advance(Duration::from_secs(120));
    let res = app
        .get(&authorize_path(
            &client.client.id,
            "openid",
            None,
            &[("max_age", "60")],
        ))
        .await;
    res.assert_redirect_to("/confirm?next=%2Foauth2%2Fauthorize%2Fresume");
    let res = app
        .get(&authorize_path(
            &client.client.id,
            "openid",
            None,
            &[("prompt", "login")],
        ))
        .await;
    res.assert_redirect_to("/confirm?next=%2Foauth2%2Fauthorize%2Fresume");
    let res = app
        .get(&authorize_path(
            &client.client.id,
            "openid",
            None,
            &[("max_age", "60"), ("prompt", "none")],
        ))
        .await;
    assert_eq!(callback_params(&res)["error"], "login_required");
    // Proving it again (the step-up page) lets the request go on, with the new time.
    app.get(&authorize_path(
        &client.client.id,
        "openid",
        None,
        &[("prompt", "login")],
    ))
    .await;
    let res = app
        .post_form(
            "/fn/confirm-identity",
            &[
                ("password", STRONG_PASSWORD),
                ("code", ""),
                ("next", "/oauth2/authorize/resume"),
            ],
            "/confirm",
        )
        .await;
    res.assert_redirect_to("/oauth2/authorize/resume");
    let params = callback_params(&app.get("/oauth2/authorize/resume").await);
    let tokens = exchange(&app, &client, &params["code"], None).await.json();
    let id = verify_id_token(
        &app,
        tokens["id_token"].as_str().unwrap(),
        &client.client.id,
    )
    .await;
    assert!(app.state.clock.unix() - id["auth_time"].as_i64().unwrap() < 5);
}

async fn logging_out_through_the_app_returns_to_it(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "lee").await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let code = code_for(&app, &client, "openid", None).await;
    let id_token = exchange(&app, &client, &code, None).await.json()["id_token"]
        .as_str()
        .unwrap()
        .to_string();
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    // Not a registered address: refused, still logged in.
    let res = app
        .get(&format!(
            "/oauth2/logout?id_token_hint={id_token}&post_logout_redirect_uri={}",
            encode("https://evil.example/")
        ))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(!app.me().await.is_null());
    // Without a hint nothing happens either.
    assert_eq!(
        app.get("/oauth2/logout").await.status,
        StatusCode::BAD_REQUEST
    );
    assert!(!app.me().await.is_null());
    let res = app
        .get(&format!(
            "/oauth2/logout?id_token_hint={id_token}&post_logout_redirect_uri={}&state=bye1",
            encode(AFTER_LOGOUT)
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), Some("https://notes.example/bye?state=bye1"));
    assert!(app.me().await.is_null(), "logged out of Gatehouse");
    // Someone else's ID token in a link does not log this browser out.
    let other = app.another_browser();
    person(&other, "zed").await;
    let res = other
        .get(&format!(
            "/oauth2/logout?id_token_hint={id_token}&post_logout_redirect_uri={}",
            encode(AFTER_LOGOUT)
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(other.me().await["username"], "zed", "still logged in");
}

async fn a_service_gets_tokens_for_itself(backend: Backend) {
    let app = spawn(backend).await;
    let service = register(&app, "Billing", |c| {
        c.client_credentials = true;
        c.redirect_uris.clear();
    })
    .await;
    let res = backchannel(
        &app,
        "/oauth2/token",
        &[("grant_type", "client_credentials")],
        Some((&service.client.id, service.secret.as_deref().unwrap())),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let tokens = res.json();
    assert!(tokens.get("id_token").is_none() && tokens.get("refresh_token").is_none());
    let info = introspect(&app, &service, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["sub"], service.client.id.as_str());
    // An app not allowed to is refused.
    let other = register(&app, "Acme Notes", |_| {}).await;
    let res = backchannel(
        &app,
        "/oauth2/token",
        &[("grant_type", "client_credentials")],
        Some((&other.client.id, other.secret.as_deref().unwrap())),
    )
    .await;
    assert_eq!(res.json()["error"], "unauthorized_client");
    let res = backchannel(
        &app,
        "/oauth2/token",
        &[
            ("grant_type", "password"),
            ("username", "x"),
            ("password", "y"),
        ],
        Some((&other.client.id, other.secret.as_deref().unwrap())),
    )
    .await;
    assert_eq!(res.json()["error"], "unsupported_grant_type");
    // Disabling the service ends the tokens it holds, not only its next request.
    let change = clients::ClientChange {
        disabled: Some(true),
        ..Default::default()
    };
    clients::update(
        &app.state,
        &service.client.id,
        change,
        None,
        &ClientInfo::default(),
    )
    .await
    .unwrap();
    let info = introspect(&app, &other, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info["active"], false);
}

async fn a_reused_refresh_token_ends_the_grant(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "max").await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let code = code_for(&app, &client, "openid offline_access", None).await;
    let first = exchange(&app, &client, &code, None).await.json();
    let basic = Some((client.client.id.as_str(), client.secret.as_deref().unwrap()));
    let refresh = |token: String| {
        let app = &app;
        async move {
            backchannel(
                app,
                "/oauth2/token",
                &[("grant_type", "refresh_token"), ("refresh_token", &token)],
                basic,
            )
            .await
        }
    };
    let old = first["refresh_token"].as_str().unwrap().to_string();
    let second = refresh(old.clone()).await.json();
    // Within the grace window the same successor comes back (a client that lost a race).
    let raced = refresh(old.clone()).await.json();
    assert_eq!(raced["refresh_token"], second["refresh_token"]);
    // After it, the old token is a stolen copy: the whole grant ends.
    app.state.clock.advance(Duration::from_secs(120));
    let res = refresh(old).await;
    assert_eq!(res.json()["error"], "invalid_grant");
    let res = refresh(second["refresh_token"].as_str().unwrap().to_string()).await;
    assert_eq!(res.json()["error"], "invalid_grant");
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'app_token_reused'")
            .await,
        1
    );
    // A token two rotations old ends the grant too, even inside the grace window.
    let code = code_for(&app, &client, "openid offline_access", None).await;
    let t1 = exchange(&app, &client, &code, None).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let t2 = refresh(t1.clone()).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let t3 = refresh(t2).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(refresh(t1).await.json()["error"], "invalid_grant");
    assert_eq!(
        refresh(t3).await.json()["error"],
        "invalid_grant",
        "the grant ended"
    );
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'app_token_reused'")
            .await,
        2
    );
}

async fn the_profile_lists_allowed_apps_and_withdraws_them(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "ned").await;
    let client = register(&app, "Acme Notes", |_| {}).await;
    assert_eq!(
        app.call("/fn/my-apps", &[]).await.json(),
        serde_json::json!([])
    );
    app.get(&authorize_path(
        &client.client.id,
        "openid email offline_access",
        None,
        &[],
    ))
    .await;
    let res = app
        .post_form(
            "/oauth2/consent",
            &[("decision", "allow")],
            "/authorize/consent",
        )
        .await;
    let tokens = exchange(&app, &client, &callback_params(&res)["code"], None)
        .await
        .json();
    let listed = app.call("/fn/my-apps", &[]).await.json();
    assert_eq!(listed[0]["name"], "Acme Notes");
    assert!(
        listed[0]["permissions"]
            .to_string()
            .contains("See your email address")
    );
    // Another person's browser cannot withdraw it, and an unknown app is a 404.
    let other = app.another_browser();
    person(&other, "oli").await;
    let res = other
        .call("/fn/revoke-app", &[("client_id", &client.client.id)])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
    assert_eq!(
        introspect(&app, &client, tokens["access_token"].as_str().unwrap()).await["active"],
        true
    );
    let res = app
        .call("/fn/revoke-app", &[("client_id", &client.client.id)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Acme Notes no longer has access"));
    assert_eq!(
        introspect(&app, &client, tokens["access_token"].as_str().unwrap()).await["active"],
        false
    );
    assert_eq!(
        app.call("/fn/my-apps", &[]).await.json(),
        serde_json::json!([])
    );
    assert_eq!(
        app.count("select count(*) from audit_events where kind = 'app_access_revoked'")
            .await,
        1
    );
}

async fn only_admins_register_and_edit_apps(backend: Backend) {
    let app = spawn(backend).await;
    person(&app, "pam").await;
    let fields = [
        ("name", "Acme Notes"),
        ("redirect_uris", CALLBACK),
        ("post_logout_redirect_uris", ""),
        ("kind", "confidential"),
        ("first_party", ""),
    ];
    assert_eq!(
        app.call("/fn/admin/register-app", &fields).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("/fn/admin/apps", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    app.execute("update users set role = 'admin' where username = 'pam'")
        .await;
    // A fresh login, not the cached session of a plain user.
    app.logout().await;
    assert_eq!(
        app.login("pam", STRONG_PASSWORD).await.status,
        StatusCode::OK
    );
    let res = app.call("/fn/admin/register-app", &fields).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains("Client secret: "),
        "shown once: {}",
        res.body
    );
    let listed = app.call("/fn/admin/apps", &[]).await.json();
    let id = listed[0]["id"].as_str().unwrap().to_string();
    assert_eq!(listed[0]["confidential"], true);
    // A login older than the step-up window must be confirmed first: a stolen admin
    // session cannot quietly add a first-party app, which skips consent.
    app.state.clock.advance(Duration::from_secs(11 * 60));
    let res = app.call("/fn/admin/register-app", &fields).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    assert!(
        res.body.contains("register or change an app"),
        "{}",
        res.body
    );
    let res = app
        .call(
            "/fn/confirm-identity",
            &[("password", STRONG_PASSWORD), ("next", "/admin/apps")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // The secret is stored only as a hash.
    let stored = app
        .count(&format!(
            "select count(*) from oauth_clients where id = '{id}' and length(secret_hash) = 64"
        ))
        .await;
    assert_eq!(stored, 1);
    // Plain http to another host is refused, with a message.
    let res = app
        .call(
            "/fn/admin/update-app",
            &[
                ("id", &id),
                ("redirect_uris", "http://notes.example/cb"),
                ("post_logout_redirect_uris", ""),
                ("first_party", ""),
                ("disabled", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("plain http"));
    let res = app
        .call(
            "/fn/admin/update-app",
            &[
                ("id", &id),
                ("redirect_uris", "https://notes.example/new"),
                ("post_logout_redirect_uris", ""),
                ("first_party", "1"),
                ("disabled", "1"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let listed = app.call("/fn/admin/apps", &[]).await.json();
    assert_eq!(
        listed[0]["redirect_uris"],
        serde_json::json!(["https://notes.example/new"])
    );
    assert_eq!(listed[0]["disabled"], true);
    assert_eq!(
        app.count(
            "select count(*) from audit_events where kind in ('app_registered', 'app_changed')"
        )
        .await,
        2
    );
    let page = app.get("/admin/apps").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Acme Notes"));
}

async fn an_app_may_choose_eddsa_and_pairwise_subjects(backend: Backend) {
    let app = spawn(backend).await;
    let user_id = person(&app, "quinn").await;
    let a = register(&app, "App A", |c| {
        c.first_party = true;
        c.eddsa = true;
        c.pairwise = true;
    })
    .await;
    let b = register(&app, "App B", |c| {
        c.first_party = true;
        c.pairwise = true;
    })
    .await;
    let (alg, sub_a) = sign_in(&app, &a).await;
    assert_eq!(alg, jsonwebtoken::Algorithm::EdDSA);
    assert_ne!(sub_a, user_id, "pairwise: not the user id");
    assert_eq!(sign_in(&app, &a).await.1, sub_a, "stable for the same app");
    let (alg, sub_b) = sign_in(&app, &b).await;
    assert_eq!(alg, jsonwebtoken::Algorithm::RS256);
    assert_ne!(sub_b, sub_a, "another app cannot link the two");
}

async fn a_database_outage_is_a_503_for_apps_too(backend: Backend) {
    let app = spawn(backend).await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let code = {
        person(&app, "ray").await;
        code_for(&app, &client, "openid offline_access", None).await
    };
    let tokens = exchange(&app, &client, &code, None).await.json();
    app.state.db.pool.close().await;
    let anonymous = app.another_browser();
    let res = anonymous
        .get(&authorize_path(&client.client.id, "openid", None, &[]))
        .await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert!(res.location().is_none());
    let res = backchannel(
        &app,
        "/oauth2/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
        Some((&client.client.id, client.secret.as_deref().unwrap())),
    )
    .await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
    assert_eq!(res.json()["error"], "temporarily_unavailable");
    assert!(res.headers.contains_key(header::RETRY_AFTER));
    let res = userinfo(&app, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
}

/// Signs in to `client` with the logged-in browser; returns the ID token's algorithm and
/// `sub`, after checking userinfo agrees.
async fn sign_in(app: &TestApp, client: &Registered) -> (jsonwebtoken::Algorithm, String) {
    let code = code_for(app, client, "openid", None).await;
    let tokens = exchange(app, client, &code, None).await.json();
    let token = tokens["id_token"].as_str().unwrap().to_string();
    let alg = jsonwebtoken::decode_header(&token).unwrap().alg;
    let id = verify_id_token(app, &token, &client.client.id).await;
    let info = userinfo(app, tokens["access_token"].as_str().unwrap())
        .await
        .json();
    assert_eq!(info["sub"], id["sub"], "userinfo and the ID token agree");
    (alg, id["sub"].as_str().unwrap().to_string())
}

async fn a_chain_from_our_own_forms_ends_on_a_page_that_moves_on(backend: Backend) {
    // After a form post, browsers hold every redirect to the pages' `form-action 'self'`:
    // the way back to the app is a page that refreshes itself there instead.
    let app = spawn(backend).await;
    person(&app, "sam").await;
    let client = register(&app, "Acme Notes", |c| c.first_party = true).await;
    let req = Request::get(authorize_path(&client.client.id, "openid", None, &[]))
        .header("sec-fetch-site", "same-origin")
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.location().is_none());
    let refresh = format!("content=\"0;url={CALLBACK}?code=");
    assert!(res.body.contains(&refresh), "{}", res.body);
    assert!(
        res.body.contains("&amp;state=st4te"),
        "escaped for HTML: {}",
        res.body
    );
    // Arriving from the app itself (another site), it is the plain redirect.
    let req = Request::get(authorize_path(&client.client.id, "openid", None, &[]))
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::SEE_OTHER);
}
