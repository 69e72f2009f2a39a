"""Defanging: indicators that cannot be clicked or resolved by accident."""

from __future__ import annotations

import re

__all__ = ["defang_domain", "defang_email", "defang_url"]

_SCHEME = re.compile(r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*):(?P<slashes>//)?")
_SCHEMES = {"http": "hxxp", "https": "hxxps", "ftp": "fxp"}


def defang_domain(domain: str) -> str:
    """``exemple.com`` → ``exemple[.]com``."""
    return domain.replace("[.]", ".").replace(".", "[.]")


def defang_email(address: str) -> str:
    """``pirate@exemple.com`` → ``pirate[@]exemple[.]com``."""
    local, at, domain = address.rpartition("@")
    if not at:
        return defang_domain(address)
    return f"{local}[@]{defang_domain(domain)}"


def defang_url(url: str, max_chars: int = 300) -> str:
    """``https://exemple.com/x`` → ``hxxps://exemple[.]com/x`` (long URLs are shortened)."""
    url = url.strip()
    if len(url) > max_chars:
        url = url[:max_chars] + "…"
    match = _SCHEME.match(url)
    if match is None:
        host, sep, rest = url.partition("/")
        return defang_domain(host) + sep + rest
    scheme = match.group("scheme")
    new_scheme = _SCHEMES.get(scheme.lower(), scheme)
    rest = url[match.end() :]
    if not match.group("slashes"):
        # mailto:, javascript:, data:… keep the scheme visible but neutralise addresses.
        return f"{new_scheme}[:]{rest.replace('@', '[@]').replace('.', '[.]')}"
    end = len(rest)
    for sep in "/?#":
        pos = rest.find(sep)
        if pos != -1:
            end = min(end, pos)
    authority, tail = rest[:end], rest[end:]
    authority = authority.replace("@", "[@]")
    return f"{new_scheme}://{defang_domain(authority)}{tail}"
