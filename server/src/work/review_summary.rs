//! A case-file review's summary report (案卷评查总结报告) as a signed document: the review's
//! part of the one lifecycle of [`super::signing`] ([`ReviewSummaryText`]), as
//! `work::campaign_summary` is a campaign's.
//!
//! The organiser (a bureau, or an enforcement department) writes the assessment and alone
//! signs it, with its person and its
//! seal, once the review is concluded (every drawn file's grade confirmed). Its projection is
//! given the review, its sheet, the bodies reviewed and reviewing, and every reviewed file's
//! score and confirmed grade, read when the summary is loaded, so the signed results are
//! those at the freeze (nothing changes them after the conclusion). It is numbered by the
//! bureau (`上司评查〔2027〕1号`); its completion, in the write of the signature, marks the
//! review summarised and files it (报备) as a notice requiring 签收 with the lowest judicial
//! bureau whose region covers the review's, other than the organiser: the bureau above a
//! bureau; the bureau of a department's own region (or the nearest above, if it has none).

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use super::reviews::{readable, sheet_of, subject};
use super::signing::{Completed, Issue, OfSubject, SignedDocument, SignedView};
use super::Error;
use crate::auth::Caller;
use crate::db::{
    Audience, Effects, NewEvent, Review, ReviewFileRow, ReviewSummarised, SignedVersion, Space,
};
use crate::domain::calendar::local_date;
use crate::domain::policy::Action;
use crate::domain::review::{
    summary_freeze_gate, FileState, ReviewSummaryWords, NO_SUCH_REVIEW, NUMBER_WORD,
    SUMMARY_SIGNATORIES,
};
use crate::domain::review_sheet::Points;
use crate::domain::signed::{Gate, Signatories};
use crate::services::Services;
use crate::signing::kinds::review_summary::{FileResult, ReviewFacts, ReviewSummary};
use crate::signing::projection::OrgRef;

/// The summary of one review, as the signed-document lifecycle sees it.
pub(crate) struct ReviewSummaryText {
    space: Space,
    review: Review,
    /// How many files the bodies registered.
    registered: u64,
    /// The reviewed files' results, by body and case number.
    results: Vec<FileResult>,
    /// The lowest judicial bureau covering the review's region other than the organiser: the
    /// bureau above a bureau (none at the top), the bureau of a department's region.
    above: Option<OrgRef>,
}

/// A confirmed file's result as the summary records it.
fn result_of(file: &ReviewFileRow) -> Result<Option<FileResult>, Error> {
    if file.state()? != FileState::Confirmed {
        return Ok(None);
    }
    let Some(grade) = file.grade()? else {
        return Ok(None);
    };
    let kind = file.case_kind()?;
    let score = file
        .score
        .and_then(|tenths| u32::try_from(tenths).ok())
        .map_or_else(String::new, |tenths| Points(tenths).to_string());
    Ok(Some(FileResult {
        case_number: file.case_number.clone(),
        body: OrgRef {
            org_id: file.org_id.clone(),
            name: file.org_name.clone(),
        },
        case_kind: kind.as_str().to_owned(),
        case_kind_name: kind.label_zh().to_owned(),
        score,
        grade: grade.as_str().to_owned(),
        grade_name: grade.label_zh().to_owned(),
    }))
}

impl OfSubject for ReviewSummaryText {
    type View = ReviewSummaryView;

    /// Loads the review, answering "not found" to anyone who may not read it.
    async fn load(
        services: &Services,
        caller: &Caller,
        id: &str,
    ) -> Result<ReviewSummaryText, Error> {
        let (review, _) = readable(services, caller, id).await?;
        let space = services
            .db
            .space(id)
            .await?
            .ok_or_else(|| Error::NotFound(NO_SUCH_REVIEW.message()))?;
        let files = services.db.review_files(id).await?;
        let mut results = Vec::new();
        for file in &files {
            results.extend(result_of(file)?);
        }
        let order = |org_id: &str| review.reviewed.iter().position(|b| b.org_id == org_id);
        results.sort_by(|a, b| {
            (order(&a.body.org_id), &a.case_number).cmp(&(order(&b.body.org_id), &b.case_number))
        });
        let above = services
            .db
            .judicial_bureaus_above(&review.region_path)
            .await?
            .into_iter()
            .find(|bureau| bureau.id != review.bureau_org_id)
            .map(|bureau| OrgRef {
                org_id: bureau.id,
                name: bureau.name_zh.to_string(),
            });
        Ok(ReviewSummaryText {
            space,
            registered: u64::try_from(files.len()).unwrap_or(u64::MAX),
            review,
            results,
            above,
        })
    }

    fn answer(&self, text: SignedView) -> ReviewSummaryView {
        ReviewSummaryView {
            review_id: self.review.id.clone(),
            text,
        }
    }
}

impl SignedDocument for ReviewSummaryText {
    type Kind = ReviewSummary;
    type Words = ReviewSummaryWords;
    const NAME: &'static str = "review_summary";
    const THE: &'static str = "the review summary";
    const THE_ZH: &'static str = "评查总结报告";
    const SIGNATORIES: Signatories = SUMMARY_SIGNATORIES;

    fn space(&self) -> &Space {
        &self.space
    }

    fn doc_id(&self) -> &str {
        &self.review.summary_doc_id
    }

    fn title(&self) -> &str {
        &self.review.title
    }

    /// The organising bureau (the space's convener).
    fn manage_action(&self) -> Action<'_> {
        Action::ManageSignedDoc(self.review.facts())
    }

    fn sign_action(&self) -> Action<'_> {
        Action::SignDoc(self.review.facts())
    }

    fn gate(&self) -> Gate {
        Gate {
            freeze: summary_freeze_gate(self.review.state),
        }
    }

    /// The bureau alone.
    fn signatories(&self) -> BTreeSet<String> {
        BTreeSet::from([self.review.bureau_org_id.clone()])
    }

    fn default_steps(&self) -> Vec<Vec<String>> {
        vec![vec![self.review.bureau_org_id.clone()]]
    }

    fn facts(&self, issue: &Issue) -> ReviewFacts {
        let r = &self.review;
        // The sheet as the review stored it; its name and version are what a reader needs,
        // its SHA-256 pins the exact points and rules.
        let sheet = sheet_of(r).ok();
        let org = |b: &crate::db::ReviewBodyRow| OrgRef {
            org_id: b.org_id.clone(),
            name: b.name.clone(),
        };
        ReviewFacts {
            review: json!({
                "id": r.id,
                "kind": r.kind,
                "kind_name": r.kind.label_zh(),
                "title": r.title,
                "starts_on": r.starts_on,
                "ends_on": r.ends_on,
                "sheet": {
                    "name": sheet.as_ref().map_or("", |s| s.name.as_str()),
                    "version": sheet.as_ref().map_or(0, |s| s.version),
                    "sha256": r.sheet_sha256,
                },
            }),
            bureau: OrgRef {
                org_id: r.bureau_org_id.clone(),
                name: r.bureau_name.clone(),
            },
            reviewed: r.reviewed.iter().map(org).collect(),
            reviewers: r.reviewers.iter().map(org).collect(),
            registered: self.registered,
            files: self.results.clone(),
            reported_to: self.above.clone(),
            document: issue.number.as_ref().map(|number| {
                crate::signing::kinds::review_summary::Issued {
                    number: number.text(),
                    dated: local_date(issue.at).map_or_else(String::new, |d| d.to_string()),
                }
            }),
        }
    }

    /// Numbered by the bureau: `上司评查〔2027〕1号`.
    fn numbered_by(&self) -> Option<(&str, &'static str)> {
        Some((&self.review.bureau_org_id, NUMBER_WORD))
    }

    fn event_subject(&self) -> String {
        subject(&self.review.id)
    }

    fn event_payload(&self) -> Map<String, Value> {
        let mut payload = Map::new();
        payload.insert("title".into(), json!(self.review.title));
        payload.insert("review_id".into(), json!(self.review.id));
        payload
    }

    fn target(&self, version: i64) -> String {
        format!("review_summary:{}:{version}", self.review.id)
    }

    /// Summarised: filed with the bureau above as a notice requiring 签收 (none at the top);
    /// the reviewed and reviewing bodies are told.
    async fn complete(
        &self,
        services: &Services,
        caller: &Caller,
        version: &SignedVersion,
        _content: &Value,
        now: i64,
        effects: &mut Effects,
    ) -> Result<Completed, Error> {
        let r = &self.review;
        let mut notice_id = None;
        if let Some(above) = &self.above {
            let failing = self.results.iter().filter(|f| f.grade == "fail").count();
            let plan = super::notices::NoticePlan {
                sender_org_id: r.bureau_org_id.clone(),
                created_by: caller.actor.user_id.clone(),
                acting: super::Acting::of(caller),
                kind: crate::domain::notice::NoticeKind::Information,
                title: format!("关于{}情况的报告", r.title)
                    .chars()
                    .take(super::MAX_TITLE_CHARS)
                    .collect(),
                body: format!(
                    "{}报备《关于{}情况的报告》{}（{}，{}结案的案卷）：评查案卷 {} 件，其中不合格 {} 件。请阅看并签收。",
                    r.bureau_name,
                    r.title,
                    if version.version > 1 {
                        format!("第 {} 版", version.version)
                    } else {
                        String::new()
                    },
                    r.kind.label_zh(),
                    super::campaigns::period_words_of(&r.starts_on, &r.ends_on),
                    self.results.len(),
                    failing,
                ),
                subject: Some(subject(&r.id)),
                requires_ack: true,
                requires_reply: false,
                reply_due_at: None,
                recipients: vec![above.org_id.clone()],
            };
            let (notice, notice_effects) = super::notices::plan_notice(services, now, plan).await?;
            notice_id = Some(notice.id.clone());
            effects.send_notice(notice);
            effects.merge(notice_effects);
        }
        effects.summarise_review(ReviewSummarised {
            review_id: r.id.clone(),
            reported_to: self.above.as_ref().map(|a| a.org_id.clone()),
            notice_id,
        });
        let payload = json!({ "review_id": r.id, "title": r.title, "state": "summarised" });
        let told: BTreeSet<String> = std::iter::once(r.bureau_org_id.clone())
            .chain(self.above.iter().map(|a| a.org_id.clone()))
            .chain(r.reviewed.iter().map(|b| b.org_id.clone()))
            .chain(r.reviewers.iter().map(|b| b.org_id.clone()))
            .collect();
        effects
            .events
            .extend(told.into_iter().map(|org_id| NewEvent {
                audience: Audience::Org(org_id),
                kind: "review.summarised".into(),
                subject: subject(&r.id),
                payload: payload.clone(),
            }));
        let mut detail = Map::new();
        detail.insert("review_id".into(), json!(r.id));
        detail.insert(
            "reported_to".into(),
            json!(self.above.as_ref().map(|a| a.org_id.clone())),
        );
        Ok(Completed {
            subject_change: None,
            detail,
        })
    }
}

/// A review's summary as its readers see it: the signed document's view, with the review it
/// belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewSummaryView {
    pub review_id: String,
    #[serde(flatten)]
    pub text: SignedView,
}
