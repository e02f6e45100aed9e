"""The `understudy` fixture's handle against the real server, with the default seed's
credentials written out (so only the tests in test_tenants.py need GET /__admin/tenants)."""

import datetime
import os

import pytest
import requests

from pytest_understudy import NAMESPACE_HEADER, UnderstudyError

CLARA = {"Authorization": "Bearer sk_test_bistro_4f8a2c9e71d3"}
THOUGHTLY = {"x-api-token": "c8e1f0b2a94d47e6b3d5a1f07c2e9b48", "team_id": "65f1c0a2e4b0d93a7c1e5f21"}


def clara(understudy):
    return {**CLARA, **understudy.header}


def create(understudy, name, headers=None):
    response = requests.post(
        f"{understudy.url('agentclara')}/contacts", json={"name": name}, headers=headers or clara(understudy)
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_url_and_header(understudy, understudy_server):
    assert understudy.url("thoughtly") == f"{understudy_server.url}/thoughtly"
    assert understudy.url("/vambe/") == f"{understudy_server.url}/vambe"
    assert understudy_server.url.startswith("http://127.0.0.1:")
    assert understudy.header == {NAMESPACE_HEADER: understudy.name}
    assert "test_url_and_header" in understudy.name
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        assert worker in understudy.name


def test_writes_stay_in_the_namespace(understudy, understudy_server):
    contact = create(understudy, "Only Here")
    url = f"{understudy.url('agentclara')}/contacts/{contact['id']}"
    assert requests.get(url, headers=clara(understudy)).status_code == 200
    with understudy_server.namespace() as other:
        assert requests.get(url, headers={**CLARA, **other.header}).status_code == 404
    assert requests.get(url, headers=CLARA).status_code == 404


def test_journal_filters(understudy):
    create(understudy, "Journaled")
    base = understudy.url("thoughtly")
    assert requests.get(f"{base}/contact", params={"limit": 2}, headers={**THOUGHTLY, **understudy.header}).ok
    assert requests.get(f"{base}/contact", headers=understudy.header).status_code == 401

    every = understudy.requests()
    assert [(e["vendor"], e["method"], e["status"]) for e in every] == [
        ("thoughtly", "GET", 401),
        ("thoughtly", "GET", 200),
        ("agentclara", "POST", 201),
    ]
    assert all(e["namespace"] == understudy.name for e in every)
    assert understudy.count() == 3
    assert understudy.count(vendor="thoughtly") == 2
    assert understudy.count(vendor="thoughtly", status=401) == 1
    assert understudy.count(method="post") == 1
    assert understudy.count(path="/cont*") == 3
    assert [e["status"] for e in understudy.requests(limit=1)] == [401]
    assert understudy.last_request(vendor="agentclara")["body"] == '{"name": "Journaled"}'
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    assert understudy.count(since=past) == 3


def test_an_unknown_filter_is_an_error(understudy):
    with pytest.raises(TypeError, match="verb"):
        understudy.count(verb="GET")
    with pytest.raises(TypeError, match="namespace"):
        understudy.requests(namespace="default")


def test_a_fault_is_limited_to_the_namespace(understudy, understudy_server):
    first = understudy.fault(vendor="thoughtly", effect=500, times=1)
    second = understudy.fault(vendor="thoughtly", method="GET", effect={"type": "rate_limit", "retry_after": 7})
    assert second != first
    assert [rule["id"] for rule in understudy.faults()] == [first, second]
    url = f"{understudy.url('thoughtly')}/contact"
    headers = {**THOUGHTLY, **understudy.header}
    assert requests.get(url, headers=headers).status_code == 500
    limited = requests.get(url, headers=headers)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    with understudy_server.namespace() as other:
        assert requests.get(url, headers={**THOUGHTLY, **other.header}).status_code == 200
    understudy.remove_fault(second)
    understudy.remove_fault(second)  # already gone: fine
    assert requests.get(url, headers=headers).status_code == 200


def test_an_invalid_fault_names_the_field(understudy):
    with pytest.raises(UnderstudyError, match="effect.status") as raised:
        understudy.fault(vendor="agentclara", effect={"type": "status", "status": 42})
    assert raised.value.status == 400


def test_reset_puts_the_namespace_back_to_the_seed(understudy):
    understudy.reset()  # never used yet: nothing to do
    contact = create(understudy, "Reset Me")
    understudy.reset()
    url = f"{understudy.url('agentclara')}/contacts/{contact['id']}"
    assert requests.get(url, headers=clara(understudy)).status_code == 404


def namespace_names(server):
    return [listed["name"] for listed in server.admin("GET", "/namespaces")["namespaces"]]


def test_close_drops_the_namespace_and_its_faults(understudy_server):
    namespace = understudy_server.namespace()
    create(namespace, "Dropped")
    namespace.fault(vendor="vambe", effect=503)
    assert namespace.name in namespace_names(understudy_server)
    namespace.close()
    assert namespace.name not in namespace_names(understudy_server)
    assert [r for r in understudy_server.admin("GET", "/faults")["faults"] if r.get("namespace") == namespace.name] == []
    namespace.close()  # twice: fine


def test_namespace_names_are_checked(understudy_server):
    with pytest.raises(ValueError):
        understudy_server.namespace("has space")
    with pytest.raises(ValueError):
        understudy_server.namespace("x" * 129)


def test_a_datetime_freezes_too(understudy):
    understudy.freeze(datetime.datetime(2026, 1, 15, 12, 0, 0))
    assert create(understudy, "Naive Is UTC")["created_at"] == "2026-01-15T12:00:00Z"
    understudy.unfreeze()
    assert create(understudy, "Real Time")["created_at"] != "2026-01-15T12:00:00Z"


# Waits for per-namespace clocks: today PUT /__admin/clock ignores `namespace` and freezes all.
def test_a_frozen_clock_is_the_namespaces_own(understudy, understudy_server):
    understudy.freeze("2026-01-15T12:00:00Z")
    assert understudy.clock()["frozen"] is True
    with understudy_server.namespace() as other:
        assert other.clock()["frozen"] is False, "freezing one namespace froze another"
        assert create(other, "Elsewhere")["created_at"] != "2026-01-15T12:00:00Z"
    assert create(understudy, "Here")["created_at"] == "2026-01-15T12:00:00Z"
