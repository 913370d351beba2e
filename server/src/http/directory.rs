//! The directory: regions (the tree of administrative divisions) and organizations.
//!
//! Every signed-in user reads it (to find the bodies to invite or notify); operators change
//! it; an organization's admins may rename their own organization.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::db::{NewOrg, NewRegion, Org, OrgPatch, Region};
use crate::domain::org::{Level, Name, OrgCode, OrgKind, RegionCode};
use crate::domain::policy::Action;
use crate::error::ApiError;
use crate::http::extract::{nullable, Json, Path};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/regions", get(list_regions).post(create_region))
        .route("/api/regions/{code}", patch(update_region))
        .route("/api/orgs", get(list_orgs).post(create_org))
        .route("/api/orgs/{id}", get(show_org).patch(update_org))
}

pub(crate) fn org_json(org: &Org) -> Value {
    json!({
        "id": org.id,
        "code": org.code,
        "name_zh": org.name_zh,
        "name_en": org.name_en,
        "kind": org.kind,
        "kind_label": { "zh": org.kind.label_zh(), "en": org.kind.label_en() },
        "level": org.level,
        "region": org.region,
        "parent_id": org.parent_id,
        "created_at": org.created_at,
        "updated_at": org.updated_at,
    })
}

fn region_json(region: &Region) -> Value {
    json!({
        "code": region.code,
        "name_zh": region.name_zh,
        "name_en": region.name_en,
        "level": region.level,
        "parent": region.parent,
    })
}

/// The regions as a tree: `{"regions": [{…, "children": [...]}]}`.
async fn list_regions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller
        .allow(&state.services.db, Action::ReadDirectory)
        .await?;
    let regions = state.services.db.regions().await?;
    Ok(Json(json!({ "regions": region_tree(&regions) })))
}

/// Nests regions (ordered by path, so parents come first) under their parents.
pub(crate) fn region_tree(regions: &[Region]) -> Vec<Value> {
    let mut children: BTreeMap<Option<&str>, Vec<&Region>> = BTreeMap::new();
    for region in regions {
        children
            .entry(region.parent.as_ref().map(RegionCode::as_str))
            .or_default()
            .push(region);
    }
    fn build(node: &Region, children: &BTreeMap<Option<&str>, Vec<&Region>>) -> Value {
        let mut value = region_json(node);
        let kids: Vec<Value> = children
            .get(&Some(node.code.as_str()))
            .map(|kids| kids.iter().map(|k| build(k, children)).collect())
            .unwrap_or_default();
        value["children"] = Value::Array(kids);
        value
    }
    children
        .get(&None)
        .map(|roots| roots.iter().map(|r| build(r, &children)).collect())
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRegion {
    code: String,
    name_zh: String,
    name_en: Option<String>,
    level: Level,
    parent: Option<String>,
}

async fn create_region(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateRegion>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller
        .allow(&state.services.db, Action::ManageDirectory)
        .await?;
    let new = NewRegion {
        code: RegionCode::parse(&body.code)?,
        name_zh: Name::parse(&body.name_zh)?,
        name_en: body.name_en.as_deref().map(Name::parse).transpose()?,
        level: body.level,
        parent: body.parent.as_deref().map(RegionCode::parse).transpose()?,
    };
    let event = caller.event(
        "region_created",
        format!("region:{}", new.code),
        json!({ "name_zh": new.name_zh, "level": new.level, "parent": new.parent }),
    );
    let region = state
        .services
        .db
        .create_region(&new, &event)
        .await
        .map_err(|e| match e {
            crate::db::DbError::Conflict(_) => {
                ApiError::Conflict(format!("a region with code {} already exists", new.code))
            }
            crate::db::DbError::MissingReference(_) => {
                ApiError::BadRequest("the parent region does not exist".into())
            }
            e => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(region_json(&region))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRegion {
    name_zh: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    name_en: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    parent: Option<Option<String>>,
}

async fn update_region(
    State(state): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    Json(body): Json<UpdateRegion>,
) -> Result<Json<Value>, ApiError> {
    caller
        .allow(&state.services.db, Action::ManageDirectory)
        .await?;
    let code = RegionCode::parse(&code)?;
    let existing = state
        .services
        .db
        .region(&code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no region with code {code}")))?;
    if body.name_zh.is_some() || body.name_en.is_some() {
        let name_zh = match &body.name_zh {
            Some(name) => Name::parse(name)?,
            None => existing.name_zh.clone(),
        };
        let name_en = match &body.name_en {
            Some(name) => name.as_deref().map(Name::parse).transpose()?,
            None => existing.name_en.clone(),
        };
        let event = caller.event(
            "region_renamed",
            format!("region:{code}"),
            json!({ "name_zh": name_zh, "name_en": name_en }),
        );
        state
            .services
            .db
            .rename_region(&code, name_zh, name_en, &event)
            .await?;
    }
    if let Some(parent) = &body.parent {
        let parent = parent.as_deref().map(RegionCode::parse).transpose()?;
        let event = caller.event(
            "region_moved",
            format!("region:{code}"),
            json!({ "parent": parent }),
        );
        state
            .services
            .db
            .move_region(&code, parent.as_ref(), &event)
            .await?;
    }
    let region = state
        .services
        .db
        .region(&code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no region with code {code}")))?;
    Ok(Json(region_json(&region)))
}

async fn list_orgs(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller
        .allow(&state.services.db, Action::ReadDirectory)
        .await?;
    let orgs: Vec<Value> = state
        .services
        .db
        .orgs()
        .await?
        .iter()
        .map(org_json)
        .collect();
    Ok(Json(json!({ "orgs": orgs })))
}

async fn show_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller
        .allow(&state.services.db, Action::ReadDirectory)
        .await?;
    let org = state
        .services
        .db
        .org(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no organization with this id".into()))?;
    Ok(Json(org_json(&org)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateOrg {
    code: String,
    name_zh: String,
    name_en: Option<String>,
    kind: OrgKind,
    region: String,
    parent_id: Option<String>,
}

async fn create_org(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateOrg>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller
        .allow(&state.services.db, Action::ManageDirectory)
        .await?;
    let new = NewOrg {
        code: OrgCode::parse(&body.code)?,
        name_zh: Name::parse(&body.name_zh)?,
        name_en: body.name_en.as_deref().map(Name::parse).transpose()?,
        kind: body.kind,
        region: RegionCode::parse(&body.region)?,
        parent_id: body.parent_id,
    };
    let event = caller.event(
        "org_created",
        format!("org_code:{}", new.code),
        json!({ "name_zh": new.name_zh, "kind": new.kind, "region": new.region, "parent_id": new.parent_id }),
    );
    let org = state
        .services
        .db
        .create_org(&new, &event)
        .await
        .map_err(|e| match e {
            crate::db::DbError::Conflict(_) => ApiError::Conflict(format!(
                "an organization with code {} already exists",
                new.code
            )),
            crate::db::DbError::MissingReference(_) => {
                ApiError::BadRequest("the region or the parent organization does not exist".into())
            }
            e => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(org_json(&org))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateOrg {
    name_zh: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    name_en: Option<Option<String>>,
    kind: Option<OrgKind>,
    region: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    parent_id: Option<Option<String>>,
}

async fn update_org(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<UpdateOrg>,
) -> Result<Json<Value>, ApiError> {
    // Names are the organization's own business; where it sits is the directory's.
    let structural = body.kind.is_some() || body.region.is_some() || body.parent_id.is_some();
    if structural {
        caller
            .allow(&state.services.db, Action::ManageDirectory)
            .await?;
    } else {
        caller
            .allow(&state.services.db, Action::EditOrg { org_id: &id })
            .await?;
    }
    let patch = OrgPatch {
        name_zh: body.name_zh.as_deref().map(Name::parse).transpose()?,
        name_en: body
            .name_en
            .map(|n| n.as_deref().map(Name::parse).transpose())
            .transpose()?,
        kind: body.kind,
        region: body.region.as_deref().map(RegionCode::parse).transpose()?,
        parent_id: body.parent_id,
    };
    let event = caller.event(
        "org_updated",
        format!("org:{id}"),
        json!({ "name_zh": patch.name_zh, "name_en": patch.name_en, "kind": patch.kind, "region": patch.region, "parent_id": patch.parent_id }),
    );
    let org = state.services.db.update_org(&id, &patch, &event).await?;
    Ok(Json(org_json(&org)))
}
