"""Understudy for pytest: the mock vendors' server and a per-test namespace fixture.

The plugin (`pytest_understudy.plugin`) loads by itself once the package is installed; the
classes below also work outside pytest:

    with Server.start() as server, server.namespace() as ns:
        requests.get(ns.url("vambe") + "/api/v1/contacts", headers=ns.headers("vambe"))
"""

from ._server import (
    NAMESPACE_HEADER,
    Namespace,
    Server,
    UnderstudyError,
    find_binary,
    format_journal,
    rfc3339,
)

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("pytest-understudy")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "NAMESPACE_HEADER",
    "Namespace",
    "Server",
    "UnderstudyError",
    "find_binary",
    "format_journal",
    "rfc3339",
    "__version__",
]
