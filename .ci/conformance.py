#!/usr/bin/env python3
"""Conformance: schemathesis against every OpenAPI document in openapi/, on the release build
serving the embedded default seed. Exits non-zero on any failure.

Run locally with `python3 .ci/conformance.py` (it installs schemathesis into a virtual
environment under target/ on first use). Environment:
  UNDERSTUDY_BIN            the server binary (default target/release/understudy, built if absent)
  CONFORMANCE_EXAMPLES      max generated cases per operation and phase (default 100)
  CONFORMANCE_SEED          schemathesis seed (default 1, so runs are reproducible)
  CONFORMANCE_ONLY          comma-separated slugs to test (default: all)
"""

import collections
import json
import os
import pathlib
import re
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


def start_server(binary):
    """Starts the server on a free port; returns (process, base URL, {slug: [header, ...]})."""
    process = subprocess.Popen(
        [str(binary), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
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


def run_vendor(st, base, slug, headers):
    report_dir = ROOT / "target" / "conformance" / slug
    shutil.rmtree(report_dir, ignore_errors=True)
    report_dir.mkdir(parents=True)
    command = [
        str(st), "run", str(ROOT / "openapi" / f"{slug}.yaml"),
        "--url", f"{base}/{slug}",
        "--checks", "all",
        "--mode", "all",
        "--max-examples", EXAMPLES,
        "--seed", SEED,
        "--no-color",
        "--report", "ndjson",
        "--report-ndjson-path", str(report_dir / "events.ndjson"),
    ]
    for header in headers:
        command += ["--header", header]
    log(f"\n== schemathesis: {slug}")
    result = subprocess.run(command, cwd=report_dir)
    counts = cases_per_operation(report_dir / "events.ndjson")
    log(f"-- generated cases per operation ({slug})")
    for operation in sorted(counts):
        modes = counts[operation]
        detail = ", ".join(f"{mode} {n}" for mode, n in sorted(modes.items()))
        log(f"   {operation:<55} {sum(modes.values()):>5}  ({detail})")
    return result.returncode == 0


def main():
    st = ensure_schemathesis()
    process, base, credentials = start_server(server_binary())
    only = [s for s in os.environ.get("CONFORMANCE_ONLY", "").split(",") if s]
    failed = []
    try:
        for spec in sorted((ROOT / "openapi").glob("*.yaml")):
            slug = spec.stem
            if only and slug not in only:
                continue
            tenants = credentials.get(slug)
            if not tenants:
                raise SystemExit(f"no credentials printed for {slug}")
            headers = tenants[0].split("  #")[0].split("; ")
            if not run_vendor(st, base, slug, headers):
                failed.append(slug)
    finally:
        process.terminate()
        process.wait(timeout=10)
    if failed:
        raise SystemExit(f"conformance failed for: {', '.join(failed)}")
    log("\nconformance: every document agrees with the server")


if __name__ == "__main__":
    main()
