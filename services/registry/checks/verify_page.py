"""The public verify page: what a label's QR code points to.

No login, no captcha; a phone-sized page in Chinese with English, and the same
answer as JSON for machines. This module makes the answers and decides whom a
request is from (for the rate limit); verify_server.py serves them.
"""

from __future__ import annotations

import datetime as dt
import html
import ipaddress
import json
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, unquote

from google.protobuf.json_format import MessageToDict

from services.core.provinces import Province
from services.registry.checks.label_answers import label_matches
from services.registry.checks.labels import LabelQueries
from services.registry.checks.page_head import page_head
from services.registry.records.store import Feed

_STATUS_TEXT = {
    "VALID": (
        "有效",
        "Valid",
        "#1b7f3b",
        "认证有效，三省一市互认 · Genuine and valid, recognised in the three provinces and Shanghai",
    ),
    "SUSPENDED": (
        "暂停",
        "Suspended",
        "#b26a00",
        "证书已暂停，请勿采信 · The certificate is suspended: do not rely on it",
    ),
    "REVOKED": ("撤销", "Revoked", "#b3261e", "证书已撤销 · The certificate has been revoked"),
    "CANCELLED": (
        "注销",
        "Cancelled",
        "#b3261e",
        "证书已注销 · The certificate has been cancelled",
    ),
    "EXPIRED": (
        "过期",
        "Expired",
        "#5f6368",
        "证书已过有效期 · The certificate is past its validity",
    ),
    "NOT_FOUND": (
        "未找到",
        "Not found",
        "#3c4043",
        "各省均未发布此编码 · No province has published this code",
    ),
    "CONFLICT": (
        "信息冲突",
        "Conflicting records",
        "#c15800",
        "各省记录不一致，请勿采信 · The provinces' records disagree: do not rely on it",
    ),
    "SERIOUS_VIOLATION": (
        "严重违法失信",
        "Serious violation",
        "#b3261e",
        "企业列入严重违法失信名单，联合惩戒，请勿采信 · The enterprise is on the "
        "serious-violation list: joint punishment, do not rely on the label",
    ),
}


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


_OUTCOME_CLASS = {"RECOGNIZED": "yes", "CONDITIONAL": "cond", "NOT_RECOGNIZED": "no"}
_OUTCOME_MARK = {"RECOGNIZED": "✓", "CONDITIONAL": "有条件 conditional", "NOT_RECOGNIZED": "✗"}


_NOT_YET = (
    "尚未生效",
    "Not yet valid",
    "证书有效期尚未开始 · The certificate's validity has not begun",
)


def _not_yet_valid(doc: dict[str, Any]) -> bool:
    """Whether every certificate of the label begins its validity after the day asked."""
    day = doc["valid_on"]
    return bool(doc["certificates"]) and all(c["valid_from"] > day for c in doc["certificates"])


def answer_document(labels: LabelQueries, query: str) -> dict[str, Any]:
    """The check's answer as plain data: the JSON form, and what the page shows."""
    # One code, so a refusal names it as CheckLabel does, not as a batch's codes[0].
    answer = labels.check([query], named=lambda _: "code")
    result = answer.results[0]
    matches = label_matches(result, answer)
    decided = answer.verdict(result)
    return {
        "query": result.query,
        "code": result.code,
        "found": bool(matches),
        "verdict": decided.status,
        "as_of": _iso(answer.as_of.known_at),
        "valid_on": answer.as_of.valid_on.isoformat(),
        "certificates": [
            MessageToDict(
                m, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
            )
            for m in matches
        ],
        "recognized_in": {p.value: p in result.standing.recognized_in for p in Province},
        # Each province's outcome, as DecideRecognition gives it.
        "recognition": {p.value: result.standing.outcome(p).value for p in Province},
        "conflicts": list(decided.conflicts),
        "notes": list(decided.notes),
        "credit_listings": list(result.standing.restricted_by),
        # Why it is recognised only conditionally (credit listings, open
        # conflicts), in DecideRecognition's words.
        "conditions": list(result.standing.conditions),
        "feeds": [_feed(f) for f in answer.feeds],
    }


def code_in(path: str, prefix: str) -> str:
    """The code in a label path (/v/<code>, /api/v1/labels/<code>), one rule
    for the page and its JSON: slashes around it are not part of it (a link
    with a trailing slash or a doubled one finds the label), and it is
    percent-decoded once, after, so an encoded "/" in a code stays."""
    return unquote(path.removeprefix(prefix).strip("/"))


# A public answer's parts that say when it was made (to the second).
_INSTANTS = frozenset({"as_of", "decided_at"})


def answer_tag(doc: dict[str, Any]) -> str:
    """What a label's or a report's answer ETag is made from: the answer
    without the instant it was made (`as_of`; a report's `decided_at` too), so
    a phone asking again gets 304 while the verdict, the certificates, the
    day and the feeds are unchanged (a new feed or day is a new answer)."""
    return json.dumps({k: v for k, v in doc.items() if k not in _INSTANTS}, sort_keys=True)


def _feed(feed: Feed) -> dict[str, Any]:
    return {
        "province": feed.province,
        "current_to": _iso(feed.last_accepted_at),
        "applied_at": _iso(feed.last_applied_at),
        "events_applied": feed.events_applied,
    }


def _zh(provinces: list[str]) -> str:
    return "、".join(Province(p).name_zh for p in provinces)


def _en(provinces: list[str]) -> str:
    return ", ".join(Province(p).name_en for p in provinces)


def _where_recognised(recognition: dict[str, str]) -> tuple[str, str] | None:
    """What the status line of a valid label says of recognition, and its
    colour, from the recognition lists: conditionally, in some provinces
    only, nowhere; None where it is recognised everywhere (the VALID text)."""
    yes = [p for p, o in recognition.items() if o == "RECOGNIZED"]
    cond = [p for p, o in recognition.items() if o == "CONDITIONAL"]
    if len(yes) == len(recognition):
        return None
    if not yes and not cond:
        return (
            "认证有效，但三省一市均不互认 · Genuine, but recognised in none of "
            "the three provinces and Shanghai",
            "#b3261e",
        )
    if len(yes) + len(cond) == len(recognition):
        zh = f"认证有效，{_zh(cond)}有条件互认" + (f"，{_zh(yes)}互认" if yes else "")
        en = f"Genuine and valid, recognised only conditionally in {_en(cond)}" + (
            f", recognised in {_en(yes)}" if yes else ""
        )
    else:
        some = [p for p, o in recognition.items() if o != "NOT_RECOGNIZED"]
        zh = f"认证有效，仅{_zh(some)}互认" + (f"（{_zh(cond)}有条件）" if cond else "")
        en = f"Genuine and valid, recognised only in {_en(some)}" + (
            f" ({_en(cond)} conditionally)" if cond else ""
        )
    return f"{zh}，详见下文 · {en}: see below", "#b26a00"


def _why_limited(doc: dict[str, Any]) -> str:
    """The heading of the reasons its recognition is limited: conditional in
    some province, or (a label in conflict) recognised nowhere."""
    if "CONDITIONAL" in doc["recognition"].values():
        return "有条件互认的原因 Why only conditionally"
    return "未予互认的原因 Why it is not recognised"


def render_page(doc: dict[str, Any]) -> str:
    zh, en, colour, explain = _STATUS_TEXT[doc["verdict"]]
    if doc["verdict"] == "EXPIRED" and _not_yet_valid(doc):
        # The contract has no status for it: EXPIRED, but the headline says which.
        zh, en, explain = _NOT_YET
    e = html.escape
    if doc["verdict"] == "VALID" and (partly := _where_recognised(doc["recognition"])):
        explain, colour = partly
    rows = []
    for c in doc["certificates"]:
        province = Province(c["province"].removeprefix("PROVINCE_"))
        rows.append(
            f"""<section class="cert">
<h2>{e(c["product"])} · {e(c["model"])}</h2>
<dl>
<dt>企业 Enterprise</dt><dd>{e(c["enterprise_name"])} ({e(c["enterprise_uscc"])})</dd>
<dt>认证机构 Certifying body</dt><dd>{e(c["body_name"])} ({e(c["body_code"])})</dd>
<dt>证书编号 Certificate</dt><dd>{e(c["certificate_number"])}</dd>
<dt>评价标准 Standard</dt><dd>{e(c["evaluation_standard"])}</dd>
<dt>有效期 Validity</dt><dd>{e(c["valid_from"])} — {e(c["valid_until"])}</dd>
<dt>状态 Status</dt><dd>{e(c["effective_status"].removeprefix("CERTIFICATE_STATUS_"))}
 ({e(c["status"].get("original", ""))})</dd>
<dt>发布省份 Published by</dt><dd>{province.name_zh} {province.name_en}{_COPY_NOTE[c["copy_standing"]]}</dd>
</dl></section>"""
        )
    recognised = " ".join(
        f'<span class="{_OUTCOME_CLASS[o]}">{Province(p).name_zh} {p} {_OUTCOME_MARK[o]}</span>'
        for p, o in doc["recognition"].items()
    )
    conflicts = "".join(f"<li>{e(c)}</li>" for c in doc["conflicts"])
    notes = "".join(f"<li>{e(n)}</li>" for n in doc["notes"])
    listings = "".join(f"<li>{e(c)}</li>" for c in doc["credit_listings"])
    conditions = "".join(f"<li>{e(c)}</li>" for c in doc["conditions"])
    feeds = "".join(
        f"<li>{Province(f['province']).name_zh} {Province(f['province']).name_en}: "
        f"更新至 current to {e(f['current_to'] or '—')}</li>"
        for f in doc["feeds"]
    )
    if doc["found"]:
        headline = f"标志 {e(doc['code'])}"
    else:
        headline = (
            f"截至 {e(doc['as_of'])} 未找到标志 {e(doc['code'])} / "
            f"Label {e(doc['code'])} not found as of {e(doc['as_of'])}"
        )
    return (
        page_head("绿色产品标识核验 Green product label check", colour)
        + f"""<p>{headline}</p>
<div class="status" id="status">{zh} {en.upper()}<small>{explain}</small></div>
{f'<div class="conflicts"><b>冲突 Conflicts</b><ul>{conflicts}</ul></div>' if conflicts else ""}
{f'<div class="notes"><b>说明 Notes</b><ul>{notes}</ul></div>' if notes else ""}
{f'<div class="conflicts"><b>严重违法失信名单 Serious-violation list</b><ul>{listings}</ul></div>' if listings else ""}
{f'<div class="notes" id="conditions"><b>{_why_limited(doc)}</b><ul>{conditions}</ul></div>' if conditions else ""}
{"".join(rows)}
<p><b>三省一市互认 Recognised in</b><br>{recognised}</p>
<footer><p>核验时间 Checked at {e(doc["as_of"])}; 各省数据 provinces' feeds:</p><ul>{feeds}</ul>
<p><a href="{e(label_api_path(doc["code"]))}">JSON</a></p></footer>
</main></body></html>"""
    )


def label_api_path(code: str) -> str:
    """The JSON answer's path for a code, the code one percent-encoded path
    segment (a certificate number may hold "%", "#", "?" or "/")."""
    return "/api/v1/labels/" + quote(code, safe="")


# How a province's copy stands, beside the province that published it.
_COPY_NOTE = {
    "COPY_STANDING_UNSPECIFIED": "",
    "COPY_STANDING_CURRENT": "",
    "COPY_STANDING_LAGGING": " — 数据滞后 lagging",
    "COPY_STANDING_CONFLICTING": " — 与他省不一致 conflicting",
}


def found_or_404(doc: dict[str, Any]) -> HTTPStatus:
    """An unknown code is 404 Not Found (with the page or JSON that says so, and
    what it is based on), so machines need not parse the body to tell."""
    return HTTPStatus.OK if doc["found"] else HTTPStatus.NOT_FOUND


def client_of(peer: str, forwarded_for: str | None, trusted: Sequence[IPNetwork]) -> str:
    """Whom a request is from, for the rate limit: the peer, unless the peer is
    a trusted proxy; then the nearest address in X-Forwarded-For that is not a
    trusted proxy (the ones further left are the client's to write, so they
    cannot be believed). Without trusted proxies the header is ignored: a
    client cannot spoof it to get a fresh allowance."""
    if not trusted or forwarded_for is None or not _within(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _within(address: str, networks: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(cidrs: Sequence[str]) -> list[IPNetwork]:
    """The networks named (an address with host bits, 10.244.0.1/16, names its
    network rather than stopping the service)."""
    return [ipaddress.ip_network(n, strict=False) for n in cidrs]


FORM = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>绿色产品标识核验</title></head>
<body><main style="max-width:40rem;margin:0 auto;padding:1rem;font-family:sans-serif">
<h1>绿色产品标识核验<br><small>Green product label check</small></h1>
<form action="/v" method="get"><input name="code" placeholder="标志编码 / 证书编号 label code or certificate number"
 style="width:100%;font-size:1.2rem;padding:.5rem"><button style="font-size:1.2rem;margin-top:.5rem">核验 Check</button></form>
<h1>检验检测报告核验<br><small>Test report check</small></h1>
<form action="/r" method="get"><input name="cma" placeholder="CMA 编号 CMA number"
 style="width:100%;font-size:1.2rem;padding:.5rem;margin-bottom:.5rem"><input name="number"
 placeholder="报告编号 report number" style="width:100%;font-size:1.2rem;padding:.5rem"><button
 style="font-size:1.2rem;margin-top:.5rem">核验 Check</button></form>
</main></body></html>"""
