//! HTTP routes: one module per resource, each with its own `router()`.
//!
//! Handlers stay thin: extract (state, the [`Caller`](crate::auth::Caller), parsed input),
//! call one operation of [`crate::work`], answer its typed result. Every route below `/api`
//! answers JSON in the shape of [`ErrorBody`] when it fails. Everything else is the browser
//! client (`web.rs`).
//!
//! # The contract
//!
//! Each module's `router()` is a `utoipa_axum` [`OpenApiRouter`]: a route is registered
//! together with its `#[utoipa::path]` description (`routes!(handler)`), so the OpenAPI
//! document ([`openapi`], served at `GET /api/openapi.json` and kept in `docs/openapi.json`)
//! describes exactly the routes that exist, with the request and response types the handlers
//! really take and give. The web client's types are generated from it.

mod audit;
mod auth;
mod calendar;
mod campaigns;
mod directory;
mod dispute_stats;
mod disputes;
mod docs;
mod events;
mod extract;
mod filings;
mod inbox;
mod investigation_work;
mod investigations;
mod keys;
mod library;
mod limits;
pub mod listen;
mod log;
mod meetings;
mod minutes;
mod notices;
mod oidc;
mod ops;
mod plans;
mod referral_receipt;
mod referral_supervision;
mod referrals;
mod region_figures;
mod reviews;
mod signed_text;
mod spaces;
mod supervision;
mod supervision_docs;
mod tasks;
mod tokens;
mod upload;
mod users;
mod web;
mod webhooks;
mod wire;

use std::sync::OnceLock;

use axum::Router;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ErrorBody;
use crate::state::AppState;

/// The document's fixed parts; the paths come from the routers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "concord",
        description = "执法协调与监督协作平台 REST 接口 / The REST interface of concord, the \
            coordination and supervision platform of administrative law enforcement. Browsers \
            sign in with a session cookie (`concord_session`) and must send this server's \
            `Origin` on every state-changing request; agency systems send an API token as \
            `Authorization: Bearer cct_…`. Errors are `{\"error\": {\"code\", \"message\"}}`."
    ),
    components(schemas(ErrorBody)),
    modifiers(&Credentials)
)]
struct ApiDoc;

/// The two ways to call the API, as security schemes every operation may use.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::session::COOKIE,
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every described route, with its description.
fn described() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_document))
        .merge(ops::router())
        .merge(calendar::router())
        .merge(limits::router())
        .merge(inbox::router())
        .merge(spaces::router())
        .merge(docs::router())
        .merge(auth::router())
        .merge(oidc::router())
        .merge(directory::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(audit::router())
        .merge(events::router())
        .merge(webhooks::router())
        .merge(minutes::router())
        .merge(keys::router())
        .merge(log::router())
        .merge(tasks::router())
        .merge(notices::router())
        .merge(meetings::router())
        .merge(disputes::router())
        .merge(dispute_stats::router())
        .merge(investigations::router())
        .merge(investigation_work::router())
        .merge(referrals::router())
        .merge(referral_receipt::router())
        .merge(referral_supervision::router())
        .merge(supervision::router())
        .merge(supervision_docs::router())
        .merge(region_figures::router())
        .merge(filings::router())
        .merge(plans::router())
        .merge(campaigns::router())
        .merge(reviews::router())
        .merge(library::router())
}

/// The OpenAPI 3.1 document of the REST interface.
pub fn openapi() -> utoipa::openapi::OpenApi {
    described().split_for_parts().1
}

/// The document as served and as committed in `docs/openapi.json`: pretty JSON, one final
/// newline. Built once per process.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut json = openapi()
            .to_pretty_json()
            .expect("an OpenAPI document serializes");
        json.push('\n');
        json
    })
}

/// This document: the REST interface in OpenAPI 3.1, for agency systems that integrate.
#[utoipa::path(
    get, path = "/api/openapi.json", tag = "operations", operation_id = "openapi",
    responses((status = 200, description = "the OpenAPI document", content_type = "application/json", body = Object))
)]
async fn openapi_document() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_json(),
    )
}

pub fn router(state: AppState) -> Router {
    let (described, _) = described().split_for_parts();
    Router::new()
        .merge(described)
        .fallback(web::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            extract::check_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::drain_gate,
        ))
        // Outside the Origin check and the drain gate, so that their refusals are in the
        // reader's language too.
        .layer(axum::middleware::from_fn(crate::error::localize))
        .layer(axum::extract::DefaultBodyLimit::max(
            extract::MAX_JSON_BYTES,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of one request: method and path only. The query is left out because it can hold
/// secrets (`?ticket=…`, an OpenID callback's `code` and `state`), and logs must not.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
}
