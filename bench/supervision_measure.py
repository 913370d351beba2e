#!/usr/bin/env python3
"""Measures issue #21's routes over HTTP against a running `concord serve`, as the city
bureaus whose cookies supervision_seed.py printed: one request at a time over one keep-alive
connection, each route `REQUESTS` times after 10 unrecorded, a random city bureau each time,
its own city region, the last 365 days (the whole seeded year). Times are client-side, from
sending the request to having read the whole body.

usage: supervision_measure.py BASE_URL COOKIES_FILE ENGINE
Prints one JSON line per route: p50, p99, max (ms), mean response size.
"""

import datetime
import http.client
import json
import os
import random
import sys
import time
import urllib.parse

base, cookies_file, engine = sys.argv[1], sys.argv[2], sys.argv[3]
REQUESTS = int(os.environ.get("REQUESTS", "300"))
WARM_UP = 10
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port)
bureaus = [line.split() for line in open(cookies_file) if line.strip()]
cities = [(code, secret) for level, code, secret in bureaus if level == "city"]
province = [(code, secret) for level, code, secret in bureaus if level == "province"]

# The last 365 days in Beijing (UTC+8).
today = (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()
period = f"from={today - datetime.timedelta(days=364)}&to={today}"


def get(path, secret):
    conn.request("GET", path, headers={"cookie": f"concord_session={secret}"})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"{path}: {r.status} {body[:300]!r}")
    return body


def quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def measure(name, path_of, who, n=REQUESTS):
    rng = random.Random(name)
    times, size = [], 0
    for i in range(WARM_UP + n):
        code, secret = rng.choice(who)
        path = path_of(code)
        t = time.perf_counter()
        body = get(path, secret)
        took = (time.perf_counter() - t) * 1000
        if i >= WARM_UP:
            times.append(took)
            size += len(body)
    line = {"engine": engine, "route": name, "requests": n,
            "p50_ms": round(quantile(times, 0.5), 2), "p99_ms": round(quantile(times, 0.99), 2),
            "max_ms": round(max(times), 2), "mean_kib": round(size / n / 1024, 1)}
    print(json.dumps(line), flush=True)
    return body


# What one city's desk and figures hold, for the record.
desk = json.loads(get(f"/api/supervision/desk?region={cities[0][0]}", cities[0][1]))
fig = json.loads(get(f"/api/figures?region={cities[0][0]}&{period}", cities[0][1]))
print(json.dumps({"engine": engine, "city": cities[0][0], "desk_counts": desk.get("counts"),
                  "desk_truncated": desk.get("truncated"), "figure_bodies": len(fig["bodies"]),
                  "tasks_assigned": sum(b["tasks_assigned"] for b in fig["bodies"]),
                  "notices_to_acknowledge": sum(b["notices_to_acknowledge"] for b in fig["bodies"]),
                  "disputes_raised": sum(b["disputes_raised"] for b in fig["bodies"]),
                  "referrals_sent": sum(b["referrals_sent"] for b in fig["bodies"])}),
      flush=True)

measure("desk", lambda c: f"/api/supervision/desk?region={c}", cities)
# The lines behind each city's largest count on its desk (one body's lines of one kind, the
# first page of 50), when the desk counts per body.
KINDS = {"task": "tasks", "notice": "notices", "referral": "referrals", "dispute": "disputes",
         "supervision": "supervisions", "annual_report": "annual_reports"}
if all("counts" in b for b in desk["bodies"]):
    largest = {}
    for code, secret in cities:
        d = json.loads(get(f"/api/supervision/desk?region={code}", secret))
        n_, org, kind = max((b["counts"][f], b["org_id"], k) for b in d["bodies"]
                            for k, f in KINDS.items())
        largest[code] = (kind, org)
    measure("desk lines", lambda c: (f"/api/supervision/desk/lines?region={c}"
                                     f"&kind={largest[c][0]}&org={largest[c][1]}"), cities)
measure("figures", lambda c: f"/api/figures?region={c}&{period}", cities)
measure("figures.csv", lambda c: f"/api/figures.csv?region={c}&{period}", cities)
measure("figures.xlsx", lambda c: f"/api/figures.xlsx?region={c}&{period}", cities)
measure("disputes/stats", lambda c: f"/api/disputes/stats?region={c}&{period}", cities)
measure("referrals/stats", lambda c: f"/api/referrals/stats?region={c}&{period}", cities)
# The provincial bureau's whole province (not a target: the issue names a city region).
n = max(20, REQUESTS // 10)
measure("province desk", lambda c: f"/api/supervision/desk?region={c}", province, n)
measure("province figures.xlsx", lambda c: f"/api/figures.xlsx?region={c}&{period}", province, n)
