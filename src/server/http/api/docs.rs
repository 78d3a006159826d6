//! The OpenAPI 3.1 document of the JSON API, collected from the router (`routes!`) so no
//! operation goes undocumented, and a Swagger UI page to try it. Swagger UI's files are
//! compiled into the binary (`utoipa-swagger-ui`, `vendored`), so the page works offline;
//! our own page and start-up script replace its index, so the CSP needs no inline script.

use super::types::ErrorBody;
use axum::{
    Router,
    body::Bytes,
    extract::Path,
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use std::sync::{Arc, LazyLock};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

/// What the document says besides its operations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gatehouse API",
        description = "Accounts, sessions and admin over JSON. Access tokens are EdDSA JWTs; verify them offline with /.well-known/jwks.json. Times are RFC 3339."
    ),
    components(schemas(ErrorBody)),
    tags(
        (name = "auth", description = "Signup, login, tokens, the caller's account and sessions"),
        (name = "email", description = "Verification and password-reset links"),
        (name = "admin", description = "Accounts, for admins only"),
    )
)]
struct ApiDoc;

pub(super) fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The complete document, as `/api/v1/openapi.json` serves it (for the tests below; the
/// route builds it from the live router).
#[cfg(test)]
fn openapi() -> utoipa::openapi::OpenApi {
    let (_, document) = super::operations().split_for_parts();
    finish(document)
}

/// Additions that need the operations in place: modifiers declared on `ApiDoc` would run
/// before the router has added any.
fn finish(mut document: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    BearerAuth.modify(&mut document);
    RequestErrors.modify(&mut document);
    document
}

/// `GET /api/v1/openapi.json`, serialised once.
pub(super) fn document_route(
    document: utoipa::openapi::OpenApi,
) -> Router<crate::server::state::AppState> {
    let json = Bytes::from(serde_json::to_vec(&finish(document)).unwrap_or_default());
    Router::new().route(
        "/api/v1/openapi.json",
        get(move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], json) }
        }),
    )
}

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

/// `/api/docs` and the files it loads from `/api/docs/`.
pub(super) fn ui_router() -> Router<crate::server::state::AppState> {
    Router::new()
        .route("/api/docs", get(page))
        .route("/api/docs/{file}", get(asset))
}

async fn page() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Gatehouse API</title>
  <link rel="icon" type="image/svg+xml" href="/favicon.svg">
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>"#,
    )
}

/// Starts Swagger UI on our document: a file, not an inline script, so the CSP can stay
/// strict (Swagger UI's own start-up file would need its config templated in).
const INIT_JS: &str = r#"window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    tryItOutEnabled: true,
  });
});
"#;

/// Only the two files the page loads, plus our start-up script: not Swagger UI's own
/// index, which would start it on a default configuration.
async fn asset(Path(file): Path<String>) -> Response {
    static CONFIG: LazyLock<Arc<utoipa_swagger_ui::Config<'static>>> =
        LazyLock::new(|| Arc::new(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")));
    let cache = (header::CACHE_CONTROL, "public, max-age=3600");
    if file == "init.js" {
        return ([(header::CONTENT_TYPE, "text/javascript"), cache], INIT_JS).into_response();
    }
    if !matches!(file.as_str(), "swagger-ui.css" | "swagger-ui-bundle.js") {
        return StatusCode::NOT_FOUND.into_response();
    }
    match utoipa_swagger_ui::serve(&file, CONFIG.clone()) {
        Ok(Some(found)) => (
            [(header::CONTENT_TYPE, found.content_type.as_str()), cache],
            found.bytes.into_owned(),
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    /// Every `$ref` points at a schema the document has; page view models are not among
    /// them; query parameters are documented as optional query parameters.
    #[test]
    fn the_document_is_self_contained() {
        let doc = serde_json::to_value(super::openapi()).unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for reference in doc.to_string().split("\"#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(
                schemas.contains_key(name),
                "{name} is referenced but missing"
            );
        }
        for name in schemas.keys() {
            assert!(!name.ends_with("View"), "{name}: a page view model");
        }
        let parameters = doc["paths"]["/api/v1/users"]["get"]["parameters"]
            .as_array()
            .unwrap();
        assert_eq!(parameters.len(), 3);
        for parameter in parameters {
            assert_eq!(parameter["in"], "query", "{parameter}");
            assert_ne!(parameter["required"], true, "{parameter}");
        }
    }
}
