//! The conclusion of a joint investigation group: the lead freezes the joint dossier
//! ([`freeze_dossier`]) and drafts the concluding report (调查报告), which every member body
//! signs (one step, in parallel, each body's person and seal) and then the lead, through the
//! one lifecycle of [`super::signing`] ([`InvestigationReportDoc`]); the last signature
//! concludes the group in the same write.
//!
//! Freezing the dossier is one moment for every section, as freezing a signed text is for
//! its document: each section's room refuses every change and hands back its final state
//! (`collab::Rooms::freeze`), the manifest is made from those states (each section's
//! canonical content hashed, `signing::kinds::investigation_report::section_content`) and
//! the group's evidence, and only once the write recording it committed are the rooms let go
//! and the sockets told (they re-check and become read-only). Had the write failed, every
//! room opens again. The manifest is stored with the group and becomes a fact of the report,
//! so every signature covers it.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::investigations::{events, everyone, fresh, reads_dossier, subject, GroupBody};
use super::signing::{Completed, Issue, OfSubject, SignedDocument, SignedView};
use super::{audit, Error};
use crate::auth::Caller;
use crate::db::{
    new_id, Effects, Investigation, SignedVersion, Space, SubjectChange, CONCLUSIONS_TITLE,
    SECTION_TITLE, SUMMARY_TITLE,
};
use crate::domain::calendar::local_date;
use crate::domain::investigation::{
    self as rules, GroupParty, GroupState, MemberState, ReportWords, NO_REPORT_YET,
    REPORT_SIGNATORIES,
};
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::domain::signed::{Gate, Signatories};
use crate::services::{AccessChange, Services};
use crate::signing::kinds::investigation_report::{
    section_content, InvestigationReport, ReportFacts,
};
use crate::signing::office;

/// What the lead sends to freeze the dossier (`POST /api/investigations/{id}/dossier/freeze`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeDossier {
    /// The revision of the group the lead read.
    pub revision: i64,
}

fn not_found() -> Error {
    Error::NotFound(phrases::NO_SUCH_INVESTIGATION.message())
}

/// The group and its space, answering "not found" to anyone who may not read its dossier
/// (an invited body, the bureau a sensitive group was reported to, anyone without a part).
async fn dossier_readable(
    services: &Services,
    caller: &Caller,
    id: &str,
) -> Result<(Space, Investigation, GroupParty), Error> {
    let (group, party) = super::investigations::readable(services, caller, id).await?;
    if !reads_dossier(&group, party) {
        return Err(not_found());
    }
    let space = services.db.space(id).await?.ok_or_else(not_found)?;
    Ok((space, group, party))
}

/// The bodies that sign before the lead: every member that confirmed and did not leave.
fn signing_members(group: &Investigation) -> Vec<&crate::db::GroupBodyRow> {
    group
        .bodies
        .iter()
        .filter(|b| !b.lead && b.state == MemberState::Confirmed)
        .collect()
}

/// The lead freezes the group's dossier and the report's draft is made: every section is
/// read-only from now on, and the manifest the report signs is fixed.
pub async fn freeze_dossier(
    services: &Services,
    caller: &Caller,
    id: &str,
    input: FreezeDossier,
) -> Result<GroupBody, Error> {
    let (_, group, party) = dossier_readable(services, caller, id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(group.facts()))
        .await?;
    fresh(&group, input.revision)?;
    rules::may_freeze_dossier(group.state, party, group.report_doc_id.is_some())?;

    // Every section's room refuses changes from now on; its final state is what is hashed.
    let mut sections = vec![(
        group.summary_doc_id.as_str(),
        SUMMARY_TITLE,
        &group.lead_org_id,
    )];
    // Every body that took part (a body that left keeps its section, frozen); one that
    // declined never wrote.
    for body in group
        .bodies
        .iter()
        .filter(|b| matches!(b.state, MemberState::Confirmed | MemberState::Left))
    {
        sections.push((body.section_doc_id.as_str(), SECTION_TITLE, &body.org_id));
    }
    sections.push((
        group.conclusions_doc_id.as_str(),
        CONCLUSIONS_TITLE,
        &group.lead_org_id,
    ));
    let mut frozen = Vec::new();
    for (doc_id, _, _) in &sections {
        let doc = collab::DocId::parse(doc_id)
            .map_err(|_| Error::internal("stored document id is invalid"))?;
        match services.rooms.freeze(&doc).await {
            Ok(freeze) => frozen.push(freeze),
            Err(e) => {
                frozen.into_iter().for_each(collab::Freeze::undo);
                return Err(e.into());
            }
        }
    }
    let manifest = match manifest(services, &group, &sections, &frozen).await {
        Ok(manifest) => manifest,
        Err(e) => {
            frozen.into_iter().for_each(collab::Freeze::undo);
            return Err(e);
        }
    };
    let now = services.clock.now_ms();
    let effects = Effects {
        events: events(
            &group,
            group.state,
            "investigation.dossier_frozen",
            &everyone(&group),
        ),
        audit: vec![audit(
            caller,
            now,
            "investigation_dossier_frozen",
            subject(&group.id),
            json!({ "sections": sections.len() }),
        )],
        ..Effects::default()
    };
    let written = services
        .db
        .freeze_dossier(
            &group.id,
            group.revision,
            &new_id(),
            &manifest.to_string(),
            now,
            &effects,
        )
        .await;
    let updated = match written {
        Ok(updated) => {
            drop(frozen);
            updated
        }
        Err(e) => {
            frozen.into_iter().for_each(collab::Freeze::undo);
            return Err(e.into());
        }
    };
    services.wake();
    services.access.announce(AccessChange {
        space_id: Some(updated.id.clone()),
        ..AccessChange::default()
    });
    super::investigations::show(services, caller, &updated.id).await
}

/// The dossier's manifest: each section (summary, each body's, conclusions) with the body
/// that alone wrote it, the SHA-256 of its canonical content and its evidence.
async fn manifest(
    services: &Services,
    group: &Investigation,
    sections: &[(&str, &str, &String)],
    frozen: &[collab::Freeze],
) -> Result<Value, Error> {
    let mut evidence: HashMap<String, Vec<Value>> = HashMap::new();
    for item in services.db.investigation_evidence(&group.id).await? {
        let withdrawn = match (item.withdrawn_at, &item.withdrawn_by) {
            (Some(at), Some(by)) => json!({
                "by": item.withdrawn_by_name.as_ref().unwrap_or(by),
                "at": office::datetime_ms(at),
                "reason": item.withdrawn_reason,
            }),
            _ => Value::Null,
        };
        let mut entry = json!({
            "sha256": item.sha256,
            "title": item.title,
            "file_name": item.file_name,
            "size": item.size,
            "added_by": item.added_by_name.as_ref().unwrap_or(&item.added_by),
            "added_by_body": item.org_name,
            "added_at": office::datetime_ms(item.added_at),
        });
        if !withdrawn.is_null() {
            entry["withdrawn"] = withdrawn;
        }
        evidence.entry(item.section_doc_id).or_default().push(entry);
    }
    let name_of = |org_id: &str| {
        group
            .body(org_id)
            .map_or(group.lead_name.as_str(), |b| b.org_name.as_str())
            .to_owned()
    };
    let mut listed = Vec::new();
    for ((doc_id, title, owner), freeze) in sections.iter().zip(frozen) {
        let (_, sha256) = section_content(&freeze.state.update_v1)
            .map_err(|e| Error::internal(format!("a dossier section does not project: {e}")))?;
        listed.push(json!({
            "doc_id": doc_id,
            "title": title,
            "owner": { "org_id": owner, "name": name_of(owner) },
            "content_sha256": sha256,
            "evidence": evidence.remove(*doc_id).unwrap_or_default(),
        }));
    }
    Ok(Value::Array(listed))
}

/// The report of one group, as the lifecycle sees it.
pub(crate) struct InvestigationReportDoc {
    space: Space,
    group: Investigation,
    doc_id: String,
    dossier: Value,
}

impl OfSubject for InvestigationReportDoc {
    type View = ReportView;

    /// Loads the group, answering "not found" to anyone who may not read its dossier, and
    /// "no report yet" (404) before the lead froze the dossier.
    async fn load(
        services: &Services,
        caller: &Caller,
        id: &str,
    ) -> Result<InvestigationReportDoc, Error> {
        let (space, group, _) = dossier_readable(services, caller, id).await?;
        let no_report = || Error::NotFound(NO_REPORT_YET.message());
        let doc_id = group.report_doc_id.clone().ok_or_else(no_report)?;
        let dossier = group
            .dossier_manifest
            .as_deref()
            .and_then(|m| serde_json::from_str(m).ok())
            .ok_or_else(no_report)?;
        Ok(InvestigationReportDoc {
            space,
            group,
            doc_id,
            dossier,
        })
    }

    fn answer(&self, report: SignedView) -> ReportView {
        ReportView {
            investigation_id: self.space.id.clone(),
            report,
        }
    }
}

impl SignedDocument for InvestigationReportDoc {
    type Kind = InvestigationReport;
    type Words = ReportWords;
    const NAME: &'static str = "report";
    const THE: &'static str = "the report";
    const THE_ZH: &'static str = "调查报告";
    const SIGNATORIES: Signatories = REPORT_SIGNATORIES;

    fn space(&self) -> &Space {
        &self.space
    }

    fn doc_id(&self) -> &str {
        &self.doc_id
    }

    fn title(&self) -> &str {
        &self.group.case_name
    }

    /// The lead, convener of the group's space.
    fn manage_action(&self) -> Action<'_> {
        Action::ManageSignedDoc(self.space.facts())
    }

    fn sign_action(&self) -> Action<'_> {
        Action::SignDoc(self.space.facts())
    }

    fn gate(&self) -> Gate {
        Gate {
            freeze: rules::report_freeze_gate(self.group.state),
        }
    }

    /// The members that confirmed (and did not leave), and the lead.
    fn signatories(&self) -> BTreeSet<String> {
        signing_members(&self.group)
            .into_iter()
            .map(|b| b.org_id.clone())
            .chain(std::iter::once(self.group.lead_org_id.clone()))
            .collect()
    }

    /// Every member in one step, then the lead.
    fn default_steps(&self) -> Vec<Vec<String>> {
        let members: Vec<String> = signing_members(&self.group)
            .into_iter()
            .map(|b| b.org_id.clone())
            .collect();
        let lead = vec![self.group.lead_org_id.clone()];
        if members.is_empty() {
            vec![lead]
        } else {
            vec![members, lead]
        }
    }

    fn facts(&self, issue: &Issue) -> ReportFacts {
        let mut group = json!({ "id": self.group.id, "case_name": self.group.case_name });
        if let Some(number) = &self.group.case_number {
            group["case_number"] = json!(number);
        }
        ReportFacts {
            group,
            lead: json!({ "org_id": self.group.lead_org_id, "name": self.group.lead_name }),
            members: Value::Array(
                signing_members(&self.group)
                    .into_iter()
                    .map(|b| json!({ "org_id": b.org_id, "name": b.org_name }))
                    .collect(),
            ),
            dossier: self.dossier.clone(),
            dated: local_date(issue.at).map(|d| d.to_string()),
        }
    }

    fn event_subject(&self) -> String {
        subject(&self.space.id)
    }

    fn event_payload(&self) -> Map<String, Value> {
        let mut payload = Map::new();
        payload.insert("case_name".into(), json!(self.group.case_name));
        payload.insert("investigation_id".into(), json!(self.space.id));
        payload
    }

    fn target(&self, version: i64) -> String {
        format!("report:{}:{version}", self.space.id)
    }

    /// The group is concluded; every body of it is told live.
    async fn complete(
        &self,
        _services: &Services,
        _caller: &Caller,
        _version: &SignedVersion,
        _content: &Value,
        _now: i64,
        effects: &mut Effects,
    ) -> Result<Completed, Error> {
        effects.events.extend(events(
            &self.group,
            GroupState::Concluded,
            "investigation.concluded",
            &everyone(&self.group),
        ));
        let mut detail = Map::new();
        detail.insert("investigation_id".into(), json!(self.group.id));
        Ok(Completed {
            subject_change: Some(SubjectChange::ConcludeInvestigation),
            detail,
        })
    }
}

/// A group's report as its readers see it: the signed document's view, with the group it
/// belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub investigation_id: String,
    #[serde(flatten)]
    pub report: SignedView,
}
