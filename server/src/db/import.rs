//! The directory import: regions, organizations and users from the operator's CSV files, all
//! in one transaction or nothing (`concord admin import`).
//!
//! Its own module because it writes both the directory (`directory.rs`) and users
//! (`users.rs`), which otherwise know nothing of each other.
//!
//! An import is idempotent: each item is keyed by its code (a person by user name); a new key
//! is added, an existing record that differs is brought in line with the item (with the same
//! checks as the API's changes), and one that is already as given is left alone. Running the
//! same files again changes nothing and writes no audit row. An import never removes anything
//! and never moves a person to another body.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::audit::AuditQueries;
use super::common::{
    impl_for_both_engines, in_rolled_back_transaction, in_transaction, lock_keys, rule, Exclusive,
};
use super::directory::DirectoryQueries;
use super::identity::{
    AuditEvent, DirectoryImport, FieldChange, ImportReport, ItemChange, KindReport, NewOrg,
    OrgPatch, UserPatch,
};
use super::users::UserQueries;
use super::{Db, DbError};
use crate::domain::message::Message;
use crate::domain::org::Name;
use crate::domain::phrases;

/// Turns a refusal of one import item into a refusal that names it, so the operator can find
/// the line: `orgs.csv line 3 (code X): parent Y not found`.
fn about_item(item: &Message, err: DbError) -> DbError {
    match err {
        DbError::Rule(message) | DbError::NotFound(message) => refuse(item, message),
        DbError::Conflict(_) => refuse(item, phrases::IMPORT_SAME_KEY.message()),
        DbError::MissingReference(_) => refuse(item, phrases::IMPORT_MISSING_REFERENCE.message()),
        other => other,
    }
}

/// The refusal of `item`: `why`, after its name.
fn refuse(item: &Message, why: Message) -> DbError {
    rule(
        phrases::IMPORT_ITEM
            .message()
            .with_message("item", item.clone())
            .with_message("why", why),
    )
}

/// How a refusal names item `i` of a kind (`noun`, in Chinese and English): by where it came
/// from if known (`regions.csv line 3 (code 330101)`), else by its place (`region 2 (code
/// 330101)`).
fn label(
    sources: &[(String, u64)],
    noun: (&'static str, &'static str),
    i: usize,
    key: Message,
) -> Message {
    match sources.get(i) {
        Some((file, line)) => phrases::IMPORT_ITEM_AT_LINE
            .with("file", file)
            .with("line", line)
            .with_message("key", key),
        None => phrases::IMPORT_ITEM_NTH
            .with("n", i + 1)
            .with_words("noun", noun.0, noun.1)
            .with_message("key", key),
    }
}

/// An item's key: its code.
fn code_key(code: impl std::fmt::Display) -> Message {
    phrases::IMPORT_KEY_CODE.with("code", code)
}

/// Records a field whose stored value differs from the import's.
fn compare(
    fields: &mut Vec<FieldChange>,
    field: &'static str,
    from: Option<&str>,
    to: Option<&str>,
) {
    if from != to {
        fields.push(FieldChange {
            field,
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        });
    }
}

/// Counts an existing record as changed (with `fields`) or unchanged.
fn tally(kind: &mut KindReport, key: &str, fields: Vec<FieldChange>) {
    if fields.is_empty() {
        kind.unchanged += 1;
    } else {
        kind.changed.push(ItemChange {
            key: key.to_owned(),
            fields,
        });
    }
}

/// The import's audit detail: what was added and what changed, kind by kind (kinds with
/// neither left out), beside whatever the caller put in the event.
fn audit_detail(base: &Value, report: &ImportReport) -> Value {
    let mut detail = match base {
        Value::Object(_) => base.clone(),
        _ => json!({}),
    };
    for (name, kind) in [
        ("regions", &report.regions),
        ("orgs", &report.orgs),
        ("users", &report.users),
    ] {
        if !kind.added.is_empty() || !kind.changed.is_empty() {
            detail[name] = json!({ "added": kind.added, "changed": kind.changed });
        }
    }
    detail
}

/// The import itself, on one connection inside the caller's transaction.
trait ImportQueries {
    /// Adds, changes or leaves each item in turn; the first refusal ends it (the caller's
    /// transaction then stores nothing).
    async fn apply_import(
        &mut self,
        import: &DirectoryImport,
        at: i64,
    ) -> Result<ImportReport, DbError>;
}

impl_for_both_engines!(ImportQueries {
    async fn apply_import(
        &mut self,
        import: &DirectoryImport,
        at: i64,
    ) -> Result<ImportReport, DbError> {
        self.exclusive(lock_keys::DIRECTORY).await?;
        let sources = &import.sources;
        let mut report = ImportReport::default();

        let mut seen = HashSet::new();
        for (i, region) in import.regions.iter().enumerate() {
            let code = &region.code;
            let item = label(&sources.regions, ("区划", "region"), i, code_key(code));
            if !seen.insert(code.as_str()) {
                return Err(refuse(
                    &item,
                    phrases::IMPORT_REGION_TWICE.with("code", code),
                ));
            }
            let Some(stored) = self.region_by_code(code.as_str()).await? else {
                self.insert_region(region)
                    .await
                    .map_err(|e| about_item(&item, e))?;
                report.regions.added.push(code.to_string());
                continue;
            };
            if stored.level != region.level {
                return Err(refuse(
                    &item,
                    phrases::IMPORT_REGION_LEVEL.message().with_words(
                        "level",
                        stored.level.label_zh(),
                        stored.level.as_str(),
                    ),
                ));
            }
            let mut fields = Vec::new();
            compare(
                &mut fields,
                "name_zh",
                Some(stored.name_zh.as_str()),
                Some(region.name_zh.as_str()),
            );
            compare(
                &mut fields,
                "name_en",
                stored.name_en.as_ref().map(Name::as_str),
                region.name_en.as_ref().map(Name::as_str),
            );
            if !fields.is_empty() {
                self.set_region_names(code, &region.name_zh, region.name_en.as_ref())
                    .await?;
            }
            if stored.parent != region.parent {
                self.relocate_region(&stored, region.parent.as_ref())
                    .await
                    .map_err(|e| about_item(&item, e))?;
                compare(
                    &mut fields,
                    "parent",
                    stored.parent.as_ref().map(|p| p.as_str()),
                    region.parent.as_ref().map(|p| p.as_str()),
                );
            }
            tally(&mut report.regions, code.as_str(), fields);
        }

        let mut seen = HashSet::new();
        for (i, entry) in import.orgs.iter().enumerate() {
            let org = &entry.org;
            let code = &org.code;
            let item = label(&sources.orgs, ("单位", "organization"), i, code_key(code));
            if !seen.insert(code.as_str()) {
                return Err(refuse(
                    &item,
                    phrases::IMPORT_ORG_TWICE.with("code", code),
                ));
            }
            let parent_id = match &entry.parent_code {
                None => None,
                Some(parent_code) => Some(
                    self.org_by_code(parent_code.as_str())
                        .await?
                        .ok_or_else(|| {
                            refuse(
                                &item,
                                phrases::IMPORT_PARENT_NOT_FOUND.with("code", parent_code),
                            )
                        })?
                        .id,
                ),
            };
            let Some(stored) = self.org_by_code(code.as_str()).await? else {
                let new = NewOrg {
                    parent_id,
                    ..org.clone()
                };
                self.insert_org(&new, at)
                    .await
                    .map_err(|e| about_item(&item, e))?;
                report.orgs.added.push(code.to_string());
                continue;
            };
            let stored_parent = match &stored.parent_id {
                None => None,
                Some(id) => self.org_by_id(id).await?.map(|p| p.code.to_string()),
            };
            let mut fields = Vec::new();
            compare(
                &mut fields,
                "name_zh",
                Some(stored.name_zh.as_str()),
                Some(org.name_zh.as_str()),
            );
            compare(
                &mut fields,
                "name_en",
                stored.name_en.as_ref().map(Name::as_str),
                org.name_en.as_ref().map(Name::as_str),
            );
            compare(
                &mut fields,
                "kind",
                Some(stored.kind.as_str()),
                Some(org.kind.as_str()),
            );
            compare(
                &mut fields,
                "region",
                Some(stored.region.as_str()),
                Some(org.region.as_str()),
            );
            compare(
                &mut fields,
                "parent",
                stored_parent.as_deref(),
                entry.parent_code.as_ref().map(|p| p.as_str()),
            );
            if !fields.is_empty() {
                let patch = OrgPatch {
                    name_zh: Some(org.name_zh.clone()),
                    name_en: Some(org.name_en.clone()),
                    kind: Some(org.kind),
                    region: Some(org.region.clone()),
                    parent_id: Some(parent_id),
                };
                self.change_org(&stored, &patch, at)
                    .await
                    .map_err(|e| about_item(&item, e))?;
            }
            tally(&mut report.orgs, code.as_str(), fields);
        }

        let mut seen = HashSet::new();
        for (i, entry) in import.users.iter().enumerate() {
            let user = &entry.user;
            let key = match &user.username {
                Some(username) => phrases::IMPORT_KEY_USERNAME.with("name", username),
                None => Message::from(user.display_name.as_str().to_owned()),
            };
            let item = label(&sources.users, ("人员", "user"), i, key);
            let org = self
                .org_by_code(entry.org_code.as_str())
                .await?
                .ok_or_else(|| {
                    refuse(
                        &item,
                        phrases::IMPORT_ORG_NOT_FOUND.with("code", &entry.org_code),
                    )
                })?;
            let existing = match &user.username {
                Some(username) => {
                    if !seen.insert(username.as_str()) {
                        return Err(refuse(
                            &item,
                            phrases::IMPORT_USERNAME_TWICE.with("name", username),
                        ));
                    }
                    self.user_id_by_username(username.as_str()).await?
                }
                // Without a user name there is no key to find the person by: always new.
                None => None,
            };
            let Some(id) = existing else {
                let mut new = user.clone();
                new.org_id = Some(org.id);
                let created = self
                    .insert_user(&new, at)
                    .await
                    .map_err(|e| about_item(&item, e))?;
                report.users.added.push(
                    created
                        .username
                        .map(|u| u.to_string())
                        .unwrap_or_else(|| created.display_name.to_string()),
                );
                continue;
            };
            let stored = self
                .user_by_id(&id)
                .await?
                .ok_or_else(|| refuse(&item, phrases::IMPORT_USER_DISAPPEARED.message()))?;
            if stored.org_id.as_deref() != Some(org.id.as_str()) {
                let body = match &stored.org_id {
                    Some(org_id) => self
                        .org_by_id(org_id)
                        .await?
                        .map(|o| phrases::IMPORT_BODY_ORG.with("code", o.code))
                        .unwrap_or_else(|| phrases::IMPORT_BODY_OTHER.message()),
                    None => phrases::IMPORT_BODY_OPERATOR.message(),
                };
                return Err(refuse(
                    &item,
                    phrases::IMPORT_USER_ELSEWHERE
                        .message()
                        .with_message("body", body),
                ));
            }
            let key = stored
                .username
                .as_ref()
                .map(|u| u.to_string())
                .unwrap_or_default();
            let mut fields = Vec::new();
            compare(
                &mut fields,
                "display_name",
                Some(stored.display_name.as_str()),
                Some(user.display_name.as_str()),
            );
            compare(
                &mut fields,
                "org_role",
                Some(stored.org_role.as_str()),
                Some(user.org_role.as_str()),
            );
            if !fields.is_empty() {
                let patch = UserPatch {
                    display_name: Some(user.display_name.clone()),
                    org_role: Some(user.org_role),
                    disabled: None,
                };
                self.change_user(&stored, &patch, at)
                    .await
                    .map_err(|e| about_item(&item, e))?;
            }
            tally(&mut report.users, &key, fields);
        }
        Ok(report)
    }
});

impl Db {
    /// Loads regions, then organizations, then users, in one transaction: all of it or, on
    /// the first refusal, none of it. A refusal is a [`DbError::Rule`] that names the item
    /// (`orgs.csv line 3 (code X): parent Y not found`, or by its place in its list when the
    /// import has no sources).
    ///
    /// New keys are added, existing records that differ are changed, the others left alone
    /// (see the module). Regions and organizations may refer to earlier items of the import.
    /// An import that adds or changes anything is one audit row, `event`, whose detail gains
    /// what was added and changed; one that changes nothing writes no audit row.
    pub async fn import_directory(
        &self,
        import: &DirectoryImport,
        event: &AuditEvent,
    ) -> Result<ImportReport, DbError> {
        in_transaction!(self, |conn| {
            let report = conn.apply_import(import, event.at).await?;
            if report.changes_anything() {
                let event = AuditEvent {
                    detail: audit_detail(&event.detail, &report),
                    ..event.clone()
                };
                conn.append_audit(&event).await?;
            }
            Ok(report)
        })
    }

    /// What [`Db::import_directory`] would do now, checked by the same rules in a transaction
    /// that is then rolled back: nothing is stored, and nothing is audited.
    pub async fn preview_directory_import(
        &self,
        import: &DirectoryImport,
        at: i64,
    ) -> Result<ImportReport, DbError> {
        in_rolled_back_transaction!(self, |conn| conn.apply_import(import, at).await)
    }
}
