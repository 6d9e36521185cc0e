"""The address of the client that sent a request, when the site runs behind proxies.

Behind a TLS proxy, `REMOTE_ADDR` is the proxy's address for every visitor. Each proxy that
follows the de facto convention appends the address it received the request from to
`X-Forwarded-For` (nginx: `$proxy_add_x_forwarded_for`; Caddy and most load balancers do it
by default), so the right-most entries are written by our own proxies and everything to
their left was sent by the client and may be forged. Two settings say how far to trust it
(both read in cme_site/settings/base.py; the default trusts nothing):

- `CME_TRUSTED_PROXY_COUNT` (int, default 0): with N > 0 the client is the N-th address
  from the right of `X-Forwarded-For` (N = the number of proxies in front of the site).
- `CME_TRUSTED_PROXIES` (addresses or CIDR networks, default none): the header is honoured
  only when `REMOTE_ADDR` is one of them; with no count set, the client is the right-most
  address of `REMOTE_ADDR` + the header that is not one of them.

django-axes (`AXES_CLIENT_IP_CALLABLE`) and django-ratelimit (`RATELIMIT_IP_META_KEY`) call
`client_ip`, so log-in lock-outs and rate limits count clients, not the proxy.
"""

import functools
import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as text (e.g. "203.0.113.7" or "2001:db8::1").

    `REMOTE_ADDR` unless the trusted-proxy settings say the request came through our
    proxies; then the address those proxies recorded in `X-Forwarded-For`. A header that is
    missing, too short for the configured number of proxies or holds no valid address at the
    chosen position is ignored (with a warning in the log): the answer is then `REMOTE_ADDR`.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.CME_TRUSTED_PROXY_COUNT
    trusted = trusted_networks(tuple(settings.CME_TRUSTED_PROXIES))
    if not count and not trusted:
        return remote
    if trusted and not _is_trusted(_parse_address(remote), trusted):
        return remote  # not from our proxy: whatever header it sent is the client's own
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if not forwarded:
        return remote
    if count:
        if len(forwarded) < count:
            logger.warning(
                "X-Forwarded-For has %d address(es), fewer than CME_TRUSTED_PROXY_COUNT=%d; "
                "using REMOTE_ADDR",
                len(forwarded),
                count,
            )
            return remote
        chosen = _parse_address(forwarded[-count])
    else:
        chosen = _first_untrusted_from_right(forwarded, trusted)
    if chosen is None:
        logger.warning("X-Forwarded-For holds no valid client address; using REMOTE_ADDR")
        return remote
    return str(chosen)


@functools.cache
def trusted_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """The networks of `CME_TRUSTED_PROXIES` ("10.0.0.1", "10.0.0.0/8", "2001:db8::/32").

    Raises ValueError naming the entry that is not an address or a network; the settings
    call this at start-up so that a typo stops the site instead of trusting nothing.
    """
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"CME_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def _parse_address(text: str) -> IPAddress | None:
    """An address from a header entry; tolerates a port ("203.0.113.7:4711",
    "[2001:db8::1]:4711"), as some load balancers write it."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(address: IPAddress | None, trusted: tuple[IPNetwork, ...]) -> bool:
    return address is not None and any(address in network for network in trusted)


def _first_untrusted_from_right(
    forwarded: list[str], trusted: tuple[IPNetwork, ...]
) -> IPAddress | None:
    """Walk the header from the right past our own proxies; the first other address is
    the client. If every entry is a proxy of ours, the left-most is the best we know."""
    address = None
    for entry in reversed(forwarded):
        address = _parse_address(entry)
        if address is None:
            return None
        if not _is_trusted(address, trusted):
            return address
    return address
