"""Held-out set: the sending and receiving systems' trace headers and the whole message."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from scripts.mailgen.heldout_mime import (
    ALNUM,
    DIGITS,
    EHPAD,
    FAM,
    HEX,
    LOWER,
    Person,
    addr,
    alt,
    at,
    b64,
    card,
    card_text,
    domain_of,
    ew,
    fold,
    g_date,
    guid,
    html_gmail,
    html_outlook,
    mixed,
    ms_date,
    num,
    pf_date,
    plain,
    rfc,
    tok,
)


@dataclass
class Origin:
    """The sending side: the host that hands the message to the receiver, the Received lines
    below the receiver's (top first; {ms} {pf} {gg} {loc} {rcpt} are filled in), and trace
    headers the sending side adds."""

    host: str
    ip: str
    hops: list[str]
    trace: list[tuple[str, str]] = field(default_factory=list)
    country: str = "FR"


@dataclass(frozen=True)
class Auth:
    """What the receiver found: SPF, DKIM and DMARC results, the DKIM signatures (d, s, and
    optionally that signature's own result when it differs from ``dkim``, as when a mailing
    list breaks the author's signature and adds its own) present on the message, and the From
    domain's DMARC policy."""

    spf: str = "pass"
    dkim: str = "pass"
    dmarc: str = "pass"
    sigs: tuple[tuple[str, ...], ...] = ()
    policy: str = "none"


def ovh_pro(seed: str, client_ip: str) -> Origin:
    """OVH MX Plan / E-mail Pro (Exchange) through mo*.mail-out.ovh.net."""
    mo = num(seed + "mo", 500, 599)
    dag = num(seed + "dag", 2, 9)
    return Origin(
        host=f"mo{mo}.mail-out.ovh.net",
        ip=f"178.32.{num(seed + 'ip1', 96, 127)}.{num(seed + 'ip2', 2, 250)}",
        hops=[
            f"from DAG{dag}EX1.mxp{dag}.local (unknown [10.108.{num(seed + 'a', 1, 60)}.{num(seed + 'b', 2, 250)}])\n"
            f"\tby mo{mo}.mail-out.ovh.net (Postfix) with ESMTPS id 4f{tok(seed + 'q1', 11)}\n"
            "\tfor <{rcpt}>; {pf}",
            f"from DAG{dag}EX1.mxp{dag}.local (172.16.2.{num(seed + 'c', 10, 60)}) by DAG{dag}EX1.mxp{dag}.local\n"
            f" (172.16.2.{num(seed + 'c', 10, 60)}) with Microsoft SMTP Server (version=TLS1_2,\n"
            " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2507.57; {loc}",
        ],
        trace=[
            ("X-Originating-IP", f"[{client_ip}]"),
            ("X-Ovh-Tracer-Id", tok(seed + "tracer", 19, DIGITS)),
            ("X-VR-SPAMSTATE", "OK"),
            ("X-VR-SPAMSCORE", "-100"),
            (
                "X-VR-SPAMCAUSE",
                "gggruggvucftvghtrhhoucdtuddrgeeffedrtddtgdduvdeiucetufdoteggodetrfdotffvucfrrhhofhhilhgvmecuqfggjfdpvefjgfevmfevgfenuceurghilhhouhhtmecuhedttdenucesvcftvggtihhpihgvnhhtshculddquddttddm"
                + tok(seed + "vr", 40, LOWER),
            ),
        ],
    )


def ovh_web(seed: str, cluster: int) -> Origin:
    """PHP mail() from an OVH web hosting cluster."""
    mo = num(seed + "mo", 500, 599)
    return Origin(
        host=f"mo{mo}.mail-out.ovh.net",
        ip=f"46.105.{num(seed + 'ip1', 32, 63)}.{num(seed + 'ip2', 2, 250)}",
        hops=[
            f"from cluster{cluster:03d}.hosting.ovh.net (unknown [10.108.{num(seed + 'a', 1, 60)}.{num(seed + 'b', 2, 250)}])\n"
            f"\tby mo{mo}.mail-out.ovh.net (Postfix) with ESMTP id 4f{tok(seed + 'q1', 11)}\n"
            "\tfor <{rcpt}>; {pf}",
        ],
        trace=[
            ("X-Ovh-Tracer-Id", tok(seed + "tracer", 19, DIGITS)),
            ("X-VR-SPAMSTATE", "OK"),
            ("X-VR-SPAMSCORE", "0"),
            (
                "X-VR-SPAMCAUSE",
                "gggruggvucftvghtrhhoucdtuddrgeeffedrtddtgdduvdejucetufdoteggodetrfdotffvucfrrhhofhhilhgvmecuqfggjfdpvefjgfevmfevgfenuceurghilhhouhhtmecuhedttdenuc"
                + tok(seed + "vr", 30, LOWER),
            ),
        ],
    )


def google(
    seed: str, *, client: str = "web", client_ip: str = "", rdns: str = "", sor: bool = False
) -> Origin:
    """Gmail or Google Workspace (web, phone or SMTP client); ``sor``: a message between two
    mailboxes of the same Google Workspace, handed over inside Google."""
    kind = ("wr1", "wm1", "ej1", "lf1", "wr1-x42c")[num(seed + "k", 0, 4)]
    n = num(seed + "f", 41, 99)
    host = f"mail-{kind}-f{n}.google.com" if "x" not in kind else f"mail-{kind}.google.com"
    ip = f"209.85.{num(seed + 'ip', 128, 223)}.{n}"
    if sor:
        host, ip = f"mail-sor-f{n}.google.com", f"209.85.220.{n}"
    smtp_id = f"{tok(seed + 'sid1', 11, 'abcdefghijklmnopqrstuvwxyz0123456789')}-{tok(seed + 'sid2', 12, HEX)}so{tok(seed + 'sid3', 7, DIGITS)}f8f.{num(seed + 'sid4', 1, 9)}"
    hops = [f"by {host} with SMTP id {smtp_id}\n        for <{{rcpt}}>; {{gg}}"]
    if client == "smtp":
        rdns = rdns or (
            f"lfbn-bre-1-{num(seed + 'l1', 100, 999)}-{num(seed + 'l2', 2, 250)}.w{client_ip}.abo.wanadoo.fr."
        )
        hops.append(
            f"from [192.168.1.{num(seed + 'lan', 10, 60)}] ({rdns} [{client_ip}])\n"
            f"        by smtp.gmail.com with ESMTPSA id {tok(seed + 'es', 16, 'abcdefghijklmnopqrstuvwxyz0123456789')}.{num(seed + 'es2', 10, 99)}.{{ymd}}\n"
            "        for <{rcpt}>\n        (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128);\n        {gg}"
        )
    trace = [
        (
            "X-Google-DKIM-Signature",
            f"v=1; a=rsa-sha256; c=relaxed/relaxed;\n        d=1e100.net; s=20230601; t={{t}}; x={{x}};\n        h=to:subject:message-id:date:from:mime-version:x-gm-message-state\n         :from:to:cc:subject:date:message-id:reply-to;\n        bh={b64(seed + 'gbh', 32)};\n        b={fold(b64(seed + 'gb', 192), 70, chr(10) + '        ')}",
        ),
        ("X-Gm-Message-State", f"AOJu0Y{tok(seed + 'gms', 60)}\n\t{tok(seed + 'gms2', 40)}=="),
        ("X-Google-Smtp-Source", f"AGHT+IF{tok(seed + 'gss', 70)}="),
        (
            "X-Received",
            f"by 2002:a05:6000:{tok(seed + 'xr1', 4, HEX)}:b0:{tok(seed + 'xr2', 3, HEX)}:{tok(seed + 'xr3', 4, HEX)}:{tok(seed + 'xr4', 4, HEX)} with SMTP id {tok(seed + 'xr5', 24, 'abcdefghijklmnopqrstuvwxyz0123456789')}.{num(seed + 'xr6', 10, 99)}.{num(seed + 'xr7', 1000, 9999)};\n        {{gg}}",
        ),
    ]
    return Origin(host=host, ip=ip, hops=hops, trace=trace, country="US")


MBX_EHPAD = ("PAWP264MB5127", "PR3P264MB0419", "MRZP264MB6610", "PA2P264MB3382")


def m365_out(seed: str, *, consumer: bool = False, notif: bool = False, mbx: str = "") -> Origin:
    """A message leaving Exchange Online (another tenant, Outlook.com or a Microsoft service)."""
    if consumer:
        host = f"EUR{num(seed + 'e', 1, 5):02d}-{('VI1', 'AM6', 'DB5', 'HE1')[num(seed + 'r', 0, 3)]}-obe.outbound.protection.outlook.com"
        ip = f"40.92.{num(seed + 'ip1', 48, 127)}.{num(seed + 'ip2', 2, 250)}"
        inner = f"{('AS8P', 'DU0P', 'PAXP', 'VI1P')[num(seed + 'm', 0, 3)]}{num(seed + 'mn', 190, 195)}MB{num(seed + 'mb', 1000, 9999)}"
        region = "EURP" + str(num(seed + "mn", 190, 195))
    else:
        host = f"mail-{('pr0p264cu014', 'mr2p264cu001', 'pa5p264cu001', 'db8pr02cu002')[num(seed + 'h', 0, 3)]}{num(seed + 'hn', 0, 9):02d}.outbound.protection.outlook.com"
        ip = f"52.101.{num(seed + 'ip1', 64, 127)}.{num(seed + 'ip2', 2, 250)}"
        inner = f"{('PR0P264', 'MRZP264', 'PA4P264', 'DB9PR02')[num(seed + 'm', 0, 3)]}MB{num(seed + 'mb', 1000, 9999)}"
        region = "FRAP264" if inner.endswith("P264") or "P264MB" in inner else "EURPRD02"
    if mbx:
        inner, region = mbx, "FRAP264"
    fqdn = f"{inner}.{region}.PROD.OUTLOOK.COM"
    v6 = f"fe80::{tok(seed + 'v6a', 4, HEX)}:{tok(seed + 'v6b', 4, HEX)}:{tok(seed + 'v6c', 4, HEX)}:{tok(seed + 'v6d', 4, HEX)}"
    hops = [
        f"from {fqdn}\n ([{v6}]) by {fqdn}\n ([{v6}%{num(seed + 'pct', 3, 7)}]) with mapi id 15.20.{num(seed + 'build', 8700, 8799)}.{num(seed + 'build2', 10, 40):03d}; {{ms}}"
    ]
    if notif:
        hops = [
            f"from {fqdn} (2603:10b6:{tok(seed + 'n1', 3, HEX)}:{tok(seed + 'n2', 2, HEX)}::{num(seed + 'n3', 5, 30)}) by\n"
            f" {fqdn} with Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.{num(seed + 'build', 8700, 8799)}.{num(seed + 'build2', 10, 40)}; {{ms}}"
        ]
    trace = [
        (
            "ARC-Seal",
            f"i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none;\n b={fold(b64(seed + 'arcb', 256), 76, chr(10) + ' ')}",
        ),
        (
            "ARC-Message-Signature",
            f"i=1; a=rsa-sha256; c=relaxed/relaxed; d=microsoft.com;\n s=arcselector10001;\n h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-AntiSpam-MessageData-ChunkCount:X-MS-Exchange-AntiSpam-MessageData-0:X-MS-Exchange-AntiSpam-MessageData-1;\n bh={b64(seed + 'arcbh', 32)};\n b={fold(b64(seed + 'arcmb', 256), 76, chr(10) + ' ')}",
        ),
    ]
    return Origin(host=host, ip=ip, hops=hops, trace=trace)


def arc_results(origin: Origin, env_dom: str, from_dom: str, dkim_dom: str) -> None:
    """Add the ARC-Authentication-Results an Exchange Online sender stamps (all pass)."""
    origin.trace.insert(
        0,
        (
            "ARC-Authentication-Results",
            f"i=1; mx.microsoft.com 1; spf=pass\n smtp.mailfrom={env_dom}; dmarc=pass action=none\n"
            f" header.from={from_dom}; dkim=pass header.d={dkim_dom}; arc=none",
        ),
    )


def gandi_out(seed: str, sasl: str, client_ip: str) -> Origin:
    """A Gandi mailbox sending through relay*.mail.gandi.net."""
    relay = ("relay1-d", "relay2-d", "relay3-d", "relay4-d", "relay5-d", "relay6-d")[
        num(seed + "r", 0, 5)
    ]
    return Origin(
        host=f"{relay}.mail.gandi.net",
        ip=f"217.70.183.{num(seed + 'ip', 193, 201)}",
        hops=[
            f"by mail.gandi.net (Postfix) with ESMTPSA id {tok(seed + 'q', 10, HEX).upper()};\n\t{{pf}}"
        ],
        trace=[
            ("X-GND-Sasl", sasl),
            ("X-Originating-IP", f"[{client_ip}]"),
        ],
    )


def vps(seed: str, host: str, ip: str, mta_name: str, *, localhost: bool = True) -> Origin:
    """A self-run Postfix on a rented server."""
    hops = []
    if localhost:
        hops.append(
            f"from localhost (localhost [127.0.0.1])\n\tby {mta_name} (Postfix) with ESMTPSA id {tok(seed + 'q', 10, HEX).upper()}\n"
            "\tfor <{rcpt}>; {pf}"
        )
    return Origin(host=host, ip=ip, hops=hops, country="NL")


def cpanel(seed: str, host: str, ip: str, user: str) -> Origin:
    """A shared cPanel host (Exim), typically a compromised site or account."""
    return Origin(
        host=host,
        ip=ip,
        hops=[
            f"from {user} by {host} with local (Exim 4.97.1)\n\t(envelope-from <{user}@{host}>)\n"
            f"\tid 1u{tok(seed + 'ex1', 4)}-0000{tok(seed + 'ex2', 2).upper()}-{tok(seed + 'ex3', 2)}\n\tfor {{rcpt}}; {{loc}}"
        ],
        trace=[
            (
                "X-AntiAbuse",
                "This header was added to track abuse, please include it with any abuse report",
            ),
            ("X-AntiAbuse", f"Primary Hostname - {host}"),
            ("X-AntiAbuse", f"Sender Address Domain - {host.split('.', 1)[1]}"),
            ("X-Get-Message-Sender-Via", f"{host}: authenticated_id: {user}"),
        ],
        country="US",
    )


def esp(host: str, ip: str, hop: str, country: str = "FR") -> Origin:
    return Origin(host=host, ip=ip, hops=[hop] if hop else [], country=country)


# --- The message model -------------------------------------------------------------------


@dataclass
class Mail:
    name: str
    imitates: str
    sender: Person
    to: Person
    subject: str
    sent: str  # Paris time
    body: bytes  # the top MIME entity, with its Content-Type
    origin: Origin
    auth: Auth = Auth()
    envelope: str = ""  # Return-Path address; the sender's by default
    rcpt: Person | None = None  # envelope recipient, when not the To address (lists, Bcc)
    head: list[tuple[str, str]] = field(default_factory=list)  # further message headers
    msgid: str = ""
    date: str = "local"  # local | utc | pad
    enc: str = "Q"  # encoded words: Q | B
    charset: str = "UTF-8"
    cc: list[Person] = field(default_factory=list)
    internal: bool = False  # stays inside the receiving organisation
    scl: int = 1
    bcl: int = 0
    lang: str = "fr"  # language Exchange Online detects

    @property
    def sent_at(self) -> datetime:
        return at(self.sent)

    @property
    def rcpt_email(self) -> str:
        return (self.rcpt or self.to).email


def dkim_signature(d: str, s: str, seed: str, t: datetime, h: str) -> str:
    ts = int(t.timestamp())
    return (
        f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={d};\n\ts={s}; t={ts};\n\th={h};\n"
        f"\tbh={b64(seed + d + 'bh', 32)};\n\tb={fold(b64(seed + d + 'b', 256), 70)}"
    )


def signatures(m: Mail) -> list[tuple[str, str, str]]:
    """The DKIM signatures on the message as (domain, selector, result)."""
    if m.auth.dkim == "none":
        return []
    sigs = list(m.auth.sigs) or [(m.sender.domain, "default")]
    return [(sig[0], sig[1], sig[2] if len(sig) > 2 else m.auth.dkim) for sig in sigs]


def m365_results(m: Mail, env_dom: str) -> str:
    a = m.auth
    ip = m.origin.ip
    spf = f"spf={a.spf} (sender IP is {ip})\n smtp.mailfrom={env_dom}"
    if a.spf == "none":
        spf = f"spf=none (sender IP is {ip})\n smtp.mailfrom={env_dom}"
    sigs = signatures(m)
    if not sigs:
        dk = ["dkim=none (message not signed)\n header.d=none"]
    else:
        why = {"pass": "signature was verified", "fail": "body hash did not verify"}
        dk = [f"dkim={r} ({why[r]})\n header.d={d}" for d, _, r in sigs]
    dkim_ok = any(r == "pass" for _, _, r in sigs)
    fd = m.sender.domain
    action = "none"
    if a.dmarc == "fail":
        action = {"reject": "oreject", "quarantine": "quarantine"}.get(a.policy, "none")
    compauth = {
        "pass": "pass reason=100",
        "bestguesspass": "pass reason=109",
        "fail": "fail reason=000",
    }.get(a.dmarc, "softpass reason=201" if a.spf == "pass" or dkim_ok else "none reason=405")
    return (
        f"{spf}; "
        + ";".join(dk)
        + f";dmarc={a.dmarc} action={action}\n header.from={fd};compauth={compauth}"
    )


def received_spf(m: Mail, env_dom: str) -> str:
    ip, host = m.origin.ip, m.origin.host
    a = m.auth
    if a.spf == "pass":
        lead = f"Pass (protection.outlook.com: domain of {env_dom} designates {ip} as\n permitted sender)"
    elif a.spf == "fail":
        lead = f"Fail (protection.outlook.com: domain of {env_dom} does not\n designate {ip} as permitted sender)"
    elif a.spf == "softfail":
        lead = f"SoftFail (protection.outlook.com: domain of transitioning\n {env_dom} discourages use of {ip} as permitted sender)"
    else:
        lead = (
            f"None (protection.outlook.com: {env_dom} does not designate\n permitted sender hosts)"
        )
    tail = f" receiver=protection.outlook.com;\n client-ip={ip}; helo={host};"
    return lead + tail + (" pr=C" if a.spf == "pass" else "")


def m365_in(
    m: Mail, t: datetime, env_dom: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Exchange Online (the EHPAD): trace headers above the message's, and X-MS headers after."""
    s = m.name
    mbx = MBX_EHPAD[num(s + "mbx", 0, len(MBX_EHPAD) - 1)]
    mbx2 = MBX_EHPAD[(MBX_EHPAD.index(mbx) + 1) % len(MBX_EHPAD)]
    eur = f"eurprd0{num(s + 'eur', 2, 6)}"
    fe = f"{('AM0PR02CA', 'DU2PR04CA', 'PA7P264CA', 'MR2P264CA', 'AS4P190CA')[num(s + 'fe', 0, 4)]}{num(s + 'fen', 1, 299):04d}"
    eop = f"{('AMS0EPF', 'DU6PEPF', 'AM4PEPF', 'DB1PEPF')[num(s + 'eop', 0, 3)]}0000{tok(s + 'eopn', 4, '0123456789ABCDEF')}"

    def v6(k: str) -> str:
        return f"2603:10a6:{tok(s + k + '1', 3, HEX)}:{tok(s + k + '2', 3, HEX)}::{num(s + k + '3', 5, 40)}"

    t1, t2, t3 = t + timedelta(seconds=2), t + timedelta(seconds=1), t
    top: list[tuple[str, str]] = []
    bottom: list[tuple[str, str]] = []
    top.append(
        (
            "Received",
            f"from {mbx}.FRAP264.PROD.OUTLOOK.COM ({v6('a')}) by\n {mbx2}.FRAP264.PROD.OUTLOOK.COM with HTTPS; {ms_date(t1)}",
        )
    )
    if m.internal:
        top.append(
            (
                "Authentication-Results",
                f"dkim=none (message not signed)\n header.d=none;dmarc=none action=none header.from={EHPAD};",
            )
        )
        bottom += [
            ("X-MS-Exchange-Organization-AuthAs", "Internal"),
            ("X-MS-Exchange-Organization-AuthMechanism", "04"),
            ("X-MS-Exchange-Organization-AuthSource", f"{mbx}.FRAP264.PROD.OUTLOOK.COM"),
            ("X-MS-Exchange-Organization-Network-Message-Id", guid(s + "netid")),
            ("X-MS-Exchange-Organization-SCL", "-1"),
            ("X-MS-Exchange-Organization-MessageDirectionality", "Originating"),
            ("X-MS-PublicTrafficType", "Email"),
        ]
        return top, bottom
    top.append(
        (
            "Received",
            f"from {fe}.{eur}.prod.outlook.com ({v6('b')}) by\n {mbx}.FRAP264.PROD.OUTLOOK.COM ({v6('a')}) with\n"
            f" Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8769.25; {ms_date(t2)}",
        )
    )
    top.append(
        (
            "Received",
            f"from {eop}.{eur}.prod.outlook.com\n ({v6('c')}:cafe::{tok(s + 'cafe', 2, HEX)}) by {fe}.outlook.office365.com\n"
            f" ({v6('b')}) with Microsoft SMTP Server (version=TLS1_3,\n cipher=TLS_AES_256_GCM_SHA384) id 15.20.8769.25 via Frontend Transport; {ms_date(t2)}",
        )
    )
    top.append(("Authentication-Results", m365_results(m, env_dom)))
    top.append(("Received-SPF", received_spf(m, env_dom)))
    top.append(
        (
            "Received",
            f"from {m.origin.host} ({m.origin.ip}) by\n {eop}.mail.protection.outlook.com (10.167.{num(s + 'p1', 8, 250)}.{num(s + 'p2', 2, 250)}) with Microsoft SMTP Server\n"
            f" (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.8769.15 via Frontend\n Transport; {ms_date(t3)}",
        )
    )
    sfv = "SPM" if m.scl >= 5 else "NSPM"
    cat = "SPOOF" if (m.scl >= 5 and m.auth.dmarc == "fail") else ("BULK" if m.bcl >= 7 else "NONE")
    bottom += [
        (
            "X-MS-Exchange-Organization-ExpirationStartTime",
            f"{t3.astimezone(UTC):%d %b %Y %H:%M:%S.%f}"[:-3] + "0 (UTC)",
        ),
        ("X-MS-Exchange-Organization-ExpirationStartTimeReason", "OriginalSubmit"),
        ("X-MS-Exchange-Organization-Network-Message-Id", guid(s + "netid")),
        ("X-EOPAttributedMessage", "0"),
        ("X-EOPTenantAttributedMessage", f"{guid('tenant-ehpad')}:0"),
        ("X-MS-Exchange-Organization-MessageDirectionality", "Incoming"),
        ("X-MS-PublicTrafficType", "Email"),
        ("X-MS-Exchange-Organization-AuthSource", f"{eop}.{eur}.prod.outlook.com"),
        ("X-MS-Exchange-Organization-AuthAs", "Anonymous"),
        ("X-MS-Exchange-Organization-SCL", str(m.scl)),
        (
            "X-Forefront-Antispam-Report",
            f"CIP:{m.origin.ip};CTRY:{m.origin.country};LANG:{m.lang};SCL:{m.scl};SRV:{'BULK' if m.bcl >= 7 else ''};IPV:NLI;SFV:{sfv};H:{m.origin.host};\n"
            f" PTR:{m.origin.host};CAT:{cat};SFS:(13230040)(69100299015)(8096899003)(4076899003);DIR:INB;",
        ),
        ("X-Microsoft-Antispam", f"BCL:{m.bcl};ARA:13230040|69100299015|8096899003|4076899003;"),
    ]
    return top, bottom


def gandi_in(m: Mail, t: datetime, env: str) -> list[tuple[str, str]]:
    """Gandi mail (the SAD): Rspamd-style Authentication-Results."""
    s = m.name
    spool = f"spool{num(s + 'spool', 1, 4)}.mail.gandi.net"
    a = m.auth
    ip = m.origin.ip
    fd = m.sender.domain
    results = []
    sigs = signatures(m)
    if sigs:
        for d, sel, r in sigs:
            results.append(
                f"dkim={r} header.d={d} header.s={sel} header.b={b64(s + d + 'b', 256)[:8]}"
            )
    else:
        results.append("dkim=none")
    if a.spf == "pass":
        results.append(
            f"spf=pass ({spool}: domain of {env} designates {ip} as permitted sender) smtp.mailfrom={env}"
        )
    elif a.spf == "fail":
        results.append(
            f"spf=fail ({spool}: domain of {env} does not designate {ip} as permitted sender) smtp.mailfrom={env}"
        )
    elif a.spf == "softfail":
        results.append(
            f"spf=softfail ({spool}: domain of {env} is not designated as permitted sender) smtp.mailfrom={env}"
        )
    else:
        results.append(
            f"spf=none ({spool}: domain of {env} has no SPF policy when checking {ip}) smtp.mailfrom={env}"
        )
    if a.dmarc == "pass":
        results.append(f"dmarc=pass (policy={a.policy}) header.from={fd}")
    elif a.dmarc == "fail":
        results.append(
            f'dmarc=fail reason="SPF not aligned (relaxed), No valid DKIM" header.from={fd} (policy={a.policy})'
        )
    else:
        results.append("dmarc=none")
    t2 = t + timedelta(seconds=1)
    score = {"pass": "-100", "none": "0"}.get(a.dmarc, "40")
    return [
        ("Delivered-To", m.rcpt_email),
        (
            "Received",
            f"from {spool} ({spool} [10.0.21.{num(s + 'sp', 2, 40)}])\n\tby mailbox{num(s + 'mbx', 1, 3)}.mail.gandi.net (Postfix) with ESMTP id 4f{tok(s + 'gq1', 11)}\n"
            f"\tfor <{m.rcpt_email}>; {pf_date(t2)}",
        ),
        ("Authentication-Results", f"{spool};\n\t" + ";\n\t".join(results)),
        ("X-GND-State", "clean"),
        ("X-GND-Score", score),
        (
            "Received",
            f"from {m.origin.host} ({m.origin.host} [{ip}])\n"
            "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
            "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n"
            "\t(No client certificate requested)\n"
            f"\tby {spool} (Postfix) with ESMTPS id 4f{tok(s + 'gq2', 11)}\n\tfor <{m.rcpt_email}>; {pf_date(t)}",
        ),
    ]


def google_in(m: Mail, t: datetime, env: str) -> list[tuple[str, str]]:
    """Google Workspace (the FAM): Gmail's trace, ARC and Authentication-Results headers,
    with Return-Path where Gmail puts it."""
    s = m.name
    a = m.auth
    ip, host = m.origin.ip, m.origin.host
    fd = m.sender.domain
    rcpt = m.rcpt_email
    results = []
    for d, sel, r in signatures(m):
        tag = f"header.i=@{d} header.s={sel} header.b={b64(s + d + 'b', 256)[:8]}"
        if r == "pass":
            results.append(f"dkim=pass {tag}")
        else:
            results.append(f"dkim=neutral (body hash did not verify) {tag}")
    spf = {
        "pass": f"pass (google.com: domain of {env} designates {ip} as permitted sender)",
        "fail": f"fail (google.com: domain of {env} does not designate {ip} as permitted sender)",
        "softfail": f"softfail (google.com: domain of transitioning {env} does not designate {ip} as permitted sender)",
        "none": f"none (google.com: {env} does not designate permitted sender hosts)",
    }[a.spf]
    results.append(f"spf={spf} smtp.mailfrom={env}")
    p = a.policy.upper()
    if a.dmarc == "pass":
        results.append(f"dmarc=pass (p={p} sp={p} dis=NONE) header.from={fd}")
    elif a.dmarc == "fail":
        dis = "NONE" if p == "NONE" else "QUARANTINE"
        results.append(f"dmarc=fail (p={p} sp={p} dis={dis}) header.from={fd}")
    ar = "mx.google.com;\n       " + ";\n       ".join(results)
    t1 = t + timedelta(seconds=1)
    ts = int(t1.timestamp())
    mx_id = f"{tok(s + 'mx1', 13, 'abcdefghijklmnopqrstuvwxyz0123456789')}.{num(s + 'mx2', 100, 999)}.{t:%Y.%m.%d}"
    if m.internal:
        via = f"by mx.google.com with SMTPS id {mx_id}\n        for <{rcpt}>\n        (Google Transport Security);"
    else:
        via = (
            f"by mx.google.com with ESMTPS id {mx_id}\n        for <{rcpt}>\n"
            "        (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);"
        )
    x = f"2002:a05:{tok(s + 'g1', 4, HEX)}:{tok(s + 'g2', 4, HEX)}:b0:{tok(s + 'g3', 3, HEX)}:{tok(s + 'g4', 4, HEX)}:{tok(s + 'g5', 4, HEX)}"
    return [
        ("Delivered-To", rcpt),
        (
            "Received",
            f"by {x} with SMTP id {tok(s + 'g6', 9, 'abcdefghijklmnopqrstuvwxyz0123456789')};\n        {g_date(t1)}",
        ),
        (
            "X-Received",
            f"by 2002:a05:6000:{tok(s + 'g7', 4, HEX)}:b0:{tok(s + 'g8', 3, HEX)}:{tok(s + 'g9', 4, HEX)}:{tok(s + 'g10', 4, HEX)} with SMTP id {tok(s + 'g11', 24, 'abcdefghijklmnopqrstuvwxyz0123456789')}.{num(s + 'g12', 10, 99)}.{num(s + 'g13', 1000, 9999)};\n        {g_date(t1)}",
        ),
        (
            "ARC-Seal",
            f"i=1; a=rsa-sha256; t={ts}; cv=none;\n        d=google.com; s=arc-20240605;\n        b={fold(b64(s + 'arcs', 256), 70, chr(10) + '         ')}",
        ),
        (
            "ARC-Message-Signature",
            "i=1; a=rsa-sha256; c=relaxed/relaxed; d=google.com; s=arc-20240605;\n"
            "        h=to:subject:message-id:date:from:mime-version:dkim-signature;\n"
            f"        bh={b64(s + 'arcbh', 32)};\n"
            f"        fh={b64(s + 'arcfh', 32)};\n"
            f"        b={fold(b64(s + 'arcmb', 256), 70, chr(10) + '         ')}",
        ),
        ("ARC-Authentication-Results", "i=1; " + ar),
        ("Return-Path", f"<{env}>"),
        ("Received", f"from {host} ({host}. [{ip}])\n        {via}\n        {g_date(t)}"),
        ("Received-SPF", f"{spf} client-ip={ip};"),
        ("Authentication-Results", ar),
    ]


SIGNED = "From:To:Subject:Date:Message-ID:MIME-Version:Content-Type"


def build(m: Mail) -> bytes:
    t = m.sent_at
    env = m.envelope or m.sender.email
    env_dom = domain_of(env)
    n = len(m.origin.hops)
    t_in = t + timedelta(seconds=n + 1)
    headers: list[tuple[str, str]] = []
    after: list[tuple[str, str]] = []
    rcpt_domain = domain_of(m.rcpt_email)
    if rcpt_domain == EHPAD:
        top, after = m365_in(m, t_in, env_dom)
        headers += [("Return-Path", f"<{env}>"), *top]
    elif rcpt_domain == FAM:
        headers += google_in(m, t_in, env)
    else:
        headers += [("Return-Path", f"<{env}>"), *gandi_in(m, t_in, env)]
    stamp = int(t.timestamp())
    for i, hop in enumerate(m.origin.hops):
        ht = t + timedelta(seconds=n - i)
        headers.append(
            (
                "Received",
                hop.format(
                    ms=ms_date(ht),
                    pf=pf_date(ht),
                    gg=g_date(ht),
                    loc=rfc(ht),
                    rcpt=m.rcpt_email,
                    ymd=f"{ht:%Y.%m.%d}",
                ),
            )
        )
    for k, v in m.origin.trace:
        headers.append(
            (
                k,
                v.replace("{t}", str(stamp))
                .replace("{x}", str(stamp + 604800))
                .replace("{gg}", g_date(t)),
            )
        )
    for d, sel, _ in signatures(m):
        headers.append(("DKIM-Signature", dkim_signature(d, sel, m.name, t, SIGNED)))
    if m.date == "utc":
        date = ms_date(t)
    elif m.date == "pad":
        date = rfc(t, pad="0")
    else:
        date = rfc(t)
    headers.append(("From", addr(m.sender.name, m.sender.email, m.enc, m.charset)))
    headers.append(("To", addr(m.to.name, m.to.email, m.enc, m.charset)))
    if m.cc:
        headers.append(("Cc", ",\n\t".join(addr(p.name, p.email, m.enc, m.charset) for p in m.cc)))
    headers.append(("Subject", ew(m.subject, m.enc, m.charset)))
    headers.append(("Date", date))
    headers.append(("Message-ID", m.msgid or f"<{tok(m.name + 'mid', 24, HEX)}@{m.sender.domain}>"))
    headers += m.head
    headers += after
    headers.append(("MIME-Version", "1.0"))
    head = "".join(f"{k}: {v}\n" for k, v in headers)
    return head.encode() + m.body


# --- Body helpers ------------------------------------------------------------------------


def outlook_body(
    body: str,
    attachments: list[bytes] | None = None,
    cte: str = "quoted-printable",
    charset: str = "utf-8",
) -> bytes:
    entity = alt(plain(body), html_outlook(body), "outlook", cte, charset)
    return mixed([entity, *attachments], "outlook") if attachments else entity


def gmail_body(
    body: str, attachments: list[bytes] | None = None, cte: str = "quoted-printable"
) -> bytes:
    entity = alt(plain(body), html_gmail(body), "gmail", cte)
    return mixed([entity, *attachments], "gmail") if attachments else entity


def card_body(
    style: str,
    cte: str = "quoted-printable",
    *,
    brand: str,
    color: str,
    title: str,
    paragraphs: list[str],
    button: tuple[str, str] | None = None,
    after: list[str] | None = None,
    footer: list[str] | None = None,
    pixel: str = "",
    preheader: str = "",
) -> bytes:
    """A notification (``card``) with its text/plain twin, as multipart/alternative."""
    txt = card_text(title, paragraphs, button, after, footer)
    page = card(
        brand=brand,
        color=color,
        title=title,
        paragraphs=paragraphs,
        button=button,
        after=after,
        footer=footer,
        pixel=pixel,
        preheader=preheader,
    )
    return alt(txt, page, style, cte)


def mid_outlook(
    seed: str, mbx: str = "PAWP264MB5127", region: str = "FRAP264.PROD.OUTLOOK.COM"
) -> str:
    return f"<{mbx}{tok(seed, 20, '0123456789ABCDEF')}@{mbx}.{region}>"


def mid_gmail(seed: str) -> str:
    return (
        "<CA"
        + tok(seed, 1, "BCDEFGHJKLMNOPQRSTUVWXYZ")
        + tok(seed + "g", 43, ALNUM + "+_-")
        + "=@mail.gmail.com>"
    )


def thread_index(seed: str) -> str:
    return "AQH" + tok(seed + "ti", 29, ALNUM + "+/") + "=="


def outlook_head(seed: str, subject: str, *, attach: bool = False) -> list[tuple[str, str]]:
    return [
        ("Thread-Topic", ew(re.sub(r"^(RE|TR|Re|Fwd|FW) ?: ?", "", subject), "Q", "UTF-8")),
        ("Thread-Index", thread_index(seed)),
        ("Accept-Language", "fr-FR, en-US"),
        ("Content-Language", "fr-FR"),
        ("X-MS-Has-Attach", "yes" if attach else ""),
        ("X-MS-TNEF-Correlator", ""),
    ]


# --- Cast --------------------------------------------------------------------------------


def privateemail(seed: str) -> Origin:
    n = num(seed + "mta", 1, 12)
    return esp(
        f"MTA-{n:02d}.privateemail.com",
        f"198.54.127.{num(seed + 'ip', 40, 90)}",
        f"from MTA-{n:02d}.privateemail.com (localhost [127.0.0.1])\n\tby MTA-{n:02d}.privateemail.com (Postfix) with ESMTP id 4f{tok(seed + 'q', 11)}\n\tfor <{{rcpt}}>; {{pf}}",
        "US",
    )


def sendgrid(seed: str, ptr: str = "") -> Origin:
    host = ptr or f"{tok(seed + 'sg', 8, LOWER)}.outbound-mail.sendgrid.net"
    return esp(
        host,
        f"149.72.{num(seed + 'ip1', 100, 250)}.{num(seed + 'ip2', 2, 250)}",
        f"by recvd-{tok(seed + 'rv', 10, LOWER)}-{tok(seed + 'rv2', 5, LOWER)} with SMTP id {tok(seed + 'sid', 22)}\n\tfor <{{rcpt}}>; {{pf}}",
        "US",
    )


def mailgun(seed: str) -> Origin:
    a, b = num(seed + "a", 220, 230), num(seed + "b", 1, 20)
    return esp(
        f"m{a}-{b}.mailgun.net",
        f"159.135.{a}.{b}",
        f"by {tok(seed + 'h', 12, HEX)} with HTTP id {tok(seed + 'id', 24, HEX)}; {{pf}}",
        "US",
    )


def ses(seed: str, region: str = "eu-west-3") -> Origin:
    a, b = num(seed + "a", 1, 90), num(seed + "b", 1, 250)
    return esp(f"a{a}-{b}.smtp-out.{region}.amazonses.com", f"23.251.{a}.{b}", "", "FR")


def orange_out(seed: str, client_ip: str, domain: str, login: str = "") -> Origin:
    """A mailbox of Orange (orange.fr, wanadoo.fr) sending through smtp-*.smtp-out.orange.fr;
    ``login``: the account's name (the first letters of ``seed`` by default)."""
    n = num(seed + "n", 12, 29)
    o = Origin(
        host=f"smtp-{n}.smtp-out.orange.fr",
        ip=f"80.12.242.{n}",
        hops=[
            f"from [192.168.1.{num(seed + 'lan', 10, 40)}] ([{client_ip}])\n\tby smtp.orange.fr with ESMTPA\n\tid {tok(seed + 'oid', 14)}; {{loc}}"
        ],
        trace=[
            ("X-ME-Helo", f"[192.168.1.{num(seed + 'lan', 10, 40)}]"),
            ("X-ME-Auth", base64.b64encode(f"{login or seed[:6]}@{domain}".encode()).decode()),
            ("X-ME-Date", "{loc}"),
            ("X-ME-IP", client_ip),
        ],
    )
    return o
