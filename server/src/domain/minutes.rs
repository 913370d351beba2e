//! Minutes (会议纪要) as a signed document: the words of their refusals, who may sign them and
//! in which order by default, and when their meeting lets them be frozen. The lifecycle itself
//! (freeze, open signing, sign in order, send back, archive) is every signed document's:
//! [`super::signed`].
//!
//! Who may give a command (the convener freezes, opens, archives; a signatory signs or
//! declines) is the policy's answer ([`crate::domain::policy`]); this module never reads the
//! database, the clock or a key.

use super::meeting::MeetingState;
use super::signed::{SignedFlow, Wording, Words};

/// The words of minutes' refusals.
pub struct MinutesWords;

impl Words for MinutesWords {
    const WORDS: Wording = Wording {
        archived: "archived minutes are read-only forever; a correction is a new meeting's minutes",
        superseded: "this version of the minutes was superseded; act on the newest version",
        freeze: "only minutes in draft can be frozen",
        open_signing: "signing opens once, on frozen minutes",
        sign: "minutes are signed only while signing is open",
        reopen: "only frozen minutes or minutes being signed can be sent back for changes",
        decline_while_signing:
            "a signatory declines while signing is open; these minutes are not being signed",
        archive: "only minutes signed by every required organization can be archived",
        not_signatory: "your organization is not a signatory of these minutes",
        already_signed: "your organization has already signed this version of the minutes",
        reopen_denied: "only the convener or a signatory organization may send the minutes back",
    };
}

/// Minutes as a [`kernel::Workflow`](super::kernel::Workflow): the lifecycle of every signed
/// document, in minutes' words. Its offers are what the minutes JSON carries as `commands`.
pub type MinutesFlow = SignedFlow<MinutesWords>;

/// Who may be named in minutes' signing policy, as a refusal says it.
pub const SIGNATORIES: &str = "the convener or a participating member of this meeting";

/// Why minutes may not be frozen while their meeting is in `meeting`, if so: there is
/// something to record only once the meeting has started.
pub fn freeze_gate(meeting: MeetingState) -> Option<&'static str> {
    match meeting {
        MeetingState::InProgress | MeetingState::Ended => None,
        _ => Some(
            "minutes are frozen once the meeting has started or ended; a draft, scheduled or cancelled meeting has none to freeze",
        ),
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
        assert!(words.already_signed.contains("already signed"));
    }

    #[test]
    fn the_convener_is_offered_freezing_only_once_the_meeting_has_started() {
        let convener = SignParty {
            not_manager: None,
            turn: Turn::No("not a signatory"),
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
        assert!(freeze.rule.unwrap().contains("started or ended"));
        let offered = offers::<MinutesFlow>(during, SignedState::Draft, convener);
        assert!(offered.iter().any(|o| o.command == "freeze" && o.allowed));
        assert!(freeze_gate(MeetingState::Ended).is_none());
    }

    #[test]
    fn a_signatory_is_offered_signing_in_its_turn_and_told_why_not_otherwise() {
        let party = |turn| SignParty {
            not_manager: Some("only the convening organization"),
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
            .rule
            .contains("out of turn"));
        assert!(sign(Turn::Signed)
            .unwrap_err()
            .rule
            .contains("already signed"));
        assert!(sign(Turn::No("observers read"))
            .unwrap_err()
            .rule
            .contains("observers"));
        let decline = MinutesFlow::transition(
            Gate::OPEN,
            SignedState::Frozen,
            party(Turn::Now),
            SignedCommand::Reopen,
        );
        assert!(decline
            .unwrap_err()
            .rule
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
