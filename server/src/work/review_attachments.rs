//! The scanned file of a case file under review (电子卷宗), as attachments: added by the body
//! whose file it is while files are registered, stored in the content-addressed blobs with
//! their SHA-256, never deleted (what was reviewed stays what was attached), downloaded by
//! whoever reads the file (its body, its reviewing body once drawn, the organiser, the bureaus
//! above).
//!
//! This module never writes SQL nor reads the HTTP request: the file arrives as an [`Upload`],
//! already within the size limit.

use serde_json::json;

use super::reviews::{file_readable, subject, FileAttachmentBody};
use super::tasks::{Download, Upload};
use super::{audit, Error};
use crate::auth::Caller;
use crate::db::{new_id, Effects, NewFileAttachment, Review, ReviewFileRow};
use crate::domain::phrases;
use crate::domain::policy::Action;
use crate::domain::review::{self as rules, NO_SUCH_ATTACHMENT};
use crate::domain::text::{FileName, MediaType};
use crate::services::Services;

/// Whether the caller may attach to the file now: its own body, while files are registered.
async fn checked(
    services: &Services,
    caller: &Caller,
    id: &str,
    file_id: &str,
) -> Result<(Review, ReviewFileRow), Error> {
    let (review, file) = file_readable(services, caller, id, file_id).await?;
    caller
        .allow(&services.db, Action::ActInSpace(review.facts()))
        .await?;
    let own = caller.actor.org.as_ref().map(|o| o.id.as_str());
    rules::may_attach(review.state, own == Some(file.org_id.as_str()))?;
    Ok((review, file))
}

/// Asked before the upload is read, so an unknown file (404) or a refusal (409) costs no
/// upload. [`attach`] asks again when it stores.
pub async fn may_attach(
    services: &Services,
    caller: &Caller,
    id: &str,
    file_id: &str,
) -> Result<(), Error> {
    checked(services, caller, id, file_id).await.map(drop)
}

/// Attaches a scanned file: stored by content, with its name, media type, size and SHA-256.
pub async fn attach(
    services: &Services,
    caller: &Caller,
    id: &str,
    file_id: &str,
    upload: Upload,
) -> Result<FileAttachmentBody, Error> {
    let (review, file) = checked(services, caller, id, file_id).await?;
    let file_name = FileName::parse(upload.name.as_deref())?.into_string();
    let media_type = MediaType::parse(upload.content_type.as_deref())?.into_string();
    if upload.bytes.is_empty() {
        return Err(Error::invalid("name", phrases::FILE_EMPTY.message()));
    }
    let now = services.clock.now_ms();
    let new = NewFileAttachment {
        id: new_id(),
        review_id: review.id.clone(),
        file_id: file.id.clone(),
        file_name,
        media_type,
        attached_by: caller.actor.user_id.clone(),
    };
    let effects = Effects {
        audit: vec![audit(
            caller,
            now,
            "review_file_attached",
            subject(&review.id),
            json!({
                "file_id": file.id,
                "case_number": file.case_number,
                "attachment_id": new.id,
                "file_name": new.file_name,
                "size": upload.bytes.len(),
            }),
        )],
        ..Effects::default()
    };
    let row = services
        .db
        .attach_review_file(&new, &upload.bytes, now, &effects)
        .await?;
    Ok(row.into())
}

/// An attachment's bytes and what to serve them as, for whoever reads the file.
pub async fn download(
    services: &Services,
    caller: &Caller,
    id: &str,
    file_id: &str,
    attachment_id: &str,
) -> Result<Download, Error> {
    let (review, file) = file_readable(services, caller, id, file_id).await?;
    let missing = || Error::NotFound(NO_SUCH_ATTACHMENT.message());
    let row = services
        .db
        .review_attachments(&review.id)
        .await?
        .into_iter()
        .find(|a| a.id == attachment_id && a.file_id == file.id)
        .ok_or_else(missing)?;
    let bytes = services
        .db
        .blob_bytes(&row.sha256)
        .await?
        .ok_or_else(missing)?;
    Ok(Download {
        name: row.file_name,
        content_type: row.media_type,
        bytes,
    })
}
