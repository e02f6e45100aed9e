"""The plugin as a user meets it: options, reports and server life cycle, each in its own
pytest run (pytester), against the installed binary."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from pytest_understudy import Server, find_binary

REPO = Path(__file__).resolve().parents[3]
SMALL_SEED = REPO / "seed-data" / "examples" / "small.json"
CLARA = "{'Authorization': 'Bearer sk_test_bistro_4f8a2c9e71d3', **understudy.header}"


def test_a_failing_test_shows_its_namespace_journal(pytester):
    pytester.makepyfile(
        f"""
        import requests

        def test_fails(understudy):
            url = understudy.url("agentclara") + "/contacts"
            created = requests.post(url, json={{"name": "Shown"}}, headers={CLARA})
            requests.get(url + "/cust_nope", headers={CLARA})
            assert created.status_code == 418

        def test_passes(understudy):
            requests.get(understudy.url("vambe") + "/api/public/contacts", headers=understudy.header)
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- understudy journal, namespace pytest-*test_fails-* (last 20, oldest first) -*",
            "201 POST * /agentclara/contacts  (*",
            "404 GET  * /agentclara/contacts/cust_nope  (*",
        ]
    )
    assert "/vambe/" not in result.stdout.str()


def test_the_journal_report_can_be_turned_off(pytester):
    pytester.makeini("[pytest]\nunderstudy_journal_lines = 0\n")
    pytester.makepyfile("def test_fails(understudy):\n    assert False\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    assert "understudy journal" not in result.stdout.str()


def test_seed_files_from_the_ini_are_relative_to_it(pytester, monkeypatch):
    (pytester.path / "seeds").mkdir()
    shutil.copy(SMALL_SEED, pytester.path / "seeds" / "small.json")
    pytester.makeini("[pytest]\nunderstudy_seed = seeds/small.json\n")
    pytester.makepyfile(
        """
        import requests

        def test_seeded(understudy):
            url = understudy.url("autokonnect") + "/api/v1/contacts"
            mine = {"Authorization": "Bearer ak_example_company", **understudy.header}
            found = requests.get(url, params={"search": "Jane"}, headers=mine)
            assert found.status_code == 200, found.text
            assert "jane@example.com" in found.text
            default = {"Authorization": "Bearer ak_live_northwind_4f9c2e7a", **understudy.header}
            assert requests.get(url, headers=default).status_code == 401
        """
    )
    monkeypatch.chdir(pytester.mkdir("elsewhere"))
    result = pytester.runpytest_subprocess(str(pytester.path))
    result.assert_outcomes(passed=1)


def test_seed_files_from_the_command_line(pytester):
    shutil.copy(SMALL_SEED, pytester.path / "small.json")
    pytester.makepyfile(
        """
        import requests

        def test_seeded(understudy):
            mine = {"Authorization": "Bearer ak_example_company", **understudy.header}
            assert requests.get(understudy.url("autokonnect") + "/api/v1/contacts", headers=mine).ok
        """
    )
    result = pytester.runpytest_subprocess("--understudy-seed", "small.json")
    result.assert_outcomes(passed=1)


def test_a_broken_seed_shows_the_servers_message(pytester):
    (pytester.path / "broken.json").write_text(json.dumps({"nosuchvendor": {}}))
    pytester.makepyfile("def test_a(understudy):\n    pass\n\ndef test_b(understudy):\n    pass\n")
    result = pytester.runpytest_subprocess("--understudy-seed", "broken.json")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*UnderstudyError: the server exited with status * before listening*", "*broken.json*"])


def test_another_binary_by_option_or_environment(pytester, monkeypatch):
    log = pytester.path / "calls.log"
    wrapper = pytester.path / "wrapped-understudy"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{find_binary()}" "$@"\n')
    wrapper.chmod(0o755)
    pytester.makepyfile("def test_a(understudy):\n    assert understudy.count() == 0\n")

    result = pytester.runpytest_subprocess("--understudy-bin", "./wrapped-understudy")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"understudy: {pytester.path}*wrapped-understudy (started on first use)"])
    assert log.read_text().split() == ["--host", "127.0.0.1", "--port", "0"]

    monkeypatch.setenv("UNDERSTUDY_BIN", str(wrapper))
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
    assert len(log.read_text().splitlines()) == 2

    result = pytester.runpytest_subprocess("--understudy-bin", str(pytester.path / "missing"))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*missing` is not an executable file*"])


def test_the_servers_own_environment_settings_are_not_passed_on(pytester, monkeypatch):
    monkeypatch.setenv("UNDERSTUDY_PORT", "1")
    monkeypatch.setenv("UNDERSTUDY_SEED", "/nonexistent.json")
    monkeypatch.setenv("UNDERSTUDY_DB", str(pytester.path / "shared.db"))
    pytester.makepyfile("def test_a(understudy):\n    assert understudy.count() == 0\n")
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
    assert not (pytester.path / "shared.db").exists()


def test_one_server_for_the_session_stopped_at_its_end(pytester):
    pytester.makepyfile(
        """
        import os

        def test_a(understudy, understudy_server):
            with open("servers.txt", "a") as out:
                out.write(f"{understudy_server.process.pid} {understudy_server.url}\\n")

        test_b = test_a

        def test_c():
            pass
        """
    )
    pytester.runpytest_subprocess().assert_outcomes(passed=3)
    servers = set((pytester.path / "servers.txt").read_text().splitlines())
    assert len(servers) == 1
    pid = int(servers.pop().split()[0])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_no_test_asks_for_it_so_no_server_starts(pytester, monkeypatch):
    # A binary that would fail the run if it were started.
    never = pytester.path / "never"
    never.write_text(f'#!/bin/sh\ntouch "{pytester.path}/started"\nexit 3\n')
    never.chmod(0o755)
    monkeypatch.setenv("UNDERSTUDY_BIN", str(never))
    pytester.makepyfile("def test_plain():\n    pass\n")
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
    assert not (pytester.path / "started").exists()


def test_one_server_per_xdist_worker(pytester):
    pytest.importorskip("xdist")
    pytester.makepyfile(
        """
        import os
        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_a(understudy, understudy_server, n):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            assert understudy.name.startswith(f"pytest-{worker}-test_a")
            with open(f"{worker}-{n}.txt", "w") as out:
                out.write(understudy_server.url)
        """
    )
    pytester.runpytest_subprocess("-n", "2").assert_outcomes(passed=6)
    urls = {}
    for path in pytester.path.glob("gw*-*.txt"):
        urls.setdefault(path.name.split("-")[0], set()).add(path.read_text())
    assert all(len(seen) == 1 for seen in urls.values())
    assert len({url for seen in urls.values() for url in seen}) == len(urls)


def test_a_running_server_by_url(pytester, monkeypatch):
    with Server.start() as server:
        monkeypatch.setenv("UNDERSTUDY_URL", server.url)
        pytester.makepyfile(
            f"""
            import os
            import requests

            def test_uses_it(understudy, understudy_server):
                assert understudy_server.process is None
                assert understudy.base_url == os.environ["UNDERSTUDY_URL"]
                url = understudy.url("agentclara") + "/contacts"
                assert requests.post(url, json={{"name": "Remote"}}, headers={CLARA}).status_code == 201
            """
        )
        result = pytester.runpytest_subprocess()
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines([f"understudy: the server at {server.url}"])
        assert server.admin("GET", "/requests/count", query={"vendor": "agentclara", "method": "POST"}) == {"count": 1}
        assert server.running
    assert not server.running


def test_an_admin_token(pytester):
    usage = subprocess.run([find_binary(), "--help"], capture_output=True, text=True).stdout
    if "--admin-token" not in usage:
        pytest.skip("this understudy binary has no --admin-token")
    pytester.makepyfile(
        f"""
        import requests

        def test_admin_calls_carry_the_token(understudy, understudy_server):
            understudy.fault(vendor="agentclara", effect=503)
            assert requests.get(understudy.url("agentclara") + "/contacts", headers={CLARA}).status_code == 503
            assert understudy.count(status=503) == 1
            bare = requests.get(understudy_server.url + "/__admin/requests")
            assert bare.status_code == 401
            assert requests.get(understudy_server.url + "/__admin/health").status_code == 200
        """
    )
    pytester.runpytest_subprocess("--understudy-admin-token", "s3cret").assert_outcomes(passed=1)


def test_the_server_outside_pytest():
    with Server.start() as server, server.namespace("by-hand") as namespace:
        response = requests.get(
            namespace.url("agentclara") + "/contacts",
            headers={"Authorization": "Bearer sk_test_bistro_4f8a2c9e71d3", **namespace.header},
        )
        assert response.status_code == 200
        assert namespace.count() == 1
        assert server.port > 0
    assert not server.running
    assert any("listening on" in line for line in server.output)
