//! The evidence of a joint investigation group's dossier (证据材料): add a file to a section,
//! list a group's evidence by section, download a piece, withdraw one with a reason.
//!
//! Each section has its evidence list. A body adds only to its own section, the lead also to
//! the summary and the conclusions, and only while the group is formed or active; a piece is
//! never deleted: the body that added it withdraws it, with a reason, and it stays listed,
//! marked. Who reads evidence is who reads the section it belongs to:
//!
//! - the lead, the confirmed members and a bureau supervising an internal group: every
//!   section's ([`investigations::reads_dossier`]);
//! - the bureau a sensitive group is reported to: the summary's and the conclusions' alone;
//! - an invited body (or one that declined or left): none; it is told "not found", exactly as
//!   for an unknown group or piece, for anything it may not see.
//!
//! This module never writes SQL, reads the HTTP request nor decides who the caller is: the
//! file arrives as a [`Upload`], already within the size limit.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::investigations::{readable, reads_dossier, subject};
use super::tasks::{Download, Upload};
use super::{audit, Error};
use crate::auth::Caller;
use crate::db::{new_id, Audience, Effects, EvidenceRow, Investigation, NewEvent, NewEvidence};
use crate::domain::investigation::{GroupParty, MemberState};
use crate::domain::investigation_work::{self as rules, while_working};
use crate::domain::kernel::{CommandOffer, Refused};
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::domain::text::{FileName, MediaType, Reason, Title};
use crate::services::Services;

/// What kind of section of the dossier an evidence list belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// 案情摘要: the lead's.
    Summary,
    /// 调查结论: the lead's.
    Conclusions,
    /// A body's own section (调查情况), the lead's included.
    Body,
}

/// A withdrawal (`POST /api/investigations/{id}/evidence/{evidence}/withdraw`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawEvidence {
    /// Why the piece is withdrawn (撤回理由).
    pub reason: Reason,
}

/// A piece of evidence as a reader of its section sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceBody {
    pub id: String,
    pub investigation_id: String,
    pub section_doc_id: String,
    /// The body that added it (and alone may withdraw it).
    pub org_id: String,
    pub org_name: String,
    pub title: String,
    pub file_name: String,
    pub media_type: String,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// Who added it: a user id, and the person's name (the id for a token).
    pub added_by: String,
    pub added_by_name: String,
    pub added_at: i64,
    /// Withdrawn (撤回): still listed, marked, with who, when and why.
    pub withdrawn: bool,
    pub withdrawn_by: Option<String>,
    pub withdrawn_by_name: Option<String>,
    pub withdrawn_at: Option<i64>,
    pub withdrawn_reason: Option<String>,
    /// Where the bytes are served, as a download.
    pub url: String,
    /// Whether the caller may withdraw it now, or the rule that refuses it.
    pub withdraw: CommandOffer,
}

/// One section's evidence list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceSection {
    pub section_doc_id: String,
    pub kind: SectionKind,
    /// The body that writes the section (the lead for the summary and the conclusions).
    pub org_id: String,
    pub org_name: String,
    /// What a person reads as the section's name (`案情摘要`, `市公安局 调查情况`).
    pub title_zh: String,
    pub title_en: String,
    /// Whether the caller may add evidence here now, or the rule that refuses it.
    pub add: CommandOffer,
    /// As added, withdrawn ones included.
    pub pieces: Vec<EvidenceBody>,
}

/// A group's evidence, section by section, as the caller may read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidencePage {
    pub investigation_id: String,
    /// The summary, the conclusions, then each body's section (the lead's first).
    pub sections: Vec<EvidenceSection>,
}

/// A file to add, with the section it goes to and its title.
pub struct EvidenceUpload {
    /// The section's document id.
    pub section: String,
    /// Its title (证据名称); the file's name when not given.
    pub title: Option<String>,
    pub file: Upload,
}

/// One section of a group, as evidence needs it.
struct Section<'a> {
    doc_id: &'a str,
    kind: SectionKind,
    org_id: &'a str,
    org_name: &'a str,
}

/// The sections of the group whose evidence `party` reads, in the order of the lists: none
/// for an invited body, the briefing sections alone for a bureau of a closed group.
fn sections(group: &Investigation, party: GroupParty) -> Vec<Section<'_>> {
    let briefed = matches!(
        party,
        GroupParty::Lead | GroupParty::Member | GroupParty::Supervisor
    );
    if !briefed {
        return Vec::new();
    }
    let mut out = vec![
        Section {
            doc_id: &group.summary_doc_id,
            kind: SectionKind::Summary,
            org_id: &group.lead_org_id,
            org_name: &group.lead_name,
        },
        Section {
            doc_id: &group.conclusions_doc_id,
            kind: SectionKind::Conclusions,
            org_id: &group.lead_org_id,
            org_name: &group.lead_name,
        },
    ];
    if reads_dossier(group, party) {
        out.extend(
            group
                .bodies
                .iter()
                .filter(|b| b.lead || matches!(b.state, MemberState::Confirmed | MemberState::Left))
                .map(|b| Section {
                    doc_id: &b.section_doc_id,
                    kind: SectionKind::Body,
                    org_id: &b.org_id,
                    org_name: &b.org_name,
                }),
        );
    }
    out
}

fn no_group() -> Error {
    Error::NotFound(phrases::NO_SUCH_INVESTIGATION.message())
}

fn no_piece() -> Error {
    Error::NotFound(rules::NO_SUCH_EVIDENCE.message())
}

/// The group and the caller's part, for a caller who reads some evidence of it: an invited
/// body is told the group is not found, as anyone with no part in it.
async fn evidence_readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Investigation, GroupParty), Error> {
    let (group, party) = readable(services, caller, id).await?;
    if sections(&group, party).is_empty() {
        return Err(no_group());
    }
    Ok((group, party))
}

fn own(caller: &Caller) -> Option<&str> {
    caller.org.as_ref().map(|o| o.id.as_str())
}

/// Whether `party` of body `own` may add evidence to `section` now.
fn may_add(
    group: &Investigation,
    party: GroupParty,
    own: Option<&str>,
    section: &Section<'_>,
) -> Result<(), Refused> {
    if !matches!(party, GroupParty::Lead | GroupParty::Member) {
        return Err(Refused::by(&rules::EVIDENCE_BY_MEMBER));
    }
    while_working(group.state, &rules::EVIDENCE_WHILE_WORKING)?;
    if group.report_doc_id.is_some() {
        return Err(Refused::by(&rules::EVIDENCE_DOSSIER_FROZEN));
    }
    if own != Some(section.org_id) {
        return Err(Refused::by(&rules::EVIDENCE_OWN_SECTION));
    }
    Ok(())
}

/// Whether `party` of body `own` may withdraw `piece` now.
fn may_withdraw(
    group: &Investigation,
    party: GroupParty,
    own: Option<&str>,
    piece: &EvidenceRow,
) -> Result<(), Refused> {
    if !matches!(party, GroupParty::Lead | GroupParty::Member) {
        return Err(Refused::by(&rules::EVIDENCE_BY_MEMBER));
    }
    while_working(group.state, &rules::EVIDENCE_WHILE_WORKING)?;
    if group.report_doc_id.is_some() {
        return Err(Refused::by(&rules::EVIDENCE_DOSSIER_FROZEN));
    }
    if own != Some(piece.org_id.as_str()) {
        return Err(Refused::by(&rules::EVIDENCE_WITHDRAW_OWN));
    }
    if piece.withdrawn() {
        return Err(Refused::by(&rules::EVIDENCE_WITHDRAWN_ONCE));
    }
    Ok(())
}

fn piece_body(
    row: EvidenceRow,
    group: &Investigation,
    party: GroupParty,
    own: Option<&str>,
) -> EvidenceBody {
    let withdraw = CommandOffer::new(
        "withdraw",
        "撤回",
        "Withdraw",
        may_withdraw(group, party, own, &row),
    );
    EvidenceBody {
        url: format!(
            "/api/investigations/{}/evidence/{}",
            row.investigation_id, row.id
        ),
        withdrawn: row.withdrawn(),
        added_by_name: row.added_by_name.unwrap_or_else(|| row.added_by.clone()),
        withdrawn_by_name: row.withdrawn_by_name.or_else(|| row.withdrawn_by.clone()),
        withdraw,
        id: row.id,
        investigation_id: row.investigation_id,
        section_doc_id: row.section_doc_id,
        org_id: row.org_id,
        org_name: row.org_name,
        title: row.title,
        file_name: row.file_name,
        media_type: row.media_type,
        sha256: row.sha256,
        size: row.size,
        added_by: row.added_by,
        added_at: row.added_at,
        withdrawn_by: row.withdrawn_by,
        withdrawn_at: row.withdrawn_at,
        withdrawn_reason: row.withdrawn_reason,
    }
}

fn section_titles(section: &Section<'_>) -> (String, String) {
    match section.kind {
        SectionKind::Summary => ("案情摘要".into(), "Case summary".into()),
        SectionKind::Conclusions => ("调查结论".into(), "Conclusions".into()),
        SectionKind::Body => (
            format!("{} 调查情况", section.org_name),
            format!("Findings of {}", section.org_name),
        ),
    }
}

/// A group's evidence, section by section, as the caller reads it.
pub async fn list(services: &Services, caller: &Caller, id: &str) -> Result<EvidencePage, Error> {
    let (group, party) = evidence_readable(services, caller, id).await?;
    let own = own(caller);
    let mut rows = services.db.investigation_evidence(&group.id).await?;
    let mut out = Vec::new();
    for section in sections(&group, party) {
        let (title_zh, title_en) = section_titles(&section);
        let (mine, rest): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .partition(|r| r.section_doc_id == section.doc_id);
        rows = rest;
        out.push(EvidenceSection {
            section_doc_id: section.doc_id.to_owned(),
            kind: section.kind,
            org_id: section.org_id.to_owned(),
            org_name: section.org_name.to_owned(),
            title_zh,
            title_en,
            add: CommandOffer::new(
                "add_evidence",
                "添加证据材料",
                "Add evidence",
                may_add(&group, party, own, &section),
            ),
            pieces: mine
                .into_iter()
                .map(|r| piece_body(r, &group, party, own))
                .collect(),
        });
    }
    Ok(EvidencePage {
        investigation_id: group.id.clone(),
        sections: out,
    })
}

/// Whether the caller may add evidence to `section` of the group now: asked before the file
/// is read, so an unknown group (404), a section not the caller's (409) or a group not at
/// work (409) costs no upload. [`add`] asks again when it stores.
pub async fn may_upload(
    services: &Services,
    caller: &Caller,
    id: &str,
    section: &str,
) -> Result<(), Error> {
    checked(services, caller, id, section).await.map(drop)
}

async fn checked(
    services: &Services,
    caller: &Caller,
    id: &str,
    section: &str,
) -> Result<(Investigation, GroupParty), Error> {
    let (group, party) = evidence_readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(group.facts()))
        .await?;
    let found = sections(&group, GroupParty::Lead)
        .into_iter()
        .find(|s| s.doc_id == section);
    let Some(found) = found else {
        // Not one of the group's sections. A refusal of the party or the state comes first,
        // so that what it says does not depend on the id guessed.
        if !matches!(party, GroupParty::Lead | GroupParty::Member) {
            return Err(Refused::by(&rules::EVIDENCE_BY_MEMBER).into());
        }
        while_working(group.state, &rules::EVIDENCE_WHILE_WORKING)?;
        return Err(Error::invalid(
            "section",
            rules::NO_SUCH_SECTION.with("id", format!("{section:?}")),
        ));
    };
    may_add(&group, party, own(caller), &found)?;
    Ok((group, party))
}

/// Adds a piece of evidence to a section: stored by content (the same file twice is stored
/// once), with its title, file name, media type, size, SHA-256, who added it and when.
pub async fn add(
    services: &Services,
    caller: &Caller,
    id: &str,
    upload: EvidenceUpload,
) -> Result<EvidenceBody, Error> {
    let (group, party) = checked(services, caller, id, &upload.section).await?;
    let org_id = own(caller).ok_or_else(no_group)?.to_owned();
    let file_name = FileName::parse(upload.file.name.as_deref())?.into_string();
    let title = match upload.title.as_deref() {
        Some(title) if !title.trim().is_empty() => Title::parse("title", title)?.into_string(),
        _ => Title::parse("title", &file_name)?.into_string(),
    };
    let media_type = MediaType::parse(upload.file.content_type.as_deref())?.into_string();
    if upload.file.bytes.is_empty() {
        return Err(Error::invalid("name", phrases::FILE_EMPTY.message()));
    }
    let now = services.clock.now_ms();
    let new = NewEvidence {
        id: new_id(),
        investigation_id: group.id.clone(),
        section_doc_id: upload.section,
        org_id,
        title,
        file_name,
        media_type,
        added_by: caller.actor.user_id.clone(),
    };
    let sha256 = hex::encode(Sha256::digest(&upload.file.bytes));
    let size = upload.file.bytes.len();
    let effects = Effects {
        events: events(
            &group,
            "investigation.evidence_added",
            json!({
                "evidence_id": new.id,
                "section_doc_id": new.section_doc_id,
                "org_id": new.org_id,
                "title": new.title,
                "sha256": sha256,
            }),
        ),
        audit: vec![audit(
            caller,
            now,
            "investigation_evidence_added",
            subject(&group.id),
            json!({
                "evidence_id": new.id,
                "section_doc_id": new.section_doc_id,
                "title": new.title,
                "file_name": new.file_name,
                "size": size,
                "sha256": sha256,
            }),
        )],
        ..Effects::default()
    };
    let row = services
        .db
        .add_evidence(&new, &upload.file.bytes, group.state, now, &effects)
        .await?;
    services.wake();
    Ok(piece_body(row, &group, party, own(caller)))
}

/// The `kind` event about a piece (`about`: its id, section, body, title and hash) to every
/// body that reads the dossier (the lead and the confirmed members).
fn events(group: &Investigation, kind: &str, about: serde_json::Value) -> Vec<NewEvent> {
    group
        .bodies
        .iter()
        .filter(|b| b.lead || b.state == MemberState::Confirmed)
        .map(|b| NewEvent {
            audience: Audience::Org(b.org_id.clone()),
            kind: kind.into(),
            subject: subject(&group.id),
            payload: {
                let mut payload = about.clone();
                payload["investigation_id"] = json!(group.id);
                payload
            },
        })
        .collect()
}

/// The piece `evidence` of the group, if the caller reads its section.
async fn piece_readable(
    services: &Services,
    caller: &Caller,
    id: &str,
    evidence: &str,
) -> Result<(Investigation, GroupParty, EvidenceRow), Error> {
    let (group, party) = evidence_readable(services, caller, id).await?;
    let row = services
        .db
        .evidence_piece(&group.id, evidence)
        .await?
        .ok_or_else(no_piece)?;
    if !sections(&group, party)
        .iter()
        .any(|s| s.doc_id == row.section_doc_id)
    {
        return Err(no_piece());
    }
    Ok((group, party, row))
}

/// A piece's bytes and what to serve them as, for a reader of its section (withdrawn pieces
/// too: withdrawn is not deleted).
pub async fn download(
    services: &Services,
    caller: &Caller,
    id: &str,
    evidence: &str,
) -> Result<Download, Error> {
    let (_, _, row) = piece_readable(services, caller, id, evidence).await?;
    let bytes = services.db.evidence_bytes(&row.sha256).await?;
    Ok(Download {
        name: row.file_name,
        content_type: row.media_type,
        bytes,
    })
}

/// The body that added a piece withdraws it, with a reason: it stays listed, marked.
pub async fn withdraw(
    services: &Services,
    caller: &Caller,
    id: &str,
    evidence: &str,
    input: WithdrawEvidence,
) -> Result<EvidenceBody, Error> {
    let (group, party, row) = piece_readable(services, caller, id, evidence).await?;
    caller
        .allow(&services.db, Action::ActInSpace(group.facts()))
        .await?;
    let own = own(caller).map(str::to_owned);
    may_withdraw(&group, party, own.as_deref(), &row)?;
    let org_id = own.ok_or_else(no_group)?;
    let now = services.clock.now_ms();
    let reason = input.reason.into_string();
    let effects = Effects {
        events: events(
            &group,
            "investigation.evidence_withdrawn",
            json!({
                "evidence_id": row.id,
                "section_doc_id": row.section_doc_id,
                "org_id": row.org_id,
                "title": row.title,
                "sha256": row.sha256,
            }),
        ),
        audit: vec![audit(
            caller,
            now,
            "investigation_evidence_withdrawn",
            subject(&group.id),
            json!({ "evidence_id": row.id, "sha256": row.sha256, "reason": reason }),
        )],
        ..Effects::default()
    };
    let row = services
        .db
        .withdraw_evidence(
            &group.id,
            &row.id,
            &org_id,
            &caller.actor.user_id,
            &reason,
            group.state,
            now,
            &effects,
        )
        .await?;
    services.wake();
    Ok(piece_body(row, &group, party, Some(&org_id)))
}
