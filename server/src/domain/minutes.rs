//! Minutes (会议纪要) as a signed document: the words of their refusals, who may sign them and
//! in which order by default, and when their meeting lets them be frozen. The lifecycle itself
//! (freeze, open signing, sign in order, send back, archive) is every signed document's:
//! [`super::signed`].
//!
//! Who may give a command (the convener freezes, opens, archives; a signatory signs or
//! declines) is the policy's answer ([`crate::domain::policy`]); this module never reads the
//! database, the clock or a key.

use super::kernel::Refused;
use super::meeting::MeetingState;
use super::phrases::catalogue;
use super::signed::{Signatories, SignedFlow, Wording, Words};

/// The words of minutes' refusals.
pub struct MinutesWords;

impl Words for MinutesWords {
    const WORDS: Wording = Wording {
        archived: &ARCHIVED,
        superseded: &SUPERSEDED,
        freeze: &FREEZE,
        open_signing: &OPEN_SIGNING,
        sign: &SIGN,
        reopen: &REOPEN,
        decline_while_signing: &DECLINE_WHILE_SIGNING,
        archive: &ARCHIVE,
        not_signatory: &NOT_SIGNATORY,
        already_signed: &ALREADY_SIGNED,
        reopen_denied: &REOPEN_DENIED,
    };
}

/// Minutes as a [`kernel::Workflow`](super::kernel::Workflow): the lifecycle of every signed
/// document, in minutes' words. Its offers are what the minutes JSON carries as `commands`.
pub type MinutesFlow = SignedFlow<MinutesWords>;

catalogue! { RULES:
    ARCHIVED = "minutes.archived",
        "已归档的纪要永久只读；如需更正，请另行召开会议形成新的纪要",
        "archived minutes are read-only forever; a correction is a new meeting's minutes";
    SUPERSEDED = "minutes.superseded",
        "纪要的此版本已被新版本取代，请在最新版本上操作",
        "this version of the minutes was superseded; act on the newest version";
    FREEZE = "minutes.freeze",
        "只有草稿状态的纪要可以定稿",
        "only minutes in draft can be frozen";
    OPEN_SIGNING = "minutes.open_signing",
        "纪要定稿后方可开启签署，且只开启一次",
        "signing opens once, on frozen minutes";
    SIGN = "minutes.sign",
        "只有在签署开启期间才能签署纪要",
        "minutes are signed only while signing is open";
    REOPEN = "minutes.reopen",
        "只有已定稿或签署中的纪要可以退回修改",
        "only frozen minutes or minutes being signed can be sent back for changes";
    DECLINE_WHILE_SIGNING = "minutes.decline_while_signing",
        "签署单位只能在签署开启后拒签退回；本纪要尚未开启签署",
        "a signatory declines while signing is open; these minutes are not being signed";
    ARCHIVE = "minutes.archive",
        "所有应签单位签署完毕后，纪要方可归档",
        "only minutes signed by every required organization can be archived";
    NOT_SIGNATORY = "minutes.not_signatory",
        "本单位不在本纪要的签署单位之列",
        "your organization is not a signatory of these minutes";
    ALREADY_SIGNED = "minutes.already_signed",
        "本单位已签署此版本纪要",
        "your organization has already signed this version of the minutes";
    REOPEN_DENIED = "minutes.reopen_denied",
        "只有召集单位或签署单位可以退回纪要",
        "only the convener or a signatory organization may send the minutes back";
    FREEZE_ONCE_STARTED = "minutes.freeze_once_started",
        "会议开始或结束后才能定稿纪要；草稿、已通知或已取消的会议没有可定稿的纪要",
        "minutes are frozen once the meeting has started or ended; a draft, scheduled or cancelled meeting has none to freeze";
}

/// Who may be named in minutes' signing policy, as a refusal says it.
pub const SIGNATORIES: Signatories = (
    "本次会议的召集单位或参会成员单位",
    "the convener or a participating member of this meeting",
);

/// Why minutes may not be frozen while their meeting is in `meeting`, if so: there is
/// something to record only once the meeting has started.
pub fn freeze_gate(meeting: MeetingState) -> Option<Refused> {
    match meeting {
        MeetingState::InProgress | MeetingState::Ended => None,
        _ => Some(Refused::by(&FREEZE_ONCE_STARTED)),
    }
}

/// The policy used when the convener names none: every participating (member) organization
/// signs in parallel first, then the convener seals the result.
pub fn default_steps(convener: &str, members: &[String]) -> Vec<Vec<String>> {
    let mut first: Vec<String> = members
        .iter()
        .filter(|m| m.as_str() != convener)
        .cloned()
        .collect();
    first.sort();
    first.dedup();
    if first.is_empty() {
        vec![vec![convener.to_owned()]]
    } else {
        vec![first, vec![convener.to_owned()]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kernel::{offers, testing::check_table, Workflow};
    use crate::domain::signed::{Gate, SignParty, SignedCommand, SignedState, Turn};

    /// The drawn arrows of SIGNING.md, for every party that may take them: the manager
    /// freezes (when the subject lets it), opens, sends back and archives; the organization
    /// whose turn it is signs; any signatory sends back while signing is open.
    fn arrows() -> Vec<crate::domain::kernel::testing::Arrow<MinutesFlow>> {
        use SignedCommand as C;
        use SignedState as S;
        let mut arrows = Vec::new();
        for &gate in MinutesFlow::CONTEXTS {
            for &party in MinutesFlow::PARTIES {
                let manages = party.not_manager.is_none();
                if manages && gate.freeze.is_none() {
                    arrows.push((gate, S::Draft, party, C::Freeze, S::Frozen));
                }
                if manages {
                    arrows.push((gate, S::Frozen, party, C::OpenSigning, S::Signing));
                    arrows.push((gate, S::Frozen, party, C::Reopen, S::Draft));
                    arrows.push((gate, S::Signed, party, C::Archive, S::Archived));
                }
                if manages || party.turn.signs() {
                    arrows.push((gate, S::Signing, party, C::Reopen, S::Draft));
                }
                if party.turn == Turn::Now {
                    arrows.push((gate, S::Signing, party, C::Sign, S::Signing));
                }
            }
        }
        arrows
    }

    #[test]
    fn every_state_party_and_command_has_an_answer_and_only_the_drawn_arrows_are_allowed() {
        let words = MinutesWords::WORDS;
        let cases = check_table::<MinutesFlow>(&arrows(), |rule, _, _| {
            // A refusal names the minutes, the order, or is the policy's or subject's own.
            rule.contains("minutes") || rule.contains("out of turn") || rule.contains("policy")
        });

        assert_eq!(
            cases,
            2 * 8 * SignedState::ALL.len() * SignedCommand::ALL.len()
        );
        assert!(words.already_signed.en.contains("already signed"));
    }

    #[test]
    fn the_convener_is_offered_freezing_only_once_the_meeting_has_started() {
        let convener = SignParty {
            not_manager: None,
            turn: Turn::No(&NOT_SIGNATORY),
        };
        let before = Gate {
            freeze: freeze_gate(MeetingState::Scheduled),
        };
        let during = Gate {
            freeze: freeze_gate(MeetingState::InProgress),
        };

        let offered = offers::<MinutesFlow>(before, SignedState::Draft, convener);
        let freeze = offered.iter().find(|o| o.command == "freeze").unwrap();
        assert!(!freeze.allowed);
        assert_eq!(freeze.rule_code, Some(FREEZE_ONCE_STARTED.code));
        assert!(freeze
            .rule_en
            .as_ref()
            .unwrap()
            .contains("started or ended"));
        assert!(freeze
            .rule_zh
            .as_ref()
            .unwrap()
            .contains("会议开始或结束后"));
        let offered = offers::<MinutesFlow>(during, SignedState::Draft, convener);
        assert!(offered.iter().any(|o| o.command == "freeze" && o.allowed));
        assert!(freeze_gate(MeetingState::Ended).is_none());
    }

    #[test]
    fn a_signatory_is_offered_signing_in_its_turn_and_told_why_not_otherwise() {
        let party = |turn| SignParty {
            not_manager: Some(&REOPEN_DENIED),
            turn,
        };
        let sign = |turn| {
            MinutesFlow::transition(
                Gate::OPEN,
                SignedState::Signing,
                party(turn),
                SignedCommand::Sign,
            )
        };

        assert_eq!(sign(Turn::Now), Ok(SignedState::Signing));
        assert!(sign(Turn::Waiting)
            .unwrap_err()
            .to_string()
            .contains("out of turn"));
        assert!(sign(Turn::Signed)
            .unwrap_err()
            .to_string()
            .contains("already signed"));
        assert!(sign(Turn::No(&crate::domain::phrases::SIGN_MINUTES))
            .unwrap_err()
            .to_string()
            .contains("observers"));
        let decline = MinutesFlow::transition(
            Gate::OPEN,
            SignedState::Frozen,
            party(Turn::Now),
            SignedCommand::Reopen,
        );
        assert!(decline
            .unwrap_err()
            .to_string()
            .contains("declines while signing is open"));
    }

    #[test]
    fn the_default_policy_is_members_in_parallel_then_the_convener() {
        let members = vec!["m2".to_string(), "conv".into(), "m1".into()];
        assert_eq!(
            default_steps("conv", &members),
            vec![
                vec!["m1".to_string(), "m2".into()],
                vec!["conv".to_string()]
            ]
        );
        assert_eq!(default_steps("conv", &[]), vec![vec!["conv".to_string()]]);
    }
}
