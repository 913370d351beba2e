//! The identity storage conformance suite: regions, organizations, users, sessions, API
//! tokens, spaces, OpenID sign-ins, settings, the audit chain and the directory import,
//! written once and checked against a fresh SQLite file and a fresh PostgreSQL database.
//!
//! Each behaviour is an `async fn(Harness)` below; `conformance!` turns it into one test per
//! engine (`store_identity::sqlite::…` and `store_identity::postgres::…`). Tampering with the
//! audit trail goes around the server, through a raw sqlx connection, as an intruder would.

use std::collections::BTreeSet;
use std::path::PathBuf;

use collab::DocId;
use serde_json::json;
use server::db::{
    AuditEvent, Db, DbConfig, DbError, DirectoryImport, HeldCredential, ImportOrg, ImportUser,
    NewApiToken, NewOrg, NewRegion, NewSession, NewSpace, NewSpaceDoc, NewUser, OidcLogin, Org,
    OrgPatch, Region, SqliteSync, User, UserPatch,
};
use server::domain::org::DocRole;
use server::domain::org::{
    Level, Name, OrgCode, OrgKind, OrgRole, RegionCode, RegionPath, SpaceKind, SpaceRole, Username,
};
use server::domain::policy::Viewer;
use sqlx::{Connection, Executor};
use tempfile::TempDir;
use tokio::task::JoinSet;

use crate::support::postgres::fresh_database_url;

/// The time every test starts at, in Unix milliseconds.
const T0: i64 = 1_700_000_000_000;

/// One database under test, and how to reach it behind the server's back.
struct Harness {
    db: Db,
    raw: Raw,
    /// Keeps the SQLite data directory alive for as long as the test runs.
    _dir: Option<TempDir>,
}

/// Where the raw connection for tampering goes.
enum Raw {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Harness {
    async fn sqlite() -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = DbConfig {
            url: None,
            data_dir: dir.path().join("data"),
            sqlite_synchronous: SqliteSync::Normal,
        };
        let db = Db::connect(&config).await.expect("connect");
        let file = config.data_dir.join(server::db::SQLITE_FILE_NAME);
        Harness {
            db,
            raw: Raw::Sqlite(file),
            _dir: Some(dir),
        }
    }

    async fn postgres() -> Harness {
        let url = fresh_database_url().await;
        let config = DbConfig {
            url: Some(url.clone()),
            data_dir: "unused-by-postgres".into(),
            sqlite_synchronous: SqliteSync::Normal,
        };
        let db = Db::connect(&config).await.expect("connect");
        Harness {
            db,
            raw: Raw::Postgres(url),
            _dir: None,
        }
    }

    /// Runs `sql` on a connection of its own, not through the server.
    async fn tamper(&self, sql: &str) {
        match &self.raw {
            Raw::Sqlite(file) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .expect("raw sqlite connection");
                conn.execute(sql).await.expect("tamper");
                conn.close().await.ok();
            }
            Raw::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url)
                    .await
                    .expect("raw postgres connection");
                conn.execute(sql).await.expect("tamper");
                conn.close().await.ok();
            }
        }
    }

    /// Every audit row's action, oldest first.
    async fn audit_actions(&self) -> Vec<String> {
        let mut rows = self.db.audit_rows(None, None, 10_000).await.unwrap();
        rows.reverse();
        rows.into_iter().map(|r| r.action).collect()
    }
}

/// Generates, for each behaviour, one test per engine.
macro_rules! conformance {
    ($($behaviour:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $behaviour() {
                    super::$behaviour(super::Harness::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $behaviour() {
                    super::$behaviour(super::Harness::postgres().await).await;
                }
            )*
        }
    };
}

conformance!(
    regions_are_created_below_their_parents_and_read_back_in_path_order,
    a_region_under_a_parent_at_the_same_or_a_lower_level_is_refused,
    moving_a_region_under_itself_or_its_descendant_is_refused_as_a_cycle,
    moving_a_region_rewrites_the_paths_of_its_whole_subtree,
    renaming_a_region_keeps_its_place,
    organizations_are_created_and_read_by_id_code_and_in_directory_order,
    a_duplicate_organization_code_is_a_conflict,
    organization_parent_cycles_are_refused,
    users_are_created_read_and_updated,
    foreign_keys_are_enforced,
    wrong_passwords_are_counted_and_lock_the_account,
    sessions_live_until_idle_or_absolute_expiry_or_revocation,
    revoking_a_users_sessions_ends_only_the_live_ones,
    api_tokens_live_until_expiry_or_revocation_and_record_their_last_use,
    spaces_are_visible_to_members_and_a_covering_region_but_not_a_sibling,
    a_space_always_keeps_a_convener,
    space_documents_are_created_and_listed,
    an_oidc_login_is_taken_once_and_never_after_it_expires,
    settings_are_stored_and_replaced,
    every_change_writes_its_audit_row_in_order,
    a_refused_change_writes_no_audit_row,
    audit_rows_page_newest_first_and_filter_by_organization,
    the_audit_chain_verifies_clean,
    the_audit_chain_detects_an_edited_row,
    the_audit_chain_detects_a_deleted_row,
    an_audit_anchor_is_appended_once_per_new_head,
    removing_the_newest_audit_rows_shows_against_the_anchor,
    a_chain_rebuilt_past_an_anchor_shows_against_the_anchor,
    concurrent_audit_appends_keep_one_unbroken_chain,
    a_directory_import_stores_regions_organizations_and_users,
    a_directory_import_is_all_or_nothing_and_names_the_bad_item,
    a_directory_import_run_again_changes_nothing_and_audits_nothing,
    a_directory_import_updates_what_differs_and_audits_only_that,
    a_directory_import_preview_stores_and_audits_nothing,
    a_directory_import_names_the_source_line_of_a_refused_item,
    a_directory_import_does_not_move_a_person_to_another_body,
);

// ---- regions ----

async fn regions_are_created_below_their_parents_and_read_back_in_path_order(h: Harness) {
    let province =
        h.db.create_region(
            &new_region("330000", Level::Province, None),
            &event("region_created"),
        )
        .await
        .unwrap();
    let sibling =
        h.db.create_region(
            &new_region("330200", Level::City, Some("330000")),
            &event("region_created"),
        )
        .await
        .unwrap();
    let city =
        h.db.create_region(
            &new_region("330100", Level::City, Some("330000")),
            &event("region_created"),
        )
        .await
        .unwrap();
    let county =
        h.db.create_region(
            &new_region("330102", Level::County, Some("330100")),
            &event("region_created"),
        )
        .await
        .unwrap();

    assert_eq!(province.path, path("/330000/"));
    assert_eq!(city.path, path("/330000/330100/"));
    assert_eq!(county.path, path("/330000/330100/330102/"));
    assert_eq!(county.parent, Some(region_code("330100")));
    assert_eq!(
        h.db.regions().await.unwrap(),
        [province, city, county.clone(), sibling]
    );
    assert_eq!(
        h.db.region(&region_code("330102")).await.unwrap(),
        Some(county)
    );
    assert_eq!(h.db.region(&region_code("110000")).await.unwrap(), None);
}

async fn a_region_under_a_parent_at_the_same_or_a_lower_level_is_refused(h: Harness) {
    seed_regions(&h).await;
    let before = h.db.regions().await.unwrap();

    let same =
        h.db.create_region(
            &new_region("330103", Level::County, Some("330102")),
            &event("region_created"),
        )
        .await;
    let higher =
        h.db.create_region(
            &new_region("330104", Level::City, Some("330102")),
            &event("region_created"),
        )
        .await;
    let orphan =
        h.db.create_region(
            &new_region("330105", Level::County, Some("990000")),
            &event("region_created"),
        )
        .await;
    let moved_up =
        h.db.move_region(
            &region_code("330200"),
            Some(&region_code("330102")),
            &event("region_moved"),
        )
        .await;

    let message = rule_message(same);
    assert!(
        message.contains("330103") && message.contains("lower level"),
        "{message}"
    );
    assert!(rule_message(higher).contains("lower level"));
    assert!(rule_message(orphan).contains("990000"));
    assert!(rule_message(moved_up).contains("lower level"));
    assert_eq!(h.db.regions().await.unwrap(), before);
}

async fn moving_a_region_under_itself_or_its_descendant_is_refused_as_a_cycle(h: Harness) {
    seed_regions(&h).await;
    h.db.create_region(
        &new_region("330102001", Level::Township, Some("330102")),
        &event("region_created"),
    )
    .await
    .unwrap();
    let before = h.db.regions().await.unwrap();

    let under_descendant =
        h.db.move_region(
            &region_code("330100"),
            Some(&region_code("330102001")),
            &event("region_moved"),
        )
        .await;
    let under_itself =
        h.db.move_region(
            &region_code("330100"),
            Some(&region_code("330100")),
            &event("region_moved"),
        )
        .await;
    let unknown =
        h.db.move_region(&region_code("990000"), None, &event("region_moved"))
            .await;

    let message = rule_message(under_descendant);
    assert!(message.contains("cycle"), "{message}");
    assert!(rule_message(under_itself).contains("cycle"));
    assert!(matches!(unknown, Err(DbError::NotFound(m)) if m.to_string().contains("990000")));
    assert_eq!(h.db.regions().await.unwrap(), before);
}

async fn moving_a_region_rewrites_the_paths_of_its_whole_subtree(h: Harness) {
    seed_regions(&h).await;
    h.db.create_region(
        &new_region("330102001", Level::Township, Some("330102")),
        &event("region_created"),
    )
    .await
    .unwrap();
    h.db.create_region(
        &new_region("340000", Level::Province, None),
        &event("region_created"),
    )
    .await
    .unwrap();
    let org =
        h.db.create_org(
            &new_org("DEPT", OrgKind::EnforcementDepartment, "330102001"),
            &event("org_created"),
        )
        .await
        .unwrap();

    let moved =
        h.db.move_region(
            &region_code("330100"),
            Some(&region_code("340000")),
            &event("region_moved"),
        )
        .await
        .unwrap();
    let to_top =
        h.db.move_region(&region_code("330200"), None, &event("region_moved"))
            .await
            .unwrap();

    assert_eq!(moved.path, path("/340000/330100/"));
    assert_eq!(moved.parent, Some(region_code("340000")));
    assert_eq!(to_top.path, path("/330200/"));
    assert_eq!(to_top.parent, None);
    let paths: Vec<(String, String)> =
        h.db.regions()
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.code.to_string(), r.path.0))
            .collect();
    assert_eq!(
        paths,
        [
            ("330000".into(), "/330000/".into()),
            ("330200".into(), "/330200/".into()),
            ("340000".into(), "/340000/".into()),
            ("330100".into(), "/340000/330100/".into()),
            ("330102".into(), "/340000/330100/330102/".into()),
            (
                "330102001".into(),
                "/340000/330100/330102/330102001/".into()
            ),
        ]
    );
    let org = h.db.org(&org.id).await.unwrap().unwrap();
    assert_eq!(org.region_path, path("/340000/330100/330102/330102001/"));
}

async fn renaming_a_region_keeps_its_place(h: Harness) {
    seed_regions(&h).await;

    h.db.rename_region(
        &region_code("330100"),
        name("杭州市"),
        Some(name("Hangzhou")),
        &event("region_renamed"),
    )
    .await
    .unwrap();
    let unknown =
        h.db.rename_region(
            &region_code("990000"),
            name("无"),
            None,
            &event("region_renamed"),
        )
        .await;

    let city = h.db.region(&region_code("330100")).await.unwrap().unwrap();
    assert_eq!(city.name_zh, name("杭州市"));
    assert_eq!(city.name_en, Some(name("Hangzhou")));
    assert_eq!(city.path, path("/330000/330100/"));
    assert!(matches!(unknown, Err(DbError::NotFound(_))));
}

// ---- organizations ----

async fn organizations_are_created_and_read_by_id_code_and_in_directory_order(h: Harness) {
    seed_regions(&h).await;
    let county_dept =
        h.db.create_org(
            &new_org("B-DEPT", OrgKind::EnforcementDepartment, "330102"),
            &event("org_created"),
        )
        .await
        .unwrap();
    let city_bureau =
        h.db.create_org(
            &new_org("Z-BUREAU", OrgKind::JudicialBureau, "330100"),
            &event("org_created"),
        )
        .await
        .unwrap();
    let unit =
        h.db.create_org(
            &NewOrg {
                parent_id: Some(county_dept.id.clone()),
                ..new_org("A-UNIT", OrgKind::Other, "330102")
            },
            &event("org_created"),
        )
        .await
        .unwrap();

    assert_eq!(city_bureau.level, Level::City);
    assert_eq!(city_bureau.region_path, path("/330000/330100/"));
    assert_eq!(city_bureau.kind, OrgKind::JudicialBureau);
    assert_eq!(city_bureau.created_at, T0);
    assert_eq!(unit.parent_id, Some(county_dept.id.clone()));
    assert_eq!(h.db.org(&unit.id).await.unwrap(), Some(unit.clone()));
    assert_eq!(
        h.db.org_by_code(&org_code("Z-BUREAU")).await.unwrap(),
        Some(city_bureau.clone())
    );
    assert_eq!(h.db.org("no-such-id").await.unwrap(), None);
    // By region path first (the city before its county), then by code.
    assert_eq!(h.db.orgs().await.unwrap(), [city_bureau, unit, county_dept]);
}

async fn a_duplicate_organization_code_is_a_conflict(h: Harness) {
    seed_regions(&h).await;
    h.db.create_org(
        &new_org("X1", OrgKind::Court, "330100"),
        &event("org_created"),
    )
    .await
    .unwrap();

    let again =
        h.db.create_org(
            &new_org("X1", OrgKind::Procuratorate, "330200"),
            &event("org_created"),
        )
        .await;
    let no_region =
        h.db.create_org(
            &new_org("X2", OrgKind::Court, "990000"),
            &event("org_created"),
        )
        .await;
    let no_parent =
        h.db.create_org(
            &NewOrg {
                parent_id: Some("no-such-org".into()),
                ..new_org("X3", OrgKind::Court, "330100")
            },
            &event("org_created"),
        )
        .await;

    assert!(matches!(again, Err(DbError::Conflict(_))), "{again:?}");
    assert!(rule_message(no_region).contains("990000"));
    assert!(rule_message(no_parent).contains("no-such-org"));
    assert_eq!(h.db.orgs().await.unwrap().len(), 1);
}

async fn organization_parent_cycles_are_refused(h: Harness) {
    seed_regions(&h).await;
    let a =
        h.db.create_org(
            &new_org("A", OrgKind::EnforcementDepartment, "330100"),
            &event("org_created"),
        )
        .await
        .unwrap();
    let b =
        h.db.create_org(
            &NewOrg {
                parent_id: Some(a.id.clone()),
                ..new_org("B", OrgKind::Other, "330100")
            },
            &event("org_created"),
        )
        .await
        .unwrap();
    let c =
        h.db.create_org(
            &NewOrg {
                parent_id: Some(b.id.clone()),
                ..new_org("C", OrgKind::Other, "330102")
            },
            &event("org_created"),
        )
        .await
        .unwrap();
    let parent = |id: &str| OrgPatch {
        parent_id: Some(Some(id.to_owned())),
        ..OrgPatch::default()
    };

    let under_grandchild =
        h.db.update_org(&a.id, &parent(&c.id), &event("org_updated"))
            .await;
    let under_itself =
        h.db.update_org(&a.id, &parent(&a.id), &event("org_updated"))
            .await;
    let under_nothing =
        h.db.update_org(&a.id, &parent("no-such-org"), &event("org_updated"))
            .await;
    let unknown =
        h.db.update_org("no-such-org", &OrgPatch::default(), &event("org_updated"))
            .await;
    let legal =
        h.db.update_org(
            &c.id,
            &OrgPatch {
                name_zh: Some(name("新名称")),
                name_en: Some(Some(name("New name"))),
                kind: Some(OrgKind::JudicialOffice),
                region: Some(region_code("330200")),
                parent_id: Some(Some(a.id.clone())),
            },
            &at(T0 + 5, "org_updated"),
        )
        .await
        .unwrap();
    let cleared =
        h.db.update_org(
            &c.id,
            &OrgPatch {
                name_en: Some(None),
                parent_id: Some(None),
                ..OrgPatch::default()
            },
            &event("org_updated"),
        )
        .await
        .unwrap();

    let message = rule_message(under_grandchild);
    assert!(message.contains("cycle"), "{message}");
    assert!(rule_message(under_itself).contains("cycle"));
    assert!(rule_message(under_nothing).contains("no-such-org"));
    assert!(matches!(unknown, Err(DbError::NotFound(_))));
    assert_eq!(h.db.org(&a.id).await.unwrap().unwrap().parent_id, None);
    assert_eq!(legal.name_zh, name("新名称"));
    assert_eq!(legal.kind, OrgKind::JudicialOffice);
    assert_eq!(legal.region_path, path("/330000/330200/"));
    assert_eq!(legal.parent_id, Some(a.id.clone()));
    assert_eq!(legal.updated_at, T0 + 5);
    assert_eq!(legal.created_at, T0);
    assert_eq!(cleared.name_en, None);
    assert_eq!(cleared.parent_id, None);
    assert_eq!(cleared.name_zh, name("新名称"));
}

// ---- users ----

async fn users_are_created_read_and_updated(h: Harness) {
    let org = seed_org(&h).await;
    assert!(!h.db.operator_exists().await.unwrap());

    let alice =
        h.db.create_user(
            &new_user(Some(&org.id), Some("Alice"), Some("hash-a")),
            &event("user_created"),
        )
        .await
        .unwrap();
    let oidc =
        h.db.create_user(
            &NewUser {
                oidc_issuer: Some("https://id.example".into()),
                oidc_subject: Some("sub-1".into()),
                ..new_user(Some(&org.id), None, None)
            },
            &at(T0 + 1, "user_created"),
        )
        .await
        .unwrap();
    let operator =
        h.db.create_user(
            &NewUser {
                operator: true,
                ..new_user(None, Some("root"), Some("hash-r"))
            },
            &event("user_created"),
        )
        .await
        .unwrap();
    let orphan =
        h.db.create_user(
            &new_user(None, Some("nobody"), None),
            &event("user_created"),
        )
        .await;
    let duplicate =
        h.db.create_user(
            &new_user(Some(&org.id), Some("ALICE"), None),
            &event("user_created"),
        )
        .await;
    let half_oidc =
        h.db.create_user(
            &NewUser {
                oidc_issuer: Some("https://id.example".into()),
                ..new_user(Some(&org.id), None, None)
            },
            &event("user_created"),
        )
        .await;
    let updated =
        h.db.update_user(
            &alice.id,
            &UserPatch {
                display_name: Some(name("Alice Liu")),
                org_role: Some(OrgRole::Admin),
                disabled: Some(true),
            },
            &event("user_updated"),
        )
        .await
        .unwrap();
    let unknown =
        h.db.update_user(
            "no-such-user",
            &UserPatch::default(),
            &event("user_updated"),
        )
        .await;

    assert_eq!(alice.username, Some(username("alice")));
    assert!(alice.has_password && !alice.operator && !alice.disabled);
    assert_eq!(alice.org_role, OrgRole::Member);
    assert_eq!(alice.created_at, T0);
    assert!(!oidc.has_password);
    assert!(operator.operator && operator.org_id.is_none());
    assert!(rule_message(orphan).contains("organization"));
    assert!(
        matches!(duplicate, Err(DbError::Conflict(_))),
        "{duplicate:?}"
    );
    assert!(rule_message(half_oidc).contains("issuer"));
    assert!(matches!(unknown, Err(DbError::NotFound(_))));
    assert_eq!(updated.display_name, name("Alice Liu"));
    assert_eq!(updated.org_role, OrgRole::Admin);
    assert!(updated.disabled);
    assert_eq!(h.db.user(&alice.id).await.unwrap(), Some(updated.clone()));
    assert_eq!(
        h.db.user_by_oidc("https://id.example", "sub-1")
            .await
            .unwrap(),
        Some(oidc.clone())
    );
    assert_eq!(
        h.db.user_by_oidc("https://id.example", "sub-2")
            .await
            .unwrap(),
        None
    );
    assert_eq!(h.db.users_of_org(&org.id).await.unwrap(), [updated, oidc]);
    assert!(h.db.operator_exists().await.unwrap());
}

async fn foreign_keys_are_enforced(h: Harness) {
    let org = seed_org(&h).await;

    let session =
        h.db.create_session(
            &new_session("no-such-user", "h1"),
            &event("session_created"),
        )
        .await;
    let token =
        h.db.create_api_token(
            &new_token("no-such-org", "no-such-user", "t1", T0 + 1_000),
            &event("token_created"),
        )
        .await;
    // Behind the server's back, only the schema stands in the way.
    let raw_member = raw_fails(
        &h,
        &format!(
            "insert into space_members (space_id, org_id, role) \
             values ('no-such-space', '{}', 'member')",
            org.id
        ),
    )
    .await;

    assert!(
        matches!(session, Err(DbError::MissingReference(_))),
        "{session:?}"
    );
    assert!(
        matches!(token, Err(DbError::MissingReference(_))),
        "{token:?}"
    );
    assert!(
        raw_member,
        "a membership of a space that does not exist was stored"
    );
    assert!(h
        .audit_actions()
        .await
        .iter()
        .all(|a| a != "session_created"));
}

async fn wrong_passwords_are_counted_and_lock_the_account(h: Harness) {
    let org = seed_org(&h).await;
    let user =
        h.db.create_user(
            &new_user(Some(&org.id), Some("bob"), Some("hash-1")),
            &event("user_created"),
        )
        .await
        .unwrap();
    h.db.create_user(
        &new_user(Some(&org.id), Some("carol"), None),
        &event("user_created"),
    )
    .await
    .unwrap();

    let first =
        h.db.record_login_failure(&user.id, T0, 3, 60_000)
            .await
            .unwrap();
    let second =
        h.db.record_login_failure(&user.id, T0 + 1, 3, 60_000)
            .await
            .unwrap();
    let counted =
        h.db.password_record(&username("bob"))
            .await
            .unwrap()
            .unwrap();
    let third =
        h.db.record_login_failure(&user.id, T0 + 2, 3, 60_000)
            .await
            .unwrap();
    let locked =
        h.db.password_record(&username("bob"))
            .await
            .unwrap()
            .unwrap();
    h.db.clear_login_failures(&user.id).await.unwrap();
    let cleared =
        h.db.password_record(&username("bob"))
            .await
            .unwrap()
            .unwrap();
    h.db.set_password(&user.id, "hash-2", &event("password_set"))
        .await
        .unwrap();
    let reset =
        h.db.password_record(&username("bob"))
            .await
            .unwrap()
            .unwrap();

    assert_eq!((first, second), (None, None));
    assert_eq!(counted.failed_logins, 2);
    assert_eq!(counted.locked_until, None);
    assert_eq!(counted.password_hash, "hash-1");
    assert!(!counted.disabled);
    assert_eq!(third, Some(T0 + 2 + 60_000));
    assert_eq!(locked.locked_until, Some(T0 + 2 + 60_000));
    assert_eq!(
        locked.failed_logins, 0,
        "the count starts again after a lock"
    );
    assert_eq!((cleared.failed_logins, cleared.locked_until), (0, None));
    assert_eq!(reset.password_hash, "hash-2");
    assert_eq!(
        h.db.password_record(&username("carol")).await.unwrap(),
        None
    );
    assert_eq!(
        h.db.password_record(&username("nobody")).await.unwrap(),
        None
    );
    assert!(matches!(
        h.db.record_login_failure("no-such-user", T0, 3, 1).await,
        Err(DbError::NotFound(_))
    ));
    assert!(matches!(
        h.db.set_password("no-such-user", "x", &event("password_set"))
            .await,
        Err(DbError::NotFound(_))
    ));
    let debug = format!("{reset:?}");
    assert!(!debug.contains("hash-2"), "{debug}");
}

// ---- sessions and API tokens ----

async fn sessions_live_until_idle_or_absolute_expiry_or_revocation(h: Harness) {
    let org = seed_org(&h).await;
    let user = seed_user(&h, &org, "dave").await;
    let other = seed_user(&h, &org, "erin").await;
    // Idle after 1 s, absolute after 5 s.
    let session =
        h.db.create_session(&new_session(&user.id, "hash-s1"), &event("session_created"))
            .await
            .unwrap();

    let fresh = h.db.live_session("hash-s1", T0 + 500).await.unwrap();
    let idle = h.db.live_session("hash-s1", T0 + 1_000).await.unwrap();
    h.db.touch_session(&session.id, T0 + 900, T0 + 1_900)
        .await
        .unwrap();
    let touched = h.db.live_session("hash-s1", T0 + 1_500).await.unwrap();
    h.db.touch_session(&session.id, T0 + 4_500, T0 + 5_500)
        .await
        .unwrap();
    let before_absolute =
        h.db.live_session_by_id(&session.id, T0 + 4_999)
            .await
            .unwrap();
    let absolute =
        h.db.live_session_by_id(&session.id, T0 + 5_000)
            .await
            .unwrap();
    let listed = h.db.list_sessions(&user.id, T0 + 4_600).await.unwrap();
    let by_stranger =
        h.db.revoke_credential(
            session_of(&session.id, &other.id),
            T0 + 4_600,
            &event("session_revoked"),
        )
        .await
        .unwrap();
    let by_owner =
        h.db.revoke_credential(
            session_of(&session.id, &user.id),
            T0 + 4_600,
            &event("session_revoked"),
        )
        .await
        .unwrap();
    let again =
        h.db.revoke_credential(
            session_of(&session.id, &user.id),
            T0 + 4_700,
            &event("session_revoked"),
        )
        .await
        .unwrap();
    let revoked = h.db.live_session("hash-s1", T0 + 4_700).await.unwrap();

    assert_eq!(session.created_at, T0);
    assert_eq!(session.last_seen_at, T0);
    assert_eq!(fresh.as_ref(), Some(&session));
    assert_eq!(idle, None, "idle expiry is exclusive");
    assert_eq!(touched.map(|s| s.last_seen_at), Some(T0 + 900));
    assert!(before_absolute.is_some());
    assert_eq!(
        absolute, None,
        "the absolute expiry holds however busy the session"
    );
    assert_eq!(
        listed.iter().map(|s| &s.id).collect::<Vec<_>>(),
        [&session.id]
    );
    assert_eq!(listed[0].ip.as_deref(), Some("10.1.2.3"));
    assert_eq!(listed[0].user_agent.as_deref(), Some("test-agent"));
    assert!(!by_stranger, "a session is revoked only for its own user");
    assert!(by_owner);
    assert!(!again);
    assert_eq!(revoked, None);
    assert!(h
        .db
        .list_sessions(&user.id, T0 + 4_700)
        .await
        .unwrap()
        .is_empty());
    let revocations = h
        .audit_actions()
        .await
        .into_iter()
        .filter(|a| a == "session_revoked")
        .count();
    assert_eq!(
        revocations, 1,
        "only the revocation that happened is audited"
    );
}

async fn revoking_a_users_sessions_ends_only_the_live_ones(h: Harness) {
    let org = seed_org(&h).await;
    let user = seed_user(&h, &org, "fay").await;
    let other = seed_user(&h, &org, "gus").await;
    let mut ids = Vec::new();
    for hash in ["h-1", "h-2"] {
        let s =
            h.db.create_session(&new_session(&user.id, hash), &event("session_created"))
                .await
                .unwrap();
        ids.push(s.id);
    }
    let expired =
        h.db.create_session(
            &NewSession {
                idle_expires_at: T0 + 10,
                ..new_session(&user.id, "h-3")
            },
            &event("session_created"),
        )
        .await
        .unwrap();
    let others =
        h.db.create_session(&new_session(&other.id, "h-4"), &event("session_created"))
            .await
            .unwrap();

    let revoked =
        h.db.revoke_user_sessions(&user.id, None, T0 + 100, &event("sessions_revoked"))
            .await
            .unwrap();
    let none_left =
        h.db.revoke_user_sessions(&user.id, None, T0 + 200, &event("sessions_revoked"))
            .await
            .unwrap();

    ids.sort();
    assert_eq!(revoked, ids);
    assert!(!revoked.contains(&expired.id));
    assert!(none_left.is_empty());
    assert!(h.db.live_session("h-1", T0 + 100).await.unwrap().is_none());
    assert_eq!(
        h.db.live_session("h-4", T0 + 100)
            .await
            .unwrap()
            .map(|s| s.id),
        Some(others.id)
    );
    let actions = h.audit_actions().await;
    assert_eq!(
        actions.iter().filter(|a| *a == "sessions_revoked").count(),
        1
    );
}

async fn api_tokens_live_until_expiry_or_revocation_and_record_their_last_use(h: Harness) {
    let org = seed_org(&h).await;
    let other_org =
        h.db.create_org(
            &new_org("OTHER", OrgKind::Court, "330100"),
            &event("org_created"),
        )
        .await
        .unwrap();
    let admin = seed_user(&h, &org, "hana").await;
    let token =
        h.db.create_api_token(
            &new_token(&org.id, &admin.id, "tok-1", T0 + 10_000),
            &event("token_created"),
        )
        .await
        .unwrap();
    let newer =
        h.db.create_api_token(
            &NewApiToken {
                now: T0 + 1,
                ..new_token(&org.id, &admin.id, "tok-2", T0 + 10_000)
            },
            &event("token_created"),
        )
        .await
        .unwrap();
    let spaced =
        h.db.create_api_token(
            &NewApiToken {
                permissions: vec!["docs:read docs:write".into()],
                ..new_token(&org.id, &admin.id, "tok-3", T0 + 10_000)
            },
            &event("token_created"),
        )
        .await;

    let live = h.db.live_api_token("tok-1", T0 + 9_999).await.unwrap();
    let expired = h.db.live_api_token("tok-1", T0 + 10_000).await.unwrap();
    h.db.record_token_use(&token.id, T0 + 50, Some("192.0.2.7"))
        .await
        .unwrap();
    let by_id =
        h.db.live_api_token_by_id(&token.id, T0 + 60)
            .await
            .unwrap()
            .unwrap();
    let by_other_org =
        h.db.revoke_credential(
            token_of(&token.id, &other_org.id),
            T0 + 70,
            &event("token_revoked"),
        )
        .await
        .unwrap();
    let by_own_org =
        h.db.revoke_credential(
            token_of(&token.id, &org.id),
            T0 + 70,
            &event("token_revoked"),
        )
        .await
        .unwrap();
    let listed = h.db.api_tokens(&org.id).await.unwrap();

    assert_eq!(token.permissions, ["docs:read", "spaces:read"]);
    assert_eq!(live, Some(token.clone()));
    assert_eq!(expired, None);
    assert!(rule_message(spaced).contains("permission"));
    assert_eq!(by_id.last_used_at, Some(T0 + 50));
    assert_eq!(by_id.last_used_ip.as_deref(), Some("192.0.2.7"));
    assert!(!by_other_org);
    assert!(by_own_org);
    assert_eq!(h.db.live_api_token("tok-1", T0 + 80).await.unwrap(), None);
    assert_eq!(
        h.db.live_api_token_by_id(&token.id, T0 + 80).await.unwrap(),
        None
    );
    assert_eq!(
        listed.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        [newer.id.as_str(), token.id.as_str()],
        "newest first, revoked ones included"
    );
    assert_eq!(listed[1].revoked_at, Some(T0 + 70));
    assert!(h.db.api_tokens(&other_org.id).await.unwrap().is_empty());
}

// ---- spaces ----

async fn spaces_are_visible_to_members_and_a_covering_region_but_not_a_sibling(h: Harness) {
    seed_regions(&h).await;
    let org = |code: &'static str, kind, region: &'static str| {
        let db = h.db.clone();
        async move {
            db.create_org(&new_org(code, kind, region), &event("org_created"))
                .await
                .unwrap()
        }
    };
    let province_bureau = org("P-BUREAU", OrgKind::JudicialBureau, "330000").await;
    let city_bureau = org("C-BUREAU", OrgKind::JudicialBureau, "330100").await;
    let sibling_bureau = org("S-BUREAU", OrgKind::JudicialBureau, "330200").await;
    let dept = org("DEPT", OrgKind::EnforcementDepartment, "330102").await;
    let court = org("COURT", OrgKind::Court, "330102").await;
    let meeting =
        h.db.create_space(
            &NewSpace {
                kind: SpaceKind::Meeting,
                title: name("年度协调会议"),
                region: region_code("330102"),
                convener_org_id: dept.id.clone(),
                created_by: "user-1".into(),
            },
            &event("space_created"),
        )
        .await
        .unwrap();
    let dispute =
        h.db.create_space(
            &NewSpace {
                kind: SpaceKind::Dispute,
                title: name("管辖争议"),
                region: region_code("330200"),
                convener_org_id: sibling_bureau.id.clone(),
                created_by: "token:abc".into(),
            },
            &at(T0 + 1, "space_created"),
        )
        .await
        .unwrap();
    h.db.set_space_member(
        &meeting.id,
        &court.id,
        SpaceRole::Observer,
        &event("member_set"),
    )
    .await
    .unwrap();
    let visible = |org: &Org, supervises: bool| {
        let (db, id, path) = (h.db.clone(), org.id.clone(), org.region_path.clone());
        async move {
            let supervised = supervises.then_some(&path);
            db.visible_spaces(
                None,
                &Viewer {
                    org_id: &id,
                    supervised,
                },
            )
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect::<Vec<_>>()
        }
    };

    assert_eq!(meeting.region_path, path("/330000/330100/330102/"));
    assert_eq!(
        meeting.members,
        [member(&dept.id, SpaceRole::Convener)],
        "the convener is the first member"
    );
    assert_eq!(meeting.created_at, T0);
    assert_eq!(visible(&dept, false).await, [meeting.id.as_str()]);
    assert_eq!(visible(&court, false).await, [meeting.id.as_str()]);
    assert_eq!(visible(&city_bureau, true).await, [meeting.id.as_str()]);
    assert_eq!(visible(&city_bureau, false).await, Vec::<String>::new());
    assert_eq!(
        visible(&province_bureau, true).await,
        [dispute.id.clone(), meeting.id.clone()],
        "newest first"
    );
    assert_eq!(visible(&sibling_bureau, true).await, [dispute.id.as_str()]);
    let full = h.db.space(&meeting.id).await.unwrap().unwrap();
    assert_eq!(
        full.members,
        [
            member(&dept.id, SpaceRole::Convener),
            member(&court.id, SpaceRole::Observer)
        ]
    );
    let listed =
        h.db.visible_spaces(
            None,
            &Viewer {
                org_id: &court.id,
                supervised: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(listed, [full]);
    assert_eq!(h.db.space("no-such-space").await.unwrap(), None);
    assert_eq!(dispute.created_by, "token:abc");
}

async fn a_space_always_keeps_a_convener(h: Harness) {
    seed_regions(&h).await;
    let dept =
        h.db.create_org(
            &new_org("DEPT", OrgKind::EnforcementDepartment, "330102"),
            &event("org_created"),
        )
        .await
        .unwrap();
    let bureau =
        h.db.create_org(
            &new_org("BUREAU", OrgKind::JudicialBureau, "330100"),
            &event("org_created"),
        )
        .await
        .unwrap();
    let space =
        h.db.create_space(&new_space(&dept.id), &event("space_created"))
            .await
            .unwrap();

    let demote_last =
        h.db.set_space_member(&space.id, &dept.id, SpaceRole::Member, &event("member_set"))
            .await;
    let remove_last =
        h.db.remove_space_member(&space.id, &dept.id, &event("member_removed"))
            .await;
    h.db.set_space_member(
        &space.id,
        &bureau.id,
        SpaceRole::Convener,
        &event("member_set"),
    )
    .await
    .unwrap();
    h.db.set_space_member(&space.id, &dept.id, SpaceRole::Member, &event("member_set"))
        .await
        .unwrap();
    let removed =
        h.db.remove_space_member(&space.id, &dept.id, &event("member_removed"))
            .await
            .unwrap();
    let not_a_member =
        h.db.remove_space_member(&space.id, &dept.id, &event("member_removed"))
            .await
            .unwrap();
    let unknown_space =
        h.db.set_space_member(
            "no-such-space",
            &dept.id,
            SpaceRole::Member,
            &event("member_set"),
        )
        .await;
    let unknown_org =
        h.db.set_space_member(
            &space.id,
            "no-such-org",
            SpaceRole::Member,
            &event("member_set"),
        )
        .await;

    assert!(rule_message(demote_last).contains("convener"));
    assert!(rule_message(remove_last).contains("convener"));
    assert!(removed);
    assert!(!not_a_member);
    assert!(matches!(unknown_space, Err(DbError::NotFound(_))));
    assert!(rule_message(unknown_org).contains("no-such-org"));
    let members = h.db.space(&space.id).await.unwrap().unwrap().members;
    assert_eq!(members, [member(&bureau.id, SpaceRole::Convener)]);
}

async fn space_documents_are_created_and_listed(h: Harness) {
    let org = seed_org(&h).await;
    let space =
        h.db.create_space(&new_space(&org.id), &event("space_created"))
            .await
            .unwrap();

    let minutes =
        h.db.create_space_doc(&space.id, &shared_doc("会议纪要"), &event("doc_created"))
            .await
            .unwrap();
    let dossier =
        h.db.create_space_doc(
            &space.id,
            &shared_doc("联合案卷"),
            &at(T0 + 1, "doc_created"),
        )
        .await
        .unwrap();
    let orphan =
        h.db.create_space_doc("no-such-space", &shared_doc("x"), &event("doc_created"))
            .await;

    assert!(
        DocId::parse(&minutes.doc_id).is_ok(),
        "a space doc id is a collab doc id"
    );
    assert_ne!(minutes.doc_id, dossier.doc_id);
    assert!(!minutes.frozen);
    assert_eq!(minutes.space_id, space.id);
    assert_eq!(
        h.db.space_doc(&minutes.doc_id).await.unwrap(),
        Some(minutes.clone())
    );
    assert_eq!(h.db.space_doc("no-such-doc").await.unwrap(), None);
    assert_eq!(
        h.db.space_docs(&space.id).await.unwrap(),
        [minutes, dossier]
    );
    assert!(matches!(orphan, Err(DbError::NotFound(_))));
}

// ---- OpenID sign-ins and settings ----

async fn an_oidc_login_is_taken_once_and_never_after_it_expires(h: Harness) {
    let now = server::db::now_unix_ms();
    let login = |state: &str, expires_at: i64| OidcLogin {
        state: state.into(),
        provider: "gov-sso".into(),
        nonce: format!("nonce-{state}"),
        pkce_verifier: format!("verifier-{state}"),
        return_to: "/spaces".into(),
        expires_at,
    };
    h.db.save_oidc_login(&login("s-1", now + 600_000))
        .await
        .unwrap();
    h.db.save_oidc_login(&login("s-2", now + 600_000))
        .await
        .unwrap();

    let first = h.db.take_oidc_login("s-1", now).await.unwrap();
    let second = h.db.take_oidc_login("s-1", now).await.unwrap();
    let late = h.db.take_oidc_login("s-2", now + 600_000).await.unwrap();
    let after_late = h.db.take_oidc_login("s-2", now).await.unwrap();
    let unknown = h.db.take_oidc_login("s-9", now).await.unwrap();

    assert_eq!(first, Some(login("s-1", now + 600_000)));
    assert_eq!(second, None, "a state works once");
    assert_eq!(late, None, "an expired sign-in is not returned");
    assert_eq!(after_late, None, "and it is gone");
    assert_eq!(unknown, None);
}

async fn settings_are_stored_and_replaced(h: Harness) {
    assert_eq!(h.db.setting("local_login").await.unwrap(), None);

    h.db.set_setting("local_login", "off", &event("setting_changed"))
        .await
        .unwrap();
    let off = h.db.setting("local_login").await.unwrap();
    h.db.set_setting("local_login", "on", &event("setting_changed"))
        .await
        .unwrap();

    assert_eq!(off.as_deref(), Some("off"));
    assert_eq!(
        h.db.setting("local_login").await.unwrap().as_deref(),
        Some("on")
    );
    assert_eq!(
        h.audit_actions().await,
        ["setting_changed", "setting_changed"]
    );
}

// ---- the audit trail ----

async fn every_change_writes_its_audit_row_in_order(h: Harness) {
    let db = &h.db;
    db.create_region(
        &new_region("330000", Level::Province, None),
        &event("region_created"),
    )
    .await
    .unwrap();
    db.create_region(
        &new_region("330100", Level::City, Some("330000")),
        &event("region_created"),
    )
    .await
    .unwrap();
    db.create_region(
        &new_region("340000", Level::Province, None),
        &event("region_created"),
    )
    .await
    .unwrap();
    db.move_region(
        &region_code("330100"),
        Some(&region_code("340000")),
        &event("region_moved"),
    )
    .await
    .unwrap();
    db.rename_region(
        &region_code("330100"),
        name("市"),
        None,
        &event("region_renamed"),
    )
    .await
    .unwrap();
    let org = db
        .create_org(
            &new_org("ORG", OrgKind::Court, "330100"),
            &event("org_created"),
        )
        .await
        .unwrap();
    db.update_org(&org.id, &OrgPatch::default(), &event("org_updated"))
        .await
        .unwrap();
    let user = db
        .create_user(
            &new_user(Some(&org.id), Some("ivan"), None),
            &event("user_created"),
        )
        .await
        .unwrap();
    db.update_user(&user.id, &UserPatch::default(), &event("user_updated"))
        .await
        .unwrap();
    db.set_password(&user.id, "hash", &event("password_set"))
        .await
        .unwrap();
    let session = db
        .create_session(&new_session(&user.id, "s-1"), &event("session_created"))
        .await
        .unwrap();
    db.revoke_credential(
        session_of(&session.id, &user.id),
        T0 + 1,
        &event("session_revoked"),
    )
    .await
    .unwrap();
    db.create_session(&new_session(&user.id, "s-2"), &event("session_created"))
        .await
        .unwrap();
    db.revoke_user_sessions(&user.id, None, T0 + 1, &event("sessions_revoked"))
        .await
        .unwrap();
    let token = db
        .create_api_token(
            &new_token(&org.id, &user.id, "t-1", T0 + 1_000),
            &event("token_created"),
        )
        .await
        .unwrap();
    db.revoke_credential(
        token_of(&token.id, &org.id),
        T0 + 1,
        &event("token_revoked"),
    )
    .await
    .unwrap();
    let other = db
        .create_org(
            &new_org("OTHER", OrgKind::Court, "330100"),
            &event("org_created"),
        )
        .await
        .unwrap();
    let space = db
        .create_space(
            &NewSpace {
                region: region_code("330100"),
                ..new_space(&org.id)
            },
            &event("space_created"),
        )
        .await
        .unwrap();
    db.set_space_member(
        &space.id,
        &other.id,
        SpaceRole::Member,
        &event("member_set"),
    )
    .await
    .unwrap();
    db.remove_space_member(&space.id, &other.id, &event("member_removed"))
        .await
        .unwrap();
    db.create_space_doc(&space.id, &shared_doc("纪要"), &event("doc_created"))
        .await
        .unwrap();
    db.set_setting("k", "v", &event("setting_changed"))
        .await
        .unwrap();
    db.audit(&event("login_failed")).await.unwrap();
    db.import_directory(
        &DirectoryImport {
            sources: Default::default(),
            regions: vec![new_region("350000", Level::Province, None)],
            orgs: vec![],
            users: vec![],
        },
        &event("directory_imported"),
    )
    .await
    .unwrap();

    assert_eq!(
        h.audit_actions().await,
        [
            "region_created",
            "region_created",
            "region_created",
            "region_moved",
            "region_renamed",
            "org_created",
            "org_updated",
            "user_created",
            "user_updated",
            "password_set",
            "session_created",
            "session_revoked",
            "session_created",
            "sessions_revoked",
            "token_created",
            "token_revoked",
            "org_created",
            "space_created",
            "member_set",
            "member_removed",
            "doc_created",
            "setting_changed",
            "login_failed",
            "directory_imported",
        ]
    );
    let rows = db.audit_rows(None, None, 1).await.unwrap();
    let newest = &rows[0];
    assert_eq!(newest.seq, 24);
    assert_eq!(newest.at, T0);
    assert_eq!(newest.actor_user_id.as_deref(), Some("tester"));
    assert_eq!(newest.ip.as_deref(), Some("127.0.0.1"));
    // The import's row names what it added and changed, beside the caller's detail.
    assert_eq!(
        newest.detail,
        json!({ "by": "test", "regions": { "added": ["350000"], "changed": [] } })
    );
}

async fn a_refused_change_writes_no_audit_row(h: Harness) {
    seed_regions(&h).await;
    let before = h.audit_actions().await;

    let refused =
        h.db.create_region(
            &new_region("330103", Level::County, Some("330102")),
            &event("refused"),
        )
        .await;
    let conflict =
        h.db.create_region(
            &new_region("330000", Level::Province, None),
            &event("refused"),
        )
        .await;
    let cycle =
        h.db.move_region(
            &region_code("330000"),
            Some(&region_code("330102")),
            &event("refused"),
        )
        .await;

    assert!(refused.is_err() && conflict.is_err() && cycle.is_err());
    assert_eq!(h.audit_actions().await, before);
    assert_eq!(h.db.verify_audit_chain().await.unwrap().first_bad, None);
}

async fn audit_rows_page_newest_first_and_filter_by_organization(h: Harness) {
    for i in 0..5 {
        let actor_org_id = Some(if i % 2 == 0 { "org-even" } else { "org-odd" }.to_owned());
        h.db.audit(&AuditEvent {
            actor_org_id,
            ..at(T0 + i, &format!("action_{i}"))
        })
        .await
        .unwrap();
    }

    let page_1 = h.db.audit_rows(None, None, 2).await.unwrap();
    let page_2 = h.db.audit_rows(None, Some(page_1[1].seq), 2).await.unwrap();
    let page_3 = h.db.audit_rows(None, Some(page_2[1].seq), 2).await.unwrap();
    let even = h.db.audit_rows(Some("org-even"), None, 10).await.unwrap();
    let even_before =
        h.db.audit_rows(Some("org-even"), Some(5), 10)
            .await
            .unwrap();
    let none = h.db.audit_rows(Some("org-none"), None, 10).await.unwrap();

    let seqs = |rows: &[server::db::AuditRow]| rows.iter().map(|r| r.seq).collect::<Vec<_>>();
    assert_eq!(seqs(&page_1), [5, 4]);
    assert_eq!(seqs(&page_2), [3, 2]);
    assert_eq!(seqs(&page_3), [1]);
    assert_eq!(seqs(&even), [5, 3, 1]);
    assert_eq!(seqs(&even_before), [3, 1]);
    assert!(none.is_empty());
    assert_eq!(page_1[0].action, "action_4");
    assert_eq!(page_3[0].prev_hash, server::db::GENESIS_HASH);
    assert_eq!(page_2[1].prev_hash, page_3[0].hash);
}

async fn the_audit_chain_verifies_clean(h: Harness) {
    let empty = h.db.verify_audit_chain().await.unwrap();
    seed_org(&h).await;
    for i in 0..3 {
        h.db.audit(&at(T0 + i, "login")).await.unwrap();
    }

    let check = h.db.verify_audit_chain().await.unwrap();

    assert_eq!((empty.rows, empty.first_bad), (0, None));
    assert_eq!(check.rows, 8);
    assert_eq!(check.first_bad, None);
}

async fn the_audit_chain_detects_an_edited_row(h: Harness) {
    for i in 0..4 {
        h.db.audit(&at(T0 + i, "login")).await.unwrap();
    }

    h.tamper("update audit_log set target = 'user:someone-else' where seq = 2")
        .await;
    let check = h.db.verify_audit_chain().await.unwrap();

    assert_eq!(check.rows, 4);
    let (seq, why) = check.first_bad.expect("the edit is found");
    assert_eq!(seq, 2);
    assert!(why.contains("changed"), "{why}");
}

async fn the_audit_chain_detects_a_deleted_row(h: Harness) {
    for i in 0..4 {
        h.db.audit(&at(T0 + i, "login")).await.unwrap();
    }

    h.tamper("delete from audit_log where seq = 2").await;
    let check = h.db.verify_audit_chain().await.unwrap();

    assert_eq!(check.rows, 3);
    let (seq, why) = check.first_bad.expect("the removal is found");
    assert_eq!(seq, 3);
    assert!(why.contains("row 2 is missing"), "{why}");
}

// ---- the audit trail's anchors in the signed log ----

/// The chain check the shell runs, with the log's anchors.
async fn audit_check(h: &Harness) -> server::work::audit::ChainCheck {
    server::work::audit::verify_chain(&h.db, server::work::by::By::Shell)
        .await
        .unwrap()
}

async fn an_audit_anchor_is_appended_once_per_new_head(h: Harness) {
    let on_empty = server::work::audit::anchor(&h.db, T0).await.unwrap();
    for i in 0..3 {
        h.db.audit(&at(T0 + i, "login")).await.unwrap();
    }

    let first = server::work::audit::anchor(&h.db, T0 + 10).await.unwrap();
    let again = server::work::audit::anchor(&h.db, T0 + 11).await.unwrap();
    h.db.audit(&at(T0 + 12, "login")).await.unwrap();
    let after_more = server::work::audit::anchor(&h.db, T0 + 13).await.unwrap();

    assert_eq!(on_empty, None, "an empty trail has nothing to anchor");
    assert!(first.is_some());
    assert_eq!(again, None, "the same head is not anchored twice");
    assert_eq!(after_more, first.map(|idx| idx + 1));
    let leaves = h.db.audit_anchor_leaves().await.unwrap();
    let anchored: Vec<(i64, String)> = leaves
        .iter()
        .map(|leaf| {
            let anchor = server::signing::statement::AuditAnchor::parse(&leaf.bytes).unwrap();
            (anchor.seq, anchor.hash)
        })
        .collect();
    let head = h.db.audit_head().await.unwrap().unwrap();
    assert_eq!(anchored.len(), 2);
    assert_eq!(anchored[1], head);
    assert_eq!(leaves[1].subject, "audit:4");
    let check = audit_check(&h).await;
    assert_eq!(check.anchored_through, Some(4));
    assert!(check.broken_at.is_none(), "{:?}", check.broken_at);
}

async fn removing_the_newest_audit_rows_shows_against_the_anchor(h: Harness) {
    for i in 0..4 {
        h.db.audit(&at(T0 + i, "login")).await.unwrap();
    }
    server::work::audit::anchor(&h.db, T0 + 10).await.unwrap();

    h.tamper("delete from audit_log where seq >= 3").await;
    let without_anchors = h.db.verify_audit_chain().await.unwrap();
    let check = audit_check(&h).await;

    assert_eq!(
        without_anchors.first_bad, None,
        "the chain alone cannot show a removed tail"
    );
    let broken = check.broken_at.expect("the removal is found");
    assert_eq!(broken.seq, 3);
    assert!(
        broken.reason.contains("rows 3 to 4 are missing")
            && broken.reason.contains("anchored row 4"),
        "{}",
        broken.reason
    );
}

async fn a_chain_rebuilt_past_an_anchor_shows_against_the_anchor(h: Harness) {
    for i in 0..4 {
        h.db.audit(&at(T0 + i, "login")).await.unwrap();
    }
    server::work::audit::anchor(&h.db, T0 + 10).await.unwrap();

    // Rows 2 to 4 replaced by others, chained properly: the chain fits itself again.
    h.tamper("delete from audit_log where seq >= 2").await;
    for i in 0..3 {
        h.db.audit(&at(T0 + 20 + i, "logout")).await.unwrap();
    }
    let without_anchors = h.db.verify_audit_chain().await.unwrap();
    let check = audit_check(&h).await;

    assert_eq!(without_anchors.first_bad, None);
    let broken = check.broken_at.expect("the rebuilt chain is found");
    assert_eq!(broken.seq, 4);
    assert!(
        broken
            .reason
            .contains("not the row the signed log anchored"),
        "{}",
        broken.reason
    );
}

async fn concurrent_audit_appends_keep_one_unbroken_chain(h: Harness) {
    const APPENDS: i64 = 40;
    let mut tasks = JoinSet::new();
    for i in 0..APPENDS {
        let db = h.db.clone();
        tasks.spawn(async move { db.audit(&at(T0 + i, &format!("a{i}"))).await });
    }
    for result in tasks.join_all().await {
        result.unwrap();
    }

    let check = h.db.verify_audit_chain().await.unwrap();
    let actions: BTreeSet<String> = h.audit_actions().await.into_iter().collect();

    assert_eq!(check.rows, APPENDS as u64);
    assert_eq!(check.first_bad, None);
    assert_eq!(actions.len(), APPENDS as usize);
}

// ---- the directory import ----

async fn a_directory_import_stores_regions_organizations_and_users(h: Harness) {
    h.db.create_region(
        &new_region("330000", Level::Province, None),
        &event("region_created"),
    )
    .await
    .unwrap();
    let existing =
        h.db.create_org(
            &new_org("EXISTING", OrgKind::JudicialBureau, "330000"),
            &event("org_created"),
        )
        .await
        .unwrap();
    let import = DirectoryImport {
        sources: Default::default(),
        regions: vec![
            new_region("330100", Level::City, Some("330000")),
            new_region("330102", Level::County, Some("330100")),
        ],
        orgs: vec![
            import_org("CITY-DEPT", "330100", Some("EXISTING")),
            import_org("COUNTY-UNIT", "330102", Some("CITY-DEPT")),
        ],
        users: vec![ImportUser {
            user: new_user(None, Some("jin"), None),
            org_code: org_code("COUNTY-UNIT"),
        }],
    };

    let report =
        h.db.import_directory(&import, &event("directory_imported"))
            .await
            .unwrap();

    assert_eq!(
        (
            report.regions.added.len(),
            report.orgs.added.len(),
            report.users.added.len()
        ),
        (2, 2, 1)
    );
    let county = h.db.region(&region_code("330102")).await.unwrap().unwrap();
    assert_eq!(county.path, path("/330000/330100/330102/"));
    let city_dept =
        h.db.org_by_code(&org_code("CITY-DEPT"))
            .await
            .unwrap()
            .unwrap();
    let unit =
        h.db.org_by_code(&org_code("COUNTY-UNIT"))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(city_dept.parent_id, Some(existing.id));
    assert_eq!(unit.parent_id, Some(city_dept.id));
    assert_eq!(unit.level, Level::County);
    let users = h.db.users_of_org(&unit.id).await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].username, Some(username("jin")));
    assert_eq!(
        h.audit_actions().await,
        ["region_created", "org_created", "directory_imported"],
        "one audit row for the whole import"
    );
}

async fn a_directory_import_is_all_or_nothing_and_names_the_bad_item(h: Harness) {
    let regions = vec![
        new_region("330000", Level::Province, None),
        new_region("330100", Level::City, Some("330000")),
    ];
    let cases: Vec<(DirectoryImport, &str)> = vec![
        (
            DirectoryImport {
                sources: Default::default(),
                regions: regions.clone(),
                orgs: vec![
                    import_org("GOOD", "330100", None),
                    import_org("X", "330100", Some("GHOST")),
                ],
                users: vec![],
            },
            "organization 2 (code X): parent GHOST not found",
        ),
        (
            DirectoryImport {
                sources: Default::default(),
                regions: vec![
                    regions[0].clone(),
                    new_region("330101", Level::Province, Some("330000")),
                ],
                orgs: vec![],
                users: vec![],
            },
            "region 2 (code 330101)",
        ),
        (
            DirectoryImport {
                sources: Default::default(),
                regions: regions.clone(),
                orgs: vec![import_org("GOOD", "330100", None)],
                users: vec![
                    ImportUser {
                        user: new_user(None, Some("kim"), None),
                        org_code: org_code("GOOD"),
                    },
                    ImportUser {
                        user: new_user(None, Some("lee"), None),
                        org_code: org_code("NOWHERE"),
                    },
                ],
            },
            "user 2 (user name lee): organization NOWHERE not found",
        ),
        (
            DirectoryImport {
                sources: Default::default(),
                regions: regions.clone(),
                orgs: vec![
                    import_org("SAME", "330100", None),
                    import_org("SAME", "330000", None),
                ],
                users: vec![],
            },
            "organization 2 (code SAME): the organization SAME appears twice in this import",
        ),
        (
            DirectoryImport {
                sources: Default::default(),
                regions: regions.clone(),
                orgs: vec![import_org("GOOD", "990000", None)],
                users: vec![],
            },
            "organization 1 (code GOOD): region 990000 does not exist",
        ),
    ];

    for (import, expected) in cases {
        let result =
            h.db.import_directory(&import, &event("directory_imported"))
                .await;

        let message = rule_message(result);
        assert!(
            message.starts_with(expected),
            "{message:?} should start with {expected:?}"
        );
        assert!(h.db.regions().await.unwrap().is_empty(), "after {expected}");
        assert!(h.db.orgs().await.unwrap().is_empty(), "after {expected}");
        assert!(h.audit_actions().await.is_empty(), "after {expected}");
    }
}

/// The directory the idempotence tests import, again and again.
fn small_directory() -> DirectoryImport {
    DirectoryImport {
        regions: vec![
            new_region("330000", Level::Province, None),
            new_region("330100", Level::City, Some("330000")),
        ],
        orgs: vec![
            import_org("CITY", "330100", None),
            import_org("UNIT", "330100", Some("CITY")),
        ],
        users: vec![ImportUser {
            user: new_user(None, Some("jin"), None),
            org_code: org_code("UNIT"),
        }],
        sources: Default::default(),
    }
}

async fn a_directory_import_run_again_changes_nothing_and_audits_nothing(h: Harness) {
    let import = small_directory();
    h.db.import_directory(&import, &event("directory_imported"))
        .await
        .unwrap();
    let audited = h.audit_actions().await;

    let again =
        h.db.import_directory(&import, &event("directory_imported"))
            .await
            .unwrap();

    assert!(!again.changes_anything(), "{again:?}");
    assert_eq!(
        (
            again.regions.unchanged,
            again.orgs.unchanged,
            again.users.unchanged
        ),
        (2, 2, 1)
    );
    assert_eq!(
        h.audit_actions().await,
        audited,
        "no audit row for no change"
    );
    assert_eq!(h.db.regions().await.unwrap().len(), 2);
    assert_eq!(h.db.orgs().await.unwrap().len(), 2);
}

async fn a_directory_import_updates_what_differs_and_audits_only_that(h: Harness) {
    h.db.import_directory(&small_directory(), &event("directory_imported"))
        .await
        .unwrap();
    let mut import = small_directory();
    import.regions[1].name_zh = name("杭州市");
    import.orgs[1].org.kind = OrgKind::PublicSecurity;
    import.users[0].user.org_role = OrgRole::Admin;
    import.users.push(ImportUser {
        user: new_user(None, Some("later"), None),
        org_code: org_code("UNIT"),
    });

    let report =
        h.db.import_directory(&import, &event("directory_imported"))
            .await
            .unwrap();

    assert_eq!(report.regions.changed.len(), 1);
    assert_eq!(report.regions.changed[0].key, "330100");
    assert_eq!(report.regions.changed[0].fields[0].field, "name_zh");
    assert_eq!(report.regions.unchanged, 1);
    assert_eq!(report.orgs.changed[0].key, "UNIT");
    assert_eq!(report.orgs.changed[0].fields[0].field, "kind");
    assert_eq!(report.users.changed[0].fields[0].field, "org_role");
    assert_eq!(report.users.added, ["later"]);
    let city = h.db.region(&region_code("330100")).await.unwrap().unwrap();
    assert_eq!(city.name_zh, name("杭州市"));
    let unit = h.db.org_by_code(&org_code("UNIT")).await.unwrap().unwrap();
    assert_eq!(unit.kind, OrgKind::PublicSecurity);
    let jin =
        h.db.user_by_username(&username("jin"))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(jin.org_role, OrgRole::Admin);
    let rows = h.db.audit_rows(None, None, 10).await.unwrap();
    let newest = &rows[0];
    assert_eq!(newest.action, "directory_imported");
    let detail = newest.detail.to_string();
    assert!(
        detail.contains("330100") && detail.contains("later"),
        "{detail}"
    );
    assert!(
        !detail.contains("330000") && !detail.contains("CITY"),
        "unchanged records are not in the audit row: {detail}"
    );
}

async fn a_directory_import_preview_stores_and_audits_nothing(h: Harness) {
    let report =
        h.db.preview_directory_import(&small_directory(), T0)
            .await
            .unwrap();

    assert_eq!(report.regions.added, ["330000", "330100"]);
    assert_eq!(report.users.added, ["jin"]);
    assert!(h.db.regions().await.unwrap().is_empty());
    assert!(h.db.orgs().await.unwrap().is_empty());
    assert!(h.audit_actions().await.is_empty());
}

async fn a_directory_import_names_the_source_line_of_a_refused_item(h: Harness) {
    let mut import = small_directory();
    import.regions[1].parent = Some(region_code("330900"));
    import.sources.regions = vec![("regions.csv".into(), 2), ("regions.csv".into(), 3)];

    let refused =
        h.db.import_directory(&import, &event("directory_imported"))
            .await;
    let Err(DbError::Rule(said)) = &refused else {
        panic!("expected a rule refusal, got {refused:?}");
    };
    // Said in Chinese first: the file, the line and the item's code, then why.
    let chinese = said.render(server::domain::message::Lang::Zh).unwrap();
    assert!(
        chinese.starts_with("regions.csv 第 3 行（代码 330100）有误："),
        "{chinese}"
    );
    assert!(chinese.contains("上级区划 330900 不存在"), "{chinese}");
    let message = rule_message(refused);

    assert!(
        message.starts_with("regions.csv line 3 (code 330100): "),
        "{message}"
    );
    assert!(message.contains("330900"), "{message}");
    assert!(h.db.regions().await.unwrap().is_empty());
}

async fn a_directory_import_does_not_move_a_person_to_another_body(h: Harness) {
    h.db.import_directory(&small_directory(), &event("directory_imported"))
        .await
        .unwrap();
    let mut import = small_directory();
    import.users[0].org_code = org_code("CITY");

    let message = rule_message(
        h.db.import_directory(&import, &event("directory_imported"))
            .await,
    );

    assert!(message.contains("UNIT"), "{message}");
    assert!(message.contains("does not move people"), "{message}");
    let jin =
        h.db.user_by_username(&username("jin"))
            .await
            .unwrap()
            .unwrap();
    let unit = h.db.org_by_code(&org_code("UNIT")).await.unwrap().unwrap();
    assert_eq!(jin.org_id, Some(unit.id));
}

// ---- helpers ----

fn event(action: &str) -> AuditEvent {
    at(T0, action)
}

fn at(time: i64, action: &str) -> AuditEvent {
    AuditEvent {
        at: time,
        actor_user_id: Some("tester".into()),
        actor_org_id: None,
        action: action.into(),
        target: String::new(),
        detail: json!({ "by": "test" }),
        ip: Some("127.0.0.1".into()),
    }
}

/// A new shared document titled `title`.
fn shared_doc(title: &str) -> NewSpaceDoc {
    NewSpaceDoc {
        title: name(title),
        role: DocRole::Shared,
        owner_org_id: None,
    }
}

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

fn region_code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn org_code(s: &str) -> OrgCode {
    OrgCode::parse(s).unwrap()
}

fn username(s: &str) -> Username {
    Username::parse(s).unwrap()
}

fn path(s: &str) -> RegionPath {
    RegionPath(s.into())
}

fn member(org_id: &str, role: SpaceRole) -> server::db::SpaceMember {
    server::db::SpaceMember {
        org_id: org_id.into(),
        role,
    }
}

fn new_region(code: &str, level: Level, parent: Option<&str>) -> NewRegion {
    NewRegion {
        code: region_code(code),
        name_zh: name(&format!("区域{code}")),
        name_en: None,
        level,
        parent: parent.map(region_code),
    }
}

fn new_org(code: &str, kind: OrgKind, region: &str) -> NewOrg {
    NewOrg {
        code: org_code(code),
        name_zh: name(&format!("单位{code}")),
        name_en: Some(name(&format!("Body {code}"))),
        kind,
        region: region_code(region),
        parent_id: None,
    }
}

fn import_org(code: &str, region: &str, parent: Option<&str>) -> ImportOrg {
    ImportOrg {
        org: new_org(code, OrgKind::EnforcementDepartment, region),
        parent_code: parent.map(org_code),
    }
}

fn new_user(org_id: Option<&str>, login: Option<&str>, password_hash: Option<&str>) -> NewUser {
    NewUser {
        org_id: org_id.map(str::to_owned),
        username: login.map(username),
        display_name: name(login.unwrap_or("someone")),
        org_role: OrgRole::Member,
        operator: false,
        password_hash: password_hash.map(str::to_owned),
        oidc_issuer: None,
        oidc_subject: None,
    }
}

/// A session created at `T0`, idle after 1 s, ended after 5 s.
fn new_session(user_id: &str, token_hash: &str) -> NewSession {
    NewSession {
        token_hash: token_hash.into(),
        user_id: user_id.into(),
        now: T0,
        idle_expires_at: T0 + 1_000,
        absolute_expires_at: T0 + 5_000,
        ip: Some("10.1.2.3".into()),
        user_agent: Some("test-agent".into()),
    }
}

fn new_token(org_id: &str, created_by: &str, token_hash: &str, expires_at: i64) -> NewApiToken {
    NewApiToken {
        org_id: org_id.into(),
        name: name("case system"),
        token_hash: token_hash.into(),
        permissions: vec!["docs:read".into(), "spaces:read".into()],
        created_by: created_by.into(),
        now: T0,
        expires_at,
    }
}

fn new_space(convener_org_id: &str) -> NewSpace {
    NewSpace {
        kind: SpaceKind::Investigation,
        title: name("联合调查组"),
        region: region_code("330102"),
        convener_org_id: convener_org_id.into(),
        created_by: "user-1".into(),
    }
}

/// A province with two cities, and a county under the first: 330000 > 330100 > 330102, and
/// 330000 > 330200.
async fn seed_regions(h: &Harness) -> Vec<Region> {
    let mut made = Vec::new();
    for (code, level, parent) in [
        ("330000", Level::Province, None),
        ("330100", Level::City, Some("330000")),
        ("330200", Level::City, Some("330000")),
        ("330102", Level::County, Some("330100")),
    ] {
        made.push(
            h.db.create_region(&new_region(code, level, parent), &event("region_created"))
                .await
                .unwrap(),
        );
    }
    made
}

/// The seed regions and one enforcement department in the county.
async fn seed_org(h: &Harness) -> Org {
    seed_regions(h).await;
    h.db.create_org(
        &new_org("SEED", OrgKind::EnforcementDepartment, "330102"),
        &event("org_created"),
    )
    .await
    .unwrap()
}

async fn seed_user(h: &Harness, org: &Org, login: &str) -> User {
    h.db.create_user(
        &new_user(Some(&org.id), Some(login), Some("hash")),
        &event("user_created"),
    )
    .await
    .unwrap()
}

/// The message of a [`DbError::Rule`]; anything else fails the test.
#[track_caller]
fn rule_message<T: std::fmt::Debug>(result: Result<T, DbError>) -> String {
    match result {
        Err(DbError::Rule(message)) => {
            assert_eq!(
                DbError::Rule(message.clone()).to_string(),
                message.to_string()
            );
            message.to_string()
        }
        other => panic!("expected a rule refusal, got {other:?}"),
    }
}

/// Whether `sql`, run behind the server's back, is refused.
async fn raw_fails(h: &Harness, sql: &str) -> bool {
    match &h.raw {
        Raw::Sqlite(file) => {
            // sqlx turns SQLite's foreign keys on by default, as the server does explicitly.
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file);
            let mut conn = sqlx::SqliteConnection::connect_with(&options)
                .await
                .unwrap();
            conn.execute(sql).await.is_err()
        }
        Raw::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            conn.execute(sql).await.is_err()
        }
    }
}

/// A session named with the user it must belong to, for `revoke_credential`.
fn session_of<'a>(id: &'a str, user_id: &'a str) -> HeldCredential<'a> {
    HeldCredential::Session { id, user_id }
}

/// An API token named with the organization it must belong to, for `revoke_credential`.
fn token_of<'a>(id: &'a str, org_id: &'a str) -> HeldCredential<'a> {
    HeldCredential::ApiToken { id, org_id }
}
