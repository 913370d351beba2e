//! The directory import: regions, organizations and users from the operator's CSV files, all
//! in one transaction or nothing (`concord admin import`).
//!
//! Its own module because it writes both the directory (`directory.rs`) and users
//! (`users.rs`), which otherwise know nothing of each other. It must never update an existing
//! record: an import only adds.

use super::audit::AuditQueries;
use super::common::{in_transaction, lock_keys, rule, Exclusive};
use super::directory::DirectoryQueries;
use super::identity::{AuditEvent, DirectoryImport, ImportReport, NewOrg};
use super::users::UserQueries;
use super::{Db, DbError};

/// Turns a refusal of one import item into a refusal that names it, so the operator can find
/// the line: `organization 3 (code X): parent Y not found`.
fn about_item(item: &str, err: DbError) -> DbError {
    match err {
        DbError::Rule(message) | DbError::NotFound(message) => rule(format!("{item}: {message}")),
        DbError::Conflict(_) => rule(format!(
            "{item}: something with the same code, user name or OpenID identity already exists"
        )),
        DbError::MissingReference(_) => rule(format!(
            "{item}: it refers to something that does not exist"
        )),
        other => other,
    }
}

impl Db {
    /// Loads regions, then organizations, then users, in one transaction: all of it or, on
    /// the first refusal, none of it. A refusal is a [`DbError::Rule`] that names the item
    /// (`organization 3 (code X): parent Y not found`, counting from 1 within its kind).
    ///
    /// Every item is new: an existing region, organization or user name is refused, not
    /// updated. Regions and organizations may refer to earlier items of the import. The import
    /// is one audit row, `event`.
    pub async fn import_directory(
        &self,
        import: &DirectoryImport,
        event: &AuditEvent,
    ) -> Result<ImportReport, DbError> {
        in_transaction!(self, |conn| {
            conn.exclusive(lock_keys::DIRECTORY).await?;
            for (i, region) in import.regions.iter().enumerate() {
                let item = format!("region {} (code {})", i + 1, region.code);
                if conn.region_by_code(region.code.as_str()).await?.is_some() {
                    return Err(rule(format!(
                        "{item}: a region with this code already exists"
                    )));
                }
                conn.insert_region(region)
                    .await
                    .map_err(|e| about_item(&item, e))?;
            }
            for (i, entry) in import.orgs.iter().enumerate() {
                let code = &entry.org.code;
                let item = format!("organization {} (code {code})", i + 1);
                if conn.org_by_code(code.as_str()).await?.is_some() {
                    return Err(rule(format!(
                        "{item}: an organization with this code already exists"
                    )));
                }
                let parent_id = match &entry.parent_code {
                    None => None,
                    Some(parent_code) => Some(
                        conn.org_by_code(parent_code.as_str())
                            .await?
                            .ok_or_else(|| rule(format!("{item}: parent {parent_code} not found")))?
                            .id,
                    ),
                };
                let new = NewOrg {
                    parent_id,
                    ..entry.org.clone()
                };
                conn.insert_org(&new, event.at)
                    .await
                    .map_err(|e| about_item(&item, e))?;
            }
            for (i, entry) in import.users.iter().enumerate() {
                let user = &entry.user;
                let item = match &user.username {
                    Some(username) => format!("user {} (user name {username})", i + 1),
                    None => format!("user {} ({})", i + 1, user.display_name),
                };
                let org = conn
                    .org_by_code(entry.org_code.as_str())
                    .await?
                    .ok_or_else(|| {
                        rule(format!("{item}: organization {} not found", entry.org_code))
                    })?;
                if let Some(username) = &user.username {
                    if conn.user_id_by_username(username.as_str()).await?.is_some() {
                        return Err(rule(format!(
                            "{item}: a user with this user name already exists"
                        )));
                    }
                }
                let mut new = user.clone();
                new.org_id = Some(org.id);
                conn.insert_user(&new, event.at)
                    .await
                    .map_err(|e| about_item(&item, e))?;
            }
            conn.append_audit(event).await?;
            Ok(ImportReport {
                regions: import.regions.len(),
                orgs: import.orgs.len(),
                users: import.users.len(),
            })
        })
    }
}
