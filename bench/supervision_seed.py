#!/usr/bin/env python3
"""Seeds issue #21's province-sized data set into a concord database whose schema the server
already made (its migrations), on SQLite or on PostgreSQL, for bench/supervision.sh.

Why not through the server's `Db` API like `dispute-bench`: 1,000,000 notices with their
receipts one write at a time take hours; rows generated here and loaded in bulk take minutes.
Every row is what the server itself would have stored (same columns, states, instants and
relations); the same seeded generator gives the same data set to both engines.

The shape (see BENCHMARKS.md, "Supervision desk and figures at province size"):
- a province (330000), 10 cities, 9 counties each, 5 townships each county;
- 1,000 bodies: a judicial bureau at every level but the township's (101), a public security
  body and a procuratorate at every level (202), enforcement departments (2 in the province,
  4 per city, 2 or 3 per county: 247) and a township government per township (450);
  a signed-in user for every bureau (its session cookie is printed);
- 100,000 tasks over the last 365 days, mostly set by a bureau or a department to a body of
  its county or city; the running ones are overdue when their deadline passed (about 7 % of
  those past due), with 'overdue' and 'escalated' history entries as the server writes them;
- 1,000,000 notices (originals; 1 % drafts) sent over the year to 1 to 3 bodies each
  (about 1,900,000 receipts), 60 % requiring 签收 within 3 days, most acknowledged, some late,
  some never (more of the recent ones);
- 10,000 disputes (space, two parties with their statement documents) in the mix of
  dispute-bench, running ones recent, with 督办 jobs done for half of those past their stage;
- 20,000 referrals (jurisdiction, criminal, procuratorate, clue) in a realistic state mix.

usage: supervision_seed.py sqlite PATH/concord.db NOW_MS > cookies
       supervision_seed.py postgres URL NOW_MS > cookies     (loads with psql \\copy)
Prints one line per bureau: `level region_code cookie-secret`.
"""

import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid

DAY = 86_400_000
HOUR = 3_600_000

engine, target, now = sys.argv[1], sys.argv[2], int(sys.argv[3])
SCALE = float(os.environ.get("SEED_SCALE", "1"))
N_TASKS = int(100_000 * SCALE)
N_NOTICES = int(1_000_000 * SCALE)
N_DISPUTES = int(10_000 * SCALE)
N_REFERRALS = int(20_000 * SCALE)

rng = random.Random(21)


def new_id():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


CITIES = ["杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州"]
COUNTIES_PER_CITY = 9
TOWNSHIPS_PER_COUNTY = 5

tables = {}  # name -> (columns, rows)


def add(table, columns, row):
    cols, rows = tables.setdefault(table, (columns, []))
    rows.append(row)


REGION_COLS = ("code", "name_zh", "name_en", "level", "parent_code", "path")
ORG_COLS = ("id", "code", "name_zh", "name_en", "kind", "region_code", "parent_id",
            "created_at", "updated_at")

# --- The directory -------------------------------------------------------------------------
regions = {}  # code -> dict(level, path, parent, city, county)


def region(code, name, level, parent):
    path = (regions[parent]["path"] if parent else "/") + code + "/"
    regions[code] = {"level": level, "path": path, "parent": parent}
    add("regions", REGION_COLS, (code, name, None, level, parent, path))


orgs = []  # dicts: id, kind, region, level, city, county
created = now - 400 * DAY


def org(code, name, kind, region_code, city, county):
    o = {"id": new_id(), "kind": kind, "region": region_code, "city": city, "county": county,
         "level": regions[region_code]["level"]}
    orgs.append(o)
    add("organizations", ORG_COLS,
        (o["id"], code, name, None, kind, region_code, None, created, created))
    return o


region("330000", "浙江省", "province", None)
province_bodies = [
    org("bureau-330000", "浙江省司法厅", "judicial_bureau", "330000", None, None),
    org("police-330000", "浙江省公安厅", "public_security", "330000", None, None),
    org("procur-330000", "浙江省人民检察院", "procuratorate", "330000", None, None),
    org("dept-330000-1", "浙江省市场监督管理局", "enforcement_department", "330000", None, None),
    org("dept-330000-2", "浙江省生态环境厅", "enforcement_department", "330000", None, None),
]
DEPTS = ["市场监督管理局", "综合行政执法局", "生态环境局", "应急管理局"]
county_index = 0
for c, cname in enumerate(CITIES, 1):
    ccode = f"33{c:02}00"
    region(ccode, f"{cname}市", "city", "330000")
    org(f"bureau-{ccode}", f"{cname}市司法局", "judicial_bureau", ccode, ccode, None)
    org(f"police-{ccode}", f"{cname}市公安局", "public_security", ccode, ccode, None)
    org(f"procur-{ccode}", f"{cname}市人民检察院", "procuratorate", ccode, ccode, None)
    for i, d in enumerate(DEPTS):
        org(f"dept-{ccode}-{i}", f"{cname}市{d}", "enforcement_department", ccode, ccode, None)
    for k in range(1, COUNTIES_PER_CITY + 1):
        kcode = f"33{c:02}{k:02}"
        kname = f"{cname}第{k}区"
        region(kcode, kname, "county", ccode)
        org(f"bureau-{kcode}", f"{kname}司法局", "judicial_bureau", kcode, ccode, kcode)
        org(f"police-{kcode}", f"{kname}公安分局", "public_security", kcode, ccode, kcode)
        org(f"procur-{kcode}", f"{kname}人民检察院", "procuratorate", kcode, ccode, kcode)
        # 205 county departments over 90 counties: 3 in the first 25, 2 in the others.
        for i in range(3 if county_index < 25 else 2):
            org(f"dept-{kcode}-{i}", f"{kname}{DEPTS[i]}", "enforcement_department", kcode,
                ccode, kcode)
        county_index += 1
        for t in range(1, TOWNSHIPS_PER_COUNTY + 1):
            tcode = f"{kcode}{t:03}"
            region(tcode, f"{kname}第{t}街道", "township", kcode)
            org(f"town-{tcode}", f"{kname}第{t}街道办事处", "township_government", tcode, ccode,
                kcode)
assert len(orgs) == 1000, len(orgs)

by_county, by_city = {}, {}
bureau_of = {}
for o in orgs:
    if o["county"]:
        by_county.setdefault(o["county"], []).append(o)
    if o["city"]:
        by_city.setdefault(o["city"], []).append(o)
    if o["kind"] == "judicial_bureau":
        bureau_of[o["region"]] = o
counties = sorted(by_county)

USER_COLS = ("id", "org_id", "username", "display_name", "org_role", "is_operator", "disabled",
             "failed_logins", "created_at", "updated_at")
SESSION_COLS = ("id", "token_hash", "user_id", "created_at", "last_seen_at", "idle_expires_at",
                "absolute_expires_at")
user_of = {}
cookies = []
for o in orgs:
    uid = new_id()
    user_of[o["id"]] = uid
    add("users", USER_COLS, (uid, o["id"], f"u-{len(user_of)}", "经办人", "admin", False, False,
                             0, created, created))
    if o["kind"] == "judicial_bureau":
        secret = f"bench-{new_id()}"
        add("sessions", SESSION_COLS, (new_id(), hashlib.sha256(secret.encode()).hexdigest(),
                                       uid, now, now, now + 7 * DAY, now + 7 * DAY))
        cookies.append(f"{o['level']} {o['region']} {secret}")


def common_region(a, b):
    """The lowest region covering both bodies."""
    pa, pb = regions[a["region"]]["path"], regions[b["region"]]["path"]
    sa, sb = pa.strip("/").split("/"), pb.strip("/").split("/")
    common = None
    for x, y in zip(sa, sb):
        if x != y:
            break
        common = x
    # A township's body is supervised from its county: no township has a bureau.
    if regions[common]["level"] == "township":
        common = regions[common]["parent"]
    return common


non_province = [o for o in orgs if o["city"]]


def neighbour(o, county_share=0.7):
    """Another body near `o`: of its county (or city), sometimes of its city, rarely anywhere."""
    x = rng.random()
    if o["county"] and x < county_share:
        pool = by_county[o["county"]]
    elif o["city"] and x < 0.95:
        pool = by_city[o["city"]]
    else:
        pool = orgs
    while True:
        p = rng.choice(pool)
        if p is not o:
            return p


def superior(o):
    """Who sets `o` a task: its bureau, a department or government of its county, its city."""
    x = rng.random()
    reg = o["county"] or o["city"]
    if reg is None:
        return rng.choice(province_bodies[:1] + province_bodies[3:])
    if x < 0.45:
        return bureau_of[reg]
    if x < 0.85:
        pool = [p for p in (by_county.get(o["county"]) or by_city[o["city"]])
                if p["kind"] in ("enforcement_department", "judicial_bureau") and p is not o]
        if pool:
            return rng.choice(pool)
    return bureau_of[o["city"]] if o["city"] and o["city"] != o["region"] else province_bodies[0]


def when(days=365, recent=None):
    """An instant in the last `days` days (or the last `recent` days)."""
    span = (recent or days) * DAY
    return now - rng.randrange(HOUR, span)


# --- Tasks ---------------------------------------------------------------------------------
TASK_COLS = ("id", "title", "body", "feedback_required", "source", "source_ref", "setter_org_id",
             "assignee_org_id", "created_by", "state", "limit_unit", "limit_amount",
             "started_at", "due_at", "feedback", "revision", "created_at", "updated_at")
HIST_COLS = ("task_id", "seq", "at", "actor_user_id", "actor_name", "actor_org_id", "entry",
             "command", "from_state", "to_state", "body", "detail")
TASK_TITLES = ["占道经营专项整治", "餐饮油烟扰民投诉核查", "违法建筑拆除督办", "校园周边食品安全检查",
               "渣土车违规运输查处", "安全生产隐患排查整改", "河道非法采砂巡查", "群租房消防隐患整治"]
for i in range(N_TASKS):
    tid = new_id()
    assignee = rng.choice(orgs) if rng.random() < 0.03 else rng.choice(non_province)
    setter = superior(assignee)
    if setter is assignee:
        setter = neighbour(assignee)
    started = when()
    days = rng.choice([5, 7, 10, 10, 15, 20, 30])
    due = started + days * 7 // 5 * DAY
    hist = [(started, "transition", "dispatch", "created", "dispatched")]
    x = rng.random()
    if x < 0.01:
        state, started_at = "created", None
        hist = []
    elif due > now:
        state = rng.choices(["dispatched", "acknowledged", "in_progress", "submitted", "verified",
                             "closed", "returned"], [12, 15, 45, 13, 3, 9, 3])[0]
        started_at = started
    else:
        state = rng.choices(["closed", "verified", "cancelled", "submitted", "in_progress",
                             "acknowledged", "dispatched", "returned"],
                            [79, 6, 3, 5, 4, 1, 1, 1])[0]
        started_at = started
        running = state in ("dispatched", "acknowledged", "in_progress", "returned")
        if running or rng.random() < 0.1:
            hist.append((due, "overdue", None, None, None))
            if running and rng.random() < 0.6 and due + 3 * DAY < now:
                hist.append((due + 3 * DAY, "escalated", None, None, None))
    if state in ("closed", "verified") and started_at is not None:
        done = min(now - HOUR, started + rng.randrange(DAY, days * 2 * DAY))
        hist.append((done, "transition", "close", "verified", state))
    title = f"{rng.choice(TASK_TITLES)}（{i}）"
    add("tasks", TASK_COLS,
        (tid, title, "请按要求落实并于期限内反馈办理情况。", "", "direct", None, setter["id"],
         assignee["id"], user_of[setter["id"]], state, "working_days", days, started_at, due,
         "已落实。" if state in ("submitted", "verified", "closed") else None,
         len(hist) + 1, started - 600_000, max(h[0] for h in hist) if hist else started))
    for seq, (at, entry, command, frm, to) in enumerate(sorted(hist), 1):
        actor = None if entry in ("overdue", "escalated") else user_of[setter["id"]]
        add("task_history", HIST_COLS,
            (tid, seq, at, actor, None if actor is None else "经办人",
             None if actor is None else setter["id"], entry, command, frm, to, None, "{}"))

# --- Notices -------------------------------------------------------------------------------
NOTICE_COLS = ("id", "series_id", "version", "version_kind", "kind", "sender_org_id", "created_by",
               "title", "body", "requires_ack", "requires_reply", "reply_due_at", "remind_at",
               "escalate_at", "state", "sent_at", "created_at")
RECEIPT_COLS = ("notice_id", "org_id", "state", "delivered_at", "read_at", "read_by",
                "acknowledged_at", "acknowledged_by", "acknowledged_by_name", "replied_at",
                "replied_by", "reply", "closed_at", "ack_due_at", "ack_escalate_at")
NOTICE_TITLES = ["关于开展春季安全生产大检查的通报", "案件移送情况函告", "关于近期执法检查发现问题的通报",
                 "违法线索通报", "执法协作事项函告", "关于做好节假日期间执法工作的通知"]
for i in range(N_NOTICES):
    nid = new_id()
    sender = rng.choice(orgs)
    sent = when()
    draft = rng.random() < 0.01
    ack = rng.random() < 0.6
    reply = rng.random() < 0.1
    add("notices", NOTICE_COLS,
        (nid, nid, 1, "original", "case_letter" if rng.random() < 0.3 else "information",
         sender["id"], user_of[sender["id"]], f"{rng.choice(NOTICE_TITLES)}（{i}）",
         "现将有关情况通报如下，请各单位按职责做好相关工作。", ack, reply,
         sent + 10 * DAY if reply else None, sent + 3 * DAY if ack else None,
         sent + 5 * DAY if ack else None, "draft" if draft else "sent",
         None if draft else sent, sent - 600_000))
    if draft:
        continue
    to = set()
    for _ in range(rng.choice([1, 2, 3])):
        r = neighbour(sender)
        if r["id"] not in to:
            to.add(r["id"])
            age = now - sent
            read_at = sent + rng.randrange(60_000, DAY) if rng.random() < 0.8 else None
            if read_at is not None and read_at > now:
                read_at = None
            acked = None
            if ack:
                miss = 0.5 if age < 3 * DAY else 0.1 if age < 14 * DAY else 0.015
                if rng.random() >= miss:
                    # Most within a day; about one in ten after the 3 days.
                    acked = sent + int(rng.expovariate(1 / (1.2 * DAY)))
                    if acked >= now:
                        acked = None
            if acked is not None:
                state = "acknowledged"
                read_at = min(read_at or acked, acked)
            else:
                state = "read" if read_at is not None else "delivered"
            uid = user_of[r["id"]]
            add("notice_receipts", RECEIPT_COLS,
                (nid, r["id"], state, sent, read_at, uid if read_at else None, acked,
                 uid if acked else None, "经办人" if acked else None, None, None, None, None,
                 sent + 3 * DAY if ack else None, sent + 5 * DAY if ack else None))

# --- Disputes ------------------------------------------------------------------------------
SPACE_COLS = ("id", "kind", "title", "region_code", "created_by", "created_at", "closed")
DOC_COLS = ("doc_id", "space_id", "title", "frozen", "created_at", "role", "owner_org_id",
            "briefing")
DISPUTE_COLS = ("space_id", "kind", "title", "description", "place", "raised_by_org_id",
                "bureau_org_id", "state", "revision", "stage_started_at", "stage_due_at",
                "escalated_at", "accepted_at", "responsible_org_id", "decided_at", "reason",
                "source_kind", "created_by", "created_at", "updated_at")
PARTY_COLS = ("dispute_id", "org_id", "role", "position", "legal_basis", "statement_doc_id")
JOB_COLS = ("id", "kind", "subject", "payload", "due_at", "state", "attempts", "max_attempts",
            "created_at", "finished_at")
MIX = [("raised", 5), ("negotiating", 12), ("lapsed", 8), ("resolved", 15), ("escalated", 5),
       ("not_accepted", 2), ("replies_due", 5), ("coordinating", 8), ("decided", 5),
       ("implementing", 5), ("closed", 25), ("referred", 1), ("government_decided", 1),
       ("withdrawn", 3)]
RUNNING = {"raised", "negotiating", "lapsed", "escalated", "replies_due", "coordinating"}
bodies_low = [o for o in orgs if o["county"]]
for i in range(N_DISPUTES):
    sid = new_id()
    a = rng.choice(bodies_low)
    x = rng.random()
    if x < 0.70:
        b = rng.choice([o for o in by_county[a["county"]] if o is not a])
    elif x < 0.92:
        b = rng.choice([o for o in by_city[a["city"]] if o["county"] and o["county"] != a["county"]])
    else:
        b = rng.choice([o for o in bodies_low if o["city"] != a["city"]])
    reg = common_region(a, b)
    bureau = bureau_of[reg]
    state = rng.choices([m[0] for m in MIX], [m[1] for m in MIX])[0]
    created_at = when(recent=45) if state in RUNNING else when()
    stage_started = stage_due = escalated = accepted = decided = responsible = reason = None
    updated = created_at
    if state in ("raised", "negotiating"):
        stage_started, stage_due = created_at, created_at + 14 * DAY
        if stage_due < now:  # not yet lapsed: move it into the last 14 days
            created_at = now - rng.randrange(HOUR, 14 * DAY)
            stage_started, stage_due = created_at, created_at + 14 * DAY
        updated = created_at
    elif state == "lapsed":
        state = "negotiating"
        created_at = now - rng.randrange(15 * DAY, 45 * DAY)
        stage_started, stage_due, updated = created_at, created_at + 14 * DAY, created_at
    else:
        escalated = created_at + rng.randrange(2 * DAY, 14 * DAY)
        if state not in ("resolved", "withdrawn"):
            updated = escalated
        if state == "escalated":
            stage_started, stage_due = escalated, escalated + 4 * DAY
        elif state == "not_accepted":
            reason, updated = "不属于管辖争议。", escalated + DAY
        elif state in ("resolved", "withdrawn"):
            escalated = None
            updated = created_at + rng.randrange(DAY, 14 * DAY)
        else:
            accepted = escalated + rng.randrange(HOUR, 4 * DAY)
            updated = accepted
            if state == "replies_due":
                stage_started, stage_due = accepted, accepted + 7 * DAY
            elif state == "coordinating":
                stage_started, stage_due = accepted, accepted + 30 * DAY
            else:
                decided = accepted + rng.randrange(5 * DAY, 30 * DAY)
                responsible = rng.choice([a, b])["id"]
                updated = decided + (rng.randrange(DAY, 20 * DAY)
                                     if state in ("implementing", "closed") else 0)
    updated = min(updated, now - 60_000)
    if decided is not None:
        decided = min(decided, updated)
    title = f"{rng.choice(TASK_TITLES)}管辖争议（{i}）"
    add("spaces", SPACE_COLS, (sid, "dispute", title, reg, user_of[a["id"]], created_at, False))
    add("disputes", DISPUTE_COLS,
        (sid, "negative" if rng.random() < 0.8 else "positive", title,
         "双方对该事项的管辖存在争议。", "某街道", a["id"], bureau["id"], state,
         2 if state != "raised" else 1, stage_started, stage_due, escalated, accepted,
         responsible, decided, reason, "direct", user_of[a["id"]], created_at, updated))
    for role, p in (("raiser", a), ("party", b)):
        doc = new_id()
        add("space_docs", DOC_COLS, (doc, sid, "陈述意见", False, created_at, "statement", p["id"],
                                     False))
        add("dispute_parties", PARTY_COLS,
            (sid, p["id"], role, "该事项不属本单位职责。", "《浙江省综合行政执法条例》", doc))
    if stage_due is not None and stage_due < now and rng.random() < 0.5:
        add("jobs", JOB_COLS, (new_id(), "dispute_escalate", f"dispute:{sid}", "{}",
                               stage_due + HOUR, "done", 1, 5, stage_started, stage_due + HOUR))

# --- Referrals -----------------------------------------------------------------------------
REFERRAL_COLS = ("space_id", "kind", "referrer_org_id", "receiver_org_id", "case_name",
                 "case_number", "facts", "legal_basis", "state", "revision", "stage_started_at",
                 "stage_due_at", "submitted_at", "approved_by", "approved_at", "sent_at",
                 "received_by", "receiver_person", "received_at", "decided_at", "decision",
                 "receipt_due_at", "decision_due_at", "returned_at", "reason", "feedback",
                 "feedback_at", "closed_at", "created_by", "created_at", "updated_at")
RMIX = [("draft", 3), ("pending_approval", 3), ("approved", 2), ("sent", 6), ("received", 7),
        ("accepted", 15), ("not_accepted", 5), ("feedback_given", 15), ("closed", 37),
        ("returned", 2), ("disputed", 1), ("withdrawn", 4)]
RSTAGED = {"pending_approval", "approved", "sent", "received", "returned"}
senders = [o for o in orgs if o["kind"] in ("enforcement_department", "township_government")]
for i in range(N_REFERRALS):
    sid = new_id()
    kind = rng.choices(["jurisdiction", "criminal", "procuratorate", "clue"], [55, 25, 10, 10])[0]
    a = rng.choice(senders)
    reg = a["county"] or a["city"] or "330000"
    if kind == "jurisdiction":
        b = neighbour(a, 0.8)
        while b["kind"] not in ("enforcement_department", "township_government") or b is a:
            b = neighbour(a, 0.8)
    elif kind == "criminal":
        b = next(o for o in orgs if o["kind"] == "public_security" and o["region"] == reg)
    else:
        b = next(o for o in orgs if o["kind"] == "procuratorate" and o["region"] == reg)
    state = rng.choices([m[0] for m in RMIX], [m[1] for m in RMIX])[0]
    created_at = when(recent=30) if state in RSTAGED or state == "draft" else when()
    submitted = approved = sent = received = decided = decision = None
    receipt_due = decision_due = returned = feedback_at = closed_at = None
    stage_started = stage_due = None
    t = created_at
    if state != "draft":
        submitted = t = t + rng.randrange(HOUR, DAY)
        if state == "pending_approval":
            stage_started, stage_due = t, t + 4 * DAY
        elif state != "withdrawn" or rng.random() < 0.5:
            approved = t = t + rng.randrange(HOUR, 3 * DAY)
            if state == "approved":
                stage_started, stage_due = t, t + DAY
            else:
                sent = t = t + rng.randrange(HOUR, DAY)
                receipt_due = sent + DAY
                if state == "sent":
                    stage_started, stage_due = t, receipt_due
                elif state != "withdrawn":
                    # About one in eight signed for late.
                    received = t = t + rng.randrange(HOUR, int(1.15 * DAY))
                    decision_due = received + 5 * DAY
                    if state == "received":
                        stage_started, stage_due = t, decision_due
                    elif state in ("returned", "disputed"):
                        returned = t = t + rng.randrange(HOUR, 3 * DAY)
                        if state == "returned":
                            stage_started, stage_due = t, t + 3 * DAY
                    else:
                        decided = t = t + rng.randrange(HOUR, int(5.5 * DAY))
                        decision = "not_accepted" if state == "not_accepted" else "accepted"
                        if state in ("feedback_given", "closed"):
                            feedback_at = t = t + rng.randrange(DAY, 30 * DAY)
                        if state == "closed":
                            closed_at = t = t + rng.randrange(HOUR, 10 * DAY)
    t = min(t, now - 60_000)
    space_region = common_region(a, b)
    title = f"涉嫌违法案件移送（{i}）"
    add("spaces", SPACE_COLS, (sid, "referral", title, space_region, user_of[a["id"]], created_at,
                               kind == "clue"))
    add("referrals", REFERRAL_COLS,
        (sid, kind, a["id"], b["id"], title, f"执法〔2026〕{i}号",
         "经查，当事人涉嫌违法，依法移送。", "《行政执法机关移送涉嫌犯罪案件的规定》", state, 3,
         stage_started, stage_due, submitted, user_of[a["id"]] if approved else None, approved,
         sent, user_of[b["id"]] if received else None, "经办人" if received else None, received,
         decided, decision, receipt_due, decision_due, returned,
         "不属于本单位管辖。" if state in ("returned", "disputed", "not_accepted") else None,
         "已立案查处。" if feedback_at else None, feedback_at, closed_at, user_of[a["id"]],
         created_at, t))
    if stage_due is not None and stage_due < now and rng.random() < 0.5:
        add("jobs", JOB_COLS, (new_id(), "referral_escalate", f"referral:{sid}", "{}",
                               stage_due + HOUR, "done", 1, 5, stage_started, stage_due + HOUR))

# --- Loading -------------------------------------------------------------------------------
ORDER = ["regions", "organizations", "users", "sessions", "tasks", "task_history", "notices",
         "notice_receipts", "spaces", "space_docs", "disputes", "dispute_parties", "referrals",
         "jobs"]
counts = {t: len(tables[t][1]) for t in ORDER}
print(f"generated {counts}", file=sys.stderr)
started = time.time()
if engine == "sqlite":
    import sqlite3

    db = sqlite3.connect(target, isolation_level=None)
    db.execute("pragma journal_mode = wal")
    db.execute("pragma synchronous = off")
    db.execute("pragma cache_size = -2000000")
    db.execute("begin")
    for t in ORDER:
        cols, rows = tables[t]
        db.executemany(f"insert into {t} ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                       rows)
    db.execute("commit")
    db.execute("pragma wal_checkpoint(truncate)")
    # No ANALYZE: the server never runs it, so its planner works without statistics.
    db.close()
else:
    def field(v):
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        return '"' + v.replace('"', '""') + '"'

    with tempfile.TemporaryDirectory() as tmp:
        script = ["begin;"]
        for t in ORDER:
            cols, rows = tables[t]
            path = os.path.join(tmp, f"{t}.csv")
            with open(path, "w") as f:
                # Unquoted empty fields are NULL in PostgreSQL's CSV, quoted ones text.
                for row in rows:
                    f.write(",".join(field(v) for v in row))
                    f.write("\n")
            script.append(f"\\copy {t} ({', '.join(cols)}) from '{path}' with (format csv)")
        script.append("commit;")
        # What autovacuum does soon after a bulk load anyway (statistics, the visibility map
        # that index-only scans need), done now so the first measurements do not race it.
        script.append("vacuum analyze;")
        sql = "\n".join(script)
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", target], input=sql, text=True,
                       check=True)
print(f"loaded {engine} in {time.time() - started:.1f} s", file=sys.stderr)
for line in cookies:
    print(line)
