//! The lead's unified command of a joint investigation group (统一指挥) as stored: nothing of
//! its own. A task the lead sets is a task (`source = 'investigation'`, `source_ref` the
//! group's id) and a group notice a notice (`subject = 'investigation:<id>'`); both are
//! written as consequences of one group write ([`Db::command_in_group`]) so that neither is
//! stored for a group that moved meanwhile, or for a body that left it.

use super::common::{impl_for_both_engines, rule};
use super::effects::Effects;
use super::investigations::SPINE;
use super::spaces::{write_space, Expect};
use super::{Db, DbError};
use crate::domain::investigation::GroupState;
use crate::domain::investigation_work as rules;

trait CommandQueries {
    /// Refuses unless every one of `orgs` is a confirmed body of the group.
    async fn expect_all_confirmed(&mut self, group: &str, orgs: &[String]) -> Result<(), DbError>;
}

impl_for_both_engines!(CommandQueries {
    async fn expect_all_confirmed(&mut self, group: &str, orgs: &[String]) -> Result<(), DbError> {
        for org in orgs {
            let state: Option<(String,)> = sqlx::query_as(
                "select state from investigation_members
                 where investigation_id = $1 and org_id = $2 and role = 'member'",
            )
            .bind(group)
            .bind(org)
            .fetch_optional(&mut *self)
            .await?;
            if !matches!(state, Some((ref s,)) if s == "confirmed") {
                return Err(rule(rules::ASSIGNEE_IS_MEMBER.message()));
            }
        }
        Ok(())
    }
});

impl Db {
    /// Applies `effects` (the tasks and notices the lead sends, with their events, jobs and
    /// audit rows) as one write of the group: only while it is still in `group_state` (its
    /// revision left alone) and while every body of `members` is still a confirmed member.
    pub async fn command_in_group(
        &self,
        group: &str,
        group_state: GroupState,
        members: &[String],
        at: i64,
        effects: &Effects,
    ) -> Result<(), DbError> {
        let expect = Expect::State(group_state.as_str());
        write_space!(self, SPINE, group, expect, at, effects, |conn|
        change {
            conn.expect_all_confirmed(group, members).await?;
        }
        answer {})
    }
}
