//! `concord admin …`: what an operator does from the shell, before anyone can sign in or when
//! no one can.
//!
//! Every command calls the same operations of [`crate::work`] as the REST API, as
//! [`By::Shell`]: the policy is not asked (whoever runs the binary against the data directory
//! holds every power already), and the audit rows name no actor and say `"via": "cli"`. What
//! is the shell's own is here: reading files and standard input, making up a password, and
//! the text it prints. An operation's refusal becomes the shell's message in one place,
//! [`refused`].

use std::fmt::Write as _;
use std::io::Read;

use anyhow::Context;

use crate::auth::session::new_secret;
use crate::auth::ticket::{unix_now, Claims};
use crate::auth::TicketKey;
use crate::config::{
    AdminStorage, AnnualReportArgs, CalendarLoadArgs, CreateOperatorArgs, ImportArgs, LimitsArgs,
    ResetPasswordArgs, StorageArgs, TicketArgs, DATA_DIR_ENV,
};
use crate::db::{now_unix_ms, Db, KindReport, SQLITE_FILE_NAME};
use crate::domain::calendar::DayKind;
use crate::domain::org::OrgRole;
use crate::work::by::By;
use crate::work::directory::{self, CsvFile, ImportFiles, ImportMode, RegionNode};
use crate::work::{self, audit, users};

/// The shell's message for an operation that did not do what was asked: the sentence written
/// for a person, and for a storage failure or a bug its cause too (the operator at the shell
/// may read it; a browser never does).
fn refused(error: work::Error) -> anyhow::Error {
    match error.message() {
        // Chinese first, then English, as everything a person reads.
        Some(message) => anyhow::anyhow!(message.bilingual()),
        None => anyhow::Error::new(error),
    }
}

/// Opens the database of the data directory an admin command names: the one `concord serve`
/// uses with the same `--data-dir` (or `CONCORD_DATA_DIR`) and `DATABASE_URL`. A directory
/// with no database is refused with how to create one, unless `--init` asks for it: an admin
/// command must not start an empty database beside the real one because it was run from
/// another directory.
pub async fn open(admin: &AdminStorage) -> anyhow::Result<Db> {
    let config = admin.storage.db_config();
    let exists = Db::exists(&config)
        .await
        .context("looking for the database")?;
    if !exists && !admin.init {
        anyhow::bail!(no_database(&admin.storage));
    }
    let db = crate::connect(&admin.storage).await?;
    if !exists {
        eprintln!(
            "已新建数据库：{where_}\ncreated a new database: {where_}",
            where_ = database_place(&admin.storage)
        );
    }
    Ok(db)
}

/// Where the database of `storage` is, for a person: the SQLite file, or the PostgreSQL
/// database named by `DATABASE_URL` (never the URL, which may hold a password).
fn database_place(storage: &StorageArgs) -> String {
    match storage.database_url.as_deref() {
        Some(url) if url.starts_with("sqlite:") => url.to_owned(),
        Some(_) => "DATABASE_URL (PostgreSQL)".to_owned(),
        None => absolute(&storage.data_dir.join(SQLITE_FILE_NAME)),
    }
}

fn absolute(path: &std::path::Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// The refusal of an admin command on a data directory without a database: Chinese first,
/// then English, saying where it looked and the two ways to create one.
fn no_database(storage: &StorageArgs) -> String {
    let place = database_place(storage);
    let dir = absolute(&storage.data_dir);
    format!(
        "这里没有数据库：{place}\n\
         数据目录由 --data-dir 或环境变量 {DATA_DIR_ENV} 指定（默认 ./data，相对于当前目录），\
         须与 concord serve 所用的相同。\n\
         若要在 {dir} 新建数据库：在本命令后加 --init，或先启动一次服务器\
         （concord serve --data-dir {dir}）。\n\
         no database here: {place}\n\
         The data directory is --data-dir or {DATA_DIR_ENV} (default ./data, relative to the \
         current directory), the same as for concord serve.\n\
         To create a database in {dir}: add --init to this command, or start the server once \
         (concord serve --data-dir {dir})."
    )
}

/// The password to set: read from standard input, or a new random one that is printed once.
fn password_from(stdin: bool) -> anyhow::Result<(String, bool)> {
    if stdin {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .context("reading the password from standard input")?;
        Ok((input.trim_end_matches(['\r', '\n']).to_owned(), false))
    } else {
        // 20 characters of base64url: about 120 bits.
        Ok((new_secret("").chars().take(20).collect(), true))
    }
}

/// `ticket`: a websocket ticket for a document, signed with the server's ticket secret, as
/// `POST /api/docs/{id}/ticket` signs them (for trying a document without signing in).
pub fn ticket(args: &TicketArgs) -> anyhow::Result<String> {
    let doc = collab::DocId::parse(&args.doc)?;
    // A ticket is only good for the server whose secret signs it: without `--ticket-secret`,
    // the one `concord serve` made in its data directory, never a new one made here.
    if args.ticket_secret.is_none()
        && !args
            .data_dir
            .join(crate::auth::ticket::SECRET_FILE)
            .exists()
    {
        let dir = absolute(&args.data_dir);
        anyhow::bail!(
            "数据目录 {dir} 中没有票据密钥（服务器首次启动时创建）：请用 --data-dir 或 {DATA_DIR_ENV} \
             指向服务器的数据目录，或用 --ticket-secret 给出密钥。\n\
             no ticket secret in the data directory {dir} (the server makes it on its first \
             start): point --data-dir or {DATA_DIR_ENV} at the server's data directory, or give \
             --ticket-secret."
        );
    }
    let key = TicketKey::load(args.ticket_secret.as_deref(), &args.data_dir)?;
    let claims = Claims {
        doc: doc.to_string(),
        name: args.name.clone().unwrap_or_else(|| args.user.clone()),
        user: args.user.clone(),
        org: args.org.clone(),
        access: args.access,
        exp: unix_now() + args.ttl_secs,
        via: None,
    };
    Ok(key.issue(&claims))
}

/// `create-operator`: the deployment's first (or another) operator, with a local password.
pub async fn create_operator(db: &Db, args: &CreateOperatorArgs) -> anyhow::Result<String> {
    let org_id = match &args.org {
        Some(code) => Some(
            directory::org_with_code(db, By::Shell, code)
                .await
                .map_err(refused)?
                .id,
        ),
        None => None,
    };
    let (password, generated) = password_from(args.password_stdin)?;
    let new = users::CreateUser {
        org_id,
        username: Some(args.username.clone()),
        display_name: args.name.clone(),
        org_role: OrgRole::Admin,
        operator: true,
        password: Some(password.clone()),
    };
    let user = users::create(db, By::Shell, new).await.map_err(refused)?;
    let username = user.username.unwrap_or_default();
    let mut out = format!("operator {username} created (id {})\n", user.id);
    if generated {
        let _ = writeln!(
            out,
            "password: {password}\n(shown once; change it after signing in)"
        );
    }
    Ok(out)
}

/// `reset-password`: a new password for a local account (an imported person gets their first
/// one this way); its lock is lifted and its sessions end.
pub async fn reset_password(db: &Db, args: &ResetPasswordArgs) -> anyhow::Result<String> {
    let user = users::local_account(db, &args.username)
        .await
        .map_err(refused)?;
    let (password, generated) = password_from(args.password_stdin)?;
    let ended = users::set_password(db, By::Shell, &user, password.clone())
        .await
        .map_err(refused)?;
    let username = user.username.map(|u| u.to_string()).unwrap_or_default();
    let mut out = format!(
        "password of {username} set; {} session(s) ended\n",
        ended.len()
    );
    if generated {
        let _ = writeln!(out, "password: {password}\n(shown once)");
    }
    Ok(out)
}

/// Reads one CSV file of an import.
fn csv_file(path: &Option<std::path::PathBuf>) -> anyhow::Result<Option<CsvFile>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = std::fs::read(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Some(CsvFile {
        name: path.display().to_string(),
        text,
    }))
}

/// `import`: regions, organizations and users from CSV files, all or nothing; with
/// `--dry-run`, what that would do. Prints, file by file, what was (or would be) added,
/// changed and left unchanged, then whether anything was stored.
pub async fn import(db: &Db, args: &ImportArgs) -> anyhow::Result<String> {
    let files = ImportFiles {
        regions: csv_file(&args.regions)?,
        orgs: csv_file(&args.orgs)?,
        users: csv_file(&args.users)?,
    };
    let mode = if args.dry_run {
        ImportMode::DryRun
    } else {
        ImportMode::Store
    };
    let report = directory::import(db, By::Shell, files, mode)
        .await
        .map_err(refused)
        .context("未导入任何内容 / nothing was imported")?;
    let mut out = String::new();
    for (path, kind) in [
        (&args.regions, &report.regions),
        (&args.orgs, &report.orgs),
        (&args.users, &report.users),
    ] {
        if let Some(path) = path {
            describe_file(&mut out, &path.display().to_string(), kind);
        }
    }
    let changes = report.changes_anything();
    out.push_str(match (mode, changes) {
        (ImportMode::DryRun, true) => {
            "试运行：以上变化均未保存；去掉 --dry-run 再运行即保存。\n\
             dry run: none of these changes were stored; run again without --dry-run to store them.\n"
        }
        (ImportMode::DryRun, false) => {
            "试运行：没有变化，目录已与文件一致；未保存任何内容。\n\
             dry run: nothing would change, the directory already matches the files; nothing was stored.\n"
        }
        (ImportMode::Store, true) => "已保存以上变化。\nstored.\n",
        (ImportMode::Store, false) => {
            "没有变化：目录已与文件一致，未写入任何内容。\n\
             nothing changed: the directory already matches the files; nothing was written.\n"
        }
    });
    Ok(out)
}

/// One file's lines of the import's report: its counts, then each record added (`+`) and
/// changed (`~`, with each field before and after).
fn describe_file(out: &mut String, name: &str, kind: &KindReport) {
    let _ = writeln!(
        out,
        "{name}: 新增 {added}，变更 {changed}，未变 {unchanged} / {added} added, {changed} changed, {unchanged} unchanged",
        added = kind.added.len(),
        changed = kind.changed.len(),
        unchanged = kind.unchanged,
    );
    for key in &kind.added {
        let _ = writeln!(out, "  + {key}");
    }
    for item in &kind.changed {
        let fields: Vec<String> = item
            .fields
            .iter()
            .map(|f| {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "（空 empty）".into());
                format!("{}: {} → {}", f.field, show(&f.from), show(&f.to))
            })
            .collect();
        let _ = writeln!(out, "  ~ {}  {}", item.key, fields.join("; "));
    }
}

/// `regions`: the region tree, indented two spaces per level, each region followed by its
/// bodies.
pub async fn regions(db: &Db) -> anyhow::Result<String> {
    let tree = directory::regions(db, By::Shell).await.map_err(refused)?;
    let orgs = directory::orgs(db, By::Shell).await.map_err(refused)?;
    let mut out = String::new();
    fn walk(out: &mut String, nodes: &[RegionNode], orgs: &[directory::OrgView], depth: usize) {
        for node in nodes {
            let region = &node.region;
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
                    org.code, org.name_zh, org.kind_label.zh
                );
            }
            walk(out, &node.children, orgs, depth + 1);
        }
    }
    walk(&mut out, &tree.regions, &orgs.orgs, 0);
    if tree.regions.is_empty() {
        out.push_str("no regions yet: import some with `concord admin import --regions FILE`\n");
    }
    Ok(out)
}

/// `audit-verify`: the result of the audit chain check; `false` when it is broken.
pub async fn audit_verify(db: &Db) -> anyhow::Result<(bool, String)> {
    let check = audit::verify_chain(db, By::Shell).await.map_err(refused)?;
    Ok(match check.broken_at {
        None => (
            true,
            match check.anchored_through {
                Some(seq) => format!(
                    "audit trail intact: {} row(s), anchored in the signed log through row {seq}\n",
                    check.rows
                ),
                None => format!(
                    "audit trail intact: {} row(s), none anchored in the signed log yet\n",
                    check.rows
                ),
            },
        ),
        Some(broken) => (
            false,
            format!(
                "audit trail BROKEN at seq {}: {} ({} row(s) checked)\n",
                broken.seq, broken.reason, check.rows
            ),
        ),
    })
}

/// `calendar-load`: one year's working-day calendar from a year file, replacing that year's
/// days. Running servers pick it up within a minute.
pub async fn calendar_load(db: &Db, args: &CalendarLoadArgs) -> anyhow::Result<String> {
    let file = &args.file;
    let text = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let year = work::calendar::store(db, By::Shell, None, &text)
        .await
        .map_err(refused)
        .with_context(|| format!("loading {}", file.display()))?;
    let holidays = year
        .days
        .iter()
        .filter(|d| d.kind == DayKind::Holiday)
        .count();
    let worked = year.days.len() - holidays;
    Ok(format!(
        "calendar {} loaded: {holidays} holidays, {worked} worked weekend days\n",
        year.year
    ))
}

/// `limits`: a region's time limits after the `--clear`s and `--set`s (in that order, each
/// audited), one line each, Chinese first: the kind, the amount in its unit, and where it
/// comes from.
pub async fn limits(db: &Db, args: &LimitsArgs) -> anyhow::Result<String> {
    use crate::work::limits::{kind_of, page, region_of, store, LimitInput, LimitSource};
    let region = region_of(&args.region).map_err(refused)?;
    let flags = &args.deadlines;
    for raw in &args.clear {
        let kind = kind_of(raw.trim()).map_err(refused)?;
        store(db, By::Shell, flags, &region, kind, None)
            .await
            .map_err(refused)?;
    }
    for raw in &args.set {
        let Some((kind, amount)) = raw.split_once('=') else {
            anyhow::bail!(
                "--set 应写作 时限种类=数量，例如 notice_remind=2：{raw:?}
                 --set is KIND=N, e.g. notice_remind=2: {raw:?}"
            );
        };
        let kind = kind_of(kind.trim()).map_err(refused)?;
        let amount = amount.trim().parse::<i64>().map_err(|_| {
            anyhow::anyhow!(
                "时限数量须为整数：{amount:?}
the amount must be a whole number: {amount:?}"
            )
        })?;
        let input = LimitInput {
            unit: kind.unit().as_str().to_owned(),
            amount,
        };
        store(db, By::Shell, flags, &region, kind, Some(input))
            .await
            .map_err(refused)?;
    }
    let (page, _) = page(db, flags, &region).await.map_err(refused)?;
    let from = |row: &crate::work::limits::EffectiveLimit, zh: bool| match (row.source, zh) {
        (LimitSource::Default, true) => "默认".to_owned(),
        (LimitSource::Default, false) => "built-in default".to_owned(),
        (LimitSource::Deployment, true) => "部署默认（启动参数）".to_owned(),
        (LimitSource::Deployment, false) => "deployment default (start-up flag)".to_owned(),
        (LimitSource::Region, zh) => {
            let name = row.from_region_name_zh.clone().unwrap_or_default();
            let code = row.from_region.clone().unwrap_or_default();
            match (row.own, zh) {
                (true, true) => "本区划设置".to_owned(),
                (true, false) => "set here".to_owned(),
                (false, true) => format!("继承自{name}（{code}）"),
                (false, false) => format!("inherited from {name} ({code})"),
            }
        }
    };
    let mut out = format!("{}（{}）的时限：\n", page.region_name_zh, page.region);
    for row in &page.limits {
        let _ = writeln!(
            out,
            "  {}：{} {}，{}",
            row.kind_zh,
            row.amount,
            row.unit_zh,
            from(row, true)
        );
    }
    let _ = writeln!(
        out,
        "time limits of {} ({}):",
        page.region_name_zh, page.region
    );
    for row in &page.limits {
        let _ = writeln!(
            out,
            "  {:<20} {} {}, {}",
            row.kind.as_str(),
            row.amount,
            row.unit_en,
            from(row, false)
        );
    }
    Ok(out)
}

/// `annual-report`: one line per judicial bureau (by region, then code) saying whether it
/// held or scheduled its annual coordination meeting in the year, and flagging those with
/// none once the due day has passed.
pub async fn annual_report(db: &Db, args: &AnnualReportArgs) -> anyhow::Result<String> {
    let now = now_unix_ms();
    let year = work::meetings::checked_year(args.year, now).map_err(refused)?;
    let report = work::meetings::annual_report(db, year, now, args.annual_meeting_due, None)
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
