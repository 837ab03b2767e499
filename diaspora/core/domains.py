"""Mail domains matched on whole labels, for every check that asks "is this address there?"."""

from collections.abc import Iterable


def within(domain: str, parents: Iterable[str]) -> bool:
    """The domain is one of `parents` or a subdomain of one, matched on whole labels:
    `evilnhs.net` and `nhs.net.evil.com` are not within `nhs.net`; `leeds.nhs.net` is."""
    domain = domain.lower().rstrip(".")
    return any(domain == parent or domain.endswith("." + parent) for parent in parents)
