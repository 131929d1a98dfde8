"""Which addresses the bot may connect to on an admin's behalf.

Only globally routable unicast addresses pass. Everything else (loopback, RFC 1918 and
unique-local networks, link-local including the 169.254.169.254 cloud metadata service,
carrier-grade NAT, multicast, reserved and documentation ranges) could let a URL reach
services that trust the bot's own network position, so it is refused unless the config
explicitly allows it. IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) are
judged by the address they embed as well, so ``::ffff:127.0.0.1`` is loopback.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Named ranges, so refusals say what the address is rather than just "not allowed".
_PRIVATE = tuple(
    ipaddress.ip_network(cidr)
    for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_SHARED_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = ipaddress.ip_address("169.254.169.254")
# The well-known NAT64 prefix: the last 32 bits are an IPv4 address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_address(text: str) -> IPAddress | None:
    """The address ``text`` denotes, or None when it is a host name (scope ids dropped)."""
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, when it is one of the embedding forms."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def _label(address: IPAddress) -> str | None:
    """Why ``address`` itself is not public, or None when it is a public unicast address."""
    checks: tuple[tuple[bool, str], ...] = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address == _METADATA, "a link-local address (cloud metadata service)"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address in _SHARED_CGNAT, "a carrier-grade NAT address"),
        (any(address in net for net in _PRIVATE), "a private address"),
        (
            isinstance(address, ipaddress.IPv6Address) and address.is_site_local,
            "a site-local address",
        ),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "a non-public address"),
    )
    return next((label for failed, label in checks if failed), None)


def classify(address: IPAddress) -> str | None:
    """Why ``address`` may not be contacted, or None when it is public.

    An embedding IPv6 form is judged by its IPv4 address: the wrapper itself sits in a
    reserved range, which would wrongly refuse ``::ffff:8.8.8.8`` and NAT64 answers, and
    6to4 wrappers are global while the IPv4 address inside may be loopback.
    """
    inner = embedded_ipv4(address)
    if inner is None:
        return _label(address)
    is_6to4 = isinstance(address, ipaddress.IPv6Address) and address.sixtofour is not None
    if is_6to4 and (outer := _label(address)) is not None:
        return outer
    return _label(inner)


def _host_key(host: str) -> str:
    return host.strip().rstrip(".").lower()


@dataclass(frozen=True)
class AddressPolicy:
    """The address checks plus the config's exemptions."""

    allow_networks: tuple[IPNetwork, ...] = ()
    allow_hosts: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, networks: Iterable[str], hosts: Iterable[str]) -> AddressPolicy:
        return cls(
            allow_networks=tuple(ipaddress.ip_network(n, strict=False) for n in networks),
            allow_hosts=tuple(_host_key(h) if not h.startswith(".") else h.lower() for h in hosts),
        )

    def host_exempt(self, host: str) -> bool:
        """Whether ``host`` is allowlisted by name; ``.example.org`` covers its subdomains."""
        key = _host_key(host)
        return any(
            key == pattern or (pattern.startswith(".") and key.endswith(pattern))
            for pattern in self.allow_hosts
        )

    def _network_exempt(self, address: IPAddress) -> bool:
        candidates = [address]
        if (inner := embedded_ipv4(address)) is not None:
            candidates.append(inner)
        return any(
            candidate.version == net.version and candidate in net
            for candidate in candidates
            for net in self.allow_networks
        )

    def refusal(self, host: str, addresses: Sequence[str]) -> str | None:
        """Why connecting to ``host`` at ``addresses`` is refused, or None when all pass.

        Every address must pass: a name that resolves to one public and one private
        address is refused, since the connection could go to either.
        """
        if self.host_exempt(host):
            return None
        literal = parse_address(host) is not None
        for text in addresses:
            address = parse_address(text)
            if address is None:
                return f"refused: {host} resolved to {text!r}, which is not an IP address"
            if self._network_exempt(address):
                continue
            label = classify(address)
            if label is None:
                continue
            if literal:
                return f"refused: {address} is {label}"
            return f"refused: {host} resolves to {address}, {label}"
        return None
