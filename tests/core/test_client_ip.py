"""core.client_ip: which address is the client's, behind zero, one or more proxies."""

import pytest
from django.test import RequestFactory, override_settings

from core.client_ip import client_ip, trusted_networks


def request_from(remote_addr: str, forwarded_for: str | None = None):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **headers)


@override_settings(CME_TRUSTED_PROXY_COUNT=0, CME_TRUSTED_PROXIES=[])
def test_without_trusted_proxies_the_header_is_ignored_entirely():
    assert client_ip(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


@override_settings(CME_TRUSTED_PROXY_COUNT=1, CME_TRUSTED_PROXIES=[])
def test_behind_one_proxy_the_client_is_the_address_the_proxy_appended():
    assert client_ip(request_from("127.0.0.1", "203.0.113.7")) == "203.0.113.7"


@override_settings(CME_TRUSTED_PROXY_COUNT=1, CME_TRUSTED_PROXIES=[])
def test_a_forged_left_most_entry_is_ignored():
    """The client sent "X-Forwarded-For: 10.9.9.9"; our proxy appended its real address."""
    forged = request_from("127.0.0.1", "10.9.9.9, 203.0.113.7")

    assert client_ip(forged) == "203.0.113.7"


@override_settings(CME_TRUSTED_PROXY_COUNT=2, CME_TRUSTED_PROXIES=[])
def test_behind_two_proxies_the_client_is_second_from_the_right():
    request = request_from("10.0.0.5", "10.9.9.9, 203.0.113.7, 10.0.0.4")

    assert client_ip(request) == "203.0.113.7"


@override_settings(CME_TRUSTED_PROXY_COUNT=2, CME_TRUSTED_PROXIES=[])
def test_a_header_shorter_than_the_proxy_count_is_not_trusted():
    assert client_ip(request_from("10.0.0.5", "203.0.113.7")) == "10.0.0.5"


@override_settings(CME_TRUSTED_PROXY_COUNT=1, CME_TRUSTED_PROXIES=[])
def test_a_chosen_entry_that_is_not_an_address_falls_back_to_the_peer():
    assert client_ip(request_from("127.0.0.1", "203.0.113.7, garbage")) == "127.0.0.1"


@override_settings(CME_TRUSTED_PROXY_COUNT=1, CME_TRUSTED_PROXIES=[])
def test_ports_and_brackets_that_some_balancers_write_are_removed():
    assert client_ip(request_from("127.0.0.1", "203.0.113.7:4711")) == "203.0.113.7"
    assert client_ip(request_from("127.0.0.1", "[2001:db8::1]:4711")) == "2001:db8::1"
    assert client_ip(request_from("127.0.0.1", "2001:db8::1")) == "2001:db8::1"


@override_settings(CME_TRUSTED_PROXY_COUNT=0, CME_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_the_header_of_a_request_not_from_a_trusted_proxy_is_ignored():
    assert client_ip(request_from("198.51.100.9", "203.0.113.7")) == "198.51.100.9"


@override_settings(CME_TRUSTED_PROXY_COUNT=0, CME_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_from_trusted_proxies_the_client_is_the_right_most_untrusted_address():
    request = request_from("10.0.0.5", "10.9.9.9, 203.0.113.7, 10.0.0.4")

    assert client_ip(request) == "203.0.113.7"


@override_settings(CME_TRUSTED_PROXY_COUNT=1, CME_TRUSTED_PROXIES=["10.0.0.5"])
def test_with_both_settings_the_count_applies_only_to_requests_from_the_proxies():
    assert client_ip(request_from("10.0.0.5", "10.9.9.9, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(request_from("198.51.100.9", "10.9.9.9, 203.0.113.7")) == "198.51.100.9"


@override_settings(CME_TRUSTED_PROXY_COUNT=1, CME_TRUSTED_PROXIES=[])
def test_a_request_without_the_header_is_the_peers():
    assert client_ip(request_from("203.0.113.7")) == "203.0.113.7"


def test_a_trusted_proxy_that_is_not_an_address_is_named():
    with pytest.raises(ValueError, match=r"CME_TRUSTED_PROXIES: 'proxy\.local' is not an IP"):
        trusted_networks(("10.0.0.1", "proxy.local"))
