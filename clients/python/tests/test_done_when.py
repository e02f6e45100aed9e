import requests

NAME = "Ada Understudy"


def test_create_a_contact_and_count_it(understudy):
    url = understudy.url("agentclara")
    created = requests.post(f"{url}/contacts", json={"name": NAME}, headers=understudy.headers("agentclara"))
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True
    assert body["data"]["name"] == NAME
    assert understudy.count(vendor="agentclara", method="POST") == 1


def test_the_next_test_sees_the_seed_and_an_empty_journal(understudy):
    assert understudy.requests() == []
    url = understudy.url("agentclara")
    listed = requests.get(f"{url}/contacts", params={"search": NAME}, headers=understudy.headers("agentclara"))
    assert listed.status_code == 200
    assert listed.json()["data"] == []
    assert understudy.count() == 1


def test_a_fault_hits_this_test_only(understudy):
    understudy.fault(vendor="agentclara", method="GET", path="/contacts", effect={"type": "status", "status": 503})
    url = understudy.url("agentclara")
    headers = understudy.headers("agentclara")
    failed = requests.get(f"{url}/contacts", headers=headers)
    assert failed.status_code == 503
    assert failed.json()["success"] is False
    outside = {name: value for name, value in headers.items() if name != "X-Understudy-Namespace"}
    assert requests.get(f"{url}/contacts", headers=outside).status_code == 200
    assert understudy.count(status=503) == 1


def test_the_next_test_does_not_see_the_fault(understudy):
    url = understudy.url("agentclara")
    assert requests.get(f"{url}/contacts", headers=understudy.headers("agentclara")).status_code == 200


def test_a_frozen_clock_dates_a_create(understudy):
    understudy.freeze("2026-01-15T12:00:00Z")
    url = understudy.url("agentclara")
    created = requests.post(f"{url}/contacts", json={"name": NAME}, headers=understudy.headers("agentclara"))
    assert created.status_code == 201
    assert created.json()["data"]["created_at"] == "2026-01-15T12:00:00Z"
