//! E-mail to a body's official mailbox (机构邮箱) over SMTP, when the server has a relay.
//!
//! One `email` job per event to a body with a mailbox, scheduled in the write that made the
//! event (only when `--smtp-url` is set). Subject and body in Chinese first, then English.
//! The URL chooses the transport (`smtp://` plain, for a relay on this machine;
//! `smtp://…?tls=required` STARTTLS; `smtps://` TLS), as lettre reads it.
//!
//! Never logs an address's mail contents or the relay's credentials.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::outcome::{str_field, Failure};
use crate::config::WorkArgs;
use crate::db::{Event, Job};
use crate::services::Services;

/// The SMTP relay and the sender address.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `None` when no relay is configured; an error when the URL or the sender is unusable.
    pub fn from_args(work: &WorkArgs) -> anyhow::Result<Option<Mailer>> {
        let Some(url) = &work.smtp_url else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("--smtp-url is not a usable SMTP URL: {e}"))?
            .build();
        let from: Mailbox = work
            .smtp_from
            .parse()
            .map_err(|e| anyhow::anyhow!("--smtp-from is not an e-mail address: {e}"))?;
        Ok(Some(Mailer { transport, from }))
    }

    /// Sends one plain-text message.
    pub(super) async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), Failure> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| Failure::permanent("the mailbox address is not valid"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| Failure::permanent(format!("the message could not be built: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(Failure::permanent(format!(
                "the relay refused the message: {e}"
            ))),
            Err(e) => Err(Failure::retry(format!("sending failed: {e}"))),
        }
    }
}

/// The Chinese and English names of an event kind.
pub fn kind_labels(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "task.dispatched" => ("新任务", "New task"),
        "task.acknowledged" => ("任务已签收", "Task acknowledged"),
        "task.started" => ("任务开始办理", "Task started"),
        "task.submitted" => ("任务已反馈", "Task feedback submitted"),
        "task.returned" => ("任务被退回", "Task returned"),
        "task.reassigned" => ("任务已重新交办", "Task reassigned"),
        "task.verified" => ("任务已核验", "Task verified"),
        "task.reopened" => ("任务退回重办", "Task reopened"),
        "task.closed" => ("任务已办结", "Task closed"),
        "task.cancelled" => ("任务已撤销", "Task cancelled"),
        "task.comment" => ("任务新评论", "Comment on a task"),
        "task.extension_requested" => ("延期申请", "Extension requested"),
        "task.extension_decided" => ("延期审批结果", "Extension decided"),
        "task.reminder" => ("任务期限提醒", "Task deadline reminder"),
        "task.overdue" => ("任务逾期催办", "Task overdue"),
        "task.escalated" => ("任务督办", "Task escalated"),
        "notice.received" => ("新通报", "New notice"),
        "notice.corrected" => ("通报已更正", "Notice corrected"),
        "notice.recalled" => ("通报已撤回", "Notice recalled"),
        "notice.acknowledged" => ("通报已签收", "Notice acknowledged"),
        "notice.replied" => ("通报已回复", "Notice replied"),
        "notice.reminder" => ("通报签收提醒", "Notice acknowledgement reminder"),
        "notice.escalated" => ("通报未签收督促", "Notice not acknowledged"),
        "notice.reply_overdue" => ("通报回复逾期", "Notice reply overdue"),
        _ => ("新消息", "New event"),
    }
}

/// Subject and body of the e-mail for an event: Chinese first, then English.
pub fn compose(event: &Event) -> (String, String) {
    let (zh, en) = kind_labels(&event.kind);
    let title = event.payload["title"].as_str().unwrap_or("");
    let subject = format!("[concord] {zh} / {en}: {title}");
    let body = format!(
        "{zh}：{title}\n事项：{subject}\n请登录系统查看详情。\n\n\
         {en}: {title}\nSubject: {subject}\nSign in to concord for the details.\n",
        subject = event.subject,
    );
    (subject, body)
}

/// Runs one `email` job.
pub(super) async fn deliver(
    services: &Services,
    mailer: Option<&Mailer>,
    job: &Job,
) -> Result<(), Failure> {
    let Some(mailer) = mailer else {
        return Err(Failure::permanent("no SMTP relay is configured"));
    };
    let to = str_field(&job.payload, "to")?;
    let seq = job.payload["event_seq"]
        .as_i64()
        .ok_or_else(|| Failure::permanent("the job has no event_seq"))?;
    let Some(event) = services.db.event(seq).await? else {
        return Err(Failure::permanent(format!("event {seq} does not exist")));
    };
    let (subject, body) = compose(&event);
    mailer.send(to, &subject, body).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Audience;

    #[test]
    fn an_email_names_the_event_in_chinese_first_then_english() {
        let event = Event {
            seq: 7,
            at: 0,
            audience: Audience::Org("o".into()),
            kind: "task.overdue".into(),
            subject: "task:t1".into(),
            payload: serde_json::json!({ "title": "整改通知" }),
        };
        let (subject, body) = compose(&event);
        assert_eq!(subject, "[concord] 任务逾期催办 / Task overdue: 整改通知");
        let zh = body.find("请登录").unwrap();
        let en = body.find("Sign in").unwrap();
        assert!(zh < en);
    }

    #[test]
    fn no_relay_means_no_mailer() {
        assert!(Mailer::from_args(&WorkArgs::default()).unwrap().is_none());
    }
}
