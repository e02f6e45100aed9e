"""The pytest plugin (registered through the `pytest11` entry point): a session-wide Understudy
server, started on first use, and the function-scoped `understudy` fixture, a fresh namespace
for each test."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from ._server import Namespace, Server, UnderstudyError, _namespace_name, find_binary, format_journal

_NAMESPACE = pytest.StashKey[Namespace]()
_REPORTED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("understudy", "Understudy mock vendors")
    group.addoption(
        "--understudy-seed",
        action="append",
        default=None,
        metavar="FILE",
        help="seed file for the server (repeatable; replaces the ini's understudy_seed)",
    )
    group.addoption(
        "--understudy-bin",
        default=None,
        metavar="PATH",
        help="the understudy binary to run (env UNDERSTUDY_BIN; default: the installed one)",
    )
    group.addoption(
        "--understudy-url",
        default=None,
        metavar="URL",
        help="use the server already running at URL instead of starting one (env UNDERSTUDY_URL)",
    )
    group.addoption(
        "--understudy-admin-token",
        default=None,
        metavar="TOKEN",
        help="admin token: passed to a started server, sent on admin calls (env UNDERSTUDY_ADMIN_TOKEN)",
    )
    parser.addini("understudy_seed", "seed files for the server, one a line (relative to the ini file)", type="linelist", default=[])
    parser.addini("understudy_bin", "the understudy binary to run", default="")
    parser.addini("understudy_url", "use the server already running at this URL", default="")
    parser.addini("understudy_admin_token", "admin token of the server", default="")
    parser.addini("understudy_args", "extra command-line flags for a started server", type="args", default=[])
    parser.addini("understudy_startup_timeout", "seconds to wait for a started server (default 30)", default="30")
    parser.addini("understudy_journal_lines", "journal entries shown for a failing test (default 20; 0: none)", default="20")


def _setting(config: pytest.Config, name: str, env: Optional[str] = None) -> Optional[str]:
    """The command line wins over the environment, which wins over the ini file."""
    value = config.getoption(name)
    if value:
        return value
    if env and os.environ.get(env):
        return os.environ[env]
    return config.getini(name) or None


def _seeds(config: pytest.Config) -> List[str]:
    given = config.getoption("understudy_seed")
    if given:
        base = Path(config.invocation_params.dir)
        return [str(base / Path(seed).expanduser()) for seed in given]
    ini_dir = Path(config.inipath).parent if config.inipath else Path(config.rootpath)
    return [str(ini_dir / Path(seed).expanduser()) for seed in config.getini("understudy_seed")]


def _binary(config: pytest.Config) -> Optional[str]:
    given = config.getoption("understudy_bin")
    if given:
        return str(Path(config.invocation_params.dir) / Path(given).expanduser()) if os.sep in given else given
    if os.environ.get("UNDERSTUDY_BIN"):
        return os.environ["UNDERSTUDY_BIN"]
    ini = config.getini("understudy_bin")
    if ini and os.sep in ini and config.inipath:
        return str(Path(config.inipath).parent / Path(ini).expanduser())
    return ini or None


def pytest_report_header(config: pytest.Config) -> Optional[str]:
    url = _setting(config, "understudy_url", "UNDERSTUDY_URL")
    if url:
        return f"understudy: the server at {url}"
    try:
        return f"understudy: {find_binary(_binary(config))} (started on first use)"
    except UnderstudyError as error:
        return f"understudy: {error}"


@pytest.fixture(scope="session")
def understudy_server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """The session's Understudy server (one per pytest-xdist worker), started on first use on a
    free port and stopped at the end of the session; or the one named by --understudy-url."""
    config = request.config
    token = _setting(config, "understudy_admin_token", "UNDERSTUDY_ADMIN_TOKEN")
    url = _setting(config, "understudy_url", "UNDERSTUDY_URL")
    if url:
        yield Server.connect(url, admin_token=token)
        return
    server = Server.start(
        _binary(config),
        seeds=_seeds(config),
        admin_token=token,
        args=config.getini("understudy_args"),
        timeout=float(config.getini("understudy_startup_timeout")),
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def understudy(request: pytest.FixtureRequest, understudy_server: Server) -> Iterator[Namespace]:
    """A fresh namespace for this test: `url(slug)`, `headers(slug, tenant=0)`, `requests()`,
    `count()`, `fault()`, `freeze()`, `unfreeze()`, `reset()`. Its faults, clock and data are
    dropped at the end of the test."""
    namespace = understudy_server.namespace(_namespace_name(request.node.name, prefix="pytest"))
    request.node.stash[_NAMESPACE] = namespace
    yield namespace
    namespace.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed or item.stash.get(_REPORTED, False):
        return
    namespace = item.stash.get(_NAMESPACE, None)
    if namespace is None:
        return
    try:
        limit = int(item.config.getini("understudy_journal_lines"))
    except ValueError:
        limit = 20
    if limit <= 0:
        return
    item.stash[_REPORTED] = True
    try:
        text = format_journal(namespace.requests(limit=limit)) or "(no vendor requests in this namespace)"
    except Exception as error:  # the report must not fail over the journal
        text = f"(could not read the journal: {error})"
    report.sections.append((f"understudy journal, namespace {namespace.name} (last {limit}, oldest first)", text))
