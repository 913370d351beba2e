//! Users and their local passwords, including the count of wrong passwords that locks an
//! account for a while.
//!
//! A user belongs to one organization, except an operator, who may belong to none; the schema
//! refuses any other user without one, and [`Db::create_user`] says so in words first.
//!
//! This module must never return a password hash except through [`PasswordRecord`] (whose
//! `Debug` hides it), and never log one.

use super::audit::AuditQueries;
use super::common::{
    corrupt, impl_for_both_engines, in_transaction, new_id, not_found, on_reader, parse,
    parse_name, rule,
};
use super::directory::DirectoryQueries;
use super::identity::{AuditEvent, NewUser, PasswordRecord, User, UserPatch};
use super::{Db, DbError};
use crate::domain::org::{Name, Username};

/// A user as stored (without the password hash: only whether there is one).
#[derive(sqlx::FromRow)]
struct UserRecord {
    id: String,
    org_id: Option<String>,
    username: Option<String>,
    display_name: String,
    org_role: String,
    is_operator: bool,
    disabled: bool,
    has_password: bool,
    oidc_issuer: Option<String>,
    oidc_subject: Option<String>,
    created_at: i64,
}

impl TryFrom<UserRecord> for User {
    type Error = DbError;
    fn try_from(u: UserRecord) -> Result<User, DbError> {
        Ok(User {
            id: u.id,
            org_id: u.org_id,
            username: u
                .username
                .as_deref()
                .map(|name| Username::parse(name).map_err(corrupt))
                .transpose()?,
            display_name: parse_name(&u.display_name)?,
            org_role: parse(&u.org_role)?,
            operator: u.is_operator,
            disabled: u.disabled,
            has_password: u.has_password,
            oidc_issuer: u.oidc_issuer,
            oidc_subject: u.oidc_subject,
            created_at: u.created_at,
        })
    }
}

const USER_SELECT: &str = "select id, org_id, username, display_name, org_role, is_operator,
        disabled, password_hash is not null as has_password, oidc_issuer, oidc_subject,
        created_at
    from users";

/// The user queries that several writes share.
pub(super) trait UserQueries {
    async fn user_by_id(&mut self, id: &str) -> Result<Option<User>, DbError>;

    async fn user_id_by_username(&mut self, username: &str) -> Result<Option<String>, DbError>;

    /// Checks a new user's organization and inserts it.
    async fn insert_user(&mut self, new: &NewUser, at: i64) -> Result<User, DbError>;

    /// Applies `patch` to the stored user `current`.
    async fn change_user(
        &mut self,
        current: &User,
        patch: &UserPatch,
        at: i64,
    ) -> Result<User, DbError>;
}

impl_for_both_engines!(UserQueries {
    async fn user_by_id(&mut self, id: &str) -> Result<Option<User>, DbError> {
        let record: Option<UserRecord> = sqlx::query_as(&format!("{USER_SELECT} where id = $1"))
            .bind(id)
            .fetch_optional(&mut *self)
            .await?;
        record.map(User::try_from).transpose()
    }

    async fn user_id_by_username(&mut self, username: &str) -> Result<Option<String>, DbError> {
        let id = sqlx::query_scalar("select id from users where username = $1")
            .bind(username)
            .fetch_optional(&mut *self)
            .await?;
        Ok(id)
    }

    async fn insert_user(&mut self, new: &NewUser, at: i64) -> Result<User, DbError> {
        if new.org_id.is_none() && !new.operator {
            return Err(rule(&crate::domain::phrases::USER_NEEDS_ORG));
        }
        if let Some(org_id) = &new.org_id {
            if self.org_by_id(org_id).await?.is_none() {
                return Err(rule(crate::domain::phrases::NO_ORG_ID.with("id", org_id)));
            }
        }
        if new.oidc_issuer.is_some() != new.oidc_subject.is_some() {
            return Err(rule(
                "an OpenID identity needs both its issuer and its subject",
            ));
        }
        let id = new_id();
        sqlx::query(
            "insert into users
                 (id, org_id, username, display_name, org_role, is_operator, disabled,
                  password_hash, oidc_issuer, oidc_subject, failed_logins, locked_until,
                  created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, false, $7, $8, $9, 0, null, $10, $10)",
        )
        .bind(&id)
        .bind(new.org_id.as_deref())
        .bind(new.username.as_ref().map(Username::as_str))
        .bind(new.display_name.as_str())
        .bind(new.org_role.as_str())
        .bind(new.operator)
        .bind(new.password_hash.as_deref())
        .bind(new.oidc_issuer.as_deref())
        .bind(new.oidc_subject.as_deref())
        .bind(at)
        .execute(&mut *self)
        .await?;
        self.user_by_id(&id)
            .await?
            .ok_or_else(|| not_found(&crate::domain::phrases::NO_SUCH_USER))
    }

    async fn change_user(
        &mut self,
        current: &User,
        patch: &UserPatch,
        at: i64,
    ) -> Result<User, DbError> {
        let id = current.id.as_str();
        let display_name = patch.display_name.as_ref().unwrap_or(&current.display_name);
        let org_role = patch.org_role.unwrap_or(current.org_role);
        let disabled = patch.disabled.unwrap_or(current.disabled);
        sqlx::query(
            "update users set display_name = $1, org_role = $2, disabled = $3, updated_at = $4
             where id = $5",
        )
        .bind(Name::as_str(display_name))
        .bind(org_role.as_str())
        .bind(disabled)
        .bind(at)
        .bind(id)
        .execute(&mut *self)
        .await?;
        self.user_by_id(id)
            .await?
            .ok_or_else(|| not_found(&crate::domain::phrases::NO_SUCH_USER))
    }
});

/// A password record as stored.
#[derive(sqlx::FromRow)]
struct PasswordRow {
    user_id: String,
    password_hash: String,
    disabled: bool,
    failed_logins: i64,
    locked_until: Option<i64>,
}

impl Db {
    /// Creates a user. A user who is not an operator needs an existing organization; a user
    /// name or OpenID identity already taken is a [`DbError::Conflict`].
    pub async fn create_user(&self, new: &NewUser, event: &AuditEvent) -> Result<User, DbError> {
        in_transaction!(self, |conn| {
            let user = conn.insert_user(new, event.at).await?;
            conn.append_audit(event).await?;
            Ok(user)
        })
    }

    pub async fn user(&self, id: &str) -> Result<Option<User>, DbError> {
        on_reader!(self, |conn| conn.user_by_id(id).await)
    }

    /// The user with this user name, with or without a password.
    pub async fn user_by_username(&self, username: &Username) -> Result<Option<User>, DbError> {
        let record: Option<UserRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!("{USER_SELECT} where username = $1"))
                .bind(username.as_str())
                .fetch_optional(&mut *conn)
                .await?
        });
        record.map(User::try_from).transpose()
    }

    /// The user an OpenID provider's `(iss, sub)` pair was linked to.
    pub async fn user_by_oidc(&self, issuer: &str, subject: &str) -> Result<Option<User>, DbError> {
        let record: Option<UserRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{USER_SELECT} where oidc_issuer = $1 and oidc_subject = $2"
            ))
            .bind(issuer)
            .bind(subject)
            .fetch_optional(&mut *conn)
            .await?
        });
        record.map(User::try_from).transpose()
    }

    /// The users of one organization, oldest first.
    pub async fn users_of_org(&self, org_id: &str) -> Result<Vec<User>, DbError> {
        let records: Vec<UserRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{USER_SELECT} where org_id = $1 order by created_at, id"
            ))
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(User::try_from).collect()
    }

    /// Changes a user's name, role or whether they may sign in.
    pub async fn update_user(
        &self,
        id: &str,
        patch: &UserPatch,
        event: &AuditEvent,
    ) -> Result<User, DbError> {
        in_transaction!(self, |conn| {
            let current = conn
                .user_by_id(id)
                .await?
                .ok_or_else(|| not_found(&crate::domain::phrases::NO_SUCH_USER))?;
            let user = conn.change_user(&current, patch, event.at).await?;
            conn.append_audit(event).await?;
            Ok(user)
        })
    }

    /// What checking `username`'s password needs; `None` when there is no such user or the
    /// user has no local password.
    pub async fn password_record(
        &self,
        username: &Username,
    ) -> Result<Option<PasswordRecord>, DbError> {
        let row: Option<PasswordRow> = on_reader!(self, |conn| {
            sqlx::query_as(
                "select id as user_id, password_hash, disabled, failed_logins, locked_until
                 from users
                 where username = $1 and password_hash is not null",
            )
            .bind(username.as_str())
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(row.map(|r| PasswordRecord {
            user_id: r.user_id,
            password_hash: r.password_hash,
            disabled: r.disabled,
            failed_logins: r.failed_logins,
            locked_until: r.locked_until,
        }))
    }

    /// Counts a wrong password. When the count reaches `lock_after`, locks the account until
    /// `now + lock_ms`, starts the count again, and returns that time; otherwise `None`.
    /// A `lock_after` of 0 or less never locks.
    ///
    /// One statement does the counting, so failures arriving at once are all counted.
    pub async fn record_login_failure(
        &self,
        user_id: &str,
        now: i64,
        lock_after: i64,
        lock_ms: i64,
    ) -> Result<Option<i64>, DbError> {
        in_transaction!(self, |conn| {
            let count: i64 = sqlx::query_scalar(
                "update users set failed_logins = failed_logins + 1 where id = $1
                 returning failed_logins",
            )
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| not_found(&crate::domain::phrases::NO_SUCH_USER))?;
            if lock_after <= 0 || count < lock_after {
                return Ok(None);
            }
            let until = now.saturating_add(lock_ms);
            sqlx::query("update users set failed_logins = 0, locked_until = $1 where id = $2")
                .bind(until)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            Ok(Some(until))
        })
    }

    /// Forgets wrong passwords and any lock: after a successful sign-in or a password reset.
    pub async fn clear_login_failures(&self, user_id: &str) -> Result<(), DbError> {
        in_transaction!(self, |conn| {
            let cleared = sqlx::query(
                "update users set failed_logins = 0, locked_until = null where id = $1",
            )
            .bind(user_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if cleared == 0 {
                return Err(not_found(&crate::domain::phrases::NO_SUCH_USER));
            }
            Ok(())
        })
    }

    /// Sets a user's password hash (a PHC string, never a password).
    pub async fn set_password(
        &self,
        user_id: &str,
        password_hash: &str,
        event: &AuditEvent,
    ) -> Result<(), DbError> {
        in_transaction!(self, |conn| {
            let set =
                sqlx::query("update users set password_hash = $1, updated_at = $2 where id = $3")
                    .bind(password_hash)
                    .bind(event.at)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            if set == 0 {
                return Err(not_found(&crate::domain::phrases::NO_SUCH_USER));
            }
            conn.append_audit(event).await?;
            Ok(())
        })
    }

    /// Whether any operator who may sign in exists (a disabled one does not count).
    pub async fn operator_exists(&self) -> Result<bool, DbError> {
        on_reader!(self, |conn| {
            let exists: bool = sqlx::query_scalar(
                "select exists (select 1 from users where is_operator and not disabled)",
            )
            .fetch_one(&mut *conn)
            .await?;
            Ok(exists)
        })
    }
}
