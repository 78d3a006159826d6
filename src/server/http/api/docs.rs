//! The OpenAPI 3.1 document of the JSON API, generated from the handlers' annotations and
//! the types they take and return, and a Swagger UI page to try it (assets vendored under
//! `public/api-docs/`, so nothing comes from a CDN).

use super::{ErrorBody, account, auth, email, users};
use crate::model::{AdminUserView, DeviceView, UserView};
use axum::{Json, response::Html};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gatehouse API",
        description = "Accounts, sessions and admin over JSON. Access tokens are EdDSA JWTs; verify them offline with /.well-known/jwks.json."
    ),
    paths(
        auth::signup, auth::login, auth::token, auth::refresh, auth::logout, auth::logout_all,
        auth::service_token, account::me, account::update_me, account::delete_me,
        account::change_password, account::list_sessions, account::end_session,
        email::verify_email, email::resend_verification, email::request_password_reset,
        email::reset_password, users::list, users::one, users::update, users::remove,
    ),
    components(schemas(ErrorBody, UserView, DeviceView, AdminUserView)),
    modifiers(&BearerAuth, &RequestErrors),
    tags(
        (name = "auth", description = "Signup, login, tokens, the caller's account and sessions"),
        (name = "email", description = "Verification and password-reset links"),
        (name = "admin", description = "Accounts, for admins only"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The answers any operation can give to a request it cannot read: a malformed body
/// (400), a body that is not JSON (415), fields of the wrong shape (422), a missing or
/// bad token where one is needed (401). Documented once here instead of on every path.
struct RequestErrors;

impl Modify for RequestErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            RefOr,
            content::ContentBuilder,
            response::{Response, ResponseBuilder},
            schema::Ref,
        };
        let error = |text: &str| -> RefOr<Response> {
            RefOr::T(
                ResponseBuilder::new()
                    .description(text)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let has_body = operation.request_body.is_some();
                let secured = operation.security.is_some();
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, text: &str| {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| error(text));
                };
                add("400", "The request could not be read");
                if has_body {
                    add("415", "The body is not in the expected media type");
                    add("422", "Fields missing or of the wrong type");
                }
                if secured {
                    add("401", "A valid bearer access token is required");
                }
            }
        }
    }
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

pub async fn page() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Gatehouse API</title>
  <link rel="icon" type="image/svg+xml" href="/favicon.svg">
  <link rel="stylesheet" href="/api-docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api-docs/swagger-ui-bundle.js"></script>
  <script src="/api-docs/init.js"></script>
</body>
</html>"#,
    )
}
