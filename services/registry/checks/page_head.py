"""The head every public page shares: a phone-sized layout in Chinese with
English, and a status line in the colour of its verdict."""

from __future__ import annotations

import html


def page_head(title: str, colour: str) -> str:
    """The document up to <body><main> (title escaped; colour a CSS colour)."""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body{{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:0;background:#f6f7f9;color:#202124}}
main{{max-width:40rem;margin:0 auto;padding:1rem}}
.status{{background:{colour};color:#fff;padding:1.2rem 1rem;border-radius:.6rem;font-size:1.6rem;font-weight:700}}
.status small{{display:block;font-size:1rem;font-weight:400}}
.cert{{background:#fff;border-radius:.6rem;padding:.8rem 1rem;margin:1rem 0}}
dt{{color:#5f6368;font-size:.85rem}} dd{{margin:0 0 .5rem 0}}
.yes{{color:#1b7f3b}} .no{{color:#b3261e}} .cond{{color:#9a6700}} span{{margin-right:.8rem;white-space:nowrap}}
.conflicts{{background:#fff4e5;border-left:4px solid #c15800;padding:.5rem 1rem}}
footer{{color:#5f6368;font-size:.85rem}}
</style></head>
<body><main>
"""


def refusal_page(message: str, violations: list[tuple[str, str]]) -> str:
    """A refused request (400) as a page: a person who typed or pasted a code
    reads why, in Chinese and English, where a machine reads the JSON."""
    e = html.escape
    why = "".join(f"<li><code>{e(field)}</code>: {e(text)}</li>" for field, text in violations)
    return (
        page_head("无效请求 Invalid request", "#3c4043")
        + f"""<div class="status" id="status">无效请求 INVALID REQUEST<small>请检查输入的编码或编号 · {e(message)}</small></div>
<section class="cert"><ul>{why}</ul></section>
<p><a href="/">重新核验 Check again</a></p>
</main></body></html>"""
    )
