//! The workflow kernel: what every state machine of the work has in common, so that each
//! workflow (a task, a meeting, minutes, a notice's receipt, and the disputes, investigation
//! groups and referrals to come) is only its own states, parties, commands and one transition
//! function.
//!
//! A [`Workflow`] answers one question: what does `party` giving `command` to a thing in
//! `state` lead to, or which rule refuses it? From that one function the kernel derives what a
//! page offers ([`offers`]: every command with "allowed" or the rule that refuses it, so the
//! web client renders buttons from the server's answer and never copies a machine), and its
//! tests check the whole table ([`testing::check_table`]: every (context, state, party,
//! command) is either a listed arrow or refused with a rule).
//!
//! It must never read anything: like the rest of [`crate::domain`], it takes plain values.

use std::fmt;

use serde::Serialize;
use utoipa::ToSchema;

use super::message::{Lang, Message, Phrase};

/// A refused command, naming the rule that refused it: a phrase of the catalogue (declared
/// beside its machine), and, when the rule ends with the state the thing is in (`{now}`),
/// that state's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub rule: &'static Phrase,
    /// The state the thing is in, for a rule that says it: (Chinese label, stored name).
    pub now: Option<(&'static str, &'static str)>,
}

impl Refused {
    /// Refused by `rule`, a sentence with no placeholder.
    pub const fn by(rule: &'static Phrase) -> Refused {
        Refused { rule, now: None }
    }

    /// Refused by `rule`, whose `{now}` names `state`: in Chinese by its label, in English by
    /// its stored name (`in_progress`), as API clients know it.
    pub fn in_state<S: Label>(rule: &'static Phrase, state: S) -> Refused {
        Refused {
            rule,
            now: Some((state.label_zh(), state.as_str())),
        }
    }

    /// What the refusal says, in the reader's language once known.
    pub fn message(&self) -> Message {
        match self.now {
            Some((zh, en)) => self.rule.message().with_words("now", zh, en),
            None => self.rule.message(),
        }
    }
}

/// In English, as in logs and in the tests of the machines.
impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for Refused {}

/// A word of a workflow's vocabulary (a state, a command): its stored name and its labels.
/// `labelled_enum!` implements it.
pub trait Label: Copy + Eq + fmt::Debug + fmt::Display + 'static {
    /// Every value, in declaration order: what tables and offers iterate.
    const ALL: &'static [Self];
    /// The stored and transmitted name, e.g. `in_progress`.
    fn as_str(self) -> &'static str;
    /// What people see in zh-CN.
    fn label_zh(self) -> &'static str;
    /// What people see in English.
    fn label_en(self) -> &'static str;
}

/// A state machine of the work.
pub trait Workflow {
    type State: Label;
    /// Who gives a command (the setter or the assignee of a task, the convener of a meeting).
    type Party: Copy + Eq + fmt::Debug + 'static;
    type Command: Label;
    /// What else the rules look at besides the state: the version a receipt belongs to and
    /// what its notice demands; `()` for most machines.
    type Context: Copy + PartialEq + fmt::Debug + 'static;

    /// Every party, for offers and the table test.
    const PARTIES: &'static [Self::Party];
    /// Every context the table test walks (`&[()]` for most machines).
    const CONTEXTS: &'static [Self::Context];

    /// What `party` giving `command` in `state` leads to, or the rule that refuses it.
    fn transition(
        context: Self::Context,
        state: Self::State,
        party: Self::Party,
        command: Self::Command,
    ) -> Result<Self::State, Refused>;
}

/// One command as a page may offer it: allowed now, or refused with the rule that says why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CommandOffer {
    /// The command's name, as a request gives it.
    pub command: &'static str,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    /// Whether the caller may give it now.
    pub allowed: bool,
    /// When not allowed: the rule that refuses it, in Chinese, for a person.
    pub rule_zh: Option<String>,
    /// When not allowed: the same rule in English.
    pub rule_en: Option<String>,
    /// When not allowed: the rule's stable code (`task.wrong_state_dispatch`), for programs.
    pub rule_code: Option<&'static str>,
}

impl CommandOffer {
    /// The offer of `command`, allowed or refused as `outcome` says, the rule said in both
    /// languages.
    pub fn new(
        command: &'static str,
        label_zh: &'static str,
        label_en: &'static str,
        outcome: Result<(), Refused>,
    ) -> CommandOffer {
        let refused = outcome.err().map(|r| r.message());
        let said = |lang| refused.as_ref().and_then(|m| m.render(lang));
        CommandOffer {
            command,
            label_zh,
            label_en,
            allowed: refused.is_none(),
            rule_zh: said(Lang::Zh),
            rule_en: said(Lang::En),
            rule_code: refused.as_ref().and_then(Message::code),
        }
    }
}

/// Every command of `W` for `party` in `state`, each allowed or refused with its rule, in the
/// vocabulary's order: what a page renders as buttons. Derived from the transition function,
/// so the two never disagree.
pub fn offers<W: Workflow>(
    context: W::Context,
    state: W::State,
    party: W::Party,
) -> Vec<CommandOffer> {
    W::Command::ALL
        .iter()
        .map(|&command| {
            CommandOffer::new(
                command.as_str(),
                command.label_zh(),
                command.label_en(),
                W::transition(context, state, party, command).map(drop),
            )
        })
        .collect()
}

/// The checks a machine of parties makes before its table of arrows, most general first: a
/// final state refuses everything (`final_rule` says why), then a command given by another
/// party than the one it belongs to is refused naming who may give it (`wrong_party`).
pub fn precheck(
    final_rule: Option<&'static Phrase>,
    by_its_party: bool,
    wrong_party: &'static Phrase,
) -> Result<(), Refused> {
    if let Some(rule) = final_rule {
        return Err(Refused::by(rule));
    }
    if !by_its_party {
        return Err(Refused::by(wrong_party));
    }
    Ok(())
}

/// The commands `party` may give in `state` now, in the vocabulary's order.
pub fn allowed<W: Workflow>(
    context: W::Context,
    state: W::State,
    party: W::Party,
) -> Vec<W::Command> {
    W::Command::ALL
        .iter()
        .copied()
        .filter(|&command| W::transition(context, state, party, command).is_ok())
        .collect()
}

/// The one table test every workflow runs.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Label, Workflow};

    /// One allowed arrow: in `context`, `party` giving `command` in `from` leads to `to`.
    pub(crate) type Arrow<W> = (
        <W as Workflow>::Context,
        <W as Workflow>::State,
        <W as Workflow>::Party,
        <W as Workflow>::Command,
        <W as Workflow>::State,
    );

    /// Walks every (context, state, party, command) of `W`: a listed arrow must lead where it
    /// says; anything else must be refused with a rule that `names` accepts (it names the
    /// command, the state or who may). Returns how many cases were walked.
    pub(crate) fn check_table<W: Workflow>(
        arrows: &[Arrow<W>],
        names: impl Fn(&str, W::State, W::Command) -> bool,
    ) -> usize {
        let mut cases = 0;
        let mut allowed = 0;
        for &context in W::CONTEXTS {
            for &state in W::State::ALL {
                for &party in W::PARTIES {
                    for &command in W::Command::ALL {
                        cases += 1;
                        let expected = arrows
                            .iter()
                            .find(|(c, s, p, m, _)| {
                                (*c, *s, *p, *m) == (context, state, party, command)
                            })
                            .map(|arrow| arrow.4);
                        let outcome = W::transition(context, state, party, command);
                        let case = format!("{party:?} {command} on {state} ({context:?})");
                        match (expected, outcome) {
                            (Some(to), Ok(got)) => {
                                assert_eq!(got, to, "{case}");
                                allowed += 1;
                            }
                            (None, Err(refused)) => {
                                let said = refused.to_string();
                                assert!(
                                    !said.is_empty() && names(&said, state, command),
                                    "{case}: the rule {said:?} does not say what refuses it"
                                )
                            }
                            (Some(to), Err(refused)) => {
                                panic!("{case}: expected {to}, refused: {refused}")
                            }
                            (None, Ok(got)) => panic!("{case}: expected a refusal, got {got}"),
                        }
                    }
                }
            }
        }
        assert_eq!(
            allowed,
            arrows.len(),
            "an arrow of the table is listed twice"
        );
        cases
    }

    /// The usual test of a refusal's words: it names the command or the state.
    pub(crate) fn names_command_or_state<S: Label, C: Label>(
        rule: &str,
        state: S,
        command: C,
    ) -> bool {
        rule.contains(command.as_str()) || rule.contains(state.as_str())
    }
}
