//! HTTP routes: one module per resource, each with its own `router()`.

mod docs;
mod ops;

use axum::Router;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(ops::router())
        .merge(docs::router())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
