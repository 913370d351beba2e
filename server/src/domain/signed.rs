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
use super::message::{Message, Phrase};
use super::org::labelled_enum;
use super::phrases::catalogue;

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
    pub archived: &'static Phrase,
    /// Any command on a superseded version.
    pub superseded: &'static Phrase,
    /// Freezing what is not a draft.
    pub freeze: &'static Phrase,
    /// Opening signing of what is not frozen.
    pub open_signing: &'static Phrase,
    /// Signing while signing is not open.
    pub sign: &'static Phrase,
    /// Sending back what is neither frozen nor being signed.
    pub reopen: &'static Phrase,
    /// A signatory (not the manager) sending back before signing is open.
    pub decline_while_signing: &'static Phrase,
    /// Archiving what is not signed by everyone.
    pub archive: &'static Phrase,
    /// Signing for an organization that is not in the signing policy.
    pub not_signatory: &'static Phrase,
    /// Signing a second time.
    pub already_signed: &'static Phrase,
    /// Sending back for an organization that neither manages nor signs the document.
    pub reopen_denied: &'static Phrase,
}

catalogue! { RULES:
    OUT_OF_TURN = "signed.out_of_turn",
        "尚未轮到本单位签署：上一签署环节的单位尚未全部签署",
        "out of turn: the organizations of the previous signing step have not all signed yet";
    POLICY_NO_STEPS = "signed.policy_no_steps",
        "签署顺序至少要有一个环节",
        "a signing policy needs at least one step";
    POLICY_TOO_MANY_STEPS = "signed.policy_too_many_steps",
        "签署顺序最多十个环节",
        "a signing policy has at most 10 steps";
    POLICY_EMPTY_STEP = "signed.policy_empty_step",
        "签署顺序第 {step} 个环节没有列出单位",
        "step {step} of the signing policy names no organization";
    POLICY_OUTSIDER = "signed.policy_outsider",
        "签署顺序第 {step} 个环节中的单位 {org} 不是{outside}",
        "organization {org} in step {step} is not {outside}";
    FREEZE_LAYOUT = "signed.freeze_layout",
        "{name}不能定稿：内容不完整或格式不符（{reason}）",
        "the {name} cannot be frozen: the document does not follow its layout ({reason})";
    POLICY_TWICE = "signed.policy_twice",
        "单位 {org} 在签署顺序中出现了两次",
        "organization {org} appears twice in the signing policy";
}

/// Who may be named in a signing policy, as a refusal says it: (Chinese, English).
pub type Signatories = (&'static str, &'static str);

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
    pub not_manager: Option<&'static Phrase>,
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
    No(&'static Phrase),
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
    /// Why the subject does not let its document be frozen now, if so.
    pub freeze: Option<Refused>,
}

impl Gate {
    /// A subject that lets its document be frozen.
    pub const OPEN: Gate = Gate { freeze: None };
}

/// A rule standing for the policy's own in the table test's parties and contexts; never said
/// to anyone, so not in the catalogue.
static SOME_RULE: Phrase = Phrase {
    code: "signed.some_rule",
    zh: "策略或事由的某条规则",
    en: "a rule of the policy or of the subject",
};

/// Every kind of party the table test walks: managing or not, times every turn.
const PARTIES: [SignParty; 8] = {
    let turns = [Turn::Now, Turn::Waiting, Turn::Signed, Turn::No(&SOME_RULE)];
    let mut parties = [SignParty {
        not_manager: None,
        turn: Turn::Now,
    }; 8];
    let mut i = 0;
    while i < 8 {
        parties[i] = SignParty {
            not_manager: if i < 4 { None } else { Some(&SOME_RULE) },
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
            freeze: Some(Refused::by(&SOME_RULE)),
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
    let refuse = |rule| Err(Refused::by(rule));
    let manager = || match party.not_manager {
        Some(rule) => Err(Refused::by(rule)),
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
                Some(refused) => Err(refused),
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
                Turn::Waiting => refuse(&OUT_OF_TURN),
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
    outside: Signatories,
) -> Result<(), Message> {
    if steps.is_empty() {
        return Err(POLICY_NO_STEPS.message());
    }
    if steps.len() > 10 {
        return Err(POLICY_TOO_MANY_STEPS.message());
    }
    let mut seen = BTreeSet::new();
    for (i, step) in steps.iter().enumerate() {
        if step.is_empty() {
            return Err(POLICY_EMPTY_STEP.with("step", i + 1));
        }
        for org in step {
            if !signatories.contains(org) {
                return Err(POLICY_OUTSIDER
                    .with("step", i + 1)
                    .with("org", format!("{org:?}"))
                    .with_words("outside", outside.0, outside.1));
            }
            if !seen.insert(org) {
                return Err(POLICY_TWICE.with("org", format!("{org:?}")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minutes' words stand for any workflow's.
    const WORDS: Wording = <crate::domain::minutes::MinutesWords as Words>::WORDS;

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
            Turn::No(WORDS.not_signatory)
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
        let outside = ("成员", "a member");
        assert!(check_steps(&steps(), &ok, outside).is_ok());
        assert!(check_steps(&[vec!["a".into()], vec![]], &ok, outside).is_err());
        assert!(check_steps(&[vec!["a".into()], vec!["a".into()]], &ok, outside).is_err());
        assert!(check_steps(&[vec!["x".into()]], &ok, outside)
            .unwrap_err()
            .to_string()
            .contains("is not a member"));
        assert!(check_steps(&[], &ok, outside).is_err());
        assert!(check_steps(&vec![vec!["a".into()]; 11], &ok, outside).is_err());
    }
}
