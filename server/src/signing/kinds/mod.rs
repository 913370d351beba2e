//! The kinds of signed document, one module each: its content schema, its projection of the
//! co-edited document (which roots, which members of its own), the facts the server adds,
//! its rendition for people and its signing intent. See [`super::kind`] for what a kind is
//! and how to add one.
//!
//! A new kind is a module here and a line in [`KINDS`], nothing else in the signing layer.
//!
//! Here too: the registry of every kind this version knows ([`KINDS`], [`by_schema`],
//! [`of_manifest`]), which the verifier and the server use when all they have is a schema.

pub mod campaign_summary;
pub mod dispute_agreement;
pub mod dispute_decision;
pub mod investigation_report;
pub mod minutes;
pub mod referral_receipt;
pub mod review_summary;
pub mod supervision_doc;

use super::kind::AnyKind;
use super::statement::Manifest;
use super::SigningError;
use campaign_summary::CampaignSummary;
use dispute_agreement::DisputeAgreement;
use dispute_decision::DisputeDecision;
use investigation_report::InvestigationReport;
use minutes::Minutes;
use referral_receipt::ReferralReceipt;
use review_summary::ReviewSummary;
use supervision_doc::SupervisionDoc;

/// Every kind this version knows. A bundle or a stored version of any other kind is refused.
pub static KINDS: [&dyn AnyKind; 8] = [
    &Minutes,
    &DisputeDecision,
    &DisputeAgreement,
    &InvestigationReport,
    &ReferralReceipt,
    &SupervisionDoc,
    &CampaignSummary,
    &ReviewSummary,
];

/// The kind whose content schema is `schema`.
pub fn by_schema(schema: &str) -> Option<&'static dyn AnyKind> {
    KINDS.iter().copied().find(|kind| kind.schema() == schema)
}

/// The kind a manifest names, or why it cannot be used.
pub fn of_manifest(manifest: &Manifest) -> Result<&'static dyn AnyKind, SigningError> {
    by_schema(&manifest.kind).ok_or_else(|| {
        let known: Vec<&str> = KINDS.iter().map(|kind| kind.schema()).collect();
        SigningError::malformed(
            "the manifest",
            format!(
                "its kind `{}` is unknown to this version of concord, which knows {}",
                manifest.kind,
                known.join(", ")
            ),
        )
    })
}
