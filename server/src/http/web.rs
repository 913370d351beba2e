//! The browser client (`web/`, built into `--web-dir`) served at `/`.
//!
//! Vite names every built script and stylesheet after its content
//! (`/assets/index-3f9a….js`), so those may be cached for a year: a new build has new names.
//! `index.html` names them, so it is revalidated on every load (`no-cache`); otherwise a
//! browser would keep asking for the previous build's files. Any other path that is not a
//! file (`/meetings/…`) is a page of the single-page app: the answer is `index.html` and the
//! client's router picks the page. API, socket and sign-in paths never fall back to the page:
//! an unknown one gets the API's JSON 404, so a client bug cannot be mistaken for a page.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::error::ApiError;
use crate::state::AppState;

/// Prefixes the server answers itself; nothing under them is a page.
const SERVER_PATHS: &[&str] = &["/api/", "/ws/", "/auth/"];

/// What the page may load and talk to: only this origin (the API, the event stream and the
/// document sockets are all here). Element Plus and the editor's remote carets set inline
/// `style` attributes, hence `'unsafe-inline'` for styles only; no inline script runs.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; \
     connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
     frame-ancestors 'none'";

const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";
const CACHE_REVALIDATE: &str = "no-cache";

/// The router's fallback: a file of the built client, or its `index.html` for a page path.
pub(crate) async fn fallback(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    if SERVER_PATHS.iter().any(|prefix| path.starts_with(prefix))
        || !matches!(*request.method(), Method::GET | Method::HEAD)
    {
        return ApiError::NotFound(crate::domain::phrases::NOTHING_HERE.message()).into_response();
    }
    let dir = state.web_dir.clone();
    let index = dir.join("index.html");
    if !index.is_file() {
        return not_built();
    }
    let immutable = path.starts_with("/assets/");
    let response = if immutable {
        // A missing asset is a 404, never the page: a browser holding an old index.html must
        // not run HTML as a script.
        ServeDir::new(&*dir).oneshot(request).await
    } else {
        ServeDir::new(&*dir)
            .fallback(ServeFile::new(index))
            .oneshot(request)
            .await
    };
    let mut response = match response {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    let cache = if immutable && response.status() == StatusCode::OK {
        CACHE_FOREVER
    } else {
        CACHE_REVALIDATE
    };
    let headers = response.headers_mut();
    let headers_to_set = [
        (header::CACHE_CONTROL, cache),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    ];
    for (name, value) in headers_to_set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The page a browser gets when the client was never built here: says what to run, in both
/// languages, instead of a bare 404.
fn not_built() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE_REVALIDATE),
        ],
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>协调平台</title>\
         <p>网页客户端尚未构建。请在代码仓库根目录运行 <code>./serve</code>（或 \
         <code>node web/scripts/ensure-built.mjs</code>），或用 <code>--web-dir</code> \
         指定已构建的目录。</p><p>The web client is not built. Run <code>./serve</code> \
         from the repository (or <code>node web/scripts/ensure-built.mjs</code>), or point \
         <code>--web-dir</code> at a built client.</p></html>",
    )
        .into_response()
}
