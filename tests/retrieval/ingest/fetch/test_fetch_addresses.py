"""The address policy on its own: which addresses pass, and what refusals say."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.ingest.fetch.addresses import AddressPolicy, classify, parse_address

BLOCKED = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "cloud metadata"),
    ("169.254.1.1", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("192.0.2.10", "non-public"),
    ("198.18.0.1", "non-public"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fd00::1", "private"),
    ("fc00::1", "private"),
    ("fe80::1", "link-local"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("2001:db8::1", "non-public"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "cloud metadata"),
    ("64:ff9b::7f00:1", "loopback"),
    ("2002:7f00:1::1", "loopback"),
    ("::7f00:1", "reserved"),
]

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "11.0.0.1",
    "172.15.255.255",
    "172.32.0.1",
    "100.63.255.255",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize(("text", "label"), BLOCKED)
def test_non_public_addresses_are_classified(text: str, label: str) -> None:
    address = parse_address(text)
    assert address is not None
    reason = classify(address)
    assert reason is not None
    assert label in reason


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_pass(text: str) -> None:
    address = parse_address(text)
    assert address is not None
    assert classify(address) is None


def test_refusal_of_a_literal_names_the_address() -> None:
    assert AddressPolicy().refusal("127.0.0.1", ["127.0.0.1"]) == (
        "refused: 127.0.0.1 is a loopback address"
    )


def test_one_private_answer_among_public_ones_refuses_the_name() -> None:
    reason = AddressPolicy().refusal("mixed.test", ["93.184.216.34", "10.0.0.5", "8.8.8.8"])
    assert reason == "refused: mixed.test resolves to 10.0.0.5, a private address"


def test_all_public_answers_pass() -> None:
    assert AddressPolicy().refusal("public.test", ["93.184.216.34", "2606:4700::1"]) is None


def test_garbage_from_the_resolver_is_refused() -> None:
    reason = AddressPolicy().refusal("odd.test", ["not-an-ip"])
    assert reason is not None
    assert "not an IP address" in reason


def test_allowed_networks_exempt_exactly_their_range() -> None:
    policy = AddressPolicy.from_config(["127.0.0.1/32", "10.1.0.0/16"], [])
    assert policy.refusal("127.0.0.1", ["127.0.0.1"]) is None
    assert policy.refusal("intra.test", ["10.1.2.3"]) is None
    assert policy.refusal("127.0.0.2", ["127.0.0.2"]) is not None
    assert policy.refusal("intra2.test", ["10.2.0.1"]) is not None
    assert policy.refusal("::1", ["::1"]) is not None


def test_an_allowed_ipv4_network_covers_its_mapped_ipv6_form() -> None:
    policy = AddressPolicy.from_config(["127.0.0.1/32"], [])
    assert policy.refusal("::ffff:127.0.0.1", ["::ffff:127.0.0.1"]) is None


def test_allowed_hosts_match_exactly_or_by_dotted_suffix() -> None:
    policy = AddressPolicy.from_config([], ["wiki.corp.test", ".intra.test"])
    assert policy.refusal("WIKI.corp.test.", ["10.0.0.1"]) is None
    assert policy.refusal("news.intra.test", ["10.0.0.2"]) is None
    assert policy.refusal("evilintra.test", ["10.0.0.3"]) is not None
    assert policy.refusal("corp.test", ["10.0.0.4"]) is not None


PRIVATE_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8"]


@st.composite
def private_v4(draw: st.DrawFn) -> ipaddress.IPv4Address:
    net = ipaddress.IPv4Network(draw(st.sampled_from(PRIVATE_V4)))
    offset = draw(st.integers(min_value=0, max_value=net.num_addresses - 1))
    return net[offset]


@settings(max_examples=60, deadline=None)
@given(private_v4(), st.booleans())
def test_every_address_in_the_private_ranges_is_refused(
    address: ipaddress.IPv4Address, mapped: bool
) -> None:
    text = f"::ffff:{address}" if mapped else str(address)
    assert AddressPolicy().refusal("h.test", [text]) is not None
