//! The case library (案例库) as operations: make a typical case of a confirmed file, search
//! the library, read a case, give its commands, export a public one for publication.
//!
//! Who is what to a case (`domain::library`):
//!
//! - the review's organising bureau: writes the write-up (on the review's socket), submits,
//!   publishes, withdraws, sends back; reads it in every state;
//! - the body whose file it is: reads it in every state, sends it back while it is checked;
//! - once published, every body of the bureau's region and below it, and the judicial bureaus
//!   above: read it, never its case number nor the review it came from (the write-up is what
//!   is published; it is anonymised);
//! - everyone else, and anyone before it is published: "no such case".
//!
//! Submitting freezes the write-up's room and stores its text as it will be published, with
//! its SHA-256; a text that still carries the file's case number is refused (and the room
//! opened again). This module never writes SQL.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use yrs::updates::decoder::Decode;
use yrs::{Doc, Transact, Update};

use super::reviews::{readable, subject as review_subject};
use super::{audit, Error};
use crate::auth::Caller;
use crate::db::{
    new_id, Audience, CaseChange, Effects, LibraryCaseRow, LibrarySearch, NewEvent, NewLibraryCase,
};
use crate::domain::kernel::{CommandOffer, Refused};
use crate::domain::library::{
    self as rules, carries_case_number, CaseAction, CaseCommand, CaseParty, CaseState,
};
use crate::domain::org::OrgKind;
use crate::domain::policy::{Action, SpaceAccess};
use crate::domain::review::{CaseKind, FileState, NO_SUCH_FILE};
use crate::domain::text::{Line, Text, Title};
use crate::services::{AccessChange, Services};
use crate::signing::canonical::to_canonical;
use crate::signing::projection::{escape, html_head, project_fragment, render_blocks};

/// How many cases one search answers at most.
const SEARCH_LIMIT: i64 = 200;

/// The root of a write-up's text.
const BODY_ROOT: &str = "body";

/// What the bureau gives to make a typical case of a file
/// (`POST /api/reviews/{id}/files/{file}/library`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkTypical {
    /// 案例标题, e.g. 某餐饮店未公示食品经营许可证案 (no party's name).
    pub title: Title,
    /// 执法领域, e.g. 食品安全.
    pub field: Line,
    /// 法律依据, e.g. 《中华人民共和国食品安全法》第一百二十六条.
    pub legal_basis: Text,
}

/// A search of the library (`GET /api/library`); every part optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LibraryQuery {
    /// Words anywhere in the title, field, legal basis or text.
    pub q: Option<String>,
    /// 执法领域 (words in it).
    pub field: Option<String>,
    /// `penalty` (行政处罚), `licensing`, `coercion`, `inspection` or `other`.
    pub case_kind: Option<CaseKind>,
    /// 法律依据 (words in it).
    pub legal_basis: Option<String>,
}

/// A case as its reader sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LibraryCaseBody {
    pub id: String,
    pub title: String,
    pub field: String,
    pub legal_basis: String,
    pub case_kind: CaseKind,
    pub case_kind_label_zh: &'static str,
    pub case_kind_label_en: &'static str,
    /// The body whose enforcement it was, and the bureau that reviewed it.
    pub body_name: String,
    pub bureau_name: String,
    pub state: CaseState,
    pub state_label_zh: &'static str,
    pub state_label_en: &'static str,
    pub revision: i64,
    /// 向社会发布: exported for publication.
    pub public: bool,
    /// The text as submitted (and published): its blocks' plain text, paragraph by paragraph.
    pub paragraphs: Vec<String>,
    /// SHA-256 of that text as stored (canonical JSON of `{"body": blocks}`).
    pub content_sha256: Option<String>,
    /// Why it was last sent back or withdrawn.
    pub reason: Option<String>,
    pub submitted_at: Option<i64>,
    pub published_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    /// For the bureau and the file's body alone: the review, the file and its case number,
    /// and the live write-up.
    pub review_id: Option<String>,
    pub review_title: Option<String>,
    pub file_id: Option<String>,
    pub case_number: Option<String>,
    pub doc_id: Option<String>,
    /// The caller's part: `bureau`, `body` or `reader`.
    pub party: CaseParty,
    pub commands: Vec<CommandOffer>,
}

/// The library's cases (`GET /api/library`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LibraryPage {
    pub cases: Vec<LibraryCaseBody>,
}

fn not_found() -> Error {
    Error::NotFound(rules::NO_SUCH_CASE.message())
}

fn subject(id: &str) -> String {
    format!("library:{id}")
}

/// The caller's part in a case, if it reads it.
fn party_of(caller: &Caller, case: &LibraryCaseRow, state: CaseState) -> Option<CaseParty> {
    let org = caller.actor.org.as_ref()?;
    if org.id == case.bureau_org_id {
        return Some(CaseParty::Bureau);
    }
    if org.id == case.body_org_id {
        return Some(CaseParty::Body);
    }
    if !matches!(state, CaseState::Published | CaseState::Withdrawn) {
        return None;
    }
    // A body of the bureau's region or below, or a judicial bureau above it.
    let path = org.region_path.0.as_str();
    let of_region = path.starts_with(case.region_path.as_str());
    let above = org.kind == OrgKind::JudicialBureau && case.region_path.starts_with(path);
    (of_region || above).then_some(CaseParty::Reader)
}

/// The plain text of each block (paragraphs, headings, list items in order).
fn paragraphs_of(blocks: &[Value]) -> Vec<String> {
    fn runs(block: &Value, out: &mut String) {
        for child in block["content"].as_array().into_iter().flatten() {
            match child["text"].as_str() {
                Some(text) => out.push_str(text),
                None => runs(child, out),
            }
        }
    }
    let mut paragraphs = Vec::new();
    for block in blocks {
        match block["type"].as_str() {
            Some("bulletList" | "orderedList" | "blockquote") => {
                for item in block["content"].as_array().into_iter().flatten() {
                    let mut text = String::new();
                    runs(item, &mut text);
                    paragraphs.push(text);
                }
            }
            _ => {
                let mut text = String::new();
                runs(block, &mut text);
                paragraphs.push(text);
            }
        }
    }
    paragraphs
}

fn blocks_of(content: Option<&str>) -> Vec<Value> {
    content
        .and_then(|c| serde_json::from_str::<Value>(c).ok())
        .and_then(|v| v[BODY_ROOT].as_array().cloned())
        .unwrap_or_default()
}

fn body(case: LibraryCaseRow, party: CaseParty) -> Result<LibraryCaseBody, Error> {
    let state = case.state()?;
    let kind = case.case_kind()?;
    let commands = CaseCommand::ALL
        .iter()
        .map(|&command| {
            CommandOffer::new(
                command.as_str(),
                command.label_zh(),
                command.label_en(),
                rules::transition(state, party, command).map(drop),
            )
        })
        .collect();
    let inside = party != CaseParty::Reader;
    Ok(LibraryCaseBody {
        paragraphs: paragraphs_of(&blocks_of(case.content.as_deref())),
        case_kind: kind,
        case_kind_label_zh: kind.label_zh(),
        case_kind_label_en: kind.label_en(),
        state,
        state_label_zh: state.label_zh(),
        state_label_en: state.label_en(),
        review_id: inside.then(|| case.review_id.clone()),
        review_title: inside.then(|| case.review_title.clone()),
        file_id: inside.then(|| case.file_id.clone()),
        case_number: inside.then(|| case.case_number.clone()),
        doc_id: inside.then(|| case.doc_id.clone()),
        id: case.id,
        title: case.title,
        field: case.field,
        legal_basis: case.legal_basis,
        body_name: case.body_name,
        bureau_name: case.bureau_name,
        revision: case.revision,
        public: case.public,
        content_sha256: case.content_sha256,
        reason: case.reason,
        submitted_at: case.submitted_at,
        published_at: case.published_at,
        withdrawn_at: case.withdrawn_at,
        party,
        commands,
    })
}

/// The case and the caller's part, or "not found".
async fn readable_case(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(LibraryCaseRow, CaseParty), Error> {
    let case = services.db.library_case(id).await?.ok_or_else(not_found)?;
    let party = party_of(caller, &case, case.state()?).ok_or_else(not_found)?;
    Ok((case, party))
}

/// The organising bureau marks a confirmed file of its review typical: a case in drafting,
/// with its live write-up.
pub async fn create(
    services: &Services,
    caller: &Caller,
    review_id: &str,
    file_id: &str,
    input: MarkTypical,
) -> Result<LibraryCaseBody, Error> {
    let (review, _) = readable(services, caller, review_id).await?;
    let file = services
        .db
        .review_file(file_id)
        .await?
        .filter(|f| f.review_id == review.id)
        .ok_or_else(|| Error::NotFound(NO_SUCH_FILE.message()))?;
    if crate::domain::policy::space_access(&caller.actor, &review.facts())
        == SpaceAccess::Participate(crate::domain::org::SpaceRole::Convener)
    {
        caller
            .allow(&services.db, Action::ActInSpace(review.facts()))
            .await?;
    } else {
        return Err(Refused::by(&rules::BY_THE_BUREAU).into());
    }
    if file.state()? != FileState::Confirmed {
        return Err(Refused::by(&rules::FROM_A_CONFIRMED_FILE).into());
    }
    if services
        .db
        .library_cases_of_review(&review.id)
        .await?
        .iter()
        .any(|c| c.file_id == file.id)
    {
        return Err(Refused::by(&rules::ONE_PER_FILE).into());
    }
    let now = services.clock.now_ms();
    let new = NewLibraryCase {
        id: new_id(),
        review_id: review.id.clone(),
        file_id: file.id.clone(),
        title: input.title.into_string(),
        field: input.field.into_string(),
        legal_basis: input.legal_basis.into_string(),
        created_by: caller.actor.user_id.clone(),
    };
    let effects = Effects {
        events: told(
            &review.bureau_org_id,
            &file.org_id,
            "library.drafting",
            &new.id,
            &new.title,
        ),
        audit: vec![audit(
            caller,
            now,
            "library_case_created",
            review_subject(&review.id),
            json!({ "case_id": new.id, "file_id": file.id, "title": new.title }),
        )],
        ..Effects::default()
    };
    let case = services.db.create_library_case(&new, now, &effects).await?;
    services.wake();
    // The review's sockets learn of the new document.
    services.access.announce(AccessChange {
        space_id: Some(review.id.clone()),
        ..AccessChange::default()
    });
    body(case, CaseParty::Bureau)
}

/// `kind` to the bureau and the file's body.
fn told(bureau: &str, body: &str, kind: &str, id: &str, title: &str) -> Vec<NewEvent> {
    [bureau, body]
        .into_iter()
        .map(|org_id| NewEvent {
            audience: Audience::Org(org_id.to_owned()),
            kind: kind.into(),
            subject: subject(id),
            payload: json!({ "case_id": id, "title": title }),
        })
        .collect()
}

/// The published cases the caller reads, matching the search; newest first.
pub async fn search(
    services: &Services,
    caller: &Caller,
    query: LibraryQuery,
) -> Result<LibraryPage, Error> {
    let Some(org) = caller.actor.org.as_ref() else {
        return Ok(LibraryPage { cases: Vec::new() });
    };
    let words = |w: Option<String>| w.filter(|w| !w.trim().is_empty());
    let search = LibrarySearch {
        words: words(query.q),
        field: words(query.field),
        case_kind: query.case_kind,
        legal_basis: words(query.legal_basis),
    };
    let rows = services
        .db
        .search_library(
            &org.region_path.0,
            org.kind == OrgKind::JudicialBureau,
            &search,
            SEARCH_LIMIT,
        )
        .await?;
    let mut cases = Vec::new();
    for row in rows {
        if let Some(party) = party_of(caller, &row, row.state()?) {
            cases.push(body(row, party)?);
        }
    }
    Ok(LibraryPage { cases })
}

/// One case.
pub async fn show(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<LibraryCaseBody, Error> {
    let (case, party) = readable_case(services, caller, id).await?;
    body(case, party)
}

/// The write-up's blocks from a frozen state, or why it cannot be submitted.
fn submitted_blocks(update_v1: &[u8], case_number: &str) -> Result<Vec<Value>, Error> {
    let doc = Doc::new();
    let update = Update::decode_v1(update_v1)
        .map_err(|_| Error::internal("stored write-up state is invalid"))?;
    doc.transact_mut()
        .apply_update(update)
        .map_err(|_| Error::internal("stored write-up state is invalid"))?;
    let blocks = project_fragment(&doc.transact(), BODY_ROOT)
        .map_err(|e| Error::invalid(BODY_ROOT, e.to_string()))?;
    let text = paragraphs_of(&blocks).join("\n");
    if text.trim().is_empty() {
        return Err(Refused::by(&rules::WRITE_UP_EMPTY).into());
    }
    if carries_case_number(&text, case_number) {
        return Err(Error::refused(
            rules::NOT_ANONYMISED.with("number", case_number),
        ));
    }
    Ok(blocks)
}

/// A command: submit (the write-up frozen and stored), send back (writable again), publish,
/// withdraw.
pub async fn act(
    services: &Services,
    caller: &Caller,
    id: &str,
    action: CaseAction,
) -> Result<LibraryCaseBody, Error> {
    let (case, party) = readable_case(services, caller, id).await?;
    let state = case.state()?;
    let to = rules::transition(state, party, action.command())?;
    if action.revision() != case.revision {
        return Err(Error::refused(
            rules::CASE_STALE.with("revision", case.revision),
        ));
    }
    let doc = collab::DocId::parse(&case.doc_id)
        .map_err(|_| Error::internal("stored document id is invalid"))?;
    let now = services.clock.now_ms();
    let mut change = CaseChange {
        id: case.id.clone(),
        expected_revision: case.revision,
        state: to.as_str().to_owned(),
        by: caller.actor.user_id.clone(),
        ..CaseChange::default()
    };
    let mut frozen = None;
    match &action {
        CaseAction::Submit { .. } => {
            let freeze = services.rooms.freeze(&doc).await?;
            let blocks = match submitted_blocks(&freeze.state.update_v1, &case.case_number) {
                Ok(blocks) => blocks,
                Err(e) => {
                    freeze.undo();
                    return Err(e);
                }
            };
            let content = json!({ BODY_ROOT: blocks });
            let canonical = to_canonical(&content);
            change.content_sha256 = Some(hex::encode(Sha256::digest(&canonical)));
            change.content = Some(String::from_utf8_lossy(&canonical).into_owned());
            change.doc_frozen = Some(true);
            frozen = Some(freeze);
        }
        CaseAction::SendBack { reason, .. } => {
            change.reason = Some(reason.as_str().to_owned());
            change.doc_frozen = Some(false);
        }
        CaseAction::Publish { public, .. } => change.public = Some(*public),
        CaseAction::Withdraw { reason, .. } => change.reason = Some(reason.as_str().to_owned()),
    }
    let effects = Effects {
        events: told(
            &case.bureau_org_id,
            &case.body_org_id,
            &format!("library.{}", to.as_str()),
            &case.id,
            &case.title,
        ),
        audit: vec![audit(
            caller,
            now,
            &format!("library_case_{}", action.command().as_str()),
            subject(&case.id),
            json!({ "state": to, "content_sha256": change.content_sha256,
                    "public": change.public, "reason": change.reason }),
        )],
        ..Effects::default()
    };
    let written = services
        .db
        .change_library_case(&change, now, &effects)
        .await;
    let updated = match (written, frozen) {
        (Ok(updated), frozen) => {
            drop(frozen);
            updated
        }
        (Err(e), Some(frozen)) => {
            frozen.undo();
            return Err(e.into());
        }
        (Err(e), None) => return Err(e.into()),
    };
    if change.doc_frozen == Some(false) {
        services.rooms.thaw(&doc);
    }
    services.wake();
    if let Some(frozen) = change.doc_frozen {
        services.access.announce(AccessChange {
            space_id: Some(case.review_id.clone()),
            doc_frozen: Some((case.doc_id.clone(), frozen)),
            ..AccessChange::default()
        });
    }
    body(updated, party)
}

/// The style sheet of an exported case: print-friendly, no external resources.
const HTML_STYLE: &str = "body{font-family:\"Songti SC\",\"SimSun\",serif;max-width:46em;\
margin:2em auto;padding:0 1em;line-height:1.7;color:#111}h1{text-align:center;font-size:1.6em}\
dl{display:grid;grid-template-columns:8em 1fr;gap:.2em 1em}dt{font-weight:bold}\
footer{margin-top:3em;font-size:.85em;color:#555}";

/// A published public case as a self-contained, escaped HTML page for publication
/// (`export.html`), or its facts and text as JSON (`export.json`).
pub async fn export(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(LibraryCaseBody, String, Value), Error> {
    let (case, party) = readable_case(services, caller, id).await?;
    if case.state()? != CaseState::Published || !case.public {
        return Err(Refused::by(&rules::NOT_PUBLIC).into());
    }
    let blocks = blocks_of(case.content.as_deref());
    let kind = case.case_kind()?;
    let mut html = String::new();
    html_head(&mut html, &case.title, HTML_STYLE);
    html.push_str(&format!(
        "<header>\n<h1>{}</h1>\n<dl>\n<dt>执法领域</dt><dd>{}</dd>\n<dt>案件类别</dt><dd>{}</dd>\n<dt>法律依据</dt><dd>{}</dd>\n<dt>发布单位</dt><dd>{}</dd>\n</dl>\n</header>\n<main>\n",
        escape(&case.title),
        escape(&case.field),
        escape(kind.label_zh()),
        escape(&case.legal_basis),
        escape(&case.bureau_name),
    ));
    render_blocks(&mut html, &blocks);
    html.push_str(&format!(
        "</main>\n<footer><p>{}行政执法案例库 · 正文 SHA-256 {}</p></footer>\n</body>\n</html>\n",
        escape(&case.bureau_name),
        escape(case.content_sha256.as_deref().unwrap_or("")),
    ));
    let facts = json!({
        "schema": "concord.library-case/1",
        "title": case.title,
        "field": case.field,
        "case_kind": kind.as_str(),
        "case_kind_name": kind.label_zh(),
        "legal_basis": case.legal_basis,
        "bureau": case.bureau_name,
        "published_at": case.published_at,
        "content_sha256": case.content_sha256,
        "body": blocks,
    });
    Ok((body(case, party)?, html, facts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_are_the_plain_text_of_each_block_and_list_item() {
        let blocks = vec![
            json!({"type": "heading", "level": 1, "content": [{"text": "基本案情"}]}),
            json!({"type": "paragraph", "content": [{"text": "某餐饮店"}, {"text": "未公示", "marks": ["bold"]}]}),
            json!({"type": "bulletList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"text": "一"}]}]},
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"text": "二"}]}]},
            ]}),
        ];
        assert_eq!(
            paragraphs_of(&blocks),
            vec!["基本案情", "某餐饮店未公示", "一", "二"]
        );
    }
}
