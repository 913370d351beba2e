//! `dispute-bench`: jurisdiction disputes under a province-sized directory (issue #17's
//! benchmark).
//!
//! 1. Seeds one database (SQLite under a new data directory, or the PostgreSQL database a URL
//!    names) through the server's own `Db` API: a province, `--cities` cities of
//!    `--counties-per-city` counties of `--townships-per-county` townships; a judicial bureau
//!    in the province, every city and every county (one signed-in user each); `--bodies` bodies
//!    (township governments and county departments, one signed-in user each) spread over the
//!    counties; and `--disputes` disputes between two random bodies: 70 % within a county,
//!    22 % between two counties of a city, 8 % between two cities, each with the bureau of
//!    that lowest common region. Every dispute is raised as the server raises one (its space,
//!    statements, parties, the `dispute.raised` events) and then set, in one write, to a
//!    realistic state with the instants of its history (see [`MIX`]), over the current year.
//! 2. Starts the real `concord serve` on that database and measures, over HTTP with keep-alive,
//!    one request at a time, `--requests` each:
//!    - `desk`: `GET /api/disputes` as a random bureau (what its dispute page loads), also split
//!      by the bureau's level;
//!    - `stats`: `GET /api/disputes/stats` as a random bureau (its own region, this year);
//!    - `raise`: `POST /api/disputes` by a random body against another body of its county;
//!    - `escalate`: `POST /api/disputes/{id}/actions` `escalate` by the raising body of a
//!      dispute whose negotiation time (10 working days) has passed: the path of most
//!      escalations, which needs no other party to act first.
//!
//! Every phase prints one JSON line; `bench/disputes.sh` runs it on both engines.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use bench_support::{
    body_with_users, client, cookie, db_config, now_ms, ok_body, summary, system_event, timed,
    two_distinct, Server, DAY_MS,
};
use clap::Parser as _;
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use server::db::{
    new_id, Audience, Db, DisputeChange, Effects, NewDispute, NewDisputeParty, NewEvent, NewRegion,
    SqliteSync,
};
use server::domain::dispute::{DisputeKind, DisputeState};
use server::domain::org::{Level, Name, OrgKind, RegionCode};

#[derive(Debug, clap::Parser)]
#[command(
    about = "Load test of jurisdiction disputes: the bureau's desk, statistics, raising, escalating"
)]
struct Args {
    /// PostgreSQL URL of an empty database; default: SQLite in a new temporary directory.
    #[arg(long)]
    database_url: Option<String>,
    /// The concord binary to run.
    #[arg(long, default_value = "target/release/concord")]
    concord: PathBuf,
    #[arg(long, default_value_t = 10)]
    cities: usize,
    #[arg(long, default_value_t = 9)]
    counties_per_city: usize,
    #[arg(long, default_value_t = 5)]
    townships_per_county: usize,
    #[arg(long, default_value_t = 1000)]
    bodies: usize,
    #[arg(long, default_value_t = 10_000)]
    disputes: usize,
    /// Requests per measured operation.
    #[arg(long, default_value_t = 500)]
    requests: usize,
    /// Concurrent writers while seeding (PostgreSQL; SQLite has one writer anyway).
    #[arg(long, default_value_t = 8)]
    seed_writers: usize,
}

const TOOL: &str = "dispute-bench";
const NEGOTIATION_MS: i64 = 14 * DAY_MS;

/// The states the seeded disputes are in, with their share in percent. `Lapsed` is
/// `negotiating` with its negotiation time passed: the disputes the escalation phase escalates
/// (at least as many as it sends requests, whatever the share).
const MIX: [(Seeded, u32); 14] = [
    (Seeded::Raised, 5),
    (Seeded::Negotiating, 12),
    (Seeded::Lapsed, 8),
    (Seeded::Resolved, 15),
    (Seeded::Escalated, 5),
    (Seeded::NotAccepted, 2),
    (Seeded::RepliesDue, 5),
    (Seeded::Coordinating, 8),
    (Seeded::Decided, 5),
    (Seeded::Implementing, 5),
    (Seeded::Closed, 25),
    (Seeded::Referred, 1),
    (Seeded::GovernmentDecided, 1),
    (Seeded::Withdrawn, 3),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seeded {
    Raised,
    Negotiating,
    Lapsed,
    Resolved,
    Escalated,
    NotAccepted,
    RepliesDue,
    Coordinating,
    Decided,
    Implementing,
    Closed,
    Referred,
    GovernmentDecided,
    Withdrawn,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir().context("making the data directory")?;
    let engine = if args.database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };

    let started = Instant::now();
    let world = seed(&args, dir.path().to_path_buf()).await?;
    println!(
        "{}",
        json!({"phase": "seed", "engine": engine, "bodies": args.bodies,
               "bureaus": world.bureaus.len(), "disputes": args.disputes,
               "seconds": started.elapsed().as_secs_f64()})
    );

    let server = Server::start(&args.concord, args.database_url.as_deref(), dir.path()).await?;
    let result = measure(&args, &server, &world, engine).await;
    server.stop().await?;
    result
}

fn print(engine: &str, endpoint: &str, h: &Histogram<u64>, extra: Value) {
    let mut line = json!({"phase": "measure", "engine": engine, "endpoint": endpoint});
    if let (Some(line), Value::Object(s), Value::Object(e)) =
        (line.as_object_mut(), summary(h), extra)
    {
        line.extend(s);
        line.extend(e);
    }
    println!("{line}");
}

/// A signed-in body.
struct Body {
    id: String,
    cookie: String,
    /// Index of its county in [`World::counties`].
    county: usize,
}

/// A judicial bureau and its user's cookie.
struct Bureau {
    id: String,
    cookie: String,
    level: Level,
}

/// What the measuring phases need from the seeded database.
struct World {
    bodies: Vec<Body>,
    /// Per county, the indexes of its bodies in `bodies`.
    counties: Vec<Vec<usize>>,
    bureaus: Vec<Bureau>,
    /// Disputes whose negotiation time passed: id, revision, raising body's index.
    lapsed: Vec<(String, i64, usize)>,
}

async fn region(
    db: &Db,
    code: String,
    level: Level,
    parent: Option<&RegionCode>,
) -> anyhow::Result<RegionCode> {
    let code = RegionCode::parse(&code)?;
    db.create_region(
        &NewRegion {
            code: code.clone(),
            name_zh: Name::parse(&format!("区划 {code}"))?,
            name_en: None,
            level,
            parent: parent.cloned(),
        },
        &system_event("region_created", TOOL),
    )
    .await?;
    Ok(code)
}

/// One bureau and its cookie.
async fn bureau(db: &Db, region: &RegionCode, level: Level) -> anyhow::Result<Bureau> {
    let (id, cookies) = body_with_users(
        db,
        region,
        OrgKind::JudicialBureau,
        &format!("bureau-{region}"),
        1,
    )
    .await?;
    Ok(Bureau {
        id,
        cookie: cookies.into_iter().next().context("a cookie")?,
        level,
    })
}

/// One dispute to seed: as raised, and the change that sets its state.
struct Planned {
    new: NewDispute,
    created_at: i64,
    change: Option<DisputeChange>,
    lapsed: Option<usize>,
}

async fn seed(args: &Args, data_dir: PathBuf) -> anyhow::Result<World> {
    // Seeding is not what is measured: SQLite commits without fsync here, and the server
    // measured below runs with its default (FULL).
    let db = Db::connect(&db_config(
        args.database_url.as_deref(),
        data_dir,
        SqliteSync::Normal,
    ))
    .await?;

    // The region tree and a bureau at every level but the township's.
    let province = region(&db, "330000".into(), Level::Province, None).await?;
    let mut bureaus = vec![bureau(&db, &province, Level::Province).await?];
    // Per county: its code, its city's index, its townships.
    let mut counties: Vec<(RegionCode, usize, Vec<RegionCode>)> = Vec::new();
    let mut city_bureau = Vec::new();
    let mut county_bureau = Vec::new();
    for c in 1..=args.cities {
        let city = region(&db, format!("33{c:02}00"), Level::City, Some(&province)).await?;
        city_bureau.push(bureaus.len());
        bureaus.push(bureau(&db, &city, Level::City).await?);
        for k in 1..=args.counties_per_city {
            let county = region(&db, format!("33{c:02}{k:02}"), Level::County, Some(&city)).await?;
            county_bureau.push(bureaus.len());
            bureaus.push(bureau(&db, &county, Level::County).await?);
            let mut townships = Vec::new();
            for t in 1..=args.townships_per_county {
                townships.push(
                    region(
                        &db,
                        format!("{county}{t:03}"),
                        Level::Township,
                        Some(&county),
                    )
                    .await?,
                );
            }
            counties.push((county, c - 1, townships));
        }
    }

    // Bodies, round the counties: first a township government in each township, then county
    // departments.
    let mut bodies = Vec::with_capacity(args.bodies);
    let mut of_county = vec![Vec::new(); counties.len()];
    for i in 0..args.bodies {
        let county = i % counties.len();
        let nth = i / counties.len();
        let (county_code, _, townships) = &counties[county];
        let (region, kind) = match townships.get(nth) {
            Some(township) => (township, OrgKind::TownshipGovernment),
            None => (county_code, OrgKind::EnforcementDepartment),
        };
        let (id, cookies) = body_with_users(&db, region, kind, &format!("body-{i:04}"), 1).await?;
        of_county[county].push(bodies.len());
        bodies.push(Body {
            id,
            cookie: cookies.into_iter().next().context("a cookie")?,
            county,
        });
    }

    // The disputes, planned first (one seeded generator), then written.
    let mut rng = StdRng::seed_from_u64(17);
    let now = now_ms();
    let total: u32 = MIX.iter().map(|(_, share)| share).sum();
    let lapsed_wanted = args.requests + bench_support::WARM_UP;
    let mut lapsed_planned = 0;
    let mut plans = Vec::with_capacity(args.disputes);
    for i in 0..args.disputes {
        let mut state = {
            let mut pick = rng.gen_range(0..total);
            let mut chosen = Seeded::Closed;
            for (state, share) in MIX {
                if pick < share {
                    chosen = state;
                    break;
                }
                pick -= share;
            }
            chosen
        };
        // Enough lapsed negotiations for every escalation request, taken from the last ones.
        if lapsed_planned + (args.disputes - i) <= lapsed_wanted {
            state = Seeded::Lapsed;
        }
        if state == Seeded::Lapsed {
            lapsed_planned += 1;
        }
        // Where: within a county, between two counties of a city, between two cities.
        let scope = rng.gen_range(0..100);
        let (raiser, other, region, bureau) =
            if scope < 70 || args.cities * args.counties_per_city < 2 {
                let county = rng.gen_range(0..counties.len());
                let (a, b) = two_distinct(&mut rng, of_county[county].len());
                let code = counties[county].0.clone();
                (
                    of_county[county][a],
                    of_county[county][b],
                    code,
                    county_bureau[county],
                )
            } else if scope < 92 && args.counties_per_city >= 2 {
                let city = rng.gen_range(0..args.cities);
                let (a, b) = two_distinct(&mut rng, args.counties_per_city);
                let (ca, cb) = (
                    city * args.counties_per_city + a,
                    city * args.counties_per_city + b,
                );
                let pick =
                    |rng: &mut StdRng, c: usize| of_county[c][rng.gen_range(0..of_county[c].len())];
                let code = RegionCode::parse(&format!("33{:02}00", city + 1))?;
                (
                    pick(&mut rng, ca),
                    pick(&mut rng, cb),
                    code,
                    city_bureau[city],
                )
            } else {
                let (x, y) = two_distinct(&mut rng, args.cities);
                let county_of = |rng: &mut StdRng, city: usize| {
                    city * args.counties_per_city + rng.gen_range(0..args.counties_per_city)
                };
                let (ca, cb) = (county_of(&mut rng, x), county_of(&mut rng, y));
                let pick =
                    |rng: &mut StdRng, c: usize| of_county[c][rng.gen_range(0..of_county[c].len())];
                (pick(&mut rng, ca), pick(&mut rng, cb), province.clone(), 0)
            };
        plans.push(plan(
            &mut rng,
            now,
            state,
            i,
            [&bodies[raiser].id, &bodies[other].id],
            raiser,
            region,
            &bureaus[bureau].id,
        ));
    }

    let db = Arc::new(db);
    let plans = Arc::new(plans);
    let writers = if args.database_url.is_some() {
        args.seed_writers.max(1)
    } else {
        1
    };
    let mut join = tokio::task::JoinSet::new();
    for w in 0..writers {
        let (db, plans) = (db.clone(), plans.clone());
        join.spawn(async move {
            let mut lapsed = Vec::new();
            let mut i = w;
            while i < plans.len() {
                let p = &plans[i];
                let told = p
                    .new
                    .parties
                    .iter()
                    .map(|party| party.org_id.clone())
                    .chain(std::iter::once(p.new.bureau_org_id.clone()))
                    .map(|org| NewEvent {
                        audience: Audience::Org(org),
                        kind: "dispute.raised".into(),
                        subject: format!("dispute:{}", p.new.id),
                        payload: json!({"dispute_id": p.new.id, "title": p.new.title,
                                        "state": "raised", "bureau_org_id": p.new.bureau_org_id}),
                    })
                    .collect();
                let effects = Effects {
                    events: told,
                    ..Effects::default()
                };
                let mut d = db.create_dispute(&p.new, p.created_at, &effects).await?;
                if let Some(change) = &p.change {
                    d = db.change_dispute(change, &Effects::default()).await?;
                }
                if let Some(raiser) = p.lapsed {
                    lapsed.push((d.id, d.revision, raiser));
                }
                i += writers;
            }
            anyhow::Ok(lapsed)
        });
    }
    let mut lapsed = Vec::new();
    while let Some(done) = join.join_next().await {
        lapsed.extend(done??);
    }
    lapsed.sort();
    Arc::into_inner(db)
        .context("the seeding writers are done")?
        .close()
        .await;
    Ok(World {
        bodies,
        counties: of_county,
        bureaus,
        lapsed,
    })
}

/// A dispute in `state` between the two bodies, raised at a time that fits the state, with the
/// instants of what happened since (never after `now`).
#[allow(clippy::too_many_arguments)]
fn plan(
    rng: &mut StdRng,
    now: i64,
    state: Seeded,
    i: usize,
    orgs: [&String; 2],
    raiser: usize,
    region: RegionCode,
    bureau: &str,
) -> Planned {
    let days = |rng: &mut StdRng, from: i64, to: i64| rng.gen_range(from * DAY_MS..to * DAY_MS);
    let age = match state {
        Seeded::Raised => days(rng, 0, 2),
        Seeded::Negotiating => days(rng, 1, 13),
        Seeded::Lapsed => days(rng, 15, 40),
        Seeded::Escalated => days(rng, 15, 17),
        Seeded::RepliesDue => days(rng, 17, 22),
        Seeded::Coordinating => days(rng, 22, 50),
        Seeded::Withdrawn => days(rng, 5, 330),
        _ => days(rng, 60, 330),
    };
    let created = now - age;
    let escalated = created + NEGOTIATION_MS;
    let accepted = escalated + 2 * DAY_MS;
    let decided = accepted + days(rng, 10, 30);
    let id = new_id();
    let mut change = DisputeChange {
        dispute_id: id.clone(),
        expected_revision: 1,
        ..DisputeChange::default()
    };
    let (to, at) = match state {
        Seeded::Raised => (None, created),
        Seeded::Negotiating | Seeded::Lapsed => {
            change.stage = Some(Some((created, created + NEGOTIATION_MS)));
            (Some(DisputeState::Negotiating), created + DAY_MS / 24)
        }
        Seeded::Resolved => {
            change.stage = Some(None);
            change.agreement = Some("经协商，由属地乡镇负责查处。".into());
            (Some(DisputeState::Resolved), created + days(rng, 3, 14))
        }
        Seeded::Withdrawn => {
            change.stage = Some(None);
            change.reason = Some("已自行查明管辖，撤回申请。".into());
            (Some(DisputeState::Withdrawn), created + days(rng, 1, 5))
        }
        Seeded::Escalated => {
            change.stage = Some(Some((escalated, escalated + 4 * DAY_MS)));
            change.escalated_at = Some(escalated);
            change.reason = Some("协商期限届满，协商不成。".into());
            (Some(DisputeState::Escalated), escalated)
        }
        Seeded::NotAccepted => {
            change.stage = Some(None);
            change.escalated_at = Some(escalated);
            change.reason = Some("不属于行政执法争议协调范围。".into());
            (Some(DisputeState::NotAccepted), accepted)
        }
        Seeded::RepliesDue | Seeded::Coordinating => {
            change.escalated_at = Some(escalated);
            change.accepted_at = Some(accepted);
            change.bureau_joins = Some(new_id());
            if state == Seeded::RepliesDue {
                change.stage = Some(Some((accepted, accepted + 7 * DAY_MS)));
                (Some(DisputeState::RepliesDue), accepted)
            } else {
                change.stage = Some(Some((accepted, accepted + 30 * DAY_MS)));
                change.interim_lead_org_id = Some(orgs[1].clone());
                (Some(DisputeState::Coordinating), accepted + 7 * DAY_MS)
            }
        }
        Seeded::Decided
        | Seeded::Implementing
        | Seeded::Closed
        | Seeded::Referred
        | Seeded::GovernmentDecided => {
            change.stage = Some(None);
            change.escalated_at = Some(escalated);
            change.accepted_at = Some(accepted);
            change.bureau_joins = Some(new_id());
            change.decided_at = Some(decided);
            change.responsible_org_id = Some(orgs[rng.gen_range(0..2)].clone());
            let to = match state {
                Seeded::Decided => DisputeState::Decided,
                Seeded::Implementing => DisputeState::Implementing,
                Seeded::Closed => DisputeState::Closed,
                Seeded::Referred => {
                    change.reason = Some("涉及重大事项，报请本级政府决定。".into());
                    DisputeState::Referred
                }
                _ => {
                    change.reason = Some("涉及重大事项，报请本级政府决定。".into());
                    change.government_decision = Some("由属地乡镇负责。".into());
                    DisputeState::GovernmentDecided
                }
            };
            let later = if state == Seeded::Decided {
                0
            } else {
                days(rng, 5, 25)
            };
            (Some(to), decided + later)
        }
    };
    change.at = at.min(now);
    change.state = to;
    let kind = if i.is_multiple_of(3) {
        DisputeKind::Negative
    } else {
        DisputeKind::Positive
    };
    let parties = orgs
        .iter()
        .enumerate()
        .map(|(n, org)| NewDisputeParty {
            org_id: (*org).clone(),
            statement_doc_id: new_id(),
            position: (n == 0).then(|| "该事项已委托乡镇综合行政执法办公室实施。".to_owned()),
            legal_basis: (n == 0).then(|| "《浙江省综合行政执法条例》第十二条".to_owned()),
        })
        .collect();
    Planned {
        new: NewDispute {
            id,
            agreement_doc_id: new_id(),
            kind,
            title: format!("违法建设查处管辖争议 {i}"),
            description: "某村违法建设的查处，双方对职责归属存在争议。".into(),
            place: Some("某村".into()),
            reference: Some(format!("案 {i:05}")),
            tried: None,
            region,
            raised_by_org_id: orgs[0].clone(),
            bureau_org_id: bureau.to_owned(),
            parties,
            stage_due_at: created + NEGOTIATION_MS,
            source_kind: "direct",
            source_id: None,
            created_by: TOOL.into(),
        },
        created_at: created,
        change: to.map(|_| change),
        lapsed: (state == Seeded::Lapsed).then_some(raiser),
    }
}

/// The bureau's acceptance desk: the disputes escalated to it, waiting for it to accept.
const DESK: &str = "/api/disputes?role=bureau&state=escalated";

/// What every measuring phase uses.
struct Run<'a> {
    args: &'a Args,
    client: reqwest::Client,
    base: &'a str,
    world: &'a World,
    engine: &'a str,
}

/// `--requests` GETs of `path` as random bureaus, overall and by the bureau's level, with the
/// mean number of disputes and size of an answer.
async fn bureau_gets(
    run: &Run<'_>,
    rng: &mut StdRng,
    name: &str,
    path: &str,
) -> anyhow::Result<()> {
    let mut h = Histogram::<u64>::new(3)?;
    let mut by_level: Vec<(Level, Histogram<u64>)> = Vec::new();
    for level in [Level::Province, Level::City, Level::County] {
        by_level.push((level, Histogram::<u64>::new(3)?));
    }
    let (mut bytes, mut listed) = (0usize, 0usize);
    for i in 0..bench_support::WARM_UP + run.args.requests {
        let b = &run.world.bureaus[rng.gen_range(0..run.world.bureaus.len())];
        let t = Instant::now();
        let request = run
            .client
            .get(format!("{}{path}", run.base))
            .header("cookie", cookie(&b.cookie));
        let body = ok_body(name, request).await?;
        let took = t.elapsed().as_micros() as u64;
        let page: Value = serde_json::from_slice(&body)?;
        if i >= bench_support::WARM_UP {
            h.record(took)?;
            if let Some((_, h)) = by_level.iter_mut().find(|(l, _)| *l == b.level) {
                h.record(took)?;
            }
            bytes += body.len();
            listed += page["disputes"].as_array().map_or(0, Vec::len);
        }
    }
    let n = run.args.requests.max(1) as f64;
    print(
        run.engine,
        name,
        &h,
        json!({"mean_disputes": listed as f64 / n, "mean_kib": bytes as f64 / n / 1024.0}),
    );
    for (level, h) in &by_level {
        print(run.engine, &format!("{name}_{level}"), h, json!({}));
    }
    Ok(())
}

async fn measure(args: &Args, server: &Server, world: &World, engine: &str) -> anyhow::Result<()> {
    let client = client()?;
    let base = &server.base;
    let mut rng = StdRng::seed_from_u64(7);

    // Everything a bureau's dispute page loads today, then its acceptance desk.
    let run = Run {
        args,
        client: client.clone(),
        base,
        world,
        engine,
    };
    bureau_gets(&run, &mut rng, "list", "/api/disputes").await?;
    bureau_gets(&run, &mut rng, "desk", DESK).await?;

    let h = timed(args.requests, |_| {
        let b = &world.bureaus[rng.gen_range(0..world.bureaus.len())];
        let request = client
            .get(format!("{base}/api/disputes/stats"))
            .header("cookie", cookie(&b.cookie));
        async move { ok_body("stats", request).await.map(drop) }
    })
    .await?;
    print(engine, "stats", &h, json!({}));

    let h = timed(args.requests, |i| {
        // A random body, against another body of its county.
        let raiser = rng.gen_range(0..world.bodies.len());
        let body = &world.bodies[raiser];
        let county = &world.counties[body.county];
        let at = county.iter().position(|&b| b == raiser).unwrap_or(0);
        let other = county[(at + 1 + rng.gen_range(0..county.len() - 1)) % county.len()];
        let request = client
            .post(format!("{base}/api/disputes"))
            .header("cookie", cookie(&body.cookie))
            .header("origin", base)
            .json(&json!({
                "kind": "negative",
                "title": format!("占道经营查处管辖争议 {i}"),
                "description": "某路段占道经营的查处，双方均认为不属本单位职责。",
                "place": "某街道",
                "parties": [world.bodies[other].id],
                "position": "该事项已划转综合行政执法部门。",
                "legal_basis": "《浙江省综合行政执法条例》"
            }));
        async move { ok_body("raise", request).await.map(drop) }
    })
    .await?;
    print(engine, "raise", &h, json!({}));

    let mut lapsed = world.lapsed.iter();
    let h = timed(args.requests, |_| {
        let next = lapsed
            .next()
            .context("fewer lapsed negotiations than requests");
        let request = next.map(|(id, revision, raiser)| {
            client
                .post(format!("{base}/api/disputes/{id}/actions"))
                .header("cookie", cookie(&world.bodies[*raiser].cookie))
                .header("origin", base)
                .json(&json!({"command": "escalate", "revision": revision,
                              "reason": "协商期限届满，协商不成，提请司法局协调。"}))
        });
        async move { ok_body("escalate", request?).await.map(drop) }
    })
    .await?;
    print(engine, "escalate", &h, json!({}));
    Ok(())
}
