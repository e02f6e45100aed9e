#!/usr/bin/env python3
"""Understudy's benchmark: throughput against the ceiling of its own HTTP stack.

Run through `bench/run`, which installs wrk and builds the release binaries first. Absolute
numbers on shared machines say little, so each scenario is also measured on
`examples/ceiling.rs`, a bare axum server answering the byte-identical body, and the table
reports Understudy's share of that ceiling.

Steps: start-up time and idle memory with the default seed; "1M start" (the default seed's ten
tenants with BENCH_COLD_CONTACTS generated contacts each, clock frozen: ready time and RSS) and,
on that server, the "cold" table (every documented query, 15 distinct requests each that the
answer cache has never seen, one at a time: worst and median); namespace creation time; the
bounds (memory after many namespaces, namespace creation under concurrent creators, memory after
many namespaces that each write once, memory after requests with 40 KB query strings), each on a
fresh server with the default seed; a large seed (one tenant per vendor with BENCH_CONTACTS
generated contacts) from which each scenario's query values are chosen by asking the server;
wrk on every scenario at each connection count, Understudy then the ceiling; memory after the
load; "write then read": a cached AutoKonnect read right after each AgentClara
create; AgentClara creates on a `--db` file, with each acknowledged create looked up in the file
after the server is killed.

BENCH_SCENARIOS also names the steps besides the table, so one can run alone: `starts`,
`namespaces` (creation under creators, memory of many readers and of many writers),
`long-queries`, `write-then-read`, `creates`; the table's scenarios run when one of them is named
(or nothing is).

Environment (all optional):
  BENCH_SMOKE=1            CI's pass: tiny seed, 1 s runs side by side, no warm-up (also --smoke)
  BENCH_DURATION=10        seconds per Understudy run (and for the creates)
  BENCH_CEILING_DURATION=3 seconds per ceiling run: a fixed buffer settles fast
  BENCH_WARMUP=1           seconds of unmeasured load before each run
  BENCH_CONTACTS=100000    generated contacts in the large seed's tenant of each vendor
  BENCH_CONNS=1,32         connection counts
  BENCH_SCENARIOS=a,b      only scenarios (and steps) whose name contains one of these
  BENCH_NAMESPACES=50      fresh namespaces timed
  BENCH_MANY_NAMESPACES=1000  namespaces made, one AgentClara request each, for their memory
  BENCH_CREATORS=16        concurrent namespace creators ...
  BENCH_CREATIONS=20       ... each making this many fresh namespaces
  BENCH_LONG_QUERIES=2000  requests with 40 KB query strings, for the memory they leave
  BENCH_WRITE_READS=50     AgentClara creates, each followed by a cached AutoKonnect read
  BENCH_PIN=0              let the scheduler place one-connection runs (see `measure`)
  BENCH_COLD_CONTACTS=100000  generated contacts per tenant of the default seed's ten for the
                           cold table and the start-up measure (100,000: one million contacts)
  BENCH_COLD=0             skip the cold table and the one-million start
  BENCH_KEEP=1             keep the temporary directory (seeds, bodies, wrk scripts, logs)

Only the standard library is used, so a fresh machine needs nothing but python3 and wrk.
"""

import http.client
import json
import os
import platform
import re
import select
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNDERSTUDY = os.path.join(ROOT, "target", "release", "understudy")
CEILING = os.path.join(ROOT, "target", "release", "examples", "ceiling")
DEFAULT_SEED = os.path.join(ROOT, "seed-data", "default.json")


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


SMOKE = os.environ.get("BENCH_SMOKE", "") not in ("", "0") or "--smoke" in sys.argv[1:]
DURATION = env_int("BENCH_DURATION", 1 if SMOKE else 10)
CEILING_DURATION = env_int("BENCH_CEILING_DURATION", 1 if SMOKE else 3)
WARMUP = env_int("BENCH_WARMUP", 0 if SMOKE else 1)
CONTACTS = env_int("BENCH_CONTACTS", 2_000 if SMOKE else 100_000)
CONNS = [int(c) for c in os.environ.get("BENCH_CONNS", "1,32").split(",") if c.strip()]
NAMESPACES = env_int("BENCH_NAMESPACES", 5 if SMOKE else 50)
MANY_NAMESPACES = env_int("BENCH_MANY_NAMESPACES", 20 if SMOKE else 1000)
CREATORS = env_int("BENCH_CREATORS", 4 if SMOKE else 16)
CREATIONS = env_int("BENCH_CREATIONS", 3 if SMOKE else 20)
LONG_QUERIES = env_int("BENCH_LONG_QUERIES", 20 if SMOKE else 2000)
WRITE_READS = env_int("BENCH_WRITE_READS", 5 if SMOKE else 50)
LONG_QUERY_BYTES = 40 * 1024
COLD = os.environ.get("BENCH_COLD", "1") not in ("", "0")
COLD_CONTACTS = env_int("BENCH_COLD_CONTACTS", 200 if SMOKE else 100_000)
COLD_NOW = "2026-01-15T12:00:00Z"
COLD_REQUESTS = 15
# Search terms of every length the cold table asks each search with: single characters (common
# and rare), pairs (common, rare, across a word), longer pieces (names, emails, phones).
COLD_SEARCH_TERMS = ["a", "e", "z", "7", "q", "an", "zz", "ri", "55", "@g",
                     "son", "mar", "gmail", ".com", "john"]
SCENARIO_FILTER = [s for s in os.environ.get("BENCH_SCENARIOS", "").split(",") if s.strip()]


def wanted(name):
    """Whether BENCH_SCENARIOS asks for the step or scenario `name` (all when it is unset)."""
    return not SCENARIO_FILTER or any(w in name for w in SCENARIO_FILTER)


KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")
PIN = os.environ.get("BENCH_PIN", "1") not in ("", "0")
ALL_CPUS = os.sched_getaffinity(0)
# A slow scenario must show up as latency, not as wrk's timeout errors.
WRK_TIMEOUT = "30s"
# The default seed starts in well under a second, so several starts give a stable median.
DEFAULT_STARTS = 3 if SMOKE else 5
START_TIMEOUT_S = 600


class Broken(Exception):
    """Something that is not a timing went wrong: the run must fail."""


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Processes


class Server:
    """A server started with `--port 0`: its address is the URL on the first stdout line."""

    def __init__(self, name, argv, workdir):
        self.name = name
        self.log_path = os.path.join(workdir, f"{name}.stderr.log")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("UNDERSTUDY_") and k != "RUST_LOG"}
        with open(self.log_path, "wb") as stderr:
            self.started = time.perf_counter()
            self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr,
                                         stdin=subprocess.DEVNULL, env=env, bufsize=0)
        first = self._first_line(START_TIMEOUT_S)
        match = re.search(r"http://([^\s/]+)", first)
        if not match:
            self.stop()
            raise Broken(f"{name}: no address on the first line: {first!r}")
        self.host, port = match.group(1).rsplit(":", 1)
        self.port = int(port)
        self.base = f"http://{self.host}:{self.port}"
        # The rest of the banner is drained so the server can never block on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _first_line(self, timeout):
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        data = b""
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise Broken(f"{self.name}: no banner within {timeout} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    self.proc.wait()
                    raise Broken(f"{self.name}: exited with {self.proc.returncode} before "
                                 f"listening:\n{self.stderr_tail()}")
                data += chunk
        return data.split(b"\n", 1)[0].decode("utf-8", "replace")

    def _drain(self):
        try:
            while self.proc.stdout.read(65536):
                pass
        except (OSError, ValueError):
            pass

    def stderr_tail(self, lines=20):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def wait_healthy(self):
        """Seconds from exec to the first 200 on /__admin/health."""
        while True:
            try:
                status, _ = self.request("GET", "/__admin/health")
                if status == 200:
                    return time.perf_counter() - self.started
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise Broken(f"{self.name}: exited with {self.proc.returncode}:\n"
                             f"{self.stderr_tail()}")
            time.sleep(0.001)

    def wait_searchable(self, timeout=120):
        """Seconds from exec until /__admin/health says the search indexes are built (they are
        built after the server is ready; searches answer the same before, checking every
        record)."""
        deadline = time.perf_counter() + timeout
        while True:
            status, body = self.request("GET", "/__admin/health")
            if status == 200 and json.loads(body).get("search") == "ready":
                return time.perf_counter() - self.started
            if time.perf_counter() > deadline:
                raise Broken(f"{self.name}: search indexes not built in {timeout} s: {body!r}")
            time.sleep(0.005)

    def request(self, method, path, headers=None, body=None, timeout=120):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def memory(self):
        """(peak RSS, current RSS) in MiB, from /proc."""
        values = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    values[key] = int(rest.split()[0]) / 1024
        return values["VmHWM"], values["VmRSS"]

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def understudy(name, workdir, *args):
    return Server(name, [UNDERSTUDY, "--port", "0", *args], workdir)


# ---------------------------------------------------------------------------------------------
# Seeds


def write_large_seed(path, contacts):
    """The default seed's first tenant of each vendor, with `contacts` generated contacts each.

    Tenants keep their credentials (and AutoKonnect's tags, Vambe's pipelines and stages) so the
    scenarios know them. Returns {slug: tenant}.
    """
    with open(DEFAULT_SEED) as f:
        default = json.load(f)
    seed = {"generate": {"seed": 42, "contacts_per_tenant": 0}}
    tenants = {}
    for slug, section in default.items():
        if not isinstance(section, dict) or slug == "generate":
            continue  # `generate` and the editor's `$schema` are no vendor's
        (key, listed), = section.items()
        tenant = dict(listed[0], generate=contacts)
        seed[slug] = {key: [tenant]}
        tenants[slug] = tenant
    with open(path, "w") as f:
        json.dump(seed, f)
    listed_contacts = sum(len(t.get("contacts", [])) for t in tenants.values())
    return tenants, contacts * len(tenants) + listed_contacts


def auth_headers(tenants):
    return {
        "autokonnect": {"Authorization": f"Bearer {tenants['autokonnect']['api_key']}"},
        "tailortalk": {"Authorization": f"Agent {tenants['tailortalk']['token']}"},
        "thoughtly": {"x-api-token": tenants["thoughtly"]["api_token"],
                      "team_id": tenants["thoughtly"]["team_id"]},
        "vambe": {"x-api-key": tenants["vambe"]["api_key"]},
        "agentclara": {"Authorization": f"Bearer {tenants['agentclara']['api_key']}"},
    }


# ---------------------------------------------------------------------------------------------
# Scenarios: each builder asks the server for the values it needs and returns the request.


class Scenario:
    def __init__(self, name, method, path, headers, body=None, note=""):
        self.name, self.method, self.path = name, method, path
        self.headers, self.body, self.note = dict(headers), body, note
        if body is not None:
            self.headers["Content-Type"] = "application/json"
        self.response = b""


def get_json(server, path, headers, method="GET", body=None):
    status, data = server.request(method, path, headers, body)
    if status != 200:
        raise Broken(f"{method} {path}: {status} {data[:300]!r}")
    return json.loads(data)


def choose_search_term(server, headers, total):
    """A name fragment that AutoKonnect's search matches in about 1% of the contacts.

    Candidates are 3- and 4-letter pieces of last names, counted with the vendor's rule (ASCII
    case-insensitive substring of names, email, phones, tag names) on a sample page; the best
    few are then counted by the server itself.
    """
    sample = get_json(server, "/autokonnect/api/v1/contacts?limit=5000", headers)["data"]
    haystacks = []
    for c in sample:
        fields = [c.get(k) or "" for k in
                  ("first_name", "last_name", "email", "phone_number", "phone_number_lid")]
        fields += [t["name"] for t in c.get("tags", [])]
        haystacks.append("\x1f".join(fields).lower())
    candidates = set()
    for c in sample[:200]:
        last = (c.get("last_name") or "").lower()
        for size in (3, 4):
            for i in range(len(last) - size + 1):
                piece = last[i:i + size]
                if piece.isascii() and piece.isalpha():
                    candidates.add(piece)
    scored = sorted((abs(sum(p in h for h in haystacks) / len(haystacks) - 0.01), p)
                    for p in candidates)
    best = None
    for _, piece in scored[:3]:
        found = get_json(server, f"/autokonnect/api/v1/contacts?limit=1&search={piece}",
                         headers)["totalRecords"]
        if best is None or abs(found / total - 0.01) < abs(best[1] / total - 0.01):
            best = (piece, found)
    return best


def tailortalk_midway_cursor(server, headers):
    """The `start_after` a client holds halfway through walking every page (500 at a time)."""
    cursors = []
    body = {"limit": 500}
    while True:
        page = get_json(server, "/tailortalk/api/v1/get_contacts", headers, "POST",
                        json.dumps(body).encode())
        contacts = page["contacts"] if "contacts" in page else page["data"]["contacts"]
        if contacts:
            cursors.append(contacts[-1]["created_at"])
        if len(contacts) < 500:
            break
        body = {"start_after": contacts[-1]["created_at"], "limit": 500}
    if len(cursors) < 2:
        raise Broken("tailortalk: too few contacts for a mid-way cursor")
    return cursors[len(cursors) // 2 - 1], len(cursors)


TABLE_SCENARIOS = ("autokonnect-page1", "autokonnect-last-page", "autokonnect-search",
                   "autokonnect-tags", "tailortalk-first-page", "tailortalk-mid-cursor",
                   "thoughtly-tags-sort", "vambe-updated-after", "vambe-days-30",
                   "agentclara-list", "agentclara-search", "agentclara-get")


def build_scenarios(server, tenants):
    auth = auth_headers(tenants)
    ak, tt, th, vb, ac = (auth[s] for s in
                          ("autokonnect", "tailortalk", "thoughtly", "vambe", "agentclara"))
    memo = {}

    def ak_first():
        if "ak" not in memo:
            memo["ak"] = get_json(server, "/autokonnect/api/v1/contacts", ak)
        return memo["ak"]

    def term():
        if "term" not in memo:
            total = ak_first()["totalRecords"]
            piece, found = choose_search_term(server, ak, total)
            memo["term"] = (piece, found, total)
        return memo["term"]

    def ak_search():
        piece, found, total = term()
        return Scenario("autokonnect-search", "GET",
                        f"/autokonnect/api/v1/contacts?search={piece}", ak,
                        note=f"search={piece}: {found} of {total} ({found / total:.1%})")

    def ak_last():
        pages = ak_first()["totalPages"]
        return Scenario("autokonnect-last-page", "GET",
                        f"/autokonnect/api/v1/contacts?page={pages}", ak,
                        note=f"page={pages} of limit 10")

    def tt_mid():
        cursor, pages = tailortalk_midway_cursor(server, tt)
        body = json.dumps({"start_after": cursor, "limit": 50}).encode()
        return Scenario("tailortalk-mid-cursor", "POST", "/tailortalk/api/v1/get_contacts", tt,
                        body, note=f"start_after={cursor} (page {pages // 2} of {pages} × 500)")

    def ac_search():
        piece = term()[0]
        return Scenario("agentclara-search", "GET", f"/agentclara/contacts/search?q={piece}", ac,
                        note=f"q={piece}")

    def ac_get():
        listed = get_json(server, "/agentclara/contacts?offset=500&limit=1", ac)["data"]
        if not listed:
            listed = get_json(server, "/agentclara/contacts?limit=1", ac)["data"]
        return Scenario("agentclara-get", "GET", f"/agentclara/contacts/{listed[0]['id']}", ac)

    th_query = ("tags=lead&tags=vip&excluded_tags=do-not-call&sort=name&sortDirection=asc"
                "&page=0&limit=20")
    builders = [
        ("autokonnect-page1",
         lambda: Scenario("autokonnect-page1", "GET", "/autokonnect/api/v1/contacts", ak)),
        ("autokonnect-last-page", ak_last),
        ("autokonnect-search", ak_search),
        ("autokonnect-tags",
         lambda: Scenario("autokonnect-tags", "GET", "/autokonnect/api/v1/contacts/tags", ak)),
        ("tailortalk-first-page",
         lambda: Scenario("tailortalk-first-page", "POST", "/tailortalk/api/v1/get_contacts", tt,
                          b'{"limit":50}')),
        ("tailortalk-mid-cursor", tt_mid),
        ("thoughtly-tags-sort",
         lambda: Scenario("thoughtly-tags-sort", "GET", f"/thoughtly/contact?{th_query}", th,
                          note="tags=lead,vip excluded_tags=do-not-call sort=name asc")),
        ("vambe-updated-after",
         lambda: Scenario("vambe-updated-after", "GET",
                          "/vambe/api/public/contacts?updated_after=1970-01-01T00:00:00.000Z"
                          "&limit=100", vb, note="a sync's first page of 100")),
        ("vambe-days-30",
         lambda: Scenario("vambe-days-30", "GET", "/vambe/api/public/contacts?days=30", vb)),
        ("agentclara-list",
         lambda: Scenario("agentclara-list", "GET", "/agentclara/contacts", ac)),
        ("agentclara-search", ac_search),
        ("agentclara-get", ac_get),
    ]
    scenarios = []
    for name, build in builders:
        if not wanted(name):
            continue
        scenario = build()
        status, data = server.request(scenario.method, scenario.path, scenario.headers,
                                      scenario.body)
        if status != 200:
            raise Broken(f"{name}: {scenario.method} {scenario.path} answered {status}: "
                         f"{data[:300]!r}")
        scenario.response = data
        scenarios.append(scenario)
    return scenarios


# ---------------------------------------------------------------------------------------------
# wrk


def lua_string(text):
    """`text` as a Lua long string whose brackets cannot occur in it."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    # A long string drops a newline right after its opening bracket; none is ever added here.
    return f"[{eq}[{text}]{eq}]"


WRK_DONE = r'''
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
'''


def wrk_script(path, method, headers, body):
    lines = [f"wrk.method = {lua_string(method)}"]
    if body is not None:
        lines.append(f"wrk.body = {lua_string(body.decode())}")
    for key, value in headers.items():
        lines.append(f"wrk.headers[ {lua_string(key)} ] = {lua_string(value)}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n" + WRK_DONE)


class WrkRun:
    def __init__(self, url, script, conns, seconds, cpus=None):
        threads = max(1, min(conns, 2))
        self.argv = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s",
                     f"--timeout={WRK_TIMEOUT}", "--latency", "-s", script, url]
        pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, preexec_fn=pin)

    def result(self):
        out, err = self.proc.communicate()
        for line in out.splitlines():
            if line.startswith("BENCH "):
                r = json.loads(line[6:])
                r["rps"] = r["requests"] / (r["duration_us"] / 1e6) if r["duration_us"] else 0.0
                r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"]
                return r
        raise Broken(f"wrk gave no summary ({' '.join(self.argv)}):\n{out}\n{err}")


def set_affinity(pid, cpus):
    """Moves every thread of `pid` (and so the threads they start later) onto `cpus`."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            os.sched_setaffinity(int(tid), cpus)
        except OSError:
            pass  # a thread that has just ended


def measure(server, url, script, conns, seconds, warmup):
    """One wrk run (after an unmeasured warm-up) against `server`.

    With one connection the rate is a ping-pong of wakeups, and on a virtual machine a wakeup
    across cores costs tens of microseconds more than one on the same core: left to the
    scheduler, the same server measures 10k or 100k requests a second depending on where its
    thread happens to run. So one-connection runs put wrk and the server on one core, for
    Understudy and the ceiling alike; the numbers then repeat and the ratio means something.
    """
    pinned = conns == 1 and PIN
    cpus = {min(ALL_CPUS)} if pinned else None
    if pinned:
        set_affinity(server.proc.pid, cpus)
    try:
        if warmup:
            WrkRun(url, script, conns, warmup, cpus).result()
        return WrkRun(url, script, conns, seconds, cpus).result()
    finally:
        if pinned:
            set_affinity(server.proc.pid, ALL_CPUS)


# ---------------------------------------------------------------------------------------------
# Formatting


def ms(us):
    if us >= 1_000_000:
        return f"{us / 1e6:.2f} s"
    if us >= 100_000:
        return f"{us / 1e3:.0f} ms"
    return f"{us / 1e3:.2f} ms"


def rate(value):
    return f"{value:,.0f}"


def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    numeric = [i > 0 for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(
            str(c).rjust(w) if numeric[i] else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if numeric[i] else "-" * (w + 2)
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), rule] + [line(r) for r in rows])


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    wrk_version = (wrk.stdout or wrk.stderr).split("[")[0].strip()
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    return (f"{os.cpu_count()} × {model}, {platform.system()} {platform.release()}; "
            f"{wrk_version}; commit {commit}")


# ---------------------------------------------------------------------------------------------
# Measurements besides the table


def default_seed_starts(workdir):
    """Exec-to-ready times with the embedded seed; idle memory and namespace timing on the last."""
    times = []
    for i in range(DEFAULT_STARTS):
        server = understudy(f"default-{i}", workdir)
        try:
            times.append(server.wait_healthy())
            if i < DEFAULT_STARTS - 1:
                continue
            memory = server.memory()
            namespaces = namespace_creation(server)
        finally:
            server.stop()
    return times, memory, namespaces


def namespace_creation(server):
    """Mean time of a first request in a fresh namespace, and of the same request in the
    default namespace, each on an open connection, alternated so both see the same machine."""
    headers = {"Authorization": "Bearer sk_test_bistro_4f8a2c9e71d3"}
    path = "/agentclara/contacts"
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)

    def timed(extra):
        started = time.perf_counter()
        conn.request("GET", path, headers={**headers, **extra})
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise Broken(f"namespace timing: {path} answered {response.status}")
        return elapsed

    timed({})  # the default namespace's connection and statements are warm from here on
    fresh, default = [], []
    for i in range(NAMESPACES):
        fresh.append(timed({"X-Understudy-Namespace": f"bench-ns-{i}"}))
        default.append(timed({}))
    conn.close()
    return fresh, default


AGENTCLARA = {"Authorization": "Bearer sk_test_bistro_4f8a2c9e71d3"}


def percentile(values, p):
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


def namespace_creators(server, prefix, write=False):
    """Latencies of the first request in a fresh namespace, CREATORS clients at once, each
    making CREATIONS namespaces one after another on a connection of its own. The request is
    GET /agentclara/contacts, or with `write` POST /agentclara/contacts (which copies what
    the namespace writes to)."""
    method, body, expected = ("POST", b'{"name":"Bench"}', 201) if write else ("GET", None, 200)
    extra = {"Content-Type": "application/json"} if write else {}
    latencies, failures = [], []
    lock = threading.Lock()
    start = threading.Barrier(CREATORS)

    def creator(n):
        conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
        try:
            start.wait()
            for i in range(CREATIONS):
                headers = {**AGENTCLARA, **extra,
                           "X-Understudy-Namespace": f"{prefix}-{n}-{i}"}
                started = time.perf_counter()
                conn.request(method, "/agentclara/contacts", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status != expected:
                        failures.append(response.status)
        except OSError as error:
            with lock:
                failures.append(str(error))
        finally:
            conn.close()

    threads = [threading.Thread(target=creator, args=(n,)) for n in range(CREATORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise Broken(f"namespace creators: {len(failures)} failed, e.g. {failures[:3]}")
    return percentile(latencies, 50), percentile(latencies, 99)


def many_namespaces(server):
    """Current RSS (MiB) before and after MANY_NAMESPACES namespaces, one request each."""
    before = server.memory()[1]
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    try:
        for i in range(MANY_NAMESPACES):
            conn.request("GET", "/agentclara/contacts",
                         headers={**AGENTCLARA, "X-Understudy-Namespace": f"many-{i}"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise Broken(f"many namespaces: namespace {i} answered {response.status}")
    finally:
        conn.close()
    return before, server.memory()[1]


def long_queries(server):
    """Current RSS (MiB) before and after LONG_QUERIES AgentClara lists, each with a different
    query string of LONG_QUERY_BYTES, and the statuses they got."""
    before = server.memory()[1]
    statuses = {}
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    try:
        for i in range(LONG_QUERIES):
            head = f"/agentclara/contacts?search={i}-"
            path = head + "x" * (LONG_QUERY_BYTES - len(head))
            conn.request("GET", path, headers=AGENTCLARA)
            response = conn.getresponse()
            response.read()
            statuses[response.status] = statuses.get(response.status, 0) + 1
    finally:
        conn.close()
    return before, server.memory()[1], statuses


def many_writers(server):
    """Current RSS (MiB) before and after MANY_NAMESPACES namespaces, one AgentClara create
    each (the first write copies what the namespace writes to), and the latencies of those
    first writes."""
    before = server.memory()[1]
    latencies = []
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    try:
        for i in range(MANY_NAMESPACES):
            started = time.perf_counter()
            conn.request("POST", "/agentclara/contacts", body=b'{"name":"Bench"}',
                         headers={**AGENTCLARA, "Content-Type": "application/json",
                                  "X-Understudy-Namespace": f"writer-{i}"})
            response = conn.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            if response.status != 201:
                raise Broken(f"many writers: namespace {i} answered {response.status}")
    finally:
        conn.close()
    return before, server.memory()[1], percentile(latencies, 50), percentile(latencies, 99)


def hardening(workdir):
    """The bounds' measures (namespaces, long queries), each on a fresh server with the default seed."""
    results = {}
    if wanted("namespaces"):
        server = understudy("creators-empty", workdir)
        try:
            server.wait_healthy()
            results["creators_empty"] = namespace_creators(server, "empty")
            results["creators_writing"] = namespace_creators(server, "writing", write=True)
        finally:
            server.stop()
        server = understudy("many-namespaces", workdir)
        try:
            server.wait_healthy()
            results["many_namespaces"] = many_namespaces(server)
            results["creators_full"] = namespace_creators(server, "full")
        finally:
            server.stop()
        server = understudy("many-writers", workdir)
        try:
            server.wait_healthy()
            results["many_writers"] = many_writers(server)
        finally:
            server.stop()
    if wanted("long-queries"):
        server = understudy("long-queries", workdir)
        try:
            server.wait_healthy()
            results["long_queries"] = long_queries(server)
        finally:
            server.stop()
    return results


def write_then_read(server, tenants):
    """"Write then read": AutoKonnect `search=zz`, cached, then WRITE_READS times an
    AgentClara create followed by that read. Returns the uncached read's seconds and the
    latencies of the reads right after a write."""
    auth = auth_headers(tenants)
    read_path = "/autokonnect/api/v1/contacts?search=zz"
    create = json.dumps({"name": "Write Then Read"}).encode()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)

    def timed(method, path, headers, body=None, expect=200):
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status != expect:
            raise Broken(f"write then read: {method} {path} answered {response.status}")
        return elapsed

    try:
        uncached = timed("GET", read_path, auth["autokonnect"])
        timed("GET", read_path, auth["autokonnect"])
        after_write = []
        for _ in range(WRITE_READS):
            timed("POST", "/agentclara/contacts",
                  {**auth["agentclara"], "Content-Type": "application/json"}, create, 201)
            after_write.append(timed("GET", read_path, auth["autokonnect"]))
    finally:
        conn.close()
    return uncached, after_write


def creates(workdir):
    """AgentClara creates per second at 32 connections on a `--db` file, then the durability
    check: after SIGKILL, every create that was answered 201 must be in the file."""
    db = os.path.join(workdir, "creates.sqlite")
    server = understudy("creates", workdir, "--db", db)
    try:
        server.wait_healthy()
        script = os.path.join(workdir, "create.lua")
        wrk_script(script, "POST", {"Authorization": "Bearer sk_test_bistro_4f8a2c9e71d3",
                                    "Content-Type": "application/json"}, b'{"name":"Bench"}')
        url = server.base + "/agentclara/contacts"
        runs = []
        if WARMUP:
            runs.append(WrkRun(url, script, 32, WARMUP).result())
        runs.append(WrkRun(url, script, 32, DURATION).result())
        if not server.alive():
            raise Broken(f"creates: the server died:\n{server.stderr_tail()}")
    finally:
        server.stop(signal.SIGKILL)
    measured = runs[-1]
    acknowledged = sum(r["requests"] - r["status"] for r in runs)
    try:
        with sqlite3.connect(db) as conn:
            stored = conn.execute(
                "SELECT count(*) FROM agentclara_contacts WHERE name = 'Bench'").fetchone()[0]
    except sqlite3.Error as error:
        stored = f"unreadable ({error})"
    return measured, acknowledged, stored


# ---------------------------------------------------------------------------------------------
# The cold table and the one-million start


def write_cold_seed(path):
    """The default seed with COLD_CONTACTS generated contacts for each of its tenants."""
    with open(DEFAULT_SEED) as f:
        seed = json.load(f)
    seed.setdefault("generate", {})["contacts_per_tenant"] = COLD_CONTACTS
    with open(path, "w") as f:
        json.dump(seed, f)
    sections = {slug: section for slug, section in seed.items()
                if isinstance(section, dict) and slug != "generate"}
    tenants = {}
    for slug, section in sections.items():
        (_, listed), = section.items()
        tenants[slug] = listed[0]
    return tenants, COLD_CONTACTS * sum(len(next(iter(section.values())))
                                        for section in sections.values())


def cold_requests(server, tenants):
    """{query: [(method, path, headers, body), …]}: COLD_REQUESTS distinct requests for every
    documented query, on each vendor's first tenant. Values come from the seed's generator
    (tags, custom fields) or from requests that are not measured themselves."""
    auth = auth_headers(tenants)
    ak, tt, th, vb, ac = (auth[s] for s in
                          ("autokonnect", "tailortalk", "thoughtly", "vambe", "agentclara"))
    n = COLD_REQUESTS
    quote = lambda text: urllib.parse.quote(text, safe="")
    th_tags = ["lead", "vip", "customer", "follow-up", "webinar", "newsletter", "do-not-call",
               "callback-requested"]
    ac_tags = ["vip", "frequent", "new", "lead", "wholesale", "newsletter", "churn-risk",
               "returning"]
    ac_ids = [c["id"] for c in get_json(server, "/agentclara/contacts?limit=100&sort=updated",
                                        ac)["data"]][:n]
    total_th = get_json(server, "/thoughtly/contact?limit=1", th)["data"]["total"]
    th_ids = [c["id"] for c in get_json(server, "/thoughtly/contact?limit=50&sort=name", th)
              ["data"]["contacts"]][:n]
    lead_statuses = ["", "cold", "warm", "hot", "converted"]
    ak_pages = get_json(server, "/autokonnect/api/v1/contacts?limit=1", ak)["totalPages"]
    sorts = ["name", "created_at", "updated_at", "email", "phone_number"]
    fields = [("status", "Active"), ("status", "Inactive"), ("status", "Lead"),
              ("segment", "SMB"), ("segment", "Enterprise"), ("segment", "Retail"),
              ("priority", "low"), ("priority", "medium"), ("priority", "high"),
              ("source", "Referral"), ("source", "Website"), ("source", "Google Ads"),
              ("source", "Instagram Ads"), ("status", "Nobody"), ("priority", "urgent")]
    entities = ["", "&entity_type=customer", "&entity_type=ticket"]
    day = 86_400
    now = time.mktime(time.strptime(COLD_NOW, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone

    def iso(seconds, millis=False):
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        return text + (".000Z" if millis else "+00:00")

    get = lambda path, headers: ("GET", path, headers, None)
    queries = {
        "tailortalk get_contacts (start_after)": [
            ("POST", "/tailortalk/api/v1/get_contacts", tt,
             json.dumps({"start_after": iso(now - (7 + 23 * i) * day), "limit": 50}).encode())
            for i in range(n)],
        "tailortalk get_leads (start_after, lead_status)": [
            ("POST", "/tailortalk/api/v1/get_leads", tt,
             json.dumps({"start_after": iso(now - (5 + 19 * i) * day), "limit": 50,
                         **({"lead_status": lead_statuses[i % 5]} if i % 5 else {})}).encode())
            for i in range(n)],
        "agentclara list (offset, sort)": [
            get(f"/agentclara/contacts?offset={i * 997}&limit=25&sort="
                f"{['created', 'updated', 'name'][i % 3]}", ac) for i in range(n)],
        "agentclara list tag=": [
            get(f"/agentclara/contacts?tag={ac_tags[i % 8]}&sort={['created', 'name'][i // 8]}"
                f"&offset={i * 25}", ac) for i in range(n)],
        "agentclara list search=": [
            get(f"/agentclara/contacts?search={quote(t)}", ac) for t in COLD_SEARCH_TERMS],
        "agentclara /contacts/search?q=": [
            get(f"/agentclara/contacts/search?q={quote(t)}&limit=20", ac)
            for t in COLD_SEARCH_TERMS],
        "agentclara get": [get(f"/agentclara/contacts/{i}", ac) for i in ac_ids],
        "thoughtly get": [get(f"/thoughtly/contact/{i}", th) for i in th_ids],
        "thoughtly pages": [
            get(f"/thoughtly/contact?page={i * max(1, total_th // 20 // n)}&limit=20", th)
            for i in range(n)],
        "thoughtly tags= sort=": [
            get(f"/thoughtly/contact?tags={th_tags[i % 8]}&sort={sorts[i % 5]}"
                f"&sortDirection={['asc', 'desc'][i % 2]}&limit=20", th) for i in range(n)],
        "thoughtly search=": [
            get(f"/thoughtly/contact?search={quote(t)}&limit=20", th) for t in COLD_SEARCH_TERMS],
        "thoughtly search= with tags= or excluded_tags=": [
            get(f"/thoughtly/contact?search={quote(t)}&{['tags', 'excluded_tags'][i % 2]}="
                f"{th_tags[i % 8]}&limit=20", th) for i, t in enumerate(COLD_SEARCH_TERMS)],
        "thoughtly search= phone_numbers_only": [
            get(f"/thoughtly/contact?search={quote(t)}&phone_numbers_only=true&limit=20", th)
            for t in COLD_SEARCH_TERMS],
        "thoughtly tags= excluded_tags=": [
            get(f"/thoughtly/contact?tags={th_tags[i % 8]}&excluded_tags={th_tags[(i + 3) % 8]}"
                f"&page={i // 8}&limit=20", th) for i in range(n)],
        "thoughtly excluded_tags= phone_numbers_only": [
            get(f"/thoughtly/contact?excluded_tags={th_tags[i % 8]}&phone_numbers_only=true"
                f"&page={i // 8}&limit=20", th) for i in range(n)],
        "autokonnect contacts pages": [
            get(f"/autokonnect/api/v1/contacts?page={1 + i * max(1, ak_pages // n)}", ak)
            for i in range(n)],
        "autokonnect contacts search=": [
            get(f"/autokonnect/api/v1/contacts?search={quote(t)}", ak) for t in COLD_SEARCH_TERMS],
        "autokonnect tags (search=)": [
            get(f"/autokonnect/api/v1/contacts/tags?search={quote(t)}", ak)
            for t in COLD_SEARCH_TERMS],
        # It takes no parameters: the first request is cold, the others are served cached.
        "vambe pipeline": [get(f"/vambe/api/public/pipeline?page={i}", vb) for i in range(n)],
        "vambe days=": [get(f"/vambe/api/public/contacts?days={1 + i * 26}", vb)
                        for i in range(n)],
        "vambe updated_after=": [
            get(f"/vambe/api/public/contacts?updated_after={iso(now - (3 + 31 * i) * day, True)}"
                "&limit=100", vb) for i in range(n)],
        "vambe custom_field_key/value per entity": [
            get(f"/vambe/api/public/contacts?days=365&custom_field_key={quote(k)}"
                f"&custom_field_value={quote(v)}{entities[i % 3]}", vb)
            for i, (k, v) in enumerate(fields)],
    }
    for name, requests in queries.items():
        keys = [(m, p, b) for m, p, _, b in requests]
        if len(set(keys)) != len(keys):
            raise Broken(f"cold: {name}: requests repeat")
    return queries


def cold_table(server, tenants):
    """Each cold request once, in turn, on one open connection: {query: [seconds, …]}."""
    queries = cold_requests(server, tenants)
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    timings = {}
    try:
        for name, requests in queries.items():
            timings[name] = []
            for method, path, headers, body in requests:
                if body is not None:
                    headers = {**headers, "Content-Type": "application/json"}
                started = time.perf_counter()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                timings[name].append(time.perf_counter() - started)
                if response.status != 200:
                    raise Broken(f"cold: {method} {path}: {response.status} {data[:200]!r}")
    finally:
        conn.close()
    return timings


def cold_start(workdir):
    """The one-million start and the cold table on it: (contacts, ready s, (peak, now) MiB at
    ready, timings, (peak, now) MiB after the table)."""
    seed_path = os.path.join(workdir, "cold-seed.json")
    tenants, contacts = write_cold_seed(seed_path)
    server = understudy("cold", workdir, "--seed", seed_path, "--now", COLD_NOW)
    try:
        ready = server.wait_healthy()
        at_ready = server.memory()
        searchable = server.wait_searchable()
        timings = cold_table(server, tenants)
        after = server.memory()
    finally:
        server.stop()
    return contacts, (ready, searchable), at_ready, timings, after


def print_cold(result):
    contacts, (ready, searchable), (peak, now), timings, (peak_after, now_after) = result
    rows = [[name, len(t), f"{max(t) * 1e3:.1f} ms", f"{statistics.median(t) * 1e3:.1f} ms"]
            for name, t in timings.items()]
    print(f"Cold: {contacts:,} contacts (the default seed's ten tenants), clock frozen; each "
          f"request distinct and asked once, one at a time (target: worst ≤ 20 ms)")
    print()
    print(table(rows, ["query", "requests", "worst", "median"]))
    print()
    print(f"- start with {contacts:,} contacts: ready (exec → first 200 on /__admin/health) in "
          f"{ready:.2f} s; RSS at ready: peak {peak:.0f} MiB, now {now:.0f} MiB (targets for "
          f"1,000,000: ready ≤ 10 s, RSS ≤ 1,536 MiB); search indexes built (in the background, "
          f"the table waits for them) at {searchable:.2f} s; after the cold table: peak "
          f"{peak_after:.0f} MiB, now {now_after:.0f} MiB")


# ---------------------------------------------------------------------------------------------


def main():
    for tool in (UNDERSTUDY, CEILING):
        if not os.access(tool, os.X_OK):
            raise Broken(f"{tool} is missing: run bench/run (it builds release first)")
    if shutil.which("wrk") is None:
        raise Broken("wrk is missing: run bench/run (it installs it)")
    workdir = tempfile.mkdtemp(prefix="understudy-bench-")
    # Other work on the machine skews every number; the load average before and after says so.
    load_before = os.getloadavg()[0]
    servers = []
    problems = []
    try:
        steps = ("starts", "namespaces", "long-queries", "write-then-read", "creates", "cold")
        if not any(wanted(name) for name in steps + TABLE_SCENARIOS):
            raise Broken(f"nothing matches BENCH_SCENARIOS={','.join(SCENARIO_FILTER)}: "
                         f"steps {', '.join(steps)}; scenarios {', '.join(TABLE_SCENARIOS)}")
        start_times = None
        if wanted("starts"):
            log(f"== default seed: {DEFAULT_STARTS} starts, idle memory, {NAMESPACES} namespaces")
            start_times, idle_default, (ns_fresh, ns_default) = default_seed_starts(workdir)

        if wanted("namespaces") or wanted("long-queries"):
            log(f"== bounds: {MANY_NAMESPACES} namespaces, {CREATORS} creators × {CREATIONS}, "
                f"{LONG_QUERIES} requests with {LONG_QUERY_BYTES // 1024} KB query strings")
        bounds = hardening(workdir)

        cold = None
        if COLD and wanted("cold"):
            log(f"== 1M start and cold table: default seed's tenants × {COLD_CONTACTS:,} contacts")
            cold = cold_start(workdir)

        table_wanted = any(wanted(name) for name in TABLE_SCENARIOS)
        runs, results, scenarios, write_read = [], {}, [], None
        if table_wanted or wanted("write-then-read"):
            seed_path = os.path.join(workdir, "large-seed.json")
            tenants, total_contacts = write_large_seed(seed_path, CONTACTS)
            log(f"== large seed: {total_contacts:,} contacts; starting Understudy")
            large = understudy("large", workdir, "--seed", seed_path)
            servers.append(large)
            large_ready = large.wait_healthy()
            large.wait_searchable()
            idle_large = large.memory()

        if table_wanted:
            log("== choosing query values and fetching each scenario's body")
            scenarios = build_scenarios(large, tenants)
            bodies = os.path.join(workdir, "bodies")
            os.makedirs(bodies)
            ceiling_args = []
            for s in scenarios:
                body_path = os.path.join(bodies, f"{s.name}.json")
                with open(body_path, "wb") as f:
                    f.write(s.response)
                ceiling_args += ["--body", f"/{s.name}={body_path}"]
                s.script = os.path.join(workdir, f"{s.name}.lua")
                wrk_script(s.script, s.method, s.headers, s.body)
                if s.note:
                    log(f"   {s.name}: {s.note}")
            ceiling = Server("ceiling", [CEILING, "--port", "0", *ceiling_args], workdir)
            servers.append(ceiling)

            runs = [(s, c) for s in scenarios for c in CONNS]
            if SMOKE:
                # Only that every path works is checked: all runs go at once to stay within
                # seconds.
                log(f"== smoke: {len(runs) * 2} wrk runs side by side for {DURATION} s")
                pending = [(s, c, WrkRun(large.base + s.path, s.script, c, DURATION),
                            WrkRun(f"{ceiling.base}/{s.name}", s.script, c, DURATION))
                           for s, c in runs]
                for s, c, ours, theirs in pending:
                    results[(s.name, c)] = (ours.result(), theirs.result())
            else:
                per_run = WARMUP * 2 + DURATION + CEILING_DURATION
                log(f"== load: {len(runs)} runs, about {len(runs) * per_run} s")
                for i, (s, c) in enumerate(runs, 1):
                    log(f"   [{i}/{len(runs)}] {s.name} at {c} connection(s)")
                    ours = measure(large, large.base + s.path, s.script, c, DURATION, WARMUP)
                    theirs = measure(ceiling, f"{ceiling.base}/{s.name}", s.script, c,
                                     CEILING_DURATION, WARMUP)
                    results[(s.name, c)] = (ours, theirs)
                    if not large.alive():
                        raise Broken(f"Understudy died during {s.name}:\n{large.stderr_tail()}")
            after_load = large.memory()

        if wanted("write-then-read"):
            log(f"== write then read: {WRITE_READS} AgentClara creates, each followed by a "
                "cached AutoKonnect read")
            write_read = write_then_read(large, tenants)
        for server in servers:
            server.stop()
        servers.clear()

        created = None
        if wanted("creates"):
            log(f"== AgentClara creates at 32 connections on a --db file for {DURATION} s")
            created, acknowledged, stored = creates(workdir)

        rows = []
        for s, c in runs:
            ours, theirs = results[(s.name, c)]
            for who, r in (("Understudy", ours), ("ceiling", theirs)):
                if r["errors"] or r["timeout"]:
                    problems.append(
                        f"{who} on {s.name} at {c}: {r['status']} non-2xx, {r['timeout']} "
                        f"timeouts, {r['connect']}/{r['read']}/{r['write']} connect/read/write "
                        "errors")
            errors = ours["errors"] + ours["timeout"]
            rows.append([s.name, f"{len(s.response):,}", c, rate(ours["rps"]), ms(ours["p50_us"]),
                         ms(ours["p99_us"]), rate(theirs["rps"]),
                         f"{ours['rps'] / theirs['rps']:.1%}" if theirs["rps"] else "n/a",
                         errors])
        header = ["scenario", "body B", "conns", "req/s", "p50", "p99", "ceiling req/s",
                  "ratio", "errors"]

        print()
        size = f"{total_contacts:,} contacts" if runs or write_read else "default seed only"
        print(f"Understudy benchmark{' (SMOKE: timings meaningless)' if SMOKE else ''}: "
              f"{size}; Understudy {DURATION} s, ceiling "
              f"{CEILING_DURATION} s per run after {WARMUP} s warm-up; wrk on the same machine"
              f"{', sharing one core with the server at 1 connection' if PIN and not SMOKE else ''}")
        if SCENARIO_FILTER:
            print(f"Only: {', '.join(SCENARIO_FILTER)} (BENCH_SCENARIOS)")
        print(f"Machine: {machine()}; load average {load_before:.2f} before, "
              f"{os.getloadavg()[0]:.2f} after")
        print()
        if rows:
            print(table(rows, header))
            print()
        for s in scenarios:
            if s.note:
                print(f"- {s.name}: {s.note}")
        if start_times:
            ns_diff = [f - d for f, d in zip(ns_fresh, ns_default)]
            print(f"- ready (exec → first 200 on /__admin/health), default seed: median "
                  f"{statistics.median(start_times) * 1e3:.0f} ms of {len(start_times)} starts "
                  f"(min {min(start_times) * 1e3:.0f}, max {max(start_times) * 1e3:.0f})")
            print(f"- RSS idle, default seed: peak {idle_default[0]:.1f} MiB, now "
                  f"{idle_default[1]:.1f} MiB")
            print(f"- namespace creation, default seed ({NAMESPACES} fresh namespaces, first "
                  f"request GET /agentclara/contacts): {statistics.mean(ns_fresh) * 1e3:.2f} ms "
                  f"vs {statistics.mean(ns_default) * 1e3:.2f} ms in the default namespace, "
                  f"difference mean {statistics.mean(ns_diff) * 1e3:.2f} ms, max "
                  f"{max(ns_diff) * 1e3:.2f} ms")
        if runs or write_read:
            print(f"- ready, large seed ({total_contacts:,} contacts): {large_ready:.2f} s")
            print(f"- RSS idle, large seed: peak {idle_large[0]:.0f} MiB, now "
                  f"{idle_large[1]:.0f} MiB")
        if runs:
            print(f"- RSS after the load, large seed: peak {after_load[0]:.0f} MiB, now "
                  f"{after_load[1]:.0f} MiB")
        if "many_namespaces" in bounds:
            before, after = bounds["many_namespaces"]
            print(f"- RSS after {MANY_NAMESPACES:,} namespaces, one GET /agentclara/contacts "
                  f"each (default seed): {before:.1f} → {after:.1f} MiB, growth "
                  f"{after - before:+.1f} MiB (target ≤ 512 MiB)")
            (empty_p50, empty_p99), (full_p50, full_p99) = (bounds["creators_empty"],
                                                            bounds["creators_full"])
            print(f"- namespace creation, {CREATORS} creators at once × {CREATIONS} fresh "
                  f"namespaces each (first request GET /agentclara/contacts): p50 "
                  f"{empty_p50 * 1e3:.2f} ms, p99 {empty_p99 * 1e3:.2f} ms on an empty server; "
                  f"p50 {full_p50 * 1e3:.2f} ms, p99 {full_p99 * 1e3:.2f} ms with "
                  f"{MANY_NAMESPACES:,} namespaces made (target p50 ≤ 5 ms)")
            writing_p50, writing_p99 = bounds["creators_writing"]
            print(f"- namespace creation by a write, {CREATORS} creators at once × {CREATIONS} "
                  f"fresh namespaces each (first request POST /agentclara/contacts): p50 "
                  f"{writing_p50 * 1e3:.2f} ms, p99 {writing_p99 * 1e3:.2f} ms")
            before, after, first_p50, first_p99 = bounds["many_writers"]
            print(f"- RSS after {MANY_NAMESPACES:,} namespaces, one POST /agentclara/contacts "
                  f"each (default seed): {before:.1f} → {after:.1f} MiB, growth "
                  f"{after - before:+.1f} MiB; that first write p50 {first_p50 * 1e3:.2f} ms, "
                  f"p99 {first_p99 * 1e3:.2f} ms")
        if "long_queries" in bounds:
            before, after, statuses = bounds["long_queries"]
            status_text = ", ".join(f"{n:,}× {code}" for code, n in sorted(statuses.items()))
            print(f"- RSS after {LONG_QUERIES:,} requests with {LONG_QUERY_BYTES // 1024} KB "
                  f"query strings (GET /agentclara/contacts?search=<different each time>; "
                  f"{status_text}): {before:.1f} → {after:.1f} MiB, growth "
                  f"{after - before:+.1f} MiB (target ≤ 200 MiB)")
        if write_read:
            uncached, after_write = write_read
            print(f"- write then read ({total_contacts:,} contacts): GET "
                  "/autokonnect/api/v1/contacts?search=zz right after POST /agentclara/contacts, "
                  f"{len(after_write)} times: median {statistics.median(after_write) * 1e3:.2f} "
                  f"ms, worst {max(after_write) * 1e3:.2f} ms (target ≤ 2 ms; uncached "
                  f"{uncached * 1e3:.1f} ms)")
        if created:
            stored_text = f"{stored:,}" if isinstance(stored, int) else stored
            print(f"- AgentClara creates, 32 connections, --db file: {rate(created['rps'])}/s, "
                  f"p50 {ms(created['p50_us'])}, p99 {ms(created['p99_us'])}, "
                  f"{created['status']} non-2xx; durable: {stored_text} of {acknowledged:,} "
                  "acknowledged creates found in the file after SIGKILL")
            if created["errors"] or created["timeout"]:
                problems.append(f"creates: {created['status']} non-2xx, {created['timeout']} "
                                "timeouts")
            if isinstance(stored, int) and stored < acknowledged:
                problems.append(f"creates: only {stored} of {acknowledged} acknowledged "
                                "creates are in the file")
        if cold is not None:
            print()
            print_cold(cold)
    finally:
        for server in servers:
            server.stop()
        if KEEP:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if problems:
        print()
        print("Problems:")
        for p in problems:
            print(f"- {p}")
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Broken as error:
        log(f"bench: {error}")
        sys.exit(1)
