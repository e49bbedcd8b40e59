"""A tiny HTML renderer: escaped text, tables, embedded figures and the page shell.

Every piece of text from the inputs goes through :func:`esc`; the page needs no script,
font or stylesheet from elsewhere, so it can be mailed as a single file.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from string import Template


@dataclass(frozen=True)
class Section:
    """One report section: an anchor, a heading and its (already safe) HTML body."""

    anchor: str
    title: str
    body: str


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def para(text: str, cls: str = "") -> str:
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


def bullets(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], caption: str = "") -> str:
    """A table of escaped cells; cells after the first are right-aligned numbers."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure(png: bytes, alt: str, caption: str = "") -> str:
    """A PNG embedded as a data URI."""
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">{cap}</figure>'


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 margin:0;color:#1d2330;background:#f6f7f9;line-height:1.45}
header{background:#1f3a5f;color:#fff;padding:1.4em 2em}
header h1{margin:0 0 .2em 0;font-size:1.6em}
header p{margin:0;opacity:.85}
nav{background:#e8ecf2;padding:.5em 2em;font-size:.9em}
nav a{margin-right:1.2em;color:#1f3a5f;text-decoration:none}
main{max-width:1180px;margin:0 auto;padding:1em 2em 3em}
section{background:#fff;border-radius:6px;padding:1em 1.5em;margin:1.2em 0;
 box-shadow:0 1px 3px rgba(0,0,0,.08);overflow-x:auto}
h2{color:#1f3a5f;border-bottom:2px solid #e8ecf2;padding-bottom:.3em}
h3{color:#2b4c7e}
table{border-collapse:collapse;margin:.8em 0;font-size:.88em}
caption{text-align:left;font-weight:600;padding-bottom:.3em}
th,td{border-bottom:1px solid #e3e6eb;padding:.35em .6em;text-align:right}
th:first-child,td:first-child{text-align:left;min-width:8em}
td:not(:first-child){white-space:nowrap}
th{background:#f0f3f7}
figure{margin:1em 0}
img{max-width:100%;height:auto;border:1px solid #e3e6eb}
figcaption{font-size:.88em;color:#555}
.note{color:#555;font-size:.92em}
.finding{background:#f3f7fc;border-left:4px solid #2b6cb0;padding:.6em 1em}
footer{text-align:center;color:#777;font-size:.85em;padding:1em}
"""

PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>$css</style>
</head>
<body>
<header><h1>$title</h1><p>$subtitle</p></header>
<nav>$nav</nav>
<main>
$sections
</main>
<footer>$footer</footer>
</body>
</html>
""")


def page(title: str, subtitle: str, sections: Sequence[Section], footer: str) -> str:
    """The whole self-contained document."""
    nav = "".join(f'<a href="#{esc(s.anchor)}">{esc(s.title)}</a>' for s in sections)
    body = "\n".join(
        f'<section id="{esc(s.anchor)}"><h2>{esc(s.title)}</h2>\n{s.body}\n</section>'
        for s in sections
    )
    return PAGE.substitute(
        title=esc(title),
        subtitle=esc(subtitle),
        css=CSS,
        nav=nav,
        sections=body,
        footer=esc(footer),
    )
