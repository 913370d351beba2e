//! The time a body has to dispute a matter another body transferred to it (移交异议期限).
//!
//! WORKFLOWS.md: a body that receives a transferred case and thinks it is not its duty "must
//! raise a dispute within 2 working days and may not transfer the case onward itself". The
//! pages of a received task and of a received case letter show the time left, and link to the
//! dispute once one was raised from the matter. Its own module because tasks and notices
//! show it while disputes are raised from tasks and notices: neither depends on the other
//! through it.

use serde::Serialize;
use utoipa::ToSchema;

use super::Error;
use crate::domain::calendar::TimeLimit;
use crate::domain::limits::LimitKind;
use crate::services::Services;

/// The time a body has to dispute a matter another body transferred to it (移交异议期限: by
/// default 2 working days, its region's limit), counted from when it received the matter,
/// and the dispute raised from the matter, if one was. The pages of a received task and of a
/// received case letter show it (WORKFLOWS.md: such a body "must raise a dispute within 2
/// working days and may not transfer the case onward itself").
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisputeWindow {
    /// When the time ends, Unix ms (the end of the last working day).
    pub until: i64,
    /// The limit counted: the receiving body's region's.
    pub limit: TimeLimit,
    /// Whether the time has not passed yet.
    pub open: bool,
    /// The dispute this body raised from this matter, if it did.
    pub dispute_id: Option<String>,
}

/// The [`DisputeWindow`] of a matter `receiver_org_id` received at `received_at`: a task
/// (`source_kind` `task`) or a notice (`notice`).
pub(crate) async fn of(
    services: &Services,
    receiver_org_id: &str,
    received_at: i64,
    source_kind: &'static str,
    source_id: &str,
) -> Result<DisputeWindow, Error> {
    let limits = super::limits::of_org(services, receiver_org_id).await?;
    let limit = limits.get(LimitKind::DisputeWindow);
    let until = services.calendar.get().due_at(received_at, limit);
    Ok(DisputeWindow {
        until,
        limit,
        open: services.clock.now_ms() <= until,
        dispute_id: services
            .db
            .dispute_raised_from(source_kind, source_id, receiver_org_id)
            .await?,
    })
}
