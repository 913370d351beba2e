//! The five routes of a workflow's signed text, made by one macro: what the text is now
//! (`GET …`), its lifecycle commands (`POST …/actions`), the statement to sign
//! (`POST …/statement`), an archived version's bundle and one stored file of a version. Each
//! is a thin handler over the one lifecycle of [`crate::work::signing`] for the workflow's
//! [`OfSubject`](crate::work::signing::OfSubject) type.
//!
//! A macro rather than a generic router because utoipa describes each route from its own
//! function's attribute, whose path and operation id must be literals; the macro writes those
//! five functions from the literals it is given, so a new workflow's signed text is one call
//! (see `http::campaigns`).

/// `signed_text_routes!(mod summary for CampaignSummaryText => CampaignSummaryView;
/// tag = "campaigns", subject = "the campaign's id", path = "/api/campaigns/{id}/summary",
/// op = "campaigns_summary", files = "content.json, …")` defines the module `summary` with a
/// `router()` of the five routes.
macro_rules! signed_text_routes {
    (mod $module:ident for $doc:ty => $view:ty;
     tag = $tag:literal, subject = $subject:literal,
     show = ($show_path:literal, $show_op:literal),
     act = ($act_path:literal, $act_op:literal),
     statement = ($statement_path:literal, $statement_op:literal),
     bundle = ($bundle_path:literal, $bundle_op:literal),
     artefact = ($artefact_path:literal, $artefact_op:literal, $files:literal) $(,)?) => {
        mod $module {
            use axum::extract::State;
            use axum::response::Response;
            use utoipa_axum::router::OpenApiRouter;
            use utoipa_axum::routes;

            use super::*;
            use $crate::auth::Caller;
            use $crate::error::{ApiError, Refusals};
            use $crate::http::extract::{Json, Path};
            use $crate::http::minutes::{bundle_download, download, FileBody};
            use $crate::state::AppState;
            use $crate::work::signing::{self, SignedAction, StatementInput, ToSign};

            pub(crate) fn router() -> OpenApiRouter<AppState> {
                OpenApiRouter::new()
                    .routes(routes!(text))
                    .routes(routes!(text_act))
                    .routes(routes!(text_statement))
                    .routes(routes!(text_bundle))
                    .routes(routes!(text_artefact))
            }

            /// The text as a signed document: its version, state, signing, and what the
            /// caller may do now.
            #[utoipa::path(
                get, path = $show_path, tag = $tag, operation_id = $show_op,
                params(("id" = String, Path, description = $subject)),
                responses((status = 200, description = "the text", body = $view), Refusals),
                security(("session" = []), ("token" = []))
            )]
            async fn text(
                State(state): State<AppState>,
                caller: Caller,
                Path(id): Path<String>,
            ) -> Result<Json<$view>, ApiError> {
                Ok(Json(signing::show_of::<$doc>(&state.services, &caller, &id).await?))
            }

            /// Freezes (定稿), opens signing, signs, sends back or archives the text.
            #[utoipa::path(
                post, path = $act_path, tag = $tag, operation_id = $act_op,
                params(("id" = String, Path, description = $subject)),
                request_body = SignedAction,
                responses((status = 200, description = "the text after the command", body = $view), Refusals),
                security(("session" = []), ("token" = []))
            )]
            async fn text_act(
                State(state): State<AppState>,
                caller: Caller,
                Path(id): Path<String>,
                Json(action): Json<SignedAction>,
            ) -> Result<Json<$view>, ApiError> {
                let act = action.into();
                Ok(Json(signing::act_of::<$doc>(&state.services, &caller, &id, act).await?))
            }

            /// The statement the caller's organization signs now, and the exact bytes to sign.
            #[utoipa::path(
                post, path = $statement_path, tag = $tag, operation_id = $statement_op,
                params(("id" = String, Path, description = $subject)),
                request_body = StatementInput,
                responses((status = 200, description = "what to sign", body = ToSign), Refusals),
                security(("session" = []), ("token" = []))
            )]
            async fn text_statement(
                State(state): State<AppState>,
                caller: Caller,
                Path(id): Path<String>,
                Json(input): Json<StatementInput>,
            ) -> Result<Json<ToSign>, ApiError> {
                let services = &state.services;
                Ok(Json(signing::statement_of::<$doc>(services, &caller, &id, input).await?))
            }

            /// The archive bundle of an archived version: verifiable offline with
            /// `concord verify` or OpenSSL (docs/bundle.md).
            #[utoipa::path(
                get, path = $bundle_path, tag = $tag, operation_id = $bundle_op,
                params(("id" = String, Path, description = $subject),
                    ("version" = i64, Path, description = "an archived version")),
                responses((status = 200, description = "the bundle", content_type = "application/zip",
                    body = FileBody), Refusals),
                security(("session" = []), ("token" = []))
            )]
            async fn text_bundle(
                State(state): State<AppState>,
                caller: Caller,
                Path((id, version)): Path<(String, i64)>,
            ) -> Result<Response, ApiError> {
                let services = &state.services;
                let bundle = signing::bundle_of::<$doc>(services, &caller, &id, version).await?;
                Ok(bundle_download(bundle))
            }

            /// One stored file of a version of the text, exactly as made.
            #[utoipa::path(
                get, path = $artefact_path, tag = $tag, operation_id = $artefact_op,
                params(("id" = String, Path, description = $subject),
                    ("version" = i64, Path, description = "a made version"),
                    ("file" = String, Path, description = $files)),
                responses((status = 200, description = "the file's stored bytes",
                    content_type = "application/octet-stream", body = FileBody), Refusals),
                security(("session" = []), ("token" = []))
            )]
            async fn text_artefact(
                State(state): State<AppState>,
                caller: Caller,
                Path((id, version, file)): Path<(String, i64, String)>,
            ) -> Result<Response, ApiError> {
                let services = &state.services;
                let artefact =
                    signing::artefact_of::<$doc>(services, &caller, &id, version, &file).await?;
                Ok(download(artefact))
            }
        }
    };
}

pub(crate) use signed_text_routes;
