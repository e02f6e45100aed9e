"""`headers()` reads GET /__admin/tenants: every vendor's tenants authenticate."""

import pytest
import requests

# A list request per vendor that answers 200 with valid credentials.
LIST = {
    "tailortalk": ("POST", "/api/v1/get_contacts"),
    "agentclara": ("GET", "/contacts"),
    "thoughtly": ("GET", "/contact"),
    "autokonnect": ("GET", "/api/v1/contacts"),
    "vambe": ("GET", "/api/public/contacts?days=7"),
}


@pytest.mark.parametrize("slug", sorted(LIST))
@pytest.mark.parametrize("tenant", [0, 1])
def test_each_tenants_headers_authenticate(understudy, slug, tenant):
    method, path = LIST[slug]
    headers = understudy.headers(slug, tenant)
    assert headers["X-Understudy-Namespace"] == understudy.name
    response = requests.request(method, understudy.url(slug) + path, headers=headers)
    assert response.status_code == 200, response.text
    assert understudy.last_request()["tenant"] is not None


def test_tenants_are_distinct(understudy):
    assert understudy.headers("agentclara", 0) != understudy.headers("agentclara", 1)
    assert understudy.vendor("agentclara")["base_path"] == "/agentclara"


def test_unknown_vendor_and_tenant(understudy):
    with pytest.raises(ValueError, match="agentclara"):
        understudy.headers("nosuchvendor")
    with pytest.raises(IndexError, match="tenant 99"):
        understudy.headers("agentclara", 99)
