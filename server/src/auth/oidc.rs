//! OpenID Connect sign-in: the provinces' unified identity services (统一身份认证) vouch for a
//! person, and we map what they say to a user of ours.
//!
//! The flow is the authorization code flow with PKCE (S256), a random `state` and a random
//! `nonce`:
//!
//! 1. [`OidcProviders::begin`] stores the state, nonce and PKCE verifier (for ten minutes, via
//!    `Db::save_oidc_login`) and answers the provider's authorization URL.
//! 2. The provider sends the browser back with a code. [`OidcProviders::finish`] takes the stored
//!    login by its state (single use: a replayed callback finds nothing), exchanges the code with
//!    the PKCE verifier, and has `openidconnect` verify the ID token: signature against the
//!    provider's published keys, issuer, audience, expiry and nonce.
//! 3. [`OidcProviders::resolve_user`] finds the user by (issuer, subject), or creates one in the
//!    organization the provider names (by its code), or refuses.
//!
//! Providers come from a JSON file (see [`OidcProviders::load`]). Discovery
//! (`/.well-known/openid-configuration` and the keys) happens on first use and is cached for an
//! hour, so the server starts while a provider is down; a failed discovery is retried on the
//! next sign-in, and a signature that does not verify drops the cache (the provider may have
//! rotated its keys).
//!
//! This module must never log or show a code, a token, a client secret, a nonce or a PKCE
//! verifier; its errors carry sentences for a person and short reason codes for the audit trail.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndSessionUrl, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, RequestTokenError, Scope, StandardErrorResponse, StandardTokenResponse,
    TokenResponse, UserInfoClaims, UserInfoError,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use url::Url;

use crate::db::{AuditEvent, Db, DbError, NewUser, OidcLogin, User};
use crate::domain::org::{Name, OrgCode, OrgRole};

/// How long a started sign-in may take before its state is forgotten.
const LOGIN_TTL_MS: i64 = 10 * 60 * 1000;

/// How long discovered metadata and keys are trusted before they are fetched again.
const DISCOVERY_TTL: Duration = Duration::from_secs(60 * 60);

/// Outgoing requests to a provider: a provider that hangs must not hold a sign-in forever.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The longest `return_to` kept; anything longer is not a page of ours.
const RETURN_TO_MAX: usize = 2048;

/// Claims beyond the standard ones (`org_code`, an employee number, ...), kept as JSON so the
/// providers file can name any of them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct ExtraClaims {
    #[serde(flatten)]
    claims: Map<String, Value>,
}

impl AdditionalClaims for ExtraClaims {}

type IdTokenFieldsX = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponseX = StandardTokenResponse<IdTokenFieldsX, CoreTokenType>;

/// The client `from_provider_metadata` builds: authorization endpoint set, token and userinfo
/// endpoints as the provider published them.
type OidcClient = openidconnect::Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponseX,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in through a provider was refused. Each message is for a person and names no
/// secret; [`OidcError::reason`] is the short code written to the audit trail.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("there is no sign-in provider {0:?} here")]
    UnknownProvider(String),
    #[error("this sign-in has expired or was already used; start again from the sign-in page")]
    UnknownState,
    #[error(
        "this sign-in was started in another browser, or has expired; start again from the \
         sign-in page"
    )]
    ForeignBrowser,
    #[error("the identity provider sent back an incomplete answer (no code or no state)")]
    IncompleteCallback,
    #[error("the identity provider refused the sign-in ({0})")]
    ProviderRefused(String),
    #[error("the identity provider cannot be reached right now; try again in a few minutes")]
    ProviderUnavailable,
    #[error("the identity provider did not accept the sign-in code (it may have been used already or expired); start again")]
    CodeRejected,
    #[error("the identity provider's answer was refused: {0}")]
    TokenRejected(TokenProblem),
    #[error("your organization (code {0:?}) is not registered here; ask an operator to add it")]
    UnknownOrganization(String),
    #[error(
        "the identity provider did not say {0:?}, which is needed to sign you in; ask an operator"
    )]
    MissingClaim(String),
    /// The user (by id, for the audit trail) exists but may not sign in.
    #[error("this account is disabled")]
    Disabled(String),
    #[error("the sign-in could not be recorded: {0}")]
    Storage(#[from] DbError),
}

/// What was wrong with an ID token (or the answer around it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    NoIdToken,
    Expired,
    WrongIssuer,
    WrongAudience,
    WrongNonce,
    BadSignature,
    AccessTokenMismatch,
    /// The `iss` parameter of the callback (RFC 9207) names another issuer.
    CallbackIssuer,
    /// The userinfo answer was for another subject, or unreadable.
    UserInfo,
    Other,
}

impl TokenProblem {
    fn as_str(&self) -> &'static str {
        match self {
            TokenProblem::NoIdToken => "no_id_token",
            TokenProblem::Expired => "expired",
            TokenProblem::WrongIssuer => "wrong_issuer",
            TokenProblem::WrongAudience => "wrong_audience",
            TokenProblem::WrongNonce => "wrong_nonce",
            TokenProblem::BadSignature => "bad_signature",
            TokenProblem::AccessTokenMismatch => "access_token_mismatch",
            TokenProblem::CallbackIssuer => "callback_issuer",
            TokenProblem::UserInfo => "userinfo",
            TokenProblem::Other => "other",
        }
    }

    fn zh(&self) -> &'static str {
        match self {
            TokenProblem::NoIdToken => "身份提供方没有返回身份令牌",
            TokenProblem::Expired => "身份令牌已过期",
            TokenProblem::WrongIssuer => "身份令牌不是由该身份提供方签发的",
            TokenProblem::WrongAudience => "身份令牌不是签发给本系统的",
            TokenProblem::WrongNonce => "身份令牌与本次登录不匹配",
            TokenProblem::BadSignature => "身份令牌的签名无法验证",
            TokenProblem::AccessTokenMismatch => "访问令牌与身份令牌不匹配",
            TokenProblem::CallbackIssuer => "登录回调来自其他身份提供方",
            TokenProblem::UserInfo => "用户信息与身份令牌不一致",
            TokenProblem::Other => "身份令牌无效",
        }
    }
}

impl fmt::Display for TokenProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenProblem::NoIdToken => "it contained no ID token",
            TokenProblem::Expired => "the ID token has expired",
            TokenProblem::WrongIssuer => "the ID token was issued by another issuer",
            TokenProblem::WrongAudience => "the ID token was issued for another application",
            TokenProblem::WrongNonce => "the ID token does not belong to this sign-in (nonce)",
            TokenProblem::BadSignature => "the ID token's signature does not verify",
            TokenProblem::AccessTokenMismatch => "the access token does not match the ID token",
            TokenProblem::CallbackIssuer => "the answer came from another issuer",
            TokenProblem::UserInfo => "the user information does not match the ID token",
            TokenProblem::Other => "the ID token is not valid",
        })
    }
}

impl OidcError {
    /// The short code for the audit trail (`detail.reason`).
    pub fn reason(&self) -> String {
        match self {
            OidcError::UnknownProvider(_) => "unknown_provider".into(),
            OidcError::UnknownState => "unknown_state".into(),
            OidcError::ForeignBrowser => "foreign_browser".into(),
            OidcError::IncompleteCallback => "incomplete_callback".into(),
            OidcError::ProviderRefused(code) => format!("provider_refused:{code}"),
            OidcError::ProviderUnavailable => "provider_unavailable".into(),
            OidcError::CodeRejected => "code_rejected".into(),
            OidcError::TokenRejected(problem) => format!("token_rejected:{}", problem.as_str()),
            OidcError::UnknownOrganization(_) => "unknown_organization".into(),
            OidcError::MissingClaim(_) => "missing_claim".into(),
            OidcError::Disabled(_) => "account_disabled".into(),
            OidcError::Storage(_) => "storage".into(),
        }
    }

    /// The same sentence in Chinese, shown first on the refusal page.
    pub fn message_zh(&self) -> String {
        match self {
            OidcError::UnknownProvider(id) => format!("本系统没有名为 “{id}” 的登录方式。"),
            OidcError::UnknownState => "本次登录已过期或已被使用，请从登录页重新开始。".into(),
            OidcError::ForeignBrowser => {
                "本次登录是在其他浏览器中发起的，或已过期，请从登录页重新开始。".into()
            }
            OidcError::IncompleteCallback => "身份提供方返回的登录结果不完整。".into(),
            OidcError::ProviderRefused(code) => format!("身份提供方拒绝了本次登录（{code}）。"),
            OidcError::ProviderUnavailable => "暂时无法连接身份提供方，请几分钟后再试。".into(),
            OidcError::CodeRejected => {
                "身份提供方不接受本次登录的授权码（可能已被使用或已过期），请重新登录。".into()
            }
            OidcError::TokenRejected(problem) => {
                format!("身份提供方的应答未通过校验：{}。", problem.zh())
            }
            OidcError::UnknownOrganization(code) => {
                format!("您所在的单位（代码 {code}）尚未在本系统登记，请联系系统管理员。")
            }
            OidcError::MissingClaim(claim) => {
                format!("身份提供方没有提供登录所需的信息（{claim}），请联系系统管理员。")
            }
            OidcError::Disabled(_) => "该账户已被停用。".into(),
            OidcError::Storage(_) => "登录结果无法保存，请稍后再试。".into(),
        }
    }
}

/// Who the provider says signed in, after every check.
#[derive(Debug, Clone)]
pub struct OidcIdentity {
    /// The provider's id in the providers file.
    pub provider: String,
    /// The issuer as configured (and verified): with `subject`, the key of the user.
    pub issuer: String,
    pub subject: String,
    /// The value of the claim the file names as `user_id` (`sub` by default).
    pub user_id_claim: String,
    pub name: Option<String>,
    pub org_code: Option<String>,
    /// Where to send the browser once signed in: a path of ours.
    pub return_to: String,
    /// The provider's logout address, with `id_token_hint`, `client_id` and
    /// `post_logout_redirect_uri`, when the provider publishes one.
    pub end_session_url: Option<Url>,
}

/// A sign-in that was started: send the browser to `url`; `state` identifies it on return.
#[derive(Debug, Clone)]
pub struct Started {
    pub url: Url,
    pub state: String,
}

/// What the provider sent back to the callback.
#[derive(Debug, Clone, Copy)]
pub struct Callback<'a> {
    pub code: &'a str,
    pub state: &'a str,
    /// The `iss` parameter (RFC 9207), when the provider sends one.
    pub iss: Option<&'a str>,
}

/// The providers file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvidersFile {
    providers: Vec<ProviderEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderEntry {
    id: String,
    name: String,
    issuer: String,
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    client_secret_file: Option<PathBuf>,
    #[serde(default = "default_scopes")]
    scopes: Vec<String>,
    #[serde(default)]
    claims: ClaimNames,
    #[serde(default)]
    userinfo: bool,
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "profile".into()]
}

/// Which claim carries what. Provinces name their claims differently.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ClaimNames {
    user_id: String,
    name: String,
    org_code: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames {
            user_id: "sub".into(),
            name: "name".into(),
            org_code: "org_code".into(),
        }
    }
}

/// One configured provider and what was learnt from its discovery document.
struct Provider {
    id: String,
    name: String,
    issuer: IssuerUrl,
    client_id: ClientId,
    /// `None`: a public client, which PKCE alone protects.
    client_secret: Option<ClientSecret>,
    /// Scopes besides `openid` (which the client always asks for).
    scopes: Vec<Scope>,
    claims: ClaimNames,
    userinfo: bool,
    redirect_uri: RedirectUrl,
    post_logout_redirect_uri: PostLogoutRedirectUrl,
    /// The discovered client, replaced after [`DISCOVERY_TTL`] and dropped after a signature
    /// failure. A std mutex: it is held only to clone or swap an `Arc`, never across `.await`.
    discovered: Mutex<Option<Arc<Discovered>>>,
    /// The logout address from the last successful discovery. Kept apart from `discovered` so
    /// that signing out still works while a refresh is failing.
    end_session: Mutex<Option<EndSessionUrl>>,
}

struct Discovered {
    client: OidcClient,
    at: Instant,
}

/// The configured OpenID providers, in the order of the file.
pub struct OidcProviders {
    providers: Vec<Provider>,
    /// Never follows redirects: a provider's endpoints are used as published (following them
    /// would let a response steer our requests elsewhere). Built on first use: its TLS roots
    /// cost memory that a deployment without providers should not pay.
    http: std::sync::OnceLock<openidconnect::reqwest::Client>,
}

impl fmt::Debug for OidcProviders {
    // By hand: no secret may reach a log through a derived Debug.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.providers.iter().map(|p| p.id.as_str()).collect();
        f.debug_struct("OidcProviders")
            .field("providers", &ids)
            .finish()
    }
}

impl Default for OidcProviders {
    fn default() -> Self {
        OidcProviders {
            providers: Vec::new(),
            http: std::sync::OnceLock::new(),
        }
    }
}

impl OidcProviders {
    fn http(&self) -> &openidconnect::reqwest::Client {
        self.http.get_or_init(http_client)
    }
}

fn http_client() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap_or_default()
}

impl OidcProviders {
    /// Reads the providers file, if any. `public_url` is where browsers reach this server; the
    /// callback of provider `zj` is `{public_url}/auth/oidc/zj/callback`, and the provider sends
    /// people back to `public_url` after signing out there.
    ///
    /// The file is `{"providers": [{"id", "name", "issuer", "client_id", "client_secret" or
    /// "client_secret_file", "scopes", "claims": {"user_id", "name", "org_code"}, "userinfo"}]}`.
    /// Refused: unknown fields, duplicate ids, an id that is not a short lowercase word, an
    /// issuer that is not `https://` (except on loopback, for tests), both or an unreadable
    /// secret, and any provider without a `public_url`. Nothing is fetched here.
    pub fn load(path: Option<&Path>, public_url: Option<&Url>) -> anyhow::Result<OidcProviders> {
        let Some(path) = path else {
            return Ok(OidcProviders::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the OpenID providers file {}", path.display()))?;
        let file: ProvidersFile = serde_json::from_str(&text).with_context(|| {
            format!("the OpenID providers file {} is not valid", path.display())
        })?;
        let base_dir = path.parent().unwrap_or_else(|| Path::new("."));
        let providers = parse_providers(file, base_dir, public_url)
            .with_context(|| format!("in the OpenID providers file {}", path.display()))?;
        Ok(OidcProviders {
            providers,
            http: std::sync::OnceLock::new(),
        })
    }

    /// `(id, name)` of each provider, for the sign-in page.
    pub fn list(&self) -> Vec<(String, String)> {
        self.providers
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect()
    }

    fn provider(&self, id: &str) -> Result<&Provider, OidcError> {
        self.providers
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| OidcError::UnknownProvider(id.chars().take(64).collect()))
    }

    /// Starts a sign-in: stores a fresh state, nonce and PKCE verifier for ten minutes and
    /// answers where to send the browser. `return_to` must be a path of ours (`/x`, not `//x`
    /// nor `https://…`); anything else becomes `/`.
    pub async fn begin(
        &self,
        db: &Db,
        provider_id: &str,
        return_to: &str,
        now_ms: i64,
    ) -> Result<Started, OidcError> {
        let provider = self.provider(provider_id)?;
        let discovered = provider.discovered(self.http()).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = discovered
            .client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(provider.scopes.iter().cloned())
            .set_pkce_challenge(challenge)
            .url();
        let login = OidcLogin {
            state: state.secret().clone(),
            provider: provider.id.clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to: safe_return_to(return_to).to_owned(),
            expires_at: now_ms + LOGIN_TTL_MS,
        };
        db.save_oidc_login(&login).await?;
        Ok(Started {
            url,
            state: login.state,
        })
    }

    /// Completes a sign-in from the provider's callback: the stored login is taken (so a second
    /// use of the same callback finds nothing), the code is exchanged with its PKCE verifier,
    /// and the ID token is verified (signature, issuer, audience, expiry, nonce, and the access
    /// token hash when present). With `"userinfo": true`, the userinfo endpoint's claims (for
    /// the same subject) are preferred to the ID token's when mapping.
    ///
    /// The ID token's expiry is checked against the real clock; `now_ms` decides whether the
    /// stored login has expired.
    pub async fn finish(
        &self,
        db: &Db,
        provider_id: &str,
        callback: Callback<'_>,
        now_ms: i64,
    ) -> Result<OidcIdentity, OidcError> {
        let provider = self.provider(provider_id)?;
        let login = db
            .take_oidc_login(callback.state, now_ms)
            .await?
            .filter(|login| login.provider == provider.id)
            .ok_or(OidcError::UnknownState)?;
        if callback
            .iss
            .is_some_and(|iss| iss != provider.issuer.as_str())
        {
            return Err(OidcError::TokenRejected(TokenProblem::CallbackIssuer));
        }
        let discovered = provider.discovered(self.http()).await?;
        let client = &discovered.client;
        let token = client
            .exchange_code(AuthorizationCode::new(callback.code.to_owned()))
            .map_err(|e| {
                tracing::warn!(provider = %provider.id, error = %e, "OpenID provider has no token endpoint");
                OidcError::ProviderUnavailable
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier))
            .request_async(self.http())
            .await
            .map_err(|e| token_request_error(&provider.id, e))?;
        let id_token = token
            .id_token()
            .ok_or(OidcError::TokenRejected(TokenProblem::NoIdToken))?;
        let verifier = client.id_token_verifier();
        let claims = match id_token.claims(&verifier, &Nonce::new(login.nonce)) {
            Ok(claims) => claims,
            Err(e) => {
                let problem = claims_problem(&e);
                if problem == TokenProblem::BadSignature {
                    // Perhaps the provider rotated its keys: fetch them again next time.
                    provider.forget_discovery();
                }
                tracing::info!(provider = %provider.id, reason = problem.as_str(), "ID token refused");
                return Err(OidcError::TokenRejected(problem));
            }
        };
        if let Some(expected) = claims.access_token_hash() {
            let actual = id_token
                .signing_alg()
                .and_then(|alg| Ok((alg, id_token.signing_key(&verifier)?)))
                .ok()
                .and_then(|(alg, key)| {
                    AccessTokenHash::from_token(token.access_token(), alg, key).ok()
                });
            if actual.as_ref() != Some(expected) {
                return Err(OidcError::TokenRejected(TokenProblem::AccessTokenMismatch));
            }
        }
        let id_claims = claims_json(claims)?;
        let userinfo = if provider.userinfo {
            let request = client
                .user_info(token.access_token().clone(), Some(claims.subject().clone()))
                .map_err(|_| {
                    tracing::warn!(provider = %provider.id, "userinfo is configured but the provider publishes no userinfo endpoint");
                    OidcError::ProviderUnavailable
                })?;
            let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = request
                .request_async(self.http())
                .await
                .map_err(|e| userinfo_error(&provider.id, e))?;
            Some(claims_json(&info)?)
        } else {
            None
        };
        let lookup = |name: &str| -> Option<String> {
            userinfo
                .as_ref()
                .and_then(|info| claim_text(info, name))
                .or_else(|| claim_text(&id_claims, name))
        };
        let user_id_claim = lookup(&provider.claims.user_id)
            .ok_or_else(|| OidcError::MissingClaim(provider.claims.user_id.clone()))?;
        let end_session_url = provider.end_session_url(Some(&id_token.to_string()));
        Ok(OidcIdentity {
            provider: provider.id.clone(),
            issuer: provider.issuer.as_str().to_owned(),
            subject: claims.subject().as_str().to_owned(),
            user_id_claim,
            name: lookup(&provider.claims.name),
            org_code: lookup(&provider.claims.org_code),
            return_to: login.return_to,
            end_session_url,
        })
    }

    /// The user `identity` signs in as: the one already linked to (issuer, subject), or a new
    /// member of the organization whose code the provider sent. A disabled user is refused; an
    /// organization not in the directory is refused (people are never created without one).
    pub async fn resolve_user(
        &self,
        db: &Db,
        identity: &OidcIdentity,
        now_ms: i64,
        ip: Option<&str>,
    ) -> Result<User, OidcError> {
        if let Some(user) = db.user_by_oidc(&identity.issuer, &identity.subject).await? {
            return enabled(user);
        }
        let provider = self.provider(&identity.provider)?;
        let raw_code = identity
            .org_code
            .as_deref()
            .ok_or_else(|| OidcError::MissingClaim(provider.claims.org_code.clone()))?;
        let shown_code: String = raw_code.chars().take(64).collect();
        let code = OrgCode::parse(raw_code)
            .map_err(|_| OidcError::UnknownOrganization(shown_code.clone()))?;
        let org = db
            .org_by_code(&code)
            .await?
            .ok_or(OidcError::UnknownOrganization(shown_code))?;
        let display_name = identity
            .name
            .as_deref()
            .and_then(|n| Name::parse(n).ok())
            .or_else(|| Name::parse(&identity.user_id_claim).ok())
            .ok_or_else(|| OidcError::MissingClaim(provider.claims.name.clone()))?;
        let new = NewUser {
            org_id: Some(org.id.clone()),
            username: None,
            display_name,
            org_role: OrgRole::Member,
            operator: false,
            password_hash: None,
            oidc_issuer: Some(identity.issuer.clone()),
            oidc_subject: Some(identity.subject.clone()),
        };
        let event = AuditEvent {
            at: now_ms,
            actor_user_id: None,
            actor_org_id: Some(org.id.clone()),
            action: "user_created".into(),
            target: String::new(),
            detail: json!({
                "via": "oidc",
                "provider": identity.provider,
                "org_id": org.id,
                "org_code": code.as_str(),
                "org_role": OrgRole::Member,
                "user_id_claim": identity.user_id_claim,
            }),
            ip: ip.map(str::to_owned),
        };
        match db.create_user(&new, &event).await {
            Ok(user) => Ok(user),
            // Two first sign-ins of the same person at once: the other one created the user.
            Err(DbError::Conflict(e)) => {
                match db.user_by_oidc(&identity.issuer, &identity.subject).await? {
                    Some(user) => enabled(user),
                    None => Err(DbError::Conflict(e).into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The provider's logout address for `provider_id`, with `client_id`,
    /// `post_logout_redirect_uri` (our public URL) and, when given, `id_token_hint`. `None` when
    /// the provider is unknown, publishes no end-session endpoint, or was never discovered.
    pub fn end_session_url(&self, provider_id: &str, id_token_hint: Option<&str>) -> Option<Url> {
        self.provider(provider_id)
            .ok()?
            .end_session_url(id_token_hint)
    }

    /// The logout address of the provider that `user` signs in through (matched by issuer),
    /// without an ID token hint. `None` for a local account.
    pub fn end_session_url_for(&self, user: &User) -> Option<Url> {
        let issuer = user.oidc_issuer.as_deref()?;
        self.providers
            .iter()
            .find(|p| p.issuer.as_str() == issuer)?
            .end_session_url(None)
    }
}

fn enabled(user: User) -> Result<User, OidcError> {
    if user.disabled {
        Err(OidcError::Disabled(user.id))
    } else {
        Ok(user)
    }
}

impl Provider {
    /// The discovered client, fetching the discovery document and keys when there is none or
    /// it is older than [`DISCOVERY_TTL`]. Two sign-ins that find the cache empty at once both
    /// fetch; the later one wins, which is harmless.
    async fn discovered(
        &self,
        http: &openidconnect::reqwest::Client,
    ) -> Result<Arc<Discovered>, OidcError> {
        if let Some(d) = lock(&self.discovered).as_ref() {
            if d.at.elapsed() < DISCOVERY_TTL {
                return Ok(d.clone());
            }
        }
        let metadata = ProviderMetadataWithLogout::discover_async(self.issuer.clone(), http)
            .await
            .map_err(|e| {
                tracing::warn!(provider = %self.id, error = %e, "OpenID discovery failed");
                OidcError::ProviderUnavailable
            })?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let client = OidcClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .set_redirect_uri(self.redirect_uri.clone());
        let discovered = Arc::new(Discovered {
            client,
            at: Instant::now(),
        });
        *lock(&self.discovered) = Some(discovered.clone());
        *lock(&self.end_session) = end_session;
        Ok(discovered)
    }

    fn forget_discovery(&self) {
        *lock(&self.discovered) = None;
    }

    fn end_session_url(&self, id_token_hint: Option<&str>) -> Option<Url> {
        let endpoint = lock(&self.end_session).clone()?;
        let mut url = endpoint.url().clone();
        {
            let mut query = url.query_pairs_mut();
            if let Some(hint) = id_token_hint {
                query.append_pair("id_token_hint", hint);
            }
            query.append_pair("client_id", self.client_id.as_str());
            query.append_pair(
                "post_logout_redirect_uri",
                self.post_logout_redirect_uri.as_str(),
            );
        }
        Some(url)
    }
}

/// Locks a mutex that is only ever held to read or swap a value: a panic while holding it
/// cannot leave that value half-written, so a poisoned lock is used as it is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn parse_providers(
    file: ProvidersFile,
    base_dir: &Path,
    public_url: Option<&Url>,
) -> anyhow::Result<Vec<Provider>> {
    if file.providers.is_empty() {
        return Ok(Vec::new());
    }
    let Some(public_url) = public_url else {
        bail!(
            "OpenID providers need the server's public URL (--public-url or CONCORD_PUBLIC_URL) \
             to tell them where to send people back"
        );
    };
    let base = public_url.as_str().trim_end_matches('/').to_owned();
    let mut seen = HashSet::new();
    let mut providers = Vec::new();
    for (i, entry) in file.providers.into_iter().enumerate() {
        let n = i + 1;
        let id = entry.id;
        let valid_id = (1..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !valid_id {
            bail!(
                "provider {n}: id {id:?} must be 1 to 32 lowercase letters, digits, '-' or '_' \
                 (it appears in the callback URL)"
            );
        }
        if !seen.insert(id.clone()) {
            bail!("provider {n}: the id {id:?} is used twice; ids must be unique");
        }
        if entry.name.trim().is_empty() {
            bail!("provider {id:?}: name must not be empty");
        }
        let issuer_url = Url::parse(&entry.issuer)
            .with_context(|| format!("provider {id:?}: issuer {:?} is not a URL", entry.issuer))?;
        let loopback = match issuer_url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        if issuer_url.scheme() != "https" && !(issuer_url.scheme() == "http" && loopback) {
            bail!(
                "provider {id:?}: issuer {:?} must be an https:// URL",
                entry.issuer
            );
        }
        if entry.client_id.trim().is_empty() {
            bail!("provider {id:?}: client_id must not be empty");
        }
        let client_secret = match (entry.client_secret, entry.client_secret_file) {
            (Some(_), Some(_)) => {
                bail!("provider {id:?}: give client_secret or client_secret_file, not both")
            }
            (Some(secret), None) => Some(secret),
            (None, Some(file)) => {
                let file = base_dir.join(file);
                let secret = std::fs::read_to_string(&file).with_context(|| {
                    format!(
                        "provider {id:?}: reading client_secret_file {}",
                        file.display()
                    )
                })?;
                Some(secret.trim_end_matches(['\r', '\n']).to_owned())
            }
            (None, None) => None,
        };
        if client_secret.as_deref().is_some_and(str::is_empty) {
            bail!("provider {id:?}: the client secret is empty");
        }
        if entry.scopes.iter().any(|s| s.is_empty() || s.contains(' ')) {
            bail!("provider {id:?}: each scope must be one non-empty word");
        }
        let scopes = entry
            .scopes
            .into_iter()
            .filter(|s| s != "openid")
            .map(Scope::new)
            .collect();
        let claims = entry.claims;
        for (field, value) in [
            ("user_id", &claims.user_id),
            ("name", &claims.name),
            ("org_code", &claims.org_code),
        ] {
            if value.is_empty() {
                bail!("provider {id:?}: claims.{field} must name a claim");
            }
        }
        let redirect_uri = RedirectUrl::new(format!("{base}/auth/oidc/{id}/callback"))
            .with_context(|| format!("provider {id:?}: building the callback URL"))?;
        let post_logout_redirect_uri = PostLogoutRedirectUrl::new(public_url.to_string())
            .context("the public URL is not a valid logout return address")?;
        providers.push(Provider {
            name: entry.name.trim().to_owned(),
            issuer: IssuerUrl::new(entry.issuer.clone())
                .with_context(|| format!("provider {id:?}: issuer is not a URL"))?,
            client_id: ClientId::new(entry.client_id),
            client_secret: client_secret.map(ClientSecret::new),
            scopes,
            claims,
            userinfo: entry.userinfo,
            redirect_uri,
            post_logout_redirect_uri,
            discovered: Mutex::new(None),
            end_session: Mutex::new(None),
            id,
        });
    }
    Ok(providers)
}

/// `return_to` if it is a path on this server, else `/`. `//host` and `/\host` are refused
/// because browsers read them as another host.
pub fn safe_return_to(return_to: &str) -> &str {
    let ok = return_to.starts_with('/')
        && !return_to.starts_with("//")
        && !return_to.starts_with("/\\")
        && return_to.len() <= RETURN_TO_MAX
        && !return_to.chars().any(char::is_control);
    if ok {
        return_to
    } else {
        "/"
    }
}

/// Claims as one JSON object, standard and extra alike, so the file can name any of them.
fn claims_json(claims: &impl Serialize) -> Result<Map<String, Value>, OidcError> {
    match serde_json::to_value(claims) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(OidcError::TokenRejected(TokenProblem::Other)),
    }
}

/// A claim as text: strings as they are, numbers written out; anything else is absent.
fn claim_text(claims: &Map<String, Value>, name: &str) -> Option<String> {
    match claims.get(name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn claims_problem(e: &ClaimsVerificationError) -> TokenProblem {
    match e {
        ClaimsVerificationError::Expired(_) => TokenProblem::Expired,
        ClaimsVerificationError::InvalidAudience(_) => TokenProblem::WrongAudience,
        ClaimsVerificationError::InvalidIssuer(_) => TokenProblem::WrongIssuer,
        ClaimsVerificationError::InvalidNonce(_) => TokenProblem::WrongNonce,
        ClaimsVerificationError::SignatureVerification(_) => TokenProblem::BadSignature,
        _ => TokenProblem::Other,
    }
}

fn token_request_error<RE: std::error::Error + 'static>(
    provider: &str,
    e: RequestTokenError<RE, StandardErrorResponse<CoreErrorResponseType>>,
) -> OidcError {
    match e {
        RequestTokenError::ServerResponse(response) => {
            // The error code is the provider's word for what is wrong; the description may
            // echo request data, so only the code is logged.
            tracing::info!(provider, error = %response.error(), "token request refused");
            OidcError::CodeRejected
        }
        RequestTokenError::Request(e) => {
            tracing::warn!(provider, error = %e, "token request failed");
            OidcError::ProviderUnavailable
        }
        // The body of an unparsable answer may contain tokens: it is not logged.
        RequestTokenError::Parse(_, _) => {
            tracing::warn!(provider, "token response could not be read");
            OidcError::ProviderUnavailable
        }
        RequestTokenError::Other(_) => {
            tracing::warn!(provider, "token request failed unexpectedly");
            OidcError::ProviderUnavailable
        }
    }
}

fn userinfo_error<RE: std::error::Error + 'static>(
    provider: &str,
    e: UserInfoError<RE>,
) -> OidcError {
    match e {
        UserInfoError::ClaimsVerification(e) => {
            tracing::info!(provider, reason = %e, "userinfo refused");
            OidcError::TokenRejected(TokenProblem::UserInfo)
        }
        UserInfoError::Request(e) => {
            tracing::warn!(provider, error = %e, "userinfo request failed");
            OidcError::ProviderUnavailable
        }
        UserInfoError::Response(status, _, _) => {
            tracing::warn!(provider, %status, "userinfo request refused");
            OidcError::ProviderUnavailable
        }
        _ => {
            tracing::warn!(provider, "userinfo response could not be read");
            OidcError::ProviderUnavailable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public() -> Url {
        "https://concord.example.gov.cn".parse().unwrap()
    }

    fn parse(text: &str) -> anyhow::Result<Vec<Provider>> {
        let file: ProvidersFile = serde_json::from_str(text)?;
        parse_providers(file, Path::new("."), Some(&public()))
    }

    const ONE: &str = r#"{"providers":[{"id":"zj","name":"浙江省统一身份认证",
        "issuer":"https://id.example.gov.cn","client_id":"concord","client_secret":"s3cret",
        "scopes":["openid","profile"],"claims":{"user_id":"sub","name":"name","org_code":"org_code"},
        "userinfo":true}]}"#;

    #[test]
    fn a_complete_provider_entry_is_accepted() {
        let providers = parse(ONE).unwrap();
        let p = &providers[0];
        assert_eq!(p.id, "zj");
        assert_eq!(
            p.redirect_uri.as_str(),
            "https://concord.example.gov.cn/auth/oidc/zj/callback"
        );
        assert_eq!(
            p.post_logout_redirect_uri.as_str(),
            "https://concord.example.gov.cn/"
        );
        let scopes: Vec<&str> = p.scopes.iter().map(|s| s.as_str()).collect();
        assert_eq!(scopes, ["profile"], "openid is added by the client itself");
        assert!(p.userinfo);
    }

    #[test]
    fn defaults_fill_scopes_and_claim_names() {
        let providers = parse(
            r#"{"providers":[{"id":"a","name":"A","issuer":"http://127.0.0.1:9","client_id":"c"}]}"#,
        )
        .unwrap();
        assert_eq!(providers[0].claims.user_id, "sub");
        assert_eq!(providers[0].claims.org_code, "org_code");
        assert!(providers[0].client_secret.is_none());
        assert!(!providers[0].userinfo);
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let two = r#"{"providers":[
            {"id":"zj","name":"A","issuer":"https://a.example","client_id":"c"},
            {"id":"zj","name":"B","issuer":"https://b.example","client_id":"c"}]}"#;
        let err = parse(two).err().unwrap().to_string();
        assert!(err.contains("used twice"), "{err}");
    }

    #[test]
    fn unknown_fields_are_refused_with_their_name() {
        let text = r#"{"providers":[{"id":"zj","name":"A","issuer":"https://a.example",
            "client_id":"c","clientsecret":"x"}]}"#;
        let err = serde_json::from_str::<ProvidersFile>(text)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("unknown field `clientsecret`"), "{err}");
        let text = r#"{"providers":[{"id":"zj","name":"A","issuer":"https://a.example",
            "client_id":"c","claims":{"org":"x"}}]}"#;
        assert!(serde_json::from_str::<ProvidersFile>(text).is_err());
    }

    #[test]
    fn providers_without_a_public_url_are_refused() {
        let file: ProvidersFile = serde_json::from_str(ONE).unwrap();
        let err = parse_providers(file, Path::new("."), None)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("public URL"), "{err}");
        let empty: ProvidersFile = serde_json::from_str(r#"{"providers":[]}"#).unwrap();
        assert!(parse_providers(empty, Path::new("."), None)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn plain_http_issuers_are_refused_except_on_loopback() {
        let text =
            r#"{"providers":[{"id":"a","name":"A","issuer":"http://id.example","client_id":"c"}]}"#;
        let err = parse(text).err().unwrap().to_string();
        assert!(err.contains("https://"), "{err}");
    }

    #[test]
    fn a_secret_and_a_secret_file_together_are_refused() {
        let text = r#"{"providers":[{"id":"a","name":"A","issuer":"https://a.example",
            "client_id":"c","client_secret":"x","client_secret_file":"s.txt"}]}"#;
        let err = parse(text).err().unwrap().to_string();
        assert!(err.contains("not both"), "{err}");
    }

    #[test]
    fn a_secret_file_is_read_relative_to_the_providers_file() {
        let dir = std::env::temp_dir().join(format!("concord-oidc-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("secret"), "from-file\n").unwrap();
        let config = dir.join("oidc.json");
        std::fs::write(
            &config,
            r#"{"providers":[{"id":"a","name":"A","issuer":"https://a.example",
                "client_id":"c","client_secret_file":"secret"}]}"#,
        )
        .unwrap();
        let loaded = OidcProviders::load(Some(&config), Some(&public())).unwrap();
        let secret = loaded.providers[0].client_secret.as_ref().unwrap();
        assert_eq!(secret.secret(), "from-file");
        assert!(!format!("{loaded:?}").contains("from-file"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn ids_that_do_not_fit_in_a_url_are_refused() {
        let text = r#"{"providers":[{"id":"Zhe Jiang","name":"A","issuer":"https://a.example","client_id":"c"}]}"#;
        assert!(parse(text).is_err());
    }

    #[test]
    fn return_to_must_be_a_path_of_ours() {
        assert_eq!(safe_return_to("/spaces/1?x=2"), "/spaces/1?x=2");
        assert_eq!(safe_return_to("/"), "/");
        for bad in [
            "",
            "spaces",
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "/a\nb",
        ] {
            assert_eq!(safe_return_to(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn standard_and_extra_claims_can_both_be_named() {
        let raw = json!({
            "iss": "https://id.example", "sub": "u-1", "aud": "c", "exp": 2_000_000_000_i64,
            "iat": 1_000_000_000_i64, "name": "张三", "org_code": "ORG-1", "emp_no": 4711
        });
        let claims: openidconnect::IdTokenClaims<ExtraClaims, CoreGenderClaim> =
            serde_json::from_value(raw).unwrap();
        let map = claims_json(&claims).unwrap();
        assert_eq!(claim_text(&map, "sub").as_deref(), Some("u-1"));
        assert_eq!(claim_text(&map, "name").as_deref(), Some("张三"));
        assert_eq!(claim_text(&map, "org_code").as_deref(), Some("ORG-1"));
        assert_eq!(claim_text(&map, "emp_no").as_deref(), Some("4711"));
        assert_eq!(claim_text(&map, "missing"), None);
    }

    #[test]
    fn the_logout_address_carries_the_hint_and_where_to_come_back() {
        let providers = parse(ONE).unwrap();
        let p = &providers[0];
        assert!(p.end_session_url(None).is_none(), "not discovered yet");
        *lock(&p.end_session) =
            Some(EndSessionUrl::new("https://id.example/logout?x=1".into()).unwrap());
        let url = p.end_session_url(Some("eyJ.hint")).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            [
                ("x".to_owned(), "1".to_owned()),
                ("id_token_hint".to_owned(), "eyJ.hint".to_owned()),
                ("client_id".to_owned(), "concord".to_owned()),
                (
                    "post_logout_redirect_uri".to_owned(),
                    "https://concord.example.gov.cn/".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn refusal_messages_name_no_secret_and_have_reason_codes() {
        let e = OidcError::TokenRejected(TokenProblem::WrongNonce);
        assert_eq!(e.reason(), "token_rejected:wrong_nonce");
        assert!(e.to_string().contains("nonce"));
        assert!(e.message_zh().contains("不匹配"));
        assert_eq!(
            OidcError::UnknownOrganization("X".into()).reason(),
            "unknown_organization"
        );
    }
}
