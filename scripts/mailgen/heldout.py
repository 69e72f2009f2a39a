"""Held-out set, version 4: the scenarios of ``tests/data/email_scenarios/heldout/`` as files.

Each scenario names its people (keys of ``cast.yaml``), its headers and its body and origin as
builder calls (``{name: {argument: value}}``, see ``BUILDERS``); ``files`` renders them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from scripts.mailgen import heldout_files as att
from scripts.mailgen import heldout_mime as mime
from scripts.mailgen import heldout_trace as trace
from scripts.mailgen.heldout_mime import Newsletter, Person
from scripts.mailgen.heldout_trace import Auth, Mail, Origin
from scripts.mailgen.spec import SCENARIOS, Builder, load, realize

DATA = SCENARIOS / "heldout"
KINDS = ("phishing", "legit")


def text_html(
    body: str,
    style: str,
    html: str = "simple",
    font: str = "",
    cte: str = "quoted-printable",
    charset: str = "utf-8",
) -> bytes:
    """multipart/alternative of ``body`` as text and as HTML (``html``: simple or outlook)."""
    if html == "outlook":
        page = mime.html_outlook(body)
    else:
        page = mime.html_simple(body, font) if font else mime.html_simple(body)
    if charset.lower() != "utf-8":  # the page declares the charset it is sent in
        page = page.replace("charset=utf-8", f"charset={charset}").replace(
            "charset=UTF-8", f"charset={charset}"
        )
    return mime.alt(mime.plain(body), page, style, cte, charset)


def exe_stub(seed: str, padding: int) -> bytes:
    """The inert executable stub followed by ``padding`` bytes derived from ``seed``."""
    return att.EXE_STUB + mime.stream(seed, padding)


def with_arc(origin: Origin, env_dom: str, from_dom: str, dkim_dom: str) -> Origin:
    trace.arc_results(origin, env_dom, from_dom, dkim_dom)
    return origin


def make_origin(**fields: Any) -> Origin:
    fields["trace"] = [tuple(pair) for pair in fields.get("trace", [])]
    return Origin(**fields)


def make_person(cast: Mapping[str, Person], key: str = "", **fields: str) -> Person:
    return cast[key] if key else Person(**fields)


def make_mail(cast: Mapping[str, Person], builders: Mapping[str, Builder], **spec: Any) -> Mail:
    """A ``Mail`` from its scenario: people by key (or name and email), headers as one-key
    mappings (or a builder call giving a list of them), body and origin as builder calls."""

    def person(value: str | dict[str, str] | Person) -> Person:
        if isinstance(value, Person):
            return value
        return cast[value] if isinstance(value, str) else Person(**value)

    fields = {key: realize(value, builders) for key, value in spec.items()}
    fields["sender"] = person(fields["sender"])
    fields["to"] = person(fields["to"])
    fields["cc"] = [person(p) for p in fields.get("cc", [])]
    if fields.get("rcpt"):
        fields["rcpt"] = person(fields["rcpt"])
    auth = dict(fields.get("auth", {}))
    auth["sigs"] = tuple(tuple(sig) for sig in auth.get("sigs", ()))
    fields["auth"] = Auth(**auth)
    fields["head"] = [
        pair
        for header in fields.get("head", [])
        for pair in (header.items() if isinstance(header, dict) else header)
    ]
    return Mail(**fields)


def builders(cast: Mapping[str, Person]) -> dict[str, Builder]:
    """The builder calls a scenario may use, by name."""
    table: dict[str, Callable[..., Any]] = {
        # bodies and MIME entities
        "alt": mime.alt,
        "attachment": mime.attachment,
        "card_body": trace.card_body,
        "gmail_body": trace.gmail_body,
        "html_gmail": mime.html_gmail,
        "html_outlook": mime.html_outlook,
        "html_simple": mime.html_simple,
        "htmlpart": mime.htmlpart,
        "mixed": trace.mixed,
        "multipart": mime.multipart,
        "newsletter": Newsletter,
        "newsletter_body": mime.newsletter_body,
        "outlook_body": trace.outlook_body,
        "part": mime.part,
        "plain": mime.plain,
        "rfc822": mime.rfc822,
        "text": mime.text,
        "text_html": text_html,
        "utf8": lambda text: text.encode(),
        # links of mass-mailing tools
        "brevo_track": mime.brevo_track,
        "mailchimp_track": mime.mailchimp_track,
        "mailjet_track": mime.mailjet_track,
        "redirect_track": mime.redirect_track,
        "utm": mime.utm,
        # attachments
        "docm": att.docm,
        "exe_stub": exe_stub,
        "ics": att.ics,
        "iso_image": att.iso_image,
        "jpeg": att.jpeg,
        "lnk": att.lnk,
        "onenote": att.onenote,
        "pdf": att.pdf,
        "qr_like": att.qr_like,
        "xlsm": att.xlsm,
        "zip_encrypted": att.zip_encrypted,
        "zip_stored": att.zip_stored,
        # sending systems
        "cpanel": trace.cpanel,
        "esp": trace.esp,
        "gandi_out": trace.gandi_out,
        "google": trace.google,
        "m365_out": trace.m365_out,
        "mailgun": trace.mailgun,
        "orange_out": trace.orange_out,
        "origin": make_origin,
        "ovh_pro": trace.ovh_pro,
        "ovh_web": trace.ovh_web,
        "privateemail": trace.privateemail,
        "sendgrid": trace.sendgrid,
        "ses": trace.ses,
        "vps": trace.vps,
        "with_arc": with_arc,
        # identifiers
        "mid_gmail": trace.mid_gmail,
        "mid_outlook": trace.mid_outlook,
        "outlook_head": trace.outlook_head,
        "thread_index": trace.thread_index,
        # people and whole messages (a message forwarded as an attachment)
        "person": partial(make_person, cast),
        "build": trace.build,
    }
    table["mail"] = partial(make_mail, cast, table)
    return table


def files(data: Path = DATA) -> dict[str, bytes]:
    """Every file of the set, by path relative to its folder, with its bytes."""
    meta = load(data / "cast.yaml")
    cast = {key: Person(**person) for key, person in meta["people"].items()}
    table = builders(cast)
    out: dict[str, bytes] = {}
    lines = list(meta["readme_head"])
    for kind in KINDS:
        mails = [make_mail(cast, table, **spec) for spec in load(data / f"{kind}.yaml")[kind]]
        lines += [f"## {kind} ({len(mails)})", "", "| File | Scenario |", "|---|---|"]
        for m in mails:
            out[f"{kind}/{m.name}.eml"] = trace.build(m)
            lines.append(f"| `{kind}/{m.name}.eml` | {m.imitates} |")
        lines.append("")
    out["README.md"] = "\n".join(lines).encode()
    return out
