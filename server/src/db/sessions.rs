//! Credentials and their short-lived companions: browser sessions, API tokens, OpenID Connect
//! sign-ins in progress, and the deployment's settings.
//!
//! # Secrets
//!
//! A session cookie or an API token is a bearer secret. It is never stored: the tables hold
//! `hex(sha256(secret))` and lookups go by that hash, so a copy of the database does not let
//! anyone sign in. The OpenID nonce and PKCE verifier are stored (the callback needs them) but
//! live minutes and are deleted on first use. Nothing here logs any of them.
//!
//! # Time
//!
//! Every rule that depends on the clock takes `now` from the caller, so tests decide what time
//! it is. "Live" means not revoked and `now` strictly before each expiry.

use super::audit::AuditQueries;
use super::common::{in_transaction, new_id, on_reader, parse_name, rule};
use super::directory::DirectoryQueries;
use super::identity::{ApiTokenRow, AuditEvent, NewApiToken, NewSession, OidcLogin, SessionRow};
use super::users::UserQueries;
use super::{now_unix_ms, Db, DbError, Org, User};

/// A session as stored (without its token hash).
#[derive(sqlx::FromRow)]
struct SessionRecord {
    id: String,
    user_id: String,
    created_at: i64,
    last_seen_at: i64,
    idle_expires_at: i64,
    absolute_expires_at: i64,
    ip: Option<String>,
    user_agent: Option<String>,
}

impl From<SessionRecord> for SessionRow {
    fn from(s: SessionRecord) -> SessionRow {
        SessionRow {
            id: s.id,
            user_id: s.user_id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            idle_expires_at: s.idle_expires_at,
            absolute_expires_at: s.absolute_expires_at,
            ip: s.ip,
            user_agent: s.user_agent,
        }
    }
}

const SESSION_SELECT: &str = "select id, user_id, created_at, last_seen_at, idle_expires_at,
        absolute_expires_at, ip, user_agent
    from sessions";

/// The condition for a live session, with `now` as `$1`.
const SESSION_LIVE: &str =
    "revoked_at is null and $1 < idle_expires_at and $1 < absolute_expires_at";

/// An API token as stored (without its hash).
#[derive(sqlx::FromRow)]
struct ApiTokenRecord {
    id: String,
    org_id: String,
    name: String,
    permissions: String,
    created_by: String,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    last_used_ip: Option<String>,
}

impl TryFrom<ApiTokenRecord> for ApiTokenRow {
    type Error = DbError;
    fn try_from(t: ApiTokenRecord) -> Result<ApiTokenRow, DbError> {
        Ok(ApiTokenRow {
            id: t.id,
            org_id: t.org_id,
            name: parse_name(&t.name)?,
            permissions: t
                .permissions
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            created_by: t.created_by,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
            last_used_ip: t.last_used_ip,
        })
    }
}

const TOKEN_SELECT: &str = "select id, org_id, name, permissions, created_by, created_at,
        expires_at, revoked_at, last_used_at, last_used_ip
    from api_tokens";

/// The condition for a live API token, with `now` as `$1`.
const TOKEN_LIVE: &str = "revoked_at is null and $1 < expires_at";

/// A credential to end, named with the one it must belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldCredential<'a> {
    /// A browser session of this user.
    Session { id: &'a str, user_id: &'a str },
    /// An API token of this organization.
    ApiToken { id: &'a str, org_id: &'a str },
}

/// An OpenID sign-in as stored.
#[derive(sqlx::FromRow)]
struct OidcLoginRecord {
    state: String,
    provider: String,
    nonce: String,
    pkce_verifier: String,
    return_to: String,
    expires_at: i64,
}

impl Db {
    // ---- sessions ----

    /// Stores a new session (by its token's hash) and returns it with its new public id.
    pub async fn create_session(
        &self,
        new: &NewSession,
        event: &AuditEvent,
    ) -> Result<SessionRow, DbError> {
        let id = new_id();
        in_transaction!(self, |conn| {
            sqlx::query(
                "insert into sessions
                     (id, token_hash, user_id, created_at, last_seen_at, idle_expires_at,
                      absolute_expires_at, revoked_at, ip, user_agent)
                 values ($1, $2, $3, $4, $4, $5, $6, null, $7, $8)",
            )
            .bind(&id)
            .bind(&new.token_hash)
            .bind(&new.user_id)
            .bind(new.now)
            .bind(new.idle_expires_at)
            .bind(new.absolute_expires_at)
            .bind(new.ip.as_deref())
            .bind(new.user_agent.as_deref())
            .execute(&mut *conn)
            .await?;
            conn.append_audit(event).await?;
            Ok(SessionRow {
                id: id.clone(),
                user_id: new.user_id.clone(),
                created_at: new.now,
                last_seen_at: new.now,
                idle_expires_at: new.idle_expires_at,
                absolute_expires_at: new.absolute_expires_at,
                ip: new.ip.clone(),
                user_agent: new.user_agent.clone(),
            })
        })
    }

    /// The live session whose token hashes to `token_hash`.
    pub async fn live_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<SessionRow>, DbError> {
        self.live_session_where("token_hash", token_hash, now).await
    }

    /// The live session whose token hashes to `token_hash`, its user and the user's body:
    /// what authenticating a request needs, read on one connection. A page opening a
    /// dossier authenticates hundreds of sockets at once, and on PostgreSQL every pool
    /// acquisition costs a round trip of its own.
    pub async fn live_session_with_user(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(SessionRow, Option<User>, Option<Org>)>, DbError> {
        on_reader!(self, |conn| {
            let record: Option<SessionRecord> = sqlx::query_as(&format!(
                "{SESSION_SELECT} where token_hash = $2 and {SESSION_LIVE}"
            ))
            .bind(now)
            .bind(token_hash)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(session) = record.map(SessionRow::from) else {
                return Ok(None);
            };
            let user = conn.user_by_id(&session.user_id).await?;
            let org = match user.as_ref().and_then(|u| u.org_id.as_deref()) {
                Some(id) => conn.org_by_id(id).await?,
                None => None,
            };
            Ok(Some((session, user, org)))
        })
    }

    /// The live session with this public id: for re-checking what an open websocket may still
    /// do, when only the id is at hand.
    pub async fn live_session_by_id(
        &self,
        id: &str,
        now: i64,
    ) -> Result<Option<SessionRow>, DbError> {
        self.live_session_where("id", id, now).await
    }

    /// The live session whose `column` (one of our two unique keys, never caller input) is
    /// `value`.
    async fn live_session_where(
        &self,
        column: &'static str,
        value: &str,
        now: i64,
    ) -> Result<Option<SessionRow>, DbError> {
        let record: Option<SessionRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{SESSION_SELECT} where {column} = $2 and {SESSION_LIVE}"
            ))
            .bind(now)
            .bind(value)
            .fetch_optional(&mut *conn)
            .await?
        });
        Ok(record.map(SessionRow::from))
    }

    /// Records a use of a session and moves its idle expiry. Does nothing to a revoked or
    /// unknown session. Not audited: it happens on every request.
    pub async fn touch_session(
        &self,
        id: &str,
        now: i64,
        idle_expires_at: i64,
    ) -> Result<(), DbError> {
        in_transaction!(self, |conn| {
            sqlx::query(
                "update sessions set last_seen_at = $1, idle_expires_at = $2
                 where id = $3 and revoked_at is null",
            )
            .bind(now)
            .bind(idle_expires_at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
    }

    /// A user's live sessions, most recently used first.
    pub async fn list_sessions(&self, user_id: &str, now: i64) -> Result<Vec<SessionRow>, DbError> {
        let records: Vec<SessionRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{SESSION_SELECT} where user_id = $2 and {SESSION_LIVE}
                 order by last_seen_at desc, id"
            ))
            .bind(now)
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(records.into_iter().map(SessionRow::from).collect())
    }

    /// Ends every live session of a user but `keep` (the one a password change is made
    /// from), and returns their ids, so the caller can close what they opened. Writes the
    /// audit row only if there were any.
    pub async fn revoke_user_sessions(
        &self,
        user_id: &str,
        keep: Option<&str>,
        now: i64,
        event: &AuditEvent,
    ) -> Result<Vec<String>, DbError> {
        in_transaction!(self, |conn| {
            // Ids are never empty, so `''` keeps none.
            let mut ids: Vec<String> = sqlx::query_scalar(&format!(
                "update sessions set revoked_at = $1
                 where user_id = $2 and id <> $3 and {SESSION_LIVE}
                 returning id"
            ))
            .bind(now)
            .bind(user_id)
            .bind(keep.unwrap_or_default())
            .fetch_all(&mut *conn)
            .await?;
            ids.sort_unstable();
            if !ids.is_empty() {
                conn.append_audit(event).await?;
            }
            Ok(ids)
        })
    }

    // ---- both kinds of credential ----

    /// Ends one credential, if it is still unrevoked and belongs to whom it must: a session
    /// to its user, an API token to its organization (so nobody ends another's by guessing an
    /// id). `false` (and no audit row) otherwise.
    pub async fn revoke_credential(
        &self,
        credential: HeldCredential<'_>,
        now: i64,
        event: &AuditEvent,
    ) -> Result<bool, DbError> {
        let (table, owner_column, id, owner) = match credential {
            HeldCredential::Session { id, user_id } => ("sessions", "user_id", id, user_id),
            HeldCredential::ApiToken { id, org_id } => ("api_tokens", "org_id", id, org_id),
        };
        in_transaction!(self, |conn| {
            let revoked = sqlx::query(&format!(
                "update {table} set revoked_at = $1
                 where id = $2 and {owner_column} = $3 and revoked_at is null"
            ))
            .bind(now)
            .bind(id)
            .bind(owner)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if revoked == 0 {
                return Ok(false);
            }
            conn.append_audit(event).await?;
            Ok(true)
        })
    }

    // ---- API tokens ----

    /// Stores a new API token (by its hash) for an organization.
    pub async fn create_api_token(
        &self,
        new: &NewApiToken,
        event: &AuditEvent,
    ) -> Result<ApiTokenRow, DbError> {
        if let Some(bad) = new
            .permissions
            .iter()
            .find(|p| p.is_empty() || p.chars().any(char::is_whitespace))
        {
            return Err(rule(
                crate::domain::phrases::PERMISSION_ONE_WORD.with("bad", format!("{bad:?}")),
            ));
        }
        let id = new_id();
        in_transaction!(self, |conn| {
            sqlx::query(
                "insert into api_tokens
                     (id, org_id, name, token_hash, permissions, created_by, created_at,
                      expires_at, revoked_at, last_used_at, last_used_ip)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, null, null, null)",
            )
            .bind(&id)
            .bind(&new.org_id)
            .bind(new.name.as_str())
            .bind(&new.token_hash)
            .bind(new.permissions.join(" "))
            .bind(&new.created_by)
            .bind(new.now)
            .bind(new.expires_at)
            .execute(&mut *conn)
            .await?;
            conn.append_audit(event).await?;
            Ok(ApiTokenRow {
                id: id.clone(),
                org_id: new.org_id.clone(),
                name: new.name.clone(),
                permissions: new.permissions.clone(),
                created_by: new.created_by.clone(),
                created_at: new.now,
                expires_at: new.expires_at,
                revoked_at: None,
                last_used_at: None,
                last_used_ip: None,
            })
        })
    }

    /// The live API token whose secret hashes to `token_hash`.
    pub async fn live_api_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<ApiTokenRow>, DbError> {
        let record: Option<ApiTokenRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{TOKEN_SELECT} where token_hash = $2 and {TOKEN_LIVE}"
            ))
            .bind(now)
            .bind(token_hash)
            .fetch_optional(&mut *conn)
            .await?
        });
        record.map(ApiTokenRow::try_from).transpose()
    }

    /// The live API token with this id: for re-checking an open websocket.
    pub async fn live_api_token_by_id(
        &self,
        id: &str,
        now: i64,
    ) -> Result<Option<ApiTokenRow>, DbError> {
        let record: Option<ApiTokenRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!("{TOKEN_SELECT} where id = $2 and {TOKEN_LIVE}"))
                .bind(now)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        record.map(ApiTokenRow::try_from).transpose()
    }

    /// Records when and from where a token was last used. Not audited: it happens on every
    /// request; the token's owner sees it in the token list.
    pub async fn record_token_use(
        &self,
        id: &str,
        now: i64,
        ip: Option<&str>,
    ) -> Result<(), DbError> {
        in_transaction!(self, |conn| {
            sqlx::query("update api_tokens set last_used_at = $1, last_used_ip = $2 where id = $3")
                .bind(now)
                .bind(ip)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        })
    }

    /// Every token of an organization, revoked and expired ones included, newest first.
    pub async fn api_tokens(&self, org_id: &str) -> Result<Vec<ApiTokenRow>, DbError> {
        let records: Vec<ApiTokenRecord> = on_reader!(self, |conn| {
            sqlx::query_as(&format!(
                "{TOKEN_SELECT} where org_id = $1 order by created_at desc, id"
            ))
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?
        });
        records.into_iter().map(ApiTokenRow::try_from).collect()
    }

    // ---- OpenID Connect sign-ins in progress ----

    /// Remembers a started sign-in until its callback, and forgets every expired one (sign-ins
    /// that were abandoned), so the table stays small without a cleanup job.
    pub async fn save_oidc_login(&self, login: &OidcLogin) -> Result<(), DbError> {
        let now = now_unix_ms();
        in_transaction!(self, |conn| {
            sqlx::query("delete from oidc_logins where expires_at <= $1")
                .bind(now)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "insert into oidc_logins
                     (state, provider, nonce, pkce_verifier, return_to, expires_at)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&login.state)
            .bind(&login.provider)
            .bind(&login.nonce)
            .bind(&login.pkce_verifier)
            .bind(&login.return_to)
            .bind(login.expires_at)
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
    }

    /// Takes the sign-in that `state` names: it is deleted, so a state works once. An expired
    /// one is deleted too, and not returned.
    pub async fn take_oidc_login(
        &self,
        state: &str,
        now: i64,
    ) -> Result<Option<OidcLogin>, DbError> {
        let record: Option<OidcLoginRecord> = in_transaction!(self, |conn| {
            let record = sqlx::query_as(
                "delete from oidc_logins where state = $1
                 returning state, provider, nonce, pkce_verifier, return_to, expires_at",
            )
            .bind(state)
            .fetch_optional(&mut *conn)
            .await?;
            Ok(record)
        })?;
        Ok(record.filter(|r| now < r.expires_at).map(|r| OidcLogin {
            state: r.state,
            provider: r.provider,
            nonce: r.nonce,
            pkce_verifier: r.pkce_verifier,
            return_to: r.return_to,
            expires_at: r.expires_at,
        }))
    }

    // ---- settings ----

    /// A deployment setting changed at run time (`local_login`, ...), if it was ever set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, DbError> {
        on_reader!(self, |conn| {
            let value = sqlx::query_scalar("select value from settings where key = $1")
                .bind(key)
                .fetch_optional(&mut *conn)
                .await?;
            Ok(value)
        })
    }

    pub async fn set_setting(
        &self,
        key: &str,
        value: &str,
        event: &AuditEvent,
    ) -> Result<(), DbError> {
        in_transaction!(self, |conn| {
            sqlx::query(
                "insert into settings (key, value) values ($1, $2)
                 on conflict (key) do update set value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *conn)
            .await?;
            conn.append_audit(event).await?;
            Ok(())
        })
    }
}
