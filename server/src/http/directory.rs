//! The directory over HTTP (regions and organizations): thin handlers over
//! [`crate::work::directory`].

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, Refusals};
use crate::http::extract::{Json, Path};
use crate::state::AppState;
use crate::work::by::By;
use crate::work::directory::{
    self, CreateOrg, CreateRegion, ImportAnswer, ImportRequest, OrgList, OrgView, RegionTree,
    RegionView, UpdateOrg, UpdateRegion,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_regions, create_region))
        .routes(routes!(update_region))
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(show_org, update_org))
        .routes(routes!(import))
}

/// 行政区划: the regions as a tree, from the top.
#[utoipa::path(
    get, path = "/api/regions", tag = "directory", operation_id = "regions_list",
    responses((status = 200, description = "the region tree", body = RegionTree), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list_regions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RegionTree>, ApiError> {
    Ok(Json(
        directory::regions(&state.services.db, By::Caller(&caller)).await?,
    ))
}

/// Creates a region (operators).
#[utoipa::path(
    post, path = "/api/regions", tag = "directory", operation_id = "regions_create",
    request_body = CreateRegion,
    responses((status = 201, description = "the region is created", body = RegionView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create_region(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateRegion>,
) -> Result<(StatusCode, Json<RegionView>), ApiError> {
    let region = directory::create_region(&state.services.db, By::Caller(&caller), body).await?;
    Ok((StatusCode::CREATED, Json(region)))
}

/// Renames a region or moves it in the tree (operators).
#[utoipa::path(
    patch, path = "/api/regions/{code}", tag = "directory", operation_id = "regions_update",
    params(("code" = String, Path, description = "the region's code, e.g. 330102")),
    request_body = UpdateRegion,
    responses((status = 200, description = "the region as changed", body = RegionView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn update_region(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Json(body): Json<UpdateRegion>,
) -> Result<Json<RegionView>, ApiError> {
    let by = By::Caller(&caller);
    Ok(Json(
        directory::update_region(&state.services.db, by, &code, body).await?,
    ))
}

/// Every organization.
#[utoipa::path(
    get, path = "/api/orgs", tag = "directory", operation_id = "orgs_list",
    responses((status = 200, description = "the organizations", body = OrgList), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn list_orgs(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OrgList>, ApiError> {
    Ok(Json(
        directory::orgs(&state.services.db, By::Caller(&caller)).await?,
    ))
}

/// Creates an organization (operators).
#[utoipa::path(
    post, path = "/api/orgs", tag = "directory", operation_id = "orgs_create",
    request_body = CreateOrg,
    responses((status = 201, description = "the organization is created", body = OrgView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn create_org(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateOrg>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    let org = directory::create_org(&state.services.db, By::Caller(&caller), body).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

/// One organization.
#[utoipa::path(
    get, path = "/api/orgs/{id}", tag = "directory", operation_id = "orgs_show",
    params(("id" = String, Path, description = "the organization's id")),
    responses((status = 200, description = "the organization", body = OrgView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn show_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OrgView>, ApiError> {
    Ok(Json(
        directory::org(&state.services.db, By::Caller(&caller), &id).await?,
    ))
}

/// Changes an organization: its names (its admins, operators), its kind, region or parent
/// (operators).
#[utoipa::path(
    patch, path = "/api/orgs/{id}", tag = "directory", operation_id = "orgs_update",
    params(("id" = String, Path, description = "the organization's id")),
    request_body = UpdateOrg,
    responses((status = 200, description = "the organization as changed", body = OrgView), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn update_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<UpdateOrg>,
) -> Result<Json<OrgView>, ApiError> {
    let by = By::Caller(&caller);
    Ok(Json(
        directory::update_org(&state.services.db, by, &id, body).await?,
    ))
}

/// 批量导入: the CSV texts of regions, organizations and/or people, added or changed by code
/// (user name), or with `dry_run` only checked and described (operators). A bad line is
/// refused naming its file and line, and nothing is stored.
#[utoipa::path(
    post, path = "/api/directory/import", tag = "directory", operation_id = "directory_import",
    request_body = ImportRequest,
    responses((status = 200, description = "what was (or would be) added and changed", body = ImportAnswer), Refusals),
    security(("session" = []), ("token" = []))
)]
async fn import(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ImportRequest>,
) -> Result<Json<ImportAnswer>, ApiError> {
    let by = By::Caller(&caller);
    Ok(Json(
        directory::import_texts(&state.services.db, by, body).await?,
    ))
}
