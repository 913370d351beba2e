//! Minutes (会议纪要) from freeze to archive: the lifecycle of SIGNING.md and the signing
//! order, as pure functions.
//!
//! ```text
//! draft ──freeze──▶ frozen ──open signing──▶ signing ──last required signature──▶ signed ──▶ archived
//!   ▲                                           │ a party declines or asks for a change
//!   └──────────── reopen: version + 1; the old manifest and its signatures stay in the log ──┘
//! ```
//!
//! A version's signing policy is a list of steps, each a group of organizations that sign
//! in parallel; a step opens when every organization of the step before has signed. Who may
//! give a command (the convener freezes, opens, archives; a signatory signs or declines) is
//! the policy's answer ([`crate::domain::policy`]); this module decides whether the command
//! fits the minutes' state and the order, and names the rule when it does not. It never
//! reads the database, the clock or a key.

use std::collections::BTreeSet;

pub use super::kernel::Refused;
use super::kernel::Workflow;
use super::org::labelled_enum;

labelled_enum! {
    /// Where a version of the minutes is.
    pub enum MinutesState {
        /// 起草中: co-edited live; nothing signed.
        Draft = ("draft", "起草中", "Draft"),
        /// 已定稿: read-only for everyone; the manifest is logged.
        Frozen = ("frozen", "已定稿", "Frozen"),
        /// 会签中: signatories sign in policy order.
        Signing = ("signing", "会签中", "Signing"),
        /// 已签署: every required signature is present; the completion record is logged.
        Signed = ("signed", "已签署", "Signed"),
        /// 已归档: the bundle is exported; read-only forever.
        Archived = ("archived", "已归档", "Archived"),
        /// 已作废: declined or sent back for a change; a newer version replaces it.
        Superseded = ("superseded", "已作废", "Superseded"),
    }
}

labelled_enum! {
    /// What someone asks to do to the minutes.
    pub enum MinutesCommand {
        /// 定稿: stop editing and fix the text to be signed.
        Freeze = ("freeze", "定稿", "Freeze"),
        /// 发起会签.
        OpenSigning = ("open_signing", "发起会签", "Open signing"),
        /// 签署: one organization's signature.
        Sign = ("sign", "签署", "Sign"),
        /// 退回修改: a party declines or asks for a change; the text is edited again as a new
        /// version.
        Reopen = ("reopen", "退回修改", "Send back for changes"),
        /// 归档.
        Archive = ("archive", "归档", "Archive"),
    }
}

/// The state a command leads to, or the rule that forbids it. `Sign` keeps the state
/// `Signing`; the last signature's move to `Signed` is [`after_signature`]'s answer.
pub fn transition(state: MinutesState, command: MinutesCommand) -> Result<MinutesState, Refused> {
    use MinutesCommand as C;
    use MinutesState as S;
    match (state, command) {
        (S::Draft, C::Freeze) => Ok(S::Frozen),
        (S::Frozen, C::OpenSigning) => Ok(S::Signing),
        (S::Signing, C::Sign) => Ok(S::Signing),
        (S::Frozen | S::Signing, C::Reopen) => Ok(S::Draft),
        (S::Signed, C::Archive) => Ok(S::Archived),
        (S::Archived, _) => Err(Refused {
            rule: "archived minutes are read-only forever; a correction is a new meeting's minutes",
        }),
        (S::Superseded, _) => Err(Refused {
            rule: "this version of the minutes was superseded; act on the newest version",
        }),
        (_, C::Freeze) => Err(Refused {
            rule: "only minutes in draft can be frozen",
        }),
        (_, C::OpenSigning) => Err(Refused {
            rule: "signing opens once, on frozen minutes",
        }),
        (_, C::Sign) => Err(Refused {
            rule: "minutes are signed only while signing is open",
        }),
        (_, C::Reopen) => Err(Refused {
            rule: "only frozen minutes or minutes being signed can be sent back for changes",
        }),
        (_, C::Archive) => Err(Refused {
            rule: "only minutes signed by every required organization can be archived",
        }),
    }
}

/// Minutes as a [`Workflow`]. Who may give each command (the convener freezes, opens signing
/// and archives; a signatory signs or sends back) is the policy's and the signing order's, so
/// the machine itself has one party.
pub struct MinutesFlow;

impl Workflow for MinutesFlow {
    type State = MinutesState;
    type Party = ();
    type Command = MinutesCommand;
    type Context = ();
    const PARTIES: &'static [()] = &[()];
    const CONTEXTS: &'static [()] = &[()];

    fn transition(
        _: (),
        state: MinutesState,
        _: (),
        command: MinutesCommand,
    ) -> Result<MinutesState, Refused> {
        transition(state, command)
    }
}

/// The state after a signature: `Signed` when it was the last one the policy requires.
pub fn after_signature(steps: &[Vec<String>], signed: &BTreeSet<String>) -> MinutesState {
    if current_step(steps, signed).is_none() {
        MinutesState::Signed
    } else {
        MinutesState::Signing
    }
}

/// The step being signed now (1-based): the first with an organization that has not signed.
/// `None` when every step is complete.
pub fn current_step(steps: &[Vec<String>], signed: &BTreeSet<String>) -> Option<u32> {
    steps
        .iter()
        .position(|step| step.iter().any(|org| !signed.contains(org)))
        .map(|i| i as u32 + 1)
}

/// The step at which `org` signs, if it is asked to sign at all.
pub fn step_of(steps: &[Vec<String>], org: &str) -> Option<u32> {
    steps
        .iter()
        .position(|step| step.iter().any(|o| o == org))
        .map(|i| i as u32 + 1)
}

/// Whether `org` may sign now, given who has signed: its step, or the rule it breaks.
pub fn check_turn(
    steps: &[Vec<String>],
    signed: &BTreeSet<String>,
    org: &str,
) -> Result<u32, Refused> {
    let Some(step) = step_of(steps, org) else {
        return Err(Refused {
            rule: "your organization is not a signatory of these minutes",
        });
    };
    if signed.contains(org) {
        return Err(Refused {
            rule: "your organization has already signed this version of the minutes",
        });
    }
    match current_step(steps, signed) {
        Some(current) if current == step => Ok(step),
        Some(_) => Err(Refused {
            rule: "out of turn: the organizations of the previous signing step have not all signed yet",
        }),
        // Every step complete and `org` not among the signed: impossible for a listed org.
        None => Err(Refused {
            rule: "every required signature is already present",
        }),
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

/// Checks a signing policy against who may sign (the convener and member organizations):
/// no empty step, nobody twice, nobody from outside.
pub fn check_steps(steps: &[Vec<String>], signatories: &BTreeSet<String>) -> Result<(), String> {
    if steps.is_empty() {
        return Err("a signing policy needs at least one step".into());
    }
    if steps.len() > 10 {
        return Err("a signing policy has at most 10 steps".into());
    }
    let mut seen = BTreeSet::new();
    for (i, step) in steps.iter().enumerate() {
        if step.is_empty() {
            return Err(format!(
                "step {} of the signing policy names no organization",
                i + 1
            ));
        }
        for org in step {
            if !signatories.contains(org) {
                return Err(format!(
                    "organization {org:?} in step {} is not the convener or a participating member of this meeting",
                    i + 1
                ));
            }
            if !seen.insert(org) {
                return Err(format!(
                    "organization {org:?} appears twice in the signing policy"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps() -> Vec<Vec<String>> {
        vec![vec!["a".into(), "b".into()], vec!["c".into()]]
    }

    fn set(orgs: &[&str]) -> BTreeSet<String> {
        orgs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_state_and_command_has_an_answer_and_only_the_drawn_arrows_are_allowed() {
        use MinutesCommand as C;
        use MinutesState as S;
        let arrows = [
            ((), S::Draft, (), C::Freeze, S::Frozen),
            ((), S::Frozen, (), C::OpenSigning, S::Signing),
            ((), S::Signing, (), C::Sign, S::Signing),
            ((), S::Frozen, (), C::Reopen, S::Draft),
            ((), S::Signing, (), C::Reopen, S::Draft),
            ((), S::Signed, (), C::Archive, S::Archived),
        ];

        let cases =
            crate::domain::kernel::testing::check_table::<MinutesFlow>(&arrows, |_, _, _| true);

        assert_eq!(cases, MinutesState::ALL.len() * MinutesCommand::ALL.len());
    }

    #[test]
    fn a_second_step_signature_before_the_first_step_completes_is_out_of_turn() {
        let refused = check_turn(&steps(), &set(&["a"]), "c").unwrap_err();
        assert!(refused.rule.contains("out of turn"));
        assert_eq!(check_turn(&steps(), &set(&["a", "b"]), "c"), Ok(2));
    }

    #[test]
    fn parallel_signers_of_a_step_sign_in_any_order() {
        assert_eq!(check_turn(&steps(), &set(&[]), "b"), Ok(1));
        assert_eq!(check_turn(&steps(), &set(&["b"]), "a"), Ok(1));
    }

    #[test]
    fn an_organization_signs_once_and_outsiders_never() {
        assert!(check_turn(&steps(), &set(&["a"]), "a")
            .unwrap_err()
            .rule
            .contains("already signed"));
        assert!(check_turn(&steps(), &set(&[]), "z")
            .unwrap_err()
            .rule
            .contains("not a signatory"));
    }

    #[test]
    fn the_last_required_signature_makes_the_minutes_signed() {
        assert_eq!(
            after_signature(&steps(), &set(&["a", "b"])),
            MinutesState::Signing
        );
        assert_eq!(
            after_signature(&steps(), &set(&["a", "b", "c"])),
            MinutesState::Signed
        );
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

    #[test]
    fn a_policy_with_an_outsider_a_duplicate_or_an_empty_step_is_refused() {
        let ok = set(&["a", "b", "c"]);
        assert!(check_steps(&steps(), &ok).is_ok());
        assert!(check_steps(&[vec!["a".into()], vec![]], &ok).is_err());
        assert!(check_steps(&[vec!["a".into()], vec!["a".into()]], &ok).is_err());
        assert!(check_steps(&[vec!["x".into()]], &ok).is_err());
        assert!(check_steps(&[], &ok).is_err());
    }
}
