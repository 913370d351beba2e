//! Notifications (信息通报 / 案件函告): the sender's version machine and each receiving body's
//! receipt machine, as pure transition functions.
//!
//! A notification is a series of versions. The sender writes a draft and sends it; a
//! correction (更正) or a recall (撤回) is a new version, sent like the first, and the one it
//! replaces becomes superseded:
//!
//! ```text
//! draft ──send──▶ sent ──correct | recall (a new version is sent)──▶ superseded
//! ```
//!
//! Each receiving body has one receipt per version, so a correction must be acknowledged
//! again:
//!
//! ```text
//! delivered ──read (automatic)──▶ read ──acknowledge 签收──▶ acknowledged ──reply──▶ replied ──close (sender)──▶ closed
//!     └──────────────acknowledge 签收────────────────────────▲
//! ```
//!
//! Read is not acknowledgement: reading happens when anyone of the body opens it; 签收 is an
//! explicit act by a named person for the body (policy refuses it to API tokens). A
//! notification that asks for no acknowledgement but a reply is replied to straight from
//! delivered or read. Only the sender closes an exchange, and only after the reply.
//!
//! Every refusal names the rule; this module decides only and never reads the database or the
//! clock.

pub use super::kernel::Refused;
use super::kernel::Workflow;
use super::org::{labelled_enum, OrgKind};
use super::phrases::catalogue;
use super::text::Text;

labelled_enum! {
    pub enum NoticeKind {
        /// 信息通报: information shared with other bodies.
        Information = ("information", "信息通报", "Information notice"),
        /// 案件函告: a formal letter about a case.
        CaseLetter = ("case_letter", "案件函告", "Case letter"),
    }
}

/// Whether a notice of `kind` from a body of kind `sender` hands its recipient a matter, which
/// the recipient may dispute within its window (转交事项: 2 working days to raise a jurisdiction
/// dispute instead of passing it on): a case letter (案件函告) between bodies that enforce. A
/// procuratorate's letter (建议移送, 检察建议) or a judicial bureau's supervises; it hands over
/// no jurisdiction, so nobody disputes it.
pub fn transfers_a_matter(kind: NoticeKind, sender: OrgKind) -> bool {
    kind == NoticeKind::CaseLetter && !supervises(sender)
}

/// Whether what a body of kind `sender` sends supervises (a procuratorate's, a judicial
/// bureau's): no jurisdiction dispute is raised from it.
pub fn supervises(sender: OrgKind) -> bool {
    matches!(sender, OrgKind::Procuratorate | OrgKind::JudicialBureau)
}

labelled_enum! {
    /// What a version of a notification is.
    pub enum VersionKind {
        Original = ("original", "原件", "Original"),
        /// 更正: replaces the text; must be acknowledged again.
        Correction = ("correction", "更正", "Correction"),
        /// 撤回: withdraws the notification; recipients acknowledge that they know.
        Recall = ("recall", "撤回", "Recall"),
    }
}

labelled_enum! {
    /// Where one version of a notification is, from the sender's side.
    pub enum NoticeState {
        /// 草稿.
        Draft = ("draft", "草稿", "Draft"),
        /// 已发送.
        Sent = ("sent", "已发送", "Sent"),
        /// 已被新版本取代: a correction or recall replaced it.
        Superseded = ("superseded", "已更正/撤回", "Superseded"),
    }
}

labelled_enum! {
    /// Where one receiving body is with one version.
    pub enum ReceiptState {
        /// 已送达.
        Delivered = ("delivered", "已送达", "Delivered"),
        /// 已阅: someone of the body opened it. Not an acknowledgement.
        Read = ("read", "已阅", "Read"),
        /// 已签收: a named person acknowledged it for the body.
        Acknowledged = ("acknowledged", "已签收", "Acknowledged"),
        /// 已回复.
        Replied = ("replied", "已回复", "Replied"),
        /// 已办结: the sender closed the exchange after the reply.
        Closed = ("closed", "已办结", "Closed"),
    }
}

labelled_enum! {
    pub enum NoticeCommand {
        Send = ("send", "发送", "Send"),
        Correct = ("correct", "更正", "Correct"),
        Recall = ("recall", "撤回", "Recall"),
    }
}

labelled_enum! {
    pub enum ReceiptCommand {
        /// Automatic when someone of the receiving body opens it.
        Read = ("read", "阅读", "Read"),
        /// 签收.
        Acknowledge = ("acknowledge", "签收", "Acknowledge"),
        Reply = ("reply", "回复", "Reply"),
        /// By the sender, after a reply.
        Close = ("close", "办结", "Close"),
    }
}

/// A command on one receiving body's receipt, with exactly what it carries, as the addresses
/// give it (`…/acknowledge`, `…/reply`, `…/receipts/{org_id}/close`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptAction {
    /// 签收, by a named person of the receiving body.
    Acknowledge,
    /// The receiving body's one reply.
    Reply { body: Text },
    /// The sender closes the exchange with `org_id` after its reply.
    Close { org_id: String },
}

impl ReceiptAction {
    /// Which command it is.
    pub fn command(&self) -> ReceiptCommand {
        match self {
            ReceiptAction::Acknowledge => ReceiptCommand::Acknowledge,
            ReceiptAction::Reply { .. } => ReceiptCommand::Reply,
            ReceiptAction::Close { .. } => ReceiptCommand::Close,
        }
    }
}

/// What a notification asks of its receivers; fixed when it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demands {
    pub acknowledgement: bool,
    pub reply: bool,
}

catalogue! { RULES:
    SUPERSEDED = "notice.superseded",
        "此版本已被更正或撤回，请在最新版本上操作",
        "this version was superseded: it was corrected or recalled; act on the newest version";
    DRAFT_HAS_NO_RECEIPTS = "notice.draft_has_no_receipts",
        "此版本仍是草稿，尚未发出，没有单位收到",
        "this version is still a draft: it has not been sent, so no body has received it";
    SEND_ONLY_DRAFT = "notice.send_only_draft",
        "此通知已发出；只有草稿可以发出",
        "this notification was already sent; only a draft can be sent";
    CORRECT_ONLY_SENT = "notice.correct_only_sent",
        "只有已发出的通知可以更正；草稿在发出前直接修改即可",
        "only a sent notification can be corrected; a draft is simply edited before it is sent";
    RECALL_ONLY_SENT = "notice.recall_only_sent",
        "只有已发出的通知可以撤回；草稿不发出即可",
        "only a sent notification can be recalled; a draft is simply not sent";
    CLOSE_BY_SENDER = "notice.close_by_sender",
        "只有发文单位可以结束与收文单位的往来",
        "only the sending body may close the exchange with a receiving body";
    READ_BY_RECEIVER = "notice.read_by_receiver",
        "只有收文单位可以标记已读，发文单位不能代为标记",
        "only the receiving body marks a notification read; the sending body cannot do it for it";
    ACKNOWLEDGE_BY_RECEIVER = "notice.acknowledge_by_receiver",
        "只有收文单位可以签收通知，发文单位不能代为签收",
        "only the receiving body may acknowledge (签收) a notification; the sending body cannot do it for it";
    REPLY_BY_RECEIVER = "notice.reply_by_receiver",
        "只有收文单位可以回复通知，发文单位不能代为回复",
        "only the receiving body may reply to a notification; the sending body cannot do it for it";
    NO_ACKNOWLEDGEMENT_ASKED = "notice.no_acknowledgement_asked",
        "此通知不要求签收，因此不能签收",
        "this notification does not ask for acknowledgement (签收), so it cannot be acknowledged";
    NO_REPLY_ASKED = "notice.no_reply_asked",
        "此通知不要求回复，因此不能回复",
        "this notification does not ask for a reply, so it cannot be replied to";
    ACKNOWLEDGE_BEFORE_REPLY = "notice.acknowledge_before_reply",
        "请先签收通知，再回复",
        "a reply comes after acknowledgement: acknowledge (签收) the notification first";
    READ_ONCE = "notice.read_once",
        "通知只在送达后首次打开时标记为已读一次（当前为{now}）",
        "a notification is marked read once, when it is first opened after delivery; it is now {now}";
    ACKNOWLEDGE_ONCE = "notice.acknowledge_once",
        "通知只能在已送达或已读时签收一次（当前为{now}）",
        "a notification can be acknowledged only once, while delivered or read; it is now {now}";
    REPLY_ONCE = "notice.reply_once",
        "通知只能回复一次（当前为{now}）",
        "a notification can be replied to only once; it is now {now}";
    CLOSE_AFTER_REPLY = "notice.close_after_reply",
        "收文单位回复后才能结束往来（当前为{now}）",
        "the exchange can be closed only after the receiving body replied; it is now {now}";
}

/// The sender's side: what `command` does to a version in `state`. Correct and Recall
/// supersede a sent version (the new version is sent as a new row).
pub fn version_transition(
    state: NoticeState,
    command: NoticeCommand,
) -> Result<NoticeState, Refused> {
    let refuse = |rule| Err(Refused::by(rule));
    match (state, command) {
        (NoticeState::Superseded, _) => refuse(&SUPERSEDED),
        (NoticeState::Draft, NoticeCommand::Send) => Ok(NoticeState::Sent),
        (NoticeState::Sent, NoticeCommand::Correct | NoticeCommand::Recall) => {
            Ok(NoticeState::Superseded)
        }
        (NoticeState::Sent, NoticeCommand::Send) => refuse(&SEND_ONLY_DRAFT),
        (NoticeState::Draft, NoticeCommand::Correct) => refuse(&CORRECT_ONLY_SENT),
        (NoticeState::Draft, NoticeCommand::Recall) => refuse(&RECALL_ONLY_SENT),
    }
}

/// The refusal for a receipt command in a receipt state that does not allow it; the
/// sentence ends with the state the receipt is in.
fn wrong_receipt_state(command: ReceiptCommand, state: ReceiptState) -> Refused {
    let rule = match command {
        ReceiptCommand::Read => &READ_ONCE,
        ReceiptCommand::Acknowledge => &ACKNOWLEDGE_ONCE,
        ReceiptCommand::Reply => &REPLY_ONCE,
        ReceiptCommand::Close => &CLOSE_AFTER_REPLY,
    };
    Refused::in_state(rule, state)
}

/// A receiving body's side: `sender` says whether the sending body asks (only Close is the
/// sender's), `demands` what the notification asks for. A superseded version refuses
/// everything ("this version was corrected or recalled; act on the newest").
///
/// The checks go from the most general to the most specific: the version, then who asks,
/// then what the notification demands, then the receipt's state.
pub fn receipt_transition(
    version: NoticeState,
    state: ReceiptState,
    command: ReceiptCommand,
    demands: Demands,
    sender: bool,
) -> Result<ReceiptState, Refused> {
    use ReceiptCommand as C;
    use ReceiptState as R;

    let refuse = |rule| Err(Refused::by(rule));
    match version {
        NoticeState::Superseded => return refuse(&SUPERSEDED),
        NoticeState::Draft => return refuse(&DRAFT_HAS_NO_RECEIPTS),
        NoticeState::Sent => {}
    }
    match (command, sender) {
        (C::Close, false) => return refuse(&CLOSE_BY_SENDER),
        (C::Read, true) => return refuse(&READ_BY_RECEIVER),
        (C::Acknowledge, true) => return refuse(&ACKNOWLEDGE_BY_RECEIVER),
        (C::Reply, true) => return refuse(&REPLY_BY_RECEIVER),
        _ => {}
    }
    match command {
        C::Acknowledge if !demands.acknowledgement => return refuse(&NO_ACKNOWLEDGEMENT_ASKED),
        C::Reply if !demands.reply => return refuse(&NO_REPLY_ASKED),
        _ => {}
    }
    match (command, state) {
        (C::Read, R::Delivered) => Ok(R::Read),
        (C::Acknowledge, R::Delivered | R::Read) => Ok(R::Acknowledged),
        (C::Reply, R::Acknowledged) if demands.acknowledgement => Ok(R::Replied),
        (C::Reply, R::Delivered | R::Read) if demands.acknowledgement => {
            refuse(&ACKNOWLEDGE_BEFORE_REPLY)
        }
        (C::Reply, R::Delivered | R::Read) => Ok(R::Replied),
        (C::Close, R::Replied) => Ok(R::Closed),
        _ => Err(wrong_receipt_state(command, state)),
    }
}

/// A receiving body's receipt as a [`Workflow`]. Its context is the version it belongs to and
/// what the notice demands; its party is whether the sending body acts (`true`) or the
/// receiving one (`false`).
pub struct ReceiptFlow;

/// Every (version state, demands) a receipt can be seen in.
const RECEIPT_CONTEXTS: [(NoticeState, Demands); 12] = {
    const fn d(acknowledgement: bool, reply: bool) -> Demands {
        Demands {
            acknowledgement,
            reply,
        }
    }
    use NoticeState::{Draft, Sent, Superseded};
    [
        (Draft, d(false, false)),
        (Draft, d(true, false)),
        (Draft, d(false, true)),
        (Draft, d(true, true)),
        (Sent, d(false, false)),
        (Sent, d(true, false)),
        (Sent, d(false, true)),
        (Sent, d(true, true)),
        (Superseded, d(false, false)),
        (Superseded, d(true, false)),
        (Superseded, d(false, true)),
        (Superseded, d(true, true)),
    ]
};

impl Workflow for ReceiptFlow {
    type State = ReceiptState;
    type Party = bool;
    type Command = ReceiptCommand;
    type Context = (NoticeState, Demands);
    const PARTIES: &'static [bool] = &[false, true];
    const CONTEXTS: &'static [(NoticeState, Demands)] = &RECEIPT_CONTEXTS;

    fn transition(
        (version, demands): (NoticeState, Demands),
        state: ReceiptState,
        sender: bool,
        command: ReceiptCommand,
    ) -> Result<ReceiptState, Refused> {
        receipt_transition(version, state, command, demands, sender)
    }
}

/// A notice version, on the sending body's side, as a [`Workflow`] of one party.
pub struct VersionFlow;

impl Workflow for VersionFlow {
    type State = NoticeState;
    type Party = ();
    type Command = NoticeCommand;
    type Context = ();
    const PARTIES: &'static [()] = &[()];
    const CONTEXTS: &'static [()] = &[()];

    fn transition(
        _: (),
        state: NoticeState,
        _: (),
        command: NoticeCommand,
    ) -> Result<NoticeState, Refused> {
        version_transition(state, command)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kernel;
    use ReceiptCommand as C;
    use ReceiptState as R;

    const ALL_DEMANDS: [Demands; 4] = [
        Demands {
            acknowledgement: false,
            reply: false,
        },
        Demands {
            acknowledgement: true,
            reply: false,
        },
        Demands {
            acknowledgement: false,
            reply: true,
        },
        Demands {
            acknowledgement: true,
            reply: true,
        },
    ];

    // What the receipt table of WORKFLOWS.md allows; everything else must be refused.
    /// One allowed row: (from, command, by the sender, acknowledgement demanded, reply
    /// demanded, to); `None` in a demand column means either.
    type Row = (
        ReceiptState,
        ReceiptCommand,
        bool,
        Option<bool>,
        Option<bool>,
        ReceiptState,
    );

    #[rustfmt::skip]
    const ALLOWED: &[Row] = &[
        // from           command          sender ack          reply        to
        (R::Delivered,    C::Read,         false, None,        None,        R::Read),
        (R::Delivered,    C::Acknowledge,  false, Some(true),  None,        R::Acknowledged),
        (R::Read,         C::Acknowledge,  false, Some(true),  None,        R::Acknowledged),
        (R::Acknowledged, C::Reply,        false, Some(true),  Some(true),  R::Replied),
        (R::Delivered,    C::Reply,        false, Some(false), Some(true),  R::Replied),
        (R::Read,         C::Reply,        false, Some(false), Some(true),  R::Replied),
        (R::Replied,      C::Close,        true,  None,        None,        R::Closed),
    ];

    fn expected(
        state: ReceiptState,
        command: ReceiptCommand,
        demands: Demands,
        sender: bool,
    ) -> Option<ReceiptState> {
        ALLOWED
            .iter()
            .find(|(from, c, by_sender, ack, reply, _)| {
                *from == state
                    && *c == command
                    && *by_sender == sender
                    && ack.is_none_or(|a| a == demands.acknowledgement)
                    && reply.is_none_or(|r| r == demands.reply)
            })
            .map(|row| row.5)
    }

    /// The words a refusal may name to be understood: the command, the state, or the
    /// version's state.
    fn names_the_rule(rule: &str, words: &[&str]) -> bool {
        words.iter().any(|word| rule.contains(word))
    }

    #[test]
    fn every_receipt_command_is_allowed_or_refused_as_the_table_says() {
        // The table's rows, spelled out for every context they hold in: only a sent version
        // has receipts that move.
        let mut arrows = Vec::new();
        for &(version, demands) in ReceiptFlow::CONTEXTS {
            for &sender in ReceiptFlow::PARTIES {
                for &state in R::ALL {
                    for &command in C::ALL {
                        if version != NoticeState::Sent {
                            continue;
                        }
                        if let Some(to) = expected(state, command, demands, sender) {
                            arrows.push(((version, demands), state, sender, command, to));
                        }
                    }
                }
            }
        }

        let cases = kernel::testing::check_table::<ReceiptFlow>(&arrows, |rule, state, command| {
            let versions = NoticeState::ALL.iter().map(|v| v.as_str());
            names_the_rule(rule, &[command.as_str(), state.as_str()])
                || versions.into_iter().any(|v| rule.contains(v))
        });

        assert_eq!(cases, 3 * 5 * 4 * 4 * 2);
        // Read: 4 demands; acknowledge: 2 states × 2 demands; reply: 1 + 2 states;
        // close: 4 demands.
        assert_eq!(arrows.len(), 4 + 4 + 1 + 2 + 4);
        assert_eq!(
            ALL_DEMANDS.len() * NoticeState::ALL.len(),
            RECEIPT_CONTEXTS.len()
        );
    }

    #[test]
    fn every_version_command_is_allowed_or_refused_as_the_table_says() {
        use NoticeCommand as N;
        use NoticeState as V;
        let arrows = [
            ((), V::Draft, (), N::Send, V::Sent),
            ((), V::Sent, (), N::Correct, V::Superseded),
            ((), V::Sent, (), N::Recall, V::Superseded),
        ];

        let cases = kernel::testing::check_table::<VersionFlow>(
            &arrows,
            kernel::testing::names_command_or_state,
        );

        assert_eq!(cases, V::ALL.len() * N::ALL.len());
    }

    #[test]
    fn a_superseded_version_refuses_everything_pointing_to_the_newest() {
        for &state in R::ALL {
            for &command in C::ALL {
                for demands in ALL_DEMANDS {
                    for sender in [false, true] {
                        let refused = receipt_transition(
                            NoticeState::Superseded,
                            state,
                            command,
                            demands,
                            sender,
                        )
                        .unwrap_err();
                        assert_eq!(refused.rule, &SUPERSEDED);
                    }
                }
            }
        }
    }

    #[test]
    fn reading_is_not_acknowledging() {
        let demands = Demands {
            acknowledgement: true,
            reply: false,
        };

        let read = receipt_transition(NoticeState::Sent, R::Delivered, C::Read, demands, false);

        assert_eq!(read, Ok(R::Read));
        assert_ne!(read, Ok(R::Acknowledged));
    }

    #[test]
    fn a_reply_before_the_required_acknowledgement_is_refused_with_the_reason() {
        let demands = Demands {
            acknowledgement: true,
            reply: true,
        };

        let refused =
            receipt_transition(NoticeState::Sent, R::Read, C::Reply, demands, false).unwrap_err();

        assert_eq!(refused.rule, &ACKNOWLEDGE_BEFORE_REPLY);
    }

    #[test]
    fn the_sender_closes_and_cannot_act_for_a_receiver() {
        let demands = Demands {
            acknowledgement: true,
            reply: true,
        };
        let by_receiver =
            receipt_transition(NoticeState::Sent, R::Replied, C::Close, demands, false);
        let for_receiver =
            receipt_transition(NoticeState::Sent, R::Read, C::Acknowledge, demands, true);

        assert_eq!(by_receiver.unwrap_err().rule, &CLOSE_BY_SENDER);
        assert_eq!(for_receiver.unwrap_err().rule, &ACKNOWLEDGE_BY_RECEIVER);
    }

    #[test]
    fn a_second_acknowledgement_is_refused_naming_the_state() {
        let demands = Demands {
            acknowledgement: true,
            reply: false,
        };

        let refused = receipt_transition(
            NoticeState::Sent,
            R::Acknowledged,
            C::Acknowledge,
            demands,
            false,
        )
        .unwrap_err();

        assert!(
            refused.to_string().ends_with("it is now acknowledged"),
            "{refused}"
        );
    }

    #[test]
    fn kinds_and_states_round_trip_through_their_names() {
        for &state in R::ALL {
            assert_eq!(state.as_str().parse::<ReceiptState>(), Ok(state));
        }
        for &kind in NoticeKind::ALL {
            assert_eq!(kind.as_str().parse::<NoticeKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        for &kind in VersionKind::ALL {
            assert_eq!(kind.as_str().parse::<VersionKind>(), Ok(kind));
        }
        assert_eq!(NoticeState::Superseded.as_str(), "superseded");
    }
}
