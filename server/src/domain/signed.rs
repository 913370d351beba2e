//! A signed document of any kind (会议纪要 minutes, 协调意见书 a dispute decision, an
//! investigation group's concluding report, supervision documents) from freeze to archive:
//! the lifecycle of SIGNING.md and the signing order, as pure functions.
//!
//! ```text
//! draft ──freeze──▶ frozen ──open signing──▶ signing ──last required signature──▶ signed ──▶ archived
//!   ▲                                           │ a party declines or asks for a change
//!   └──────────── reopen: version + 1; the old manifest and its signatures stay in the log ──┘
//! ```
//!
//! Every kind goes through the same machine ([`SignedFlow`]); what differs is only the words
//! its refusals use ([`Wording`], one `const` per workflow, e.g.
//! [`super::minutes::MinutesWords`]) and what the workflow says around it: who manages the
//! document and who signs (the policy's answer, carried in as the [`SignParty`]), whether its
//! subject lets it be frozen now (the [`Gate`]: minutes once their meeting has started), its
//! signatories and default order.
//!
//! A version's signing policy is a list of steps, each a group of organizations that sign in
//! parallel; a step opens when every organization of the step before has signed. This module
//! never reads the database, the clock or a key.

use std::collections::BTreeSet;
use std::marker::PhantomData;

pub use super::kernel::Refused;
use super::kernel::Workflow;
use super::org::labelled_enum;

labelled_enum! {
    /// Where a version of a signed document is.
    pub enum SignedState {
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
    /// What someone asks to do to a signed document.
    pub enum SignedCommand {
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

/// The sentences a workflow's refusals say, naming its document ("minutes", "the decision"),
/// so a person reads what they act on. One `const` per workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wording {
    /// Any command on an archived version.
    pub archived: &'static str,
    /// Any command on a superseded version.
    pub superseded: &'static str,
    /// Freezing what is not a draft.
    pub freeze: &'static str,
    /// Opening signing of what is not frozen.
    pub open_signing: &'static str,
    /// Signing while signing is not open.
    pub sign: &'static str,
    /// Sending back what is neither frozen nor being signed.
    pub reopen: &'static str,
    /// A signatory (not the manager) sending back before signing is open.
    pub decline_while_signing: &'static str,
    /// Archiving what is not signed by everyone.
    pub archive: &'static str,
    /// Signing for an organization that is not in the signing policy.
    pub not_signatory: &'static str,
    /// Signing a second time.
    pub already_signed: &'static str,
    /// Sending back for an organization that neither manages nor signs the document.
    pub reopen_denied: &'static str,
}

/// The rule of a signature whose step has not opened yet.
pub const OUT_OF_TURN: &str =
    "out of turn: the organizations of the previous signing step have not all signed yet";

/// A workflow's words for its signed documents: its [`Wording`].
pub trait Words: 'static {
    const WORDS: Wording;
}

/// Who gives a command, as the lifecycle needs to know them: whether they manage the
/// document (the policy's answer for the workflow's manager: the convener for minutes), and
/// where their organization stands in the signing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignParty {
    /// Why the caller may not manage the document (freeze, open signing, send back as its
    /// manager, archive); `None` when it may.
    pub not_manager: Option<&'static str>,
    pub turn: Turn,
}

/// Where the caller's organization stands in a version's signing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Its step is the one being signed and it has not signed yet.
    Now,
    /// It signs at a later step.
    Waiting,
    /// It has signed this version.
    Signed,
    /// It does not sign (not in the policy, or the policy forbids the caller to sign: a
    /// token, an observer, a supervisor): the rule that says so.
    No(&'static str),
}

impl Turn {
    /// Whether the organization is in the signing policy at all.
    pub fn signs(self) -> bool {
        !matches!(self, Turn::No(_))
    }
}

/// What the document's subject says about the document now: why it may not be frozen yet
/// (minutes: the meeting has not started), or `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    pub freeze: Option<&'static str>,
}

impl Gate {
    /// A subject that lets its document be frozen.
    pub const OPEN: Gate = Gate { freeze: None };
}

/// A rule standing for the policy's own in the table test's parties and contexts.
const SOME_RULE: &str = "a rule of the policy or of the subject";

/// Every kind of party the table test walks: managing or not, times every turn.
const PARTIES: [SignParty; 8] = {
    let turns = [Turn::Now, Turn::Waiting, Turn::Signed, Turn::No(SOME_RULE)];
    let mut parties = [SignParty {
        not_manager: None,
        turn: Turn::Now,
    }; 8];
    let mut i = 0;
    while i < 8 {
        parties[i] = SignParty {
            not_manager: if i < 4 { None } else { Some(SOME_RULE) },
            turn: turns[i % 4],
        };
        i += 1;
    }
    parties
};

/// The lifecycle of a signed document as a [`Workflow`], in the words of `W`.
pub struct SignedFlow<W>(PhantomData<W>);

impl<W: Words> Workflow for SignedFlow<W> {
    type State = SignedState;
    type Party = SignParty;
    type Command = SignedCommand;
    type Context = Gate;
    const PARTIES: &'static [SignParty] = &PARTIES;
    const CONTEXTS: &'static [Gate] = &[
        Gate::OPEN,
        Gate {
            freeze: Some(SOME_RULE),
        },
    ];

    fn transition(
        gate: Gate,
        state: SignedState,
        party: SignParty,
        command: SignedCommand,
    ) -> Result<SignedState, Refused> {
        transition(&W::WORDS, gate, state, party, command)
    }
}

/// The state a command leads to, or the rule that forbids it. `Sign` keeps the state
/// `Signing`; the last signature's move to `Signed` is [`after_signature`]'s answer.
pub fn transition(
    words: &Wording,
    gate: Gate,
    state: SignedState,
    party: SignParty,
    command: SignedCommand,
) -> Result<SignedState, Refused> {
    use SignedCommand as C;
    use SignedState as S;
    let refuse = |rule| Err(Refused { rule });
    let manager = || match party.not_manager {
        Some(rule) => Err(Refused { rule }),
        None => Ok(()),
    };
    match state {
        S::Archived => return refuse(words.archived),
        S::Superseded => return refuse(words.superseded),
        _ => {}
    }
    match command {
        C::Freeze => {
            manager()?;
            if state != S::Draft {
                return refuse(words.freeze);
            }
            match gate.freeze {
                Some(rule) => refuse(rule),
                None => Ok(S::Frozen),
            }
        }
        C::OpenSigning => {
            manager()?;
            if state == S::Frozen {
                Ok(S::Signing)
            } else {
                refuse(words.open_signing)
            }
        }
        C::Sign => {
            if state != S::Signing {
                return refuse(words.sign);
            }
            match party.turn {
                Turn::Now => Ok(S::Signing),
                Turn::Waiting => refuse(OUT_OF_TURN),
                Turn::Signed => refuse(words.already_signed),
                Turn::No(rule) => refuse(rule),
            }
        }
        C::Reopen => match state {
            S::Frozen | S::Signing if party.not_manager.is_none() => Ok(S::Draft),
            S::Signing if party.turn.signs() => Ok(S::Draft),
            S::Frozen if party.turn.signs() => refuse(words.decline_while_signing),
            S::Frozen | S::Signing => manager().map(|()| S::Draft),
            _ => refuse(words.reopen),
        },
        C::Archive => {
            manager()?;
            if state == S::Signed {
                Ok(S::Archived)
            } else {
                refuse(words.archive)
            }
        }
    }
}

/// The state after a signature: `Signed` when it was the last one the policy requires.
pub fn after_signature(steps: &[Vec<String>], signed: &BTreeSet<String>) -> SignedState {
    if current_step(steps, signed).is_none() {
        SignedState::Signed
    } else {
        SignedState::Signing
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

/// Where `org` stands in the order, given who has signed.
pub fn turn(words: &Wording, steps: &[Vec<String>], signed: &BTreeSet<String>, org: &str) -> Turn {
    match step_of(steps, org) {
        None => Turn::No(words.not_signatory),
        Some(_) if signed.contains(org) => Turn::Signed,
        Some(step) if current_step(steps, signed) == Some(step) => Turn::Now,
        Some(_) => Turn::Waiting,
    }
}

/// Checks a signing policy against who may sign: at least one step and at most ten, no empty
/// step, nobody twice, nobody from outside (`outside` says who may: "the convener or a
/// participating member of this meeting").
pub fn check_steps(
    steps: &[Vec<String>],
    signatories: &BTreeSet<String>,
    outside: &str,
) -> Result<(), String> {
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
                    "organization {org:?} in step {} is not {outside}",
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

    const WORDS: Wording = Wording {
        archived: "archived",
        superseded: "superseded",
        freeze: "freeze",
        open_signing: "open_signing",
        sign: "sign",
        reopen: "reopen",
        decline_while_signing: "decline",
        archive: "archive",
        not_signatory: "not a signatory",
        already_signed: "already signed",
        reopen_denied: "reopen denied",
    };

    fn steps() -> Vec<Vec<String>> {
        vec![vec!["a".into(), "b".into()], vec!["c".into()]]
    }

    fn set(orgs: &[&str]) -> BTreeSet<String> {
        orgs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_second_step_organization_waits_until_the_first_step_completes() {
        assert_eq!(turn(&WORDS, &steps(), &set(&["a"]), "c"), Turn::Waiting);
        assert_eq!(turn(&WORDS, &steps(), &set(&["a", "b"]), "c"), Turn::Now);
    }

    #[test]
    fn parallel_signers_of_a_step_sign_in_any_order() {
        assert_eq!(turn(&WORDS, &steps(), &set(&[]), "b"), Turn::Now);
        assert_eq!(turn(&WORDS, &steps(), &set(&["b"]), "a"), Turn::Now);
    }

    #[test]
    fn an_organization_signs_once_and_outsiders_never() {
        assert_eq!(turn(&WORDS, &steps(), &set(&["a"]), "a"), Turn::Signed);
        assert_eq!(
            turn(&WORDS, &steps(), &set(&[]), "z"),
            Turn::No("not a signatory")
        );
    }

    #[test]
    fn the_last_required_signature_makes_the_document_signed() {
        assert_eq!(
            after_signature(&steps(), &set(&["a", "b"])),
            SignedState::Signing
        );
        assert_eq!(
            after_signature(&steps(), &set(&["a", "b", "c"])),
            SignedState::Signed
        );
    }

    #[test]
    fn a_policy_with_an_outsider_a_duplicate_or_an_empty_step_is_refused() {
        let ok = set(&["a", "b", "c"]);
        let outside = "a member";
        assert!(check_steps(&steps(), &ok, outside).is_ok());
        assert!(check_steps(&[vec!["a".into()], vec![]], &ok, outside).is_err());
        assert!(check_steps(&[vec!["a".into()], vec!["a".into()]], &ok, outside).is_err());
        assert!(check_steps(&[vec!["x".into()]], &ok, outside)
            .unwrap_err()
            .contains("is not a member"));
        assert!(check_steps(&[], &ok, outside).is_err());
        assert!(check_steps(&vec![vec!["a".into()]; 11], &ok, outside).is_err());
    }
}
