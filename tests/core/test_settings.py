"""The trusted-proxy settings are checked at start-up (cme_site/settings/base.py)."""

from tests.cme_site.test_settings import start_django


def test_a_trusted_proxy_that_is_not_an_address_stops_start_up_naming_it():
    result = start_django("cme_site.settings.local", CME_TRUSTED_PROXIES="10.0.0.0/8,proxy.lan")

    assert result.returncode == 1
    assert result.stderr == (
        "Configuration error: CME_TRUSTED_PROXIES: 'proxy.lan' is not an IP address or network.\n"
    )


def test_a_negative_proxy_count_stops_start_up():
    result = start_django("cme_site.settings.local", CME_TRUSTED_PROXY_COUNT="-1")

    assert result.returncode == 1
    assert "CME_TRUSTED_PROXY_COUNT is the number of proxies" in result.stderr


def test_networks_of_proxies_are_accepted():
    result = start_django("cme_site.settings.local", CME_TRUSTED_PROXIES="10.0.0.0/8,::1")

    assert result.stdout == "started\n"
