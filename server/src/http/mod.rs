//! HTTP routes: one module per resource, each with its own `router()`.
//!
//! Handlers stay thin: extract (state, the [`Caller`](crate::auth::Caller), parsed input), ask
//! the policy, call one db function, map to a response. Every route below `/api` answers JSON in
//! the shape of [`ApiError`](crate::error::ApiError) when it fails. Everything else is the
//! browser client (`web.rs`).

mod audit;
mod auth;
mod calendar;
mod directory;
mod docs;
mod events;
mod extract;
mod inbox;
mod keys;
mod log;
mod meetings;
mod minutes;
mod notices;
mod oidc;
mod ops;
mod spaces;
mod tasks;
mod tokens;
mod users;
mod web;
mod webhooks;

use axum::Router;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(ops::router())
        .merge(docs::router())
        .merge(auth::router())
        .merge(oidc::router())
        .merge(directory::router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(spaces::router())
        .merge(audit::router())
        .merge(events::router())
        .merge(webhooks::router())
        .merge(calendar::router())
        .merge(tasks::router())
        .merge(notices::router())
        .merge(inbox::router())
        .merge(meetings::router())
        .merge(minutes::router())
        .merge(keys::router())
        .merge(log::router())
        .fallback(web::fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::check_origin,
        ))
        // JSON bodies are small (names, codes, ids); anything larger is a mistake or an attack.
        .layer(axum::extract::DefaultBodyLimit::max(256 * 1024))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The span of one request: method and path only. The query is left out because it can hold
/// secrets (`?ticket=…`, an OpenID callback's `code` and `state`), and logs must not.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
}
