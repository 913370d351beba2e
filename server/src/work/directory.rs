//! The directory as operations: regions (行政区划, the tree of administrative divisions) and
//! organizations, read by everyone signed in, changed by operators; and the operator's CSV
//! import of a whole directory.
//!
//! Every operation here needs only the database, and the shell performs several of them
//! (`concord admin import`, `concord admin regions`), so each takes a `&Db` and [`By`] (who
//! acts) rather than the whole [`Services`](crate::services::Services), which the shell has
//! not got. This module must never write SQL (that is [`crate::db`]) nor decide access
//! itself (that is the policy, asked through [`By::allow`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::by::By;
use super::Error;
use crate::db::{
    Db, DbError, DirectoryImport, ImportOrg, ImportReport, ImportSources, ImportUser, NewOrg,
    NewRegion, NewUser, Org, OrgPatch, Region,
};
use crate::domain::message::Message;
use crate::domain::org::{Invalid, Level, Name, OrgCode, OrgKind, OrgRole, RegionCode, Username};
use crate::domain::phrases;
use crate::domain::policy::Action;

/// A label in both languages of the interface.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bilingual {
    pub zh: &'static str,
    pub en: &'static str,
}

/// An organization as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgView {
    pub id: String,
    pub code: String,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub kind: OrgKind,
    pub kind_label: Bilingual,
    pub level: Level,
    /// The code of the region it serves.
    pub region: String,
    pub parent_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<&Org> for OrgView {
    fn from(org: &Org) -> OrgView {
        OrgView {
            id: org.id.clone(),
            code: org.code.to_string(),
            name_zh: org.name_zh.to_string(),
            name_en: org.name_en.as_ref().map(Name::to_string),
            kind: org.kind,
            kind_label: Bilingual {
                zh: org.kind.label_zh(),
                en: org.kind.label_en(),
            },
            level: org.level,
            region: org.region.to_string(),
            parent_id: org.parent_id.clone(),
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }
}

/// Every organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgList {
    pub orgs: Vec<OrgView>,
}

/// A region as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionView {
    pub code: String,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub level: Level,
    /// The code of the region it lies in; `null` at the top of the tree.
    pub parent: Option<String>,
}

impl From<&Region> for RegionView {
    fn from(region: &Region) -> RegionView {
        RegionView {
            code: region.code.to_string(),
            name_zh: region.name_zh.to_string(),
            name_en: region.name_en.as_ref().map(Name::to_string),
            level: region.level,
            parent: region.parent.as_ref().map(RegionCode::to_string),
        }
    }
}

/// A region and the regions directly below it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionNode {
    #[serde(flatten)]
    pub region: RegionView,
    #[schema(no_recursion)]
    pub children: Vec<RegionNode>,
}

/// The regions as a tree, from the top.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionTree {
    pub regions: Vec<RegionNode>,
}

/// A region to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRegion {
    /// 行政区划代码: 6, 9 or 12 digits.
    pub code: String,
    pub name_zh: String,
    pub name_en: Option<String>,
    /// Strictly below the parent's level.
    pub level: Level,
    /// The code of the region it lies in; absent at the top.
    pub parent: Option<String>,
}

/// Changes to a region: a new name, or a new place in the tree (`parent: null` moves it to
/// the top). Absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRegion {
    pub name_zh: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub name_en: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub parent: Option<Option<String>>,
}

/// An organization to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrg {
    /// 统一社会信用代码 or any code the province uses.
    pub code: String,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub kind: OrgKind,
    /// The code of the region it serves.
    pub region: String,
    pub parent_id: Option<String>,
}

/// Changes to an organization; absent fields stay as they are, `null` clears an optional
/// one. Its names are its admins' business; its kind, region and parent the operators'.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrg {
    pub name_zh: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub name_en: Option<Option<String>>,
    pub kind: Option<OrgKind>,
    pub region: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub parent_id: Option<Option<String>>,
}

/// For `PATCH` bodies: tells an absent field (`None`, leave as is) from an explicit `null`
/// (`Some(None)`, clear it). Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Some(Option::<T>::deserialize(deserializer)?))
}

/// The regions as a tree.
pub async fn regions(db: &Db, by: By<'_>) -> Result<RegionTree, Error> {
    by.allow(db, Action::ReadDirectory).await?;
    let regions = db.regions().await?;
    Ok(RegionTree {
        regions: region_tree(&regions),
    })
}

/// Nests regions (ordered by path, so parents come first) under their parents.
fn region_tree(regions: &[Region]) -> Vec<RegionNode> {
    let mut children: BTreeMap<Option<&str>, Vec<&Region>> = BTreeMap::new();
    for region in regions {
        children
            .entry(region.parent.as_ref().map(RegionCode::as_str))
            .or_default()
            .push(region);
    }
    fn build(node: &Region, children: &BTreeMap<Option<&str>, Vec<&Region>>) -> RegionNode {
        RegionNode {
            region: RegionView::from(node),
            children: children
                .get(&Some(node.code.as_str()))
                .map(|kids| kids.iter().map(|k| build(k, children)).collect())
                .unwrap_or_default(),
        }
    }
    children
        .get(&None)
        .map(|roots| roots.iter().map(|r| build(r, &children)).collect())
        .unwrap_or_default()
}

/// Creates a region (operators).
pub async fn create_region(db: &Db, by: By<'_>, body: CreateRegion) -> Result<RegionView, Error> {
    by.allow(db, Action::ManageDirectory).await?;
    let new = NewRegion {
        code: RegionCode::parse(&body.code)?,
        name_zh: Name::parse(&body.name_zh)?,
        name_en: optional_name(body.name_en.as_deref())?,
        level: body.level,
        parent: body.parent.as_deref().map(RegionCode::parse).transpose()?,
    };
    let event = by.event(
        "region_created",
        format!("region:{}", new.code),
        json!({ "name_zh": new.name_zh, "level": new.level, "parent": new.parent }),
    );
    let region = db.create_region(&new, &event).await.map_err(|e| match e {
        DbError::Conflict(_) => Error::Conflict(phrases::REGION_EXISTS.with("code", &new.code)),
        DbError::MissingReference(_) => {
            Error::invalid("parent", phrases::NO_PARENT_REGION.message())
        }
        e => e.into(),
    })?;
    Ok(RegionView::from(&region))
}

/// Renames a region or moves it in the tree (operators); a move that would make a cycle is
/// refused.
pub async fn update_region(
    db: &Db,
    by: By<'_>,
    code: &str,
    body: UpdateRegion,
) -> Result<RegionView, Error> {
    by.allow(db, Action::ManageDirectory).await?;
    let code = RegionCode::parse(code)?;
    let not_found = || Error::NotFound(phrases::NO_REGION.with("code", &code));
    let existing = db.region(&code).await?.ok_or_else(not_found)?;
    if body.name_zh.is_some() || body.name_en.is_some() {
        let name_zh = match &body.name_zh {
            Some(name) => Name::parse(name)?,
            None => existing.name_zh.clone(),
        };
        let name_en = match &body.name_en {
            Some(name) => optional_name(name.as_deref())?,
            None => existing.name_en.clone(),
        };
        let event = by.event(
            "region_renamed",
            format!("region:{code}"),
            json!({ "name_zh": name_zh, "name_en": name_en }),
        );
        db.rename_region(&code, name_zh, name_en, &event).await?;
    }
    if let Some(parent) = &body.parent {
        let parent = parent.as_deref().map(RegionCode::parse).transpose()?;
        let event = by.event(
            "region_moved",
            format!("region:{code}"),
            json!({ "parent": parent }),
        );
        db.move_region(&code, parent.as_ref(), &event).await?;
    }
    let region = db.region(&code).await?.ok_or_else(not_found)?;
    Ok(RegionView::from(&region))
}

/// Every organization.
pub async fn orgs(db: &Db, by: By<'_>) -> Result<OrgList, Error> {
    by.allow(db, Action::ReadDirectory).await?;
    let orgs = db.orgs().await?;
    Ok(OrgList {
        orgs: orgs.iter().map(OrgView::from).collect(),
    })
}

/// One organization, by id.
pub async fn org(db: &Db, by: By<'_>, id: &str) -> Result<OrgView, Error> {
    by.allow(db, Action::ReadDirectory).await?;
    let org = db
        .org(id)
        .await?
        .ok_or_else(|| Error::NotFound(crate::domain::phrases::NO_SUCH_ORG.message()))?;
    Ok(OrgView::from(&org))
}

/// One organization, by its code (the shell names bodies by code).
pub async fn org_with_code(db: &Db, by: By<'_>, code: &str) -> Result<OrgView, Error> {
    by.allow(db, Action::ReadDirectory).await?;
    let code = OrgCode::parse(code)?;
    let org = db
        .org_by_code(&code)
        .await?
        .ok_or_else(|| Error::NotFound(phrases::NO_ORG_CODE.with("code", &code)))?;
    Ok(OrgView::from(&org))
}

/// Creates an organization (operators).
pub async fn create_org(db: &Db, by: By<'_>, body: CreateOrg) -> Result<OrgView, Error> {
    by.allow(db, Action::ManageDirectory).await?;
    let new = NewOrg {
        code: OrgCode::parse(&body.code)?,
        name_zh: Name::parse(&body.name_zh)?,
        name_en: optional_name(body.name_en.as_deref())?,
        kind: body.kind,
        region: RegionCode::parse(&body.region)?,
        parent_id: body.parent_id,
    };
    let event = by.event(
        "org_created",
        format!("org_code:{}", new.code),
        json!({ "name_zh": new.name_zh, "kind": new.kind, "region": new.region, "parent_id": new.parent_id }),
    );
    let org = db.create_org(&new, &event).await.map_err(|e| match e {
        DbError::Conflict(_) => Error::Conflict(phrases::ORG_EXISTS.with("code", &new.code)),
        DbError::MissingReference(_) => {
            Error::invalid("region", &phrases::REGION_OR_PARENT_MISSING)
        }
        e => e.into(),
    })?;
    Ok(OrgView::from(&org))
}

/// Changes an organization: its names by its own admins or an operator; its kind, region or
/// parent by an operator only.
pub async fn update_org(db: &Db, by: By<'_>, id: &str, body: UpdateOrg) -> Result<OrgView, Error> {
    let structural = body.kind.is_some() || body.region.is_some() || body.parent_id.is_some();
    let action = if structural {
        Action::ManageDirectory
    } else {
        Action::EditOrg { org_id: id }
    };
    by.allow(db, action).await?;
    let patch = OrgPatch {
        name_zh: body.name_zh.as_deref().map(Name::parse).transpose()?,
        name_en: body
            .name_en
            .map(|n| optional_name(n.as_deref()))
            .transpose()?,
        kind: body.kind,
        region: body.region.as_deref().map(RegionCode::parse).transpose()?,
        parent_id: body.parent_id,
    };
    let event = by.event(
        "org_updated",
        format!("org:{id}"),
        json!({ "name_zh": patch.name_zh, "name_en": patch.name_en, "kind": patch.kind, "region": patch.region, "parent_id": patch.parent_id }),
    );
    let org = db.update_org(id, &patch, &event).await?;
    Ok(OrgView::from(&org))
}

fn optional_name(name: Option<&str>) -> Result<Option<Name>, Invalid> {
    name.map(Name::parse).transpose()
}

// ---- the CSV import ----

/// One CSV file of an import: its text, and the name that errors cite (the path given).
#[derive(Debug, Clone)]
pub struct CsvFile {
    pub name: String,
    pub text: Vec<u8>,
}

/// The files of an import; at least one.
#[derive(Debug, Clone, Default)]
pub struct ImportFiles {
    /// `code,name_zh,name_en,level,parent`
    pub regions: Option<CsvFile>,
    /// `code,name_zh,name_en,kind,region,parent_code`
    pub orgs: Option<CsvFile>,
    /// `org_code,username,display_name,org_role` (people get a password with
    /// `concord admin reset-password`, or sign in through OpenID Connect)
    pub users: Option<CsvFile>,
}

/// Whether an import stores what it finds, or only says what it would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    Store,
    /// Every line is parsed and every rule checked as for [`ImportMode::Store`], in a
    /// transaction that is rolled back: nothing is stored or audited.
    DryRun,
}

/// An import from the browser: the texts of the CSV files (each optional, at least one), and
/// whether only to say what it would do. Errors cite the files as `regions.csv`, `orgs.csv`
/// and `users.csv`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// `code,name_zh,name_en,level,parent`
    pub regions: Option<String>,
    /// `code,name_zh,name_en,kind,region,parent_code`
    pub orgs: Option<String>,
    /// `org_code,username,display_name,org_role`
    pub users: Option<String>,
    /// Check every line and say what would be added and changed, storing nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What an import from the browser did, or would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportAnswer {
    /// Whether this was only a dry run (nothing stored).
    pub dry_run: bool,
    pub report: ImportReport,
}

/// [`import`] of CSV texts sent by the browser (`POST /api/directory/import`).
pub async fn import_texts(db: &Db, by: By<'_>, body: ImportRequest) -> Result<ImportAnswer, Error> {
    let file = |name: &str, text: Option<String>| {
        text.filter(|t| !t.trim().is_empty()).map(|t| CsvFile {
            name: name.to_owned(),
            text: t.into_bytes(),
        })
    };
    let files = ImportFiles {
        regions: file("regions.csv", body.regions),
        orgs: file("orgs.csv", body.orgs),
        users: file("users.csv", body.users),
    };
    let mode = if body.dry_run {
        ImportMode::DryRun
    } else {
        ImportMode::Store
    };
    let report = import(db, by, files, mode).await?;
    Ok(ImportAnswer {
        dry_run: body.dry_run,
        report,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionLine {
    code: String,
    name_zh: String,
    #[serde(default)]
    name_en: String,
    level: String,
    #[serde(default)]
    parent: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgLine {
    code: String,
    name_zh: String,
    #[serde(default)]
    name_en: String,
    kind: String,
    region: String,
    #[serde(default)]
    parent_code: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserLine {
    org_code: String,
    username: String,
    display_name: String,
    #[serde(default)]
    org_role: String,
}

/// Imports regions, then organizations, then users (operators), or with
/// [`ImportMode::DryRun`] says what that would do. Every file is parsed first, so a mistake
/// on any line stores nothing and is named by file and line; then everything is written in
/// one transaction, or nothing is, and a refusal there names file and line too.
///
/// Idempotent: a row whose code (a person's user name) is new is added, one that exists and
/// differs changes the record, one that exists as given changes nothing; running the same
/// files twice changes nothing the second time. Rows may come in any order: parents are
/// placed before their children. Nothing is removed, and a person is never moved to another
/// body: adding people later is importing a users file with them in it.
pub async fn import(
    db: &Db,
    by: By<'_>,
    files: ImportFiles,
    mode: ImportMode,
) -> Result<ImportReport, Error> {
    by.allow(db, Action::ManageDirectory).await?;
    let import = read_import(&files)?;
    // The detail gains what was added and changed (`Db::import_directory`).
    let event = by.event("directory_imported", String::new(), json!({}));
    let report = match mode {
        ImportMode::Store => db.import_directory(&import, &event).await?,
        ImportMode::DryRun => db.preview_directory_import(&import, event.at).await?,
    };
    Ok(report)
}

/// Reads and checks the files of an import, touching nothing: every line parsed, every key
/// once, parents before children. Any refusal names the file and the line (a fuzz target
/// feeds it arbitrary files: `fuzz/fuzz_targets/csv_import.rs`).
pub fn read_import(files: &ImportFiles) -> Result<DirectoryImport, Error> {
    if files.regions.is_none() && files.orgs.is_none() && files.users.is_none() {
        return Err(Error::invalid("files", phrases::IMPORT_NOTHING.message()));
    }
    let mut regions = Vec::new();
    if let Some(file) = &files.regions {
        regions = parse_lines(file, "regions", |r: RegionLine| {
            Ok(NewRegion {
                code: RegionCode::parse(&r.code)?,
                name_zh: Name::parse(&r.name_zh)?,
                name_en: optional_name(non_empty(&r.name_en))?,
                level: r.level.trim().parse::<Level>()?,
                parent: non_empty(&r.parent).map(RegionCode::parse).transpose()?,
            })
        })?;
        regions = parents_first(
            regions,
            "regions",
            |r| r.code.as_str(),
            |r| r.parent.as_ref().map(RegionCode::as_str),
        )?;
    }
    let mut orgs = Vec::new();
    if let Some(file) = &files.orgs {
        orgs = parse_lines(file, "orgs", |o: OrgLine| {
            Ok(ImportOrg {
                org: NewOrg {
                    code: OrgCode::parse(&o.code)?,
                    name_zh: Name::parse(&o.name_zh)?,
                    name_en: optional_name(non_empty(&o.name_en))?,
                    kind: o.kind.trim().parse::<OrgKind>()?,
                    region: RegionCode::parse(&o.region)?,
                    parent_id: None,
                },
                parent_code: non_empty(&o.parent_code).map(OrgCode::parse).transpose()?,
            })
        })?;
        orgs = parents_first(
            orgs,
            "orgs",
            |o| o.org.code.as_str(),
            |o| o.parent_code.as_ref().map(OrgCode::as_str),
        )?;
    }
    let mut users = Vec::new();
    if let Some(file) = &files.users {
        users = parse_lines(file, "users", |u: UserLine| {
            Ok(ImportUser {
                user: NewUser {
                    org_id: None,
                    username: Some(Username::parse(&u.username)?),
                    display_name: Name::parse(&u.display_name)?,
                    org_role: non_empty(&u.org_role)
                        .map(str::parse::<OrgRole>)
                        .transpose()?
                        .unwrap_or(OrgRole::Member),
                    operator: false,
                    password_hash: None,
                    oidc_issuer: None,
                    oidc_subject: None,
                },
                org_code: OrgCode::parse(&u.org_code)?,
            })
        })?;
        no_repeats(&users, "users", |u| {
            u.user.username.as_ref().map_or("", Username::as_str)
        })?;
    }
    let (regions, region_sources) = lines_said(regions);
    let (orgs, org_sources) = lines_said(orgs);
    let (users, user_sources) = lines_said(users);
    Ok(DirectoryImport {
        regions,
        orgs,
        users,
        sources: ImportSources {
            regions: region_sources,
            orgs: org_sources,
            users: user_sources,
        },
    })
}

/// Where an item of an import came from: a file and the line its record starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    file: String,
    line: u64,
}

impl Line {
    /// A refusal of this line: `why`, after the file and line.
    fn refuses(&self, field: &'static str, why: Message) -> Error {
        Error::invalid(
            field,
            phrases::IMPORT_AT_LINE
                .with("file", &self.file)
                .with("line", self.line)
                .with_message("why", why),
        )
    }
}

/// The items, and where each came from (file, line), for the database layer to name it.
fn lines_said<T>(items: Vec<(T, Line)>) -> (Vec<T>, Vec<(String, u64)>) {
    items
        .into_iter()
        .map(|(item, line)| (item, (line.file, line.line)))
        .unzip()
}

/// Refuses a key that two lines of one file share, naming both lines.
fn no_repeats<T>(
    items: &[(T, Line)],
    field: &'static str,
    key: impl Fn(&T) -> &str,
) -> Result<(), Error> {
    let mut first: HashMap<&str, &Line> = HashMap::new();
    for (item, source) in items {
        if let Some(earlier) = first.insert(key(item), source) {
            return Err(source.refuses(
                field,
                phrases::IMPORT_REPEATED
                    .with("key", key(item))
                    .with("earlier", earlier.line),
            ));
        }
    }
    Ok(())
}

/// Orders a file's rows so that a row whose parent is in the same file comes after it (the
/// file's own order otherwise kept): a file may list a child before its parent. Refuses a
/// key on two lines, and parents that make a cycle, naming the lines.
fn parents_first<T>(
    items: Vec<(T, Line)>,
    field: &'static str,
    key: impl Fn(&T) -> &str,
    parent: impl Fn(&T) -> Option<&str>,
) -> Result<Vec<(T, Line)>, Error> {
    no_repeats(&items, field, &key)?;
    let in_file: HashSet<String> = items.iter().map(|(item, _)| key(item).to_owned()).collect();
    let mut placed: HashSet<String> = HashSet::new();
    let mut ordered = Vec::with_capacity(items.len());
    let mut waiting = items;
    while !waiting.is_empty() {
        let before = waiting.len();
        let (ready, rest): (Vec<_>, Vec<_>) = waiting.into_iter().partition(|(item, _)| {
            parent(item).is_none_or(|p| !in_file.contains(p) || placed.contains(p))
        });
        for (item, source) in ready {
            placed.insert(key(&item).to_owned());
            ordered.push((item, source));
        }
        waiting = rest;
        if waiting.len() == before {
            let (item, source) = &waiting[0];
            return Err(source.refuses(field, phrases::IMPORT_CYCLE.with("key", key(item))));
        }
    }
    Ok(ordered)
}

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// Reads every line of a CSV file (after its header) as `T`, then `parse`s it, each item
/// with where it came from (`regions.csv line 3`); the first line that fails is refused as
/// `field`, naming the file and the line.
fn parse_lines<T, Item>(
    file: &CsvFile,
    field: &'static str,
    parse: impl Fn(T) -> Result<Item, Invalid>,
) -> Result<Vec<(Item, Line)>, Error>
where
    T: for<'de> Deserialize<'de>,
{
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file.text.as_slice());
    let at = |line: u64| Line {
        file: file.name.clone(),
        line,
    };
    // A CSV reader's own words (a broken quote, a wrong number of fields) are English only.
    let at_line = |line: u64, why: &dyn std::fmt::Display| {
        at(line).refuses(field, phrases::IMPORT_UNREADABLE.with("why", why))
    };
    let headers = reader.headers().map_err(|e| at_line(1, &e))?.clone();
    let mut items = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                return Err(at_line(line, &e));
            }
        }
        // The line the record starts on (line 1 is the header); a quoted field may span
        // lines, so it is the reader's count, not the record's number.
        let line = record.position().map_or(0, csv::Position::line);
        let row: T = record
            .deserialize(Some(&headers))
            .map_err(|e| at_line(line, &e))?;
        let item = parse(row).map_err(|e| at(line).refuses(field, e.0))?;
        items.push((item, at(line)));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::message::Lang;

    /// The stable twin of the cargo-fuzz target `csv_import`: valid files mutated by a seeded
    /// generator (bytes flipped, cut, spliced, lines repeated) are read without a panic, and
    /// every refusal names the file and the line it is about.
    #[test]
    fn mutated_import_files_never_panic_and_every_refusal_names_its_line() {
        use rand::{Rng, SeedableRng};
        let originals = [
            "code,name_zh,name_en,level,parent\n330000,浙江省,Zhejiang,province,\n\
             330100,杭州市,,city,330000\n330102,上城区,,county,330100\n",
            "code,name_zh,name_en,kind,region,parent_code\nbureau,上城区司法局,,judicial_bureau,\
             330102,\nmarket,上城区市场监督管理局,,enforcement_department,330102,bureau\n",
            "org_code,username,display_name,org_role\nbureau,zhang,张明,admin\nmarket,li,李华,\n",
        ];
        let names = ["regions.csv", "orgs.csv", "users.csv"];
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        let (mut refused, mut read) = (0, 0);
        for _ in 0..3000 {
            let mut texts: Vec<Vec<u8>> = originals.iter().map(|t| t.as_bytes().to_vec()).collect();
            let which = rng.gen_range(0..3);
            let bytes = &mut texts[which];
            for _ in 0..rng.gen_range(1..4) {
                match rng.gen_range(0..5) {
                    0 if !bytes.is_empty() => {
                        let i = rng.gen_range(0..bytes.len());
                        bytes[i] ^= 1 << rng.gen_range(0..8);
                    }
                    1 if !bytes.is_empty() => bytes.truncate(rng.gen_range(0..bytes.len())),
                    2 => {
                        let i = rng.gen_range(0..=bytes.len());
                        let junk = [b',', b'"', b'\n', b'\r', 0xe4, 0xff, b'x', b'3'];
                        let piece: Vec<u8> = (0..rng.gen_range(1..6))
                            .map(|_| junk[rng.gen_range(0..junk.len())])
                            .collect();
                        bytes.splice(i..i, piece);
                    }
                    3 => {
                        let copy = bytes.clone();
                        bytes.extend_from_slice(&copy[copy.len() / 2..]);
                    }
                    _ => {}
                }
            }
            let file = |i: usize| {
                Some(CsvFile {
                    name: names[i].into(),
                    text: texts[i].clone(),
                })
            };
            let files = ImportFiles {
                regions: file(0),
                orgs: file(1),
                users: file(2),
            };
            match read_import(&files) {
                Ok(_) => read += 1,
                Err(e) => {
                    refused += 1;
                    let message = e.to_string();
                    assert!(
                        names
                            .iter()
                            .any(|n| message.contains(&format!("{n} line "))),
                        "a refusal that names no file and line: {message}"
                    );
                }
            }
        }
        assert!(
            refused > 1000 && read > 100,
            "{refused} refused, {read} read"
        );
    }

    fn csv(name: &str, text: &str) -> CsvFile {
        CsvFile {
            name: name.into(),
            text: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_bad_line_is_named_by_file_and_line() {
        let file = csv(
            "orgs.csv",
            "code,name_zh,name_en,kind,region,parent_code\n\
             a,甲,,court,330102,\n\
             b,乙,,police_station,330102,\n",
        );

        let err = parse_lines(&file, "orgs", |o: OrgLine| o.kind.parse::<OrgKind>()).unwrap_err();

        let message = err.to_string();
        assert!(message.starts_with("orgs.csv line 3: "), "{message}");
        assert!(message.contains("police_station"), "{message}");
        let said = err.message().unwrap().render(Lang::Zh).unwrap();
        assert!(
            said.starts_with("orgs.csv 第 3 行有误：无法识别的取值 \"police_station\""),
            "{said}"
        );
    }

    #[test]
    fn rows_are_ordered_parents_first_and_a_cycle_is_named_by_line() {
        let row = |code: &'static str, parent: Option<&'static str>, line: u64| {
            (
                (code, parent),
                Line {
                    file: "regions.csv".into(),
                    line,
                },
            )
        };
        let rows = vec![
            row("330102", Some("330100"), 2),
            row("330100", Some("330000"), 3),
            row("330000", None, 4),
            row("330200", Some("999999"), 5),
        ];

        let ordered = parents_first(rows, "regions", |r| r.0, |r| r.1).unwrap();

        let codes: Vec<&str> = ordered.iter().map(|(r, _)| r.0).collect();
        assert_eq!(codes, ["330000", "330200", "330100", "330102"]);
        assert_eq!(
            ordered[3].1,
            Line {
                file: "regions.csv".into(),
                line: 2
            },
            "each row keeps its line"
        );

        let cycle = vec![row("1", Some("2"), 2), row("2", Some("1"), 3)];
        let err = parents_first(cycle, "regions", |r| r.0, |r| r.1).unwrap_err();
        assert!(err.to_string().starts_with("regions.csv line 2: "), "{err}");
        let twice = vec![row("1", None, 2), row("1", None, 7)];
        let err = parents_first(twice, "regions", |r| r.0, |r| r.1).unwrap_err();
        assert_eq!(err.to_string(), "regions.csv line 7: 1 is also on line 2");
        let said = err.message().unwrap().render(Lang::Zh).unwrap();
        assert_eq!(said, "regions.csv 第 7 行有误：1 与第 2 行重复");
    }

    #[test]
    fn regions_nest_under_their_parents_in_path_order() {
        let region = |code: &str, parent: Option<&str>, path: &str| Region {
            code: RegionCode::parse(code).unwrap(),
            name_zh: Name::parse(code).unwrap(),
            name_en: None,
            level: Level::City,
            parent: parent.map(|p| RegionCode::parse(p).unwrap()),
            path: crate::domain::org::RegionPath(path.into()),
        };
        let regions = [
            region("330000", None, "/330000/"),
            region("330100", Some("330000"), "/330000/330100/"),
            region("330102", Some("330100"), "/330000/330100/330102/"),
            region("330200", Some("330000"), "/330000/330200/"),
        ];

        let tree = region_tree(&regions);

        assert_eq!(tree.len(), 1);
        let cities: Vec<&str> = tree[0]
            .children
            .iter()
            .map(|c| c.region.code.as_str())
            .collect();
        assert_eq!(cities, ["330100", "330200"]);
        assert_eq!(tree[0].children[0].children[0].region.code, "330102");
    }
}
