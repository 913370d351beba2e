//! `concord admin …`: what an operator does from the shell, before anyone can sign in or when
//! no one can.
//!
//! Every change here goes through the same `Db` functions as the REST API, and so into the
//! audit trail, with `via: cli` in its detail and no actor (the shell has no session).

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::json;

use crate::auth::password;
use crate::auth::session::new_secret;
use crate::config::{
    AnnualReportArgs, CalendarLoadArgs, CreateOperatorArgs, ImportArgs, ResetPasswordArgs,
};
use crate::db::{
    now_unix_ms, AuditEvent, Db, DirectoryImport, ImportOrg, ImportUser, NewOrg, NewRegion,
    NewUser, Org, Region,
};
use crate::domain::org::{Level, Name, OrgCode, OrgKind, OrgRole, RegionCode, Username};

fn cli_event(action: &str, target: String, detail: serde_json::Value) -> AuditEvent {
    let mut detail = detail;
    detail["via"] = json!("cli");
    AuditEvent {
        at: now_unix_ms(),
        actor_user_id: None,
        actor_org_id: None,
        action: action.to_owned(),
        target,
        detail,
        ip: None,
    }
}

/// The password to set: read from standard input, or a new random one that is printed once.
fn password_from(stdin: bool) -> anyhow::Result<(String, bool)> {
    if stdin {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .context("reading the password from standard input")?;
        let password = input.trim_end_matches(['\r', '\n']).to_owned();
        password::check_new(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok((password, false))
    } else {
        // 20 characters of base64url: about 120 bits.
        Ok((new_secret("").chars().take(20).collect(), true))
    }
}

pub async fn create_operator(db: &Db, args: &CreateOperatorArgs) -> anyhow::Result<String> {
    let username = Username::parse(&args.username).map_err(|e| anyhow::anyhow!("{e}"))?;
    let display_name = Name::parse(&args.name).map_err(|e| anyhow::anyhow!("{e}"))?;
    let org_id = match &args.org {
        Some(code) => {
            let code = OrgCode::parse(code).map_err(|e| anyhow::anyhow!("{e}"))?;
            let org = db
                .org_by_code(&code)
                .await?
                .with_context(|| format!("no organization with code {code}"))?;
            Some(org.id)
        }
        None => None,
    };
    let (password, generated) = password_from(args.password_stdin)?;
    let hash = password::hash_blocking(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let new = NewUser {
        org_id,
        username: Some(username.clone()),
        display_name,
        org_role: OrgRole::Admin,
        operator: true,
        password_hash: Some(hash),
        oidc_issuer: None,
        oidc_subject: None,
    };
    let event = cli_event(
        "user_created",
        format!("username:{username}"),
        json!({ "operator": true }),
    );
    let user = db
        .create_user(&new, &event)
        .await
        .with_context(|| format!("creating operator {username}"))?;
    let mut out = format!("operator {username} created (id {})\n", user.id);
    if generated {
        let _ = writeln!(
            out,
            "password: {password}\n(shown once; change it after signing in)"
        );
    }
    Ok(out)
}

pub async fn reset_password(db: &Db, args: &ResetPasswordArgs) -> anyhow::Result<String> {
    let username = Username::parse(&args.username).map_err(|e| anyhow::anyhow!("{e}"))?;
    // An imported person has a user name but no password yet: this is how they get their
    // first one. A person who signs in only through an OpenID provider gets none here.
    let user = db
        .user_by_username(&username)
        .await?
        .with_context(|| format!("no local account named {username}"))?;
    if user.oidc_issuer.is_some() && !user.has_password {
        anyhow::bail!("{username} signs in through an OpenID provider and has no password here");
    }
    let (password, generated) = password_from(args.password_stdin)?;
    let hash = password::hash_blocking(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let target = format!("user:{}", user.id);
    db.set_password(
        &user.id,
        &hash,
        &cli_event("password_reset", target.clone(), json!({})),
    )
    .await?;
    db.clear_login_failures(&user.id).await?;
    let ended = db
        .revoke_user_sessions(
            &user.id,
            now_unix_ms(),
            &cli_event("sessions_revoked", target, json!({})),
        )
        .await?;
    let mut out = format!(
        "password of {username} set; {} session(s) ended\n",
        ended.len()
    );
    if generated {
        let _ = writeln!(out, "password: {password}\n(shown once)");
    }
    Ok(out)
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

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// Reads a CSV file into lines of `T`; an error names the file and the line.
fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<Vec<(usize, T)>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let mut lines = Vec::new();
    for (i, record) in reader.deserialize::<T>().enumerate() {
        // Line 1 is the header.
        let line = i + 2;
        let record = record.with_context(|| format!("{} line {line}", path.display()))?;
        lines.push((line, record));
    }
    Ok(lines)
}

/// Parses every file first (so a typo anywhere stores nothing), then imports in one
/// transaction.
pub async fn import(db: &Db, args: &ImportArgs) -> anyhow::Result<String> {
    if args.regions.is_none() && args.orgs.is_none() && args.users.is_none() {
        bail!("nothing to import: give --regions, --orgs and/or --users");
    }
    let at = |path: &Path, line: usize, e: &dyn std::fmt::Display| {
        anyhow::anyhow!("{} line {line}: {e}", path.display())
    };
    let mut import = DirectoryImport {
        regions: Vec::new(),
        orgs: Vec::new(),
        users: Vec::new(),
    };
    if let Some(path) = &args.regions {
        for (line, r) in read_csv::<RegionLine>(path)? {
            let parsed = (|| {
                Ok::<_, crate::domain::org::Invalid>(NewRegion {
                    code: RegionCode::parse(&r.code)?,
                    name_zh: Name::parse(&r.name_zh)?,
                    name_en: non_empty(&r.name_en).map(Name::parse).transpose()?,
                    level: r.level.trim().parse::<Level>()?,
                    parent: non_empty(&r.parent).map(RegionCode::parse).transpose()?,
                })
            })();
            import.regions.push(parsed.map_err(|e| at(path, line, &e))?);
        }
    }
    if let Some(path) = &args.orgs {
        for (line, o) in read_csv::<OrgLine>(path)? {
            let parsed = (|| {
                Ok::<_, crate::domain::org::Invalid>(ImportOrg {
                    org: NewOrg {
                        code: OrgCode::parse(&o.code)?,
                        name_zh: Name::parse(&o.name_zh)?,
                        name_en: non_empty(&o.name_en).map(Name::parse).transpose()?,
                        kind: o.kind.trim().parse::<OrgKind>()?,
                        region: RegionCode::parse(&o.region)?,
                        parent_id: None,
                    },
                    parent_code: non_empty(&o.parent_code).map(OrgCode::parse).transpose()?,
                })
            })();
            import.orgs.push(parsed.map_err(|e| at(path, line, &e))?);
        }
    }
    if let Some(path) = &args.users {
        for (line, u) in read_csv::<UserLine>(path)? {
            let parsed = (|| {
                Ok::<_, crate::domain::org::Invalid>(ImportUser {
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
            })();
            import.users.push(parsed.map_err(|e| at(path, line, &e))?);
        }
    }
    let event = cli_event(
        "directory_imported",
        String::new(),
        json!({ "regions": import.regions.len(), "orgs": import.orgs.len(), "users": import.users.len() }),
    );
    let report = db
        .import_directory(&import, &event)
        .await
        .map_err(|e| anyhow::anyhow!("nothing was imported: {e}"))?;
    Ok(format!(
        "imported {} region(s), {} organization(s), {} user(s)\n",
        report.regions, report.orgs, report.users
    ))
}

/// The region tree, indented two spaces per level, each region followed by its bodies.
pub fn region_tree_text(regions: &[Region], orgs: &[Org]) -> String {
    let mut out = String::new();
    for region in regions {
        // Paths look like /330000/330100/: one segment per level of depth.
        let depth = region.path.0.matches('/').count().saturating_sub(2);
        let indent = "  ".repeat(depth);
        let _ = writeln!(
            out,
            "{indent}{} {} ({})",
            region.code,
            region.name_zh,
            region.level.label_zh()
        );
        for org in orgs.iter().filter(|o| o.region == region.code) {
            let _ = writeln!(
                out,
                "{indent}  · {} {} [{}]",
                org.code,
                org.name_zh,
                org.kind.label_zh()
            );
        }
    }
    if regions.is_empty() {
        out.push_str("no regions yet: import some with `concord admin import --regions FILE`\n");
    }
    out
}

/// Prints the result of the audit chain check; `Ok(false)` when it is broken.
pub async fn audit_verify(db: &Db) -> anyhow::Result<(bool, String)> {
    let check = db.verify_audit_chain().await?;
    Ok(match check.first_bad {
        None => (true, format!("audit trail intact: {} row(s)\n", check.rows)),
        Some((seq, reason)) => (
            false,
            format!(
                "audit trail BROKEN at seq {seq}: {reason} ({} row(s) checked)\n",
                check.rows
            ),
        ),
    })
}

/// Loads one year's working-day calendar from a year file, replacing that year's days.
/// Running servers pick it up within a minute.
pub async fn calendar_load(db: &Db, args: &CalendarLoadArgs) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let year = crate::domain::calendar::YearCalendar::parse_json(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let holidays = year
        .days
        .iter()
        .filter(|d| d.kind == crate::domain::calendar::DayKind::Holiday)
        .count();
    let worked = year.days.len() - holidays;
    let event = cli_event(
        "calendar_loaded",
        format!("calendar:{}", year.year),
        json!({ "days": year.days.len(), "source": year.source }),
    );
    db.load_calendar_year(&year, &event)
        .await
        .with_context(|| format!("loading the calendar of {}", year.year))?;
    Ok(format!(
        "calendar {} loaded: {holidays} holidays, {worked} worked weekend days\n",
        year.year
    ))
}

/// `concord admin annual-report`: one line per judicial bureau (by region, then code) saying
/// whether it held or scheduled its annual coordination meeting in the year, and flagging
/// those with none once the due day has passed.
pub async fn annual_report(db: &Db, args: &AnnualReportArgs) -> anyhow::Result<String> {
    let now = now_unix_ms();
    let year =
        crate::work::meetings::checked_year(args.year, now).map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = crate::work::meetings::annual_report(db, year, now, args.annual_meeting_due, None)
        .await
        .context("reading the annual meetings")?;
    let mut out = format!(
        "annual coordination meetings {} (due {}): {} judicial bureaus\n",
        report.year,
        report.due_date,
        report.lines.len()
    );
    for line in &report.lines {
        let flag = if line.flagged {
            "  FLAGGED: none scheduled by the due day"
        } else {
            ""
        };
        out.push_str(&format!(
            "{:<9} {} {} ({}){flag}\n",
            line.status.as_str(),
            line.org.code,
            line.org.name_zh,
            line.org.region
        ));
    }
    Ok(out)
}
