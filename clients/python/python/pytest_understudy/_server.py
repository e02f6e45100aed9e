"""Start, stop and talk to an Understudy server; a `Namespace` is one test's isolated view of it.

Only the standard library is used: the admin API is plain JSON over HTTP on the loopback.
"""

from __future__ import annotations

import atexit
import collections
import datetime as _dt
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Deque, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

#: The header that selects a namespace on every vendor request.
NAMESPACE_HEADER = "X-Understudy-Namespace"

#: The journal filters the admin API understands (besides `namespace`, which a Namespace sets).
JOURNAL_FILTERS = ("vendor", "method", "path", "status", "since", "tenant")

_LISTENING = re.compile(r"Understudy listening on (http://\S+)")
# Admin calls go straight to the loopback, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_BINARY_NAME = "understudy.exe" if os.name == "nt" else "understudy"

Instant = Union[str, _dt.datetime]


class UnderstudyError(RuntimeError):
    """An admin call answered unexpectedly, or the server could not be started or reached.

    `status` and `body` hold the HTTP status and the decoded answer when there was one.
    """

    def __init__(self, message: str, status: Optional[int] = None, body: Any = None):
        super().__init__(message)
        self.status = status
        self.body = body


def find_binary(path: Optional[str] = None) -> str:
    """The server binary to run.

    `path` (or else the `UNDERSTUDY_BIN` environment variable) names it explicitly: a path, or a
    bare name looked up on PATH. Without either, the `understudy` installed beside this Python
    (the virtual environment's bin directory, where `pip install` put it), else the one on PATH.
    """
    explicit = path or os.environ.get("UNDERSTUDY_BIN")
    if explicit:
        if os.sep in explicit or (os.altsep and os.altsep in explicit):
            candidate = Path(explicit).expanduser()
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
            raise UnderstudyError(f"the understudy binary `{explicit}` is not an executable file")
        found = shutil.which(explicit)
        if found:
            return found
        raise UnderstudyError(f"the understudy binary `{explicit}` is not on PATH")
    beside = [Path(sys.executable).parent / _BINARY_NAME]
    scripts = sysconfig.get_path("scripts")
    if scripts:
        beside.append(Path(scripts) / _BINARY_NAME)
    for candidate in beside:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("understudy")
    if found:
        return found
    raise UnderstudyError(
        "no understudy binary found beside "
        f"{sys.executable} nor on PATH: install the package (pip install ./clients/python), "
        "or name one with --understudy-bin or UNDERSTUDY_BIN"
    )


def rfc3339(instant: Instant) -> str:
    """`instant` as RFC 3339: strings pass unchanged; a naive datetime is taken as UTC."""
    if isinstance(instant, _dt.datetime):
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=_dt.timezone.utc)
        text = instant.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(instant, str):
        return instant
    raise TypeError(f"expected an RFC 3339 string or a datetime, got {type(instant).__name__}")


def _namespace_name(label: str = "", prefix: str = "understudy") -> str:
    """A unique namespace name, `<prefix>-<xdist worker>-<label>-<random>`, within the server's
    limits (the label is cut and reduced to letters, digits, `.`, `_` and `-`)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-")[:80]
    parts = [prefix, worker, stem, uuid.uuid4().hex[:12]]
    return "-".join(part for part in parts if part)


class Server:
    """An Understudy server: one this process started (`Server.start`) or one already running
    (`Server.connect`). Usable as a context manager; `stop()` ends a started one."""

    def __init__(
        self,
        url: str,
        *,
        admin_token: Optional[str] = None,
        process: Optional["subprocess.Popen[str]"] = None,
        output: Optional[Deque[str]] = None,
    ):
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self.process = process
        self._output: Deque[str] = output if output is not None else collections.deque(maxlen=200)

    # -- life cycle ------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        binary: Optional[str] = None,
        *,
        seeds: Sequence[Union[str, "os.PathLike[str]"]] = (),
        admin_token: Optional[str] = None,
        args: Sequence[str] = (),
        timeout: float = 30.0,
    ) -> "Server":
        """Runs the binary (see `find_binary`) on 127.0.0.1 on a free port and waits until it is
        ready. `seeds` are seed files (`--seed`, in order); `args` are extra command-line flags.

        The server's own `UNDERSTUDY_*` settings in the environment are not passed on, so a
        developer's shell cannot change what the tests get (a fixed port, a database file)."""
        executable = find_binary(binary)
        command = [executable, "--host", "127.0.0.1", "--port", "0"]
        for seed in seeds:
            command += ["--seed", os.fspath(seed)]
        if admin_token:
            command += ["--admin-token", admin_token]
        command += list(args)
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("UNDERSTUDY_")}
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        except OSError as error:
            raise UnderstudyError(f"could not run {executable}: {error}") from error

        output: Deque[str] = collections.deque(maxlen=200)
        lines: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(
            target=_pump, args=(process.stdout, output, lines), daemon=True, name="understudy-out"
        ).start()
        threading.Thread(
            target=_pump, args=(process.stderr, output, None), daemon=True, name="understudy-err"
        ).start()

        def fail(reason: str) -> "UnderstudyError":
            if process.poll() is None:
                process.kill()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.05)  # let the readers catch the last lines
            tail = "\n".join(output) or "(no output)"
            return UnderstudyError(f"{reason}\ncommand: {' '.join(command)}\noutput:\n{tail}")

        deadline = time.monotonic() + timeout
        url = None
        while url is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise fail(f"the server printed no address within {timeout:g} s")
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise fail(f"the server exited with status {process.wait()} before listening")
            match = _LISTENING.search(line)
            if match:
                url = match.group(1)

        server = cls(url, admin_token=admin_token, process=process, output=output)
        atexit.register(server.stop)
        try:
            server.wait_until_ready(max(0.5, deadline - time.monotonic()))
        except UnderstudyError as error:
            raise fail(str(error)) from None
        return server

    @classmethod
    def connect(cls, url: str, *, admin_token: Optional[str] = None, timeout: float = 10.0) -> "Server":
        """A server that is already running at `url` (e.g. `http://127.0.0.1:4010`)."""
        server = cls(url, admin_token=admin_token)
        server.wait_until_ready(timeout)
        return server

    def wait_until_ready(self, timeout: float = 10.0) -> None:
        """Polls `GET /__admin/health` until it answers 200 `{"status":"ok"}`."""
        deadline = time.monotonic() + timeout
        last: object = None
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise UnderstudyError(f"the server exited with status {self.process.returncode}")
            try:
                if self.admin("GET", "/health").get("status") == "ok":
                    return
                last = "health did not say ok"
            except UnderstudyError as error:
                last = error
            if time.monotonic() >= deadline:
                raise UnderstudyError(f"{self.url} was not ready within {timeout:g} s: {last}")
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        """Ends a server that `start` ran (SIGTERM, then SIGKILL); nothing for a connected one."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def running(self) -> bool:
        return self.process is None or self.process.poll() is None

    @property
    def output(self) -> List[str]:
        """The last lines the started server printed (stdout and stderr)."""
        return list(self._output)

    @property
    def port(self) -> int:
        return urllib.parse.urlsplit(self.url).port or 80

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<understudy.Server {self.url}>"

    # -- admin API -------------------------------------------------------------------------

    def admin(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        expect: Iterable[int] = (200, 201),
        missing_ok: bool = False,
        timeout: float = 30.0,
    ) -> Any:
        """Calls `/__admin<path>` and returns the decoded JSON answer.

        Raises `UnderstudyError` for a status outside `expect`; with `missing_ok`, a 404 returns
        None instead."""
        url = f"{self.url}/__admin{path}"
        if query:
            pairs = [(k, _query_value(v)) for k, v in query.items() if v is not None]
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.admin_token:
            headers["Authorization"] = f"Bearer {self.admin_token}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise UnderstudyError(f"{method} {url}: {reason}") from error
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw.decode("utf-8", "replace")
        if status == 404 and missing_ok:
            return None
        if status not in tuple(expect):
            message = decoded.get("error") if isinstance(decoded, dict) else decoded
            hint = ""
            if status == 401:
                hint = " (the server wants an admin token: --understudy-admin-token)"
            raise UnderstudyError(f"{method} {url} answered {status}: {message}{hint}", status, decoded)
        return decoded

    def health(self) -> Dict[str, Any]:
        return self.admin("GET", "/health")

    def vendors(self) -> List[Dict[str, Any]]:
        """`GET /__admin/tenants`: each vendor's slug, name, base path and tenants' headers."""
        try:
            document = self.admin("GET", "/tenants")
        except UnderstudyError as error:
            if error.status in (404, 405):
                raise UnderstudyError(
                    f"{self.url} does not list tenants (GET /__admin/tenants answered "
                    f"{error.status}): this understudy binary predates the tenants endpoint",
                    error.status,
                    error.body,
                ) from None
            raise
        return list(document.get("vendors", []))

    def namespace(self, name: Optional[str] = None) -> "Namespace":
        """A handle on namespace `name` (a fresh unique name by default). The server makes the
        namespace on its first vendor request; `Namespace.close()` drops it."""
        return Namespace(self, name or _namespace_name())


class Namespace:
    """One isolated copy of the seeded data, with its own journal view, faults and clock.

    Every vendor request that carries `headers()` (or `header`) lands in this namespace."""

    def __init__(self, server: Server, name: str):
        if not 1 <= len(name) <= 128 or not all("!" <= c <= "~" for c in name):
            raise ValueError(f"namespace names are 1 to 128 visible ASCII characters: {name!r}")
        self.server = server
        self.name = name
        self._faults: List[int] = []
        self._frozen = False

    def __repr__(self) -> str:
        return f"<understudy.Namespace {self.name!r} on {self.server.url}>"

    def __enter__(self) -> "Namespace":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def header(self) -> Dict[str, str]:
        """Only the namespace header: `{"X-Understudy-Namespace": name}`."""
        return {NAMESPACE_HEADER: self.name}

    @property
    def base_url(self) -> str:
        """The server's root URL, e.g. `http://127.0.0.1:41234`."""
        return self.server.url

    def url(self, slug: str) -> str:
        """The vendor's base URL: `http://127.0.0.1:PORT/<slug>`."""
        return f"{self.server.url}/{slug.strip('/')}"

    def vendor(self, slug: str) -> Dict[str, Any]:
        """The vendor's entry of `GET /__admin/tenants` (slug, name, base_path, tenants)."""
        vendors = self.server.vendors()
        for vendor in vendors:
            if vendor.get("slug") == slug:
                return vendor
        known = ", ".join(v.get("slug", "?") for v in vendors)
        raise ValueError(f"no vendor `{slug}` (the server has: {known})")

    def headers(self, slug: str, tenant: int = 0) -> Dict[str, str]:
        """The credential headers of the vendor's tenant number `tenant` (in seed order), plus
        this namespace's header: ready to pass as a request's headers."""
        tenants = self.vendor(slug).get("tenants", [])
        if not isinstance(tenant, int) or not -len(tenants) <= tenant < len(tenants):
            raise IndexError(f"{slug} has {len(tenants)} tenant(s); there is no tenant {tenant!r}")
        headers = dict(tenants[tenant]["headers"])
        headers[NAMESPACE_HEADER] = self.name
        return headers

    # -- journal ---------------------------------------------------------------------------

    def requests(self, limit: Optional[int] = None, **filters: Any) -> List[Dict[str, Any]]:
        """This namespace's journal entries, newest first (the server's default limit is 100).
        Filters: vendor, method, path (glob on the vendor's own path), status, since, tenant."""
        query = self._journal_query(filters)
        if limit is not None:
            query["limit"] = limit
        return list(self.server.admin("GET", "/requests", query=query)["requests"])

    def count(self, **filters: Any) -> int:
        """How many of this namespace's journal entries match the filters (as `requests`)."""
        return int(self.server.admin("GET", "/requests/count", query=self._journal_query(filters))["count"])

    def last_request(self, **filters: Any) -> Optional[Dict[str, Any]]:
        """The newest matching journal entry, or None."""
        found = self.requests(limit=1, **filters)
        return found[0] if found else None

    def _journal_query(self, filters: Mapping[str, Any]) -> Dict[str, Any]:
        unknown = sorted(set(filters) - set(JOURNAL_FILTERS))
        if unknown:
            raise TypeError(
                f"unknown journal filter(s) {', '.join(unknown)}; use {', '.join(JOURNAL_FILTERS)}"
                + (" (the namespace is always this test's)" if "namespace" in unknown else "")
            )
        query = dict(filters)
        if "since" in query and isinstance(query["since"], _dt.datetime):
            query["since"] = rfc3339(query["since"])
        query["namespace"] = self.name
        return query

    # -- faults ----------------------------------------------------------------------------

    def fault(self, **rule: Any) -> int:
        """Adds a fault rule limited to this namespace and returns its id; it is removed by
        `close()` (at the end of the test). Fields: vendor, method, path, tenant, effect,
        probability, seed, times. `effect` may be a status code as a shorthand for
        `{"type": "status", "status": N}`."""
        if "namespace" in rule and rule["namespace"] != self.name:
            raise TypeError("a namespace's fault is always limited to that namespace")
        body = dict(rule, namespace=self.name)
        if isinstance(body.get("effect"), int):
            body["effect"] = {"type": "status", "status": body["effect"]}
        created = self.server.admin("POST", "/faults", body=body, expect=(200, 201))
        fault_id = int(created["id"])
        self._faults.append(fault_id)
        return fault_id

    def remove_fault(self, fault_id: int) -> None:
        """Removes one of this namespace's fault rules now (a rule already gone is fine)."""
        self.server.admin("DELETE", f"/faults/{int(fault_id)}", missing_ok=True)
        if fault_id in self._faults:
            self._faults.remove(fault_id)

    def faults(self) -> List[Dict[str, Any]]:
        """This namespace's rules, each with `fired` (how often it hit)."""
        every = self.server.admin("GET", "/faults").get("faults", [])
        return [rule for rule in every if rule.get("namespace") == self.name]

    # -- clock -----------------------------------------------------------------------------

    def freeze(self, instant: Instant) -> Dict[str, Any]:
        """Freezes this namespace's clock at `instant` (RFC 3339 string, or a datetime; naive
        means UTC): writes made in it carry that time. Undone by `unfreeze()` or `close()`."""
        answer = self.server.admin(
            "PUT", "/clock", query={"namespace": self.name}, body={"now": rfc3339(instant)}
        )
        self._frozen = True
        return answer

    def unfreeze(self) -> Dict[str, Any]:
        """This namespace's clock follows real time again."""
        answer = self.server.admin("DELETE", "/clock", query={"namespace": self.name}, missing_ok=True)
        self._frozen = False
        return answer or {}

    def clock(self) -> Dict[str, Any]:
        """`{"now": "...", "frozen": bool}` for this namespace."""
        return self.server.admin("GET", "/clock", query={"namespace": self.name})

    # -- data ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Puts this namespace's data back to the seed (nothing to do if it was never used)."""
        self.server.admin("POST", "/reset", query={"namespace": self.name}, missing_ok=True)

    def close(self) -> None:
        """Removes this namespace's faults, unfreezes its clock and drops it (its next use would
        start from the seed again). Called at the end of each test by the fixture."""
        errors: List[str] = []
        for fault_id in list(self._faults):
            try:
                self.remove_fault(fault_id)
            except UnderstudyError as error:
                errors.append(str(error))
        if self._frozen:
            try:
                self.unfreeze()
            except UnderstudyError as error:
                errors.append(str(error))
        try:
            self.server.admin("DELETE", f"/namespaces/{urllib.parse.quote(self.name, safe='')}", missing_ok=True)
        except UnderstudyError as error:
            errors.append(str(error))
        if errors:
            raise UnderstudyError("cleaning up namespace failed: " + "; ".join(errors))


def format_journal(entries: Sequence[Mapping[str, Any]]) -> str:
    """Journal entries (newest first, as the server lists them) as lines, oldest first."""
    lines = []
    for entry in reversed(list(entries)):
        target = entry.get("path", "")
        if entry.get("query"):
            target += "?" + str(entry["query"])
        duration = entry.get("duration_ms")
        took = f", {duration:.1f} ms" if isinstance(duration, (int, float)) else ""
        lines.append(
            f"{entry.get('status', '???')} {entry.get('method', '?'):<6} /{entry.get('vendor', '?')}{target}"
            f"  ({entry.get('time', '')}{took})"
        )
    return "\n".join(lines)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return rfc3339(value)
    return str(value)


def _pump(stream: Any, output: Deque[str], lines: "Optional[queue.Queue[Optional[str]]]") -> None:
    """Reads a child's stream to its end so the pipe never fills; keeps the last lines."""
    try:
        for line in stream:
            line = line.rstrip("\n")
            output.append(line)
            if lines is not None:
                lines.put(line)
    except (OSError, ValueError):
        pass
    finally:
        if lines is not None:
            lines.put(None)


__all__: Tuple[str, ...] = (
    "NAMESPACE_HEADER",
    "Namespace",
    "Server",
    "UnderstudyError",
    "find_binary",
    "format_journal",
    "rfc3339",
)
