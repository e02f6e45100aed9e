#!/usr/bin/env python3
"""Conformance: schemathesis against every OpenAPI document in openapi/, on the release build
serving the embedded default seed. Exits non-zero on any failure.

The vendors' documents are tested on one server. The admin API's (openapi/admin.yaml, as the
server serves it at /__admin/openapi.yaml) is tested on servers of its own, one started with
--admin-token and one without, since it resets data, replaces the seed, freezes clocks and adds
fault rules: nothing it does may reach the vendors' run. Its exceptions and their reasons are in
.ci/schemathesis-admin.toml and .ci/admin_hooks.py.

Run locally with `python3 .ci/conformance.py` (it installs schemathesis into a virtual
environment under target/ on first use). Environment:
  UNDERSTUDY_BIN            the server binary (default target/release/understudy, built if absent)
  CONFORMANCE_EXAMPLES      max generated cases per operation and phase (default 100)
  CONFORMANCE_SEED          schemathesis seed (default 1, so runs are reproducible)
  CONFORMANCE_ONLY          comma-separated slugs to test, `admin` for the admin API (default: all)
"""

import collections
import json
import os
import pathlib
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMATHESIS = "schemathesis==4.32.5"
VENV = ROOT / "target" / "conformance-venv"
EXAMPLES = os.environ.get("CONFORMANCE_EXAMPLES", "100")
SEED = os.environ.get("CONFORMANCE_SEED", "1")


def log(message):
    print(message, flush=True)


def ensure_schemathesis():
    st = VENV / "bin" / "st"
    if st.exists():
        version = subprocess.run([str(st), "--version"], capture_output=True, text=True).stdout
        if SCHEMATHESIS.split("==")[1] in version:
            return st
    log(f"== installing {SCHEMATHESIS} into {VENV}")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", SCHEMATHESIS], check=True)
    return st


def server_binary():
    binary = pathlib.Path(os.environ.get("UNDERSTUDY_BIN", ROOT / "target" / "release" / "understudy"))
    if "UNDERSTUDY_BIN" not in os.environ:
        log("== cargo build --release")
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    return binary


def start_server(binary, *args):
    """Starts the server on a free port; returns (process, base URL, {slug: [header, ...]})."""
    process = subprocess.Popen(
        [str(binary), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    first = process.stdout.readline().strip()
    match = re.match(r"Understudy listening on (http://\S+)$", first)
    if not match:
        process.kill()
        raise SystemExit(f"unexpected banner: {first!r}")
    base = match.group(1)
    credentials = {}
    slug = None
    # The banner lists each vendor's URL, then one line per tenant: its headers, `; `-separated,
    # and maybe a note after `  #`.
    for line in process.stdout:
        line = line.rstrip("\n")
        vendor = re.match(r"  \S.*? (http://\S+)/(\w+)$", line)
        if vendor and vendor.group(2) != "health":
            slug = vendor.group(2)
            credentials[slug] = []
        elif line.startswith("      ") and slug:
            credentials[slug].append(line.strip())
        if "/__admin/health" in line:
            break
    deadline = time.time() + 10
    while True:
        try:
            with urllib.request.urlopen(f"{base}/__admin/health", timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if time.time() > deadline:
                raise SystemExit("the server never became healthy")
            time.sleep(0.05)
    return process, base, credentials


def cases_per_operation(ndjson_path):
    """{operation: {mode: count}} from schemathesis' event stream. Stateful steps count for the
    operation they call."""
    counts = collections.defaultdict(collections.Counter)
    operations = set()
    with open(ndjson_path) as events:
        for line in events:
            finished = json.loads(line).get("ScenarioFinished")
            recorder = (finished or {}).get("recorder") or {}
            label = recorder.get("label")
            stateful = label == "Stateful tests"
            if label and not stateful:
                operations.add(label)
            for case in (recorder.get("cases") or {}).values():
                # A case with a parent is a re-send for a check, unless it is a stateful step.
                if case.get("parent_id") and not case.get("is_transition_applied"):
                    continue
                value = case["value"]
                operation = f'{value["method"]} {value["path"]}' if stateful else label
                counts[operation][value["meta"]["generation"]["mode"]] += 1
    return {operation: counts[operation] for operation in operations}


def run_schemathesis(st, name, document, url, headers, run_options=(), config=None, env=None):
    """One schemathesis run of `document` (a path, or a function of the report folder giving
    one) against `url`; True if it passed."""
    report_dir = ROOT / "target" / "conformance" / name
    shutil.rmtree(report_dir, ignore_errors=True)
    report_dir.mkdir(parents=True)
    if callable(document):
        document = document(report_dir)
    command = [
        str(st), *(["--config-file", str(config)] if config else []), "run", str(document),
        "--url", url,
        "--mode", "all",
        "--max-examples", EXAMPLES,
        "--seed", SEED,
        "--no-color",
        "--report", "ndjson",
        "--report-ndjson-path", str(report_dir / "events.ndjson"),
    ]
    command += run_options
    for header in headers:
        command += ["--header", header]
    log(f"\n== schemathesis: {name}")
    started = time.time()
    result = subprocess.run(command, cwd=report_dir, env={**os.environ, **(env or {})})
    counts = cases_per_operation(report_dir / "events.ndjson")
    log(f"-- generated cases per operation ({name}; {time.time() - started:.0f} s)")
    for operation in sorted(counts):
        modes = counts[operation]
        detail = ", ".join(f"{mode} {n}" for mode, n in sorted(modes.items()))
        log(f"   {operation:<55} {sum(modes.values()):>5}  ({detail})")
    return result.returncode == 0


def run_vendor(st, base, slug, headers):
    return run_schemathesis(
        st, slug, ROOT / "openapi" / f"{slug}.yaml", f"{base}/{slug}", headers, ["--checks", "all"]
    )


def run_admin(st, binary, token):
    """The admin API's document, as served, on a server of its own (with or without a token)."""
    name = "admin-token" if token else "admin-open"
    process, base, _ = start_server(binary, *(["--admin-token", token] if token else []))
    headers = [f"Authorization: Bearer {token}"] if token else []

    def served_document(report_dir):
        request = urllib.request.Request(f"{base}/__admin/openapi.yaml")
        for header in headers:
            request.add_header(*header.split(": ", 1))
        path = report_dir / "admin.yaml"
        with urllib.request.urlopen(request, timeout=5) as answer:
            path.write_bytes(answer.read())
        return path

    try:
        return run_schemathesis(
            st, name, served_document, f"{base}/__admin", headers,
            # Every check, with the exceptions the file names and justifies (`--checks all` on
            # the command line would override them).
            config=ROOT / ".ci" / "schemathesis-admin.toml",
            # What the document cannot say, taught to the generator.
            env={"SCHEMATHESIS_HOOKS": str(ROOT / ".ci" / "admin_hooks.py")},
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


def main():
    st = ensure_schemathesis()
    binary = server_binary()
    only = [s for s in os.environ.get("CONFORMANCE_ONLY", "").split(",") if s]
    vendors = [
        spec.stem for spec in sorted((ROOT / "openapi").glob("*.yaml"))
        if spec.stem != "admin" and (not only or spec.stem in only)
    ]
    failed = []
    if vendors:
        process, base, credentials = start_server(binary)
        try:
            for slug in vendors:
                tenants = credentials.get(slug)
                if not tenants:
                    raise SystemExit(f"no credentials printed for {slug}")
                headers = tenants[0].split("  #")[0].split("; ")
                if not run_vendor(st, base, slug, headers):
                    failed.append(slug)
        finally:
            process.terminate()
            process.wait(timeout=10)
    if not only or "admin" in only:
        for token in [secrets.token_hex(16), None]:
            if not run_admin(st, binary, token):
                failed.append("admin (with a token)" if token else "admin (without a token)")
    if failed:
        raise SystemExit(f"conformance failed for: {', '.join(failed)}")
    log("\nconformance: every document agrees with the server")


if __name__ == "__main__":
    main()
