"""Report-mail HTML made safe to show.

Two layers, so one mistake is not enough: nh3 strips scripts, event handlers, forms,
frames and links here, and the page that shows the result is served from its own route
with ``Content-Security-Policy: default-src 'none'`` inside ``<iframe sandbox>``.
"""

from __future__ import annotations

import html

import nh3

_TAGS = {
    "a", "abbr", "b", "big", "blockquote", "br", "caption", "center", "code", "col",
    "colgroup", "dd", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strike", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}
_LAYOUT = {"align", "valign", "width", "height", "bgcolor", "border", "class", "style",
           "title", "dir", "lang"}
_ATTRIBUTES = {
    "*": _LAYOUT,
    "table": {"cellpadding", "cellspacing", "summary"},
    "td": {"colspan", "rowspan", "nowrap"},
    "th": {"colspan", "rowspan", "nowrap", "scope"},
    "font": {"color", "face", "size"},
    "col": {"span"},
    "colgroup": {"span"},
    # Links keep their text only: a report mail has no business sending us anywhere.
    "a": {"title"},
    # Only inline data: images survive; remote images would tell the sender we looked.
    "img": {"src", "alt"},
}
# CSS properties kept in style="…": looks only; url() cannot load under the CSP anyway.
_STYLE = {
    "background-color", "border", "border-bottom", "border-collapse", "border-color",
    "border-left", "border-right", "border-spacing", "border-style", "border-top",
    "border-width", "color", "display", "font", "font-family", "font-size", "font-style",
    "font-weight", "height", "line-height", "margin", "margin-bottom", "margin-left",
    "margin-right", "margin-top", "max-width", "min-width", "padding", "padding-bottom",
    "padding-left", "padding-right", "padding-top", "text-align", "text-decoration",
    "vertical-align", "white-space", "width", "word-break",
}

# The policy of the route that serves sanitised mail; nothing may load or run.
MAIL_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox")


def sanitize_html(markup: str) -> str:
    """Only layout survives: no script, handler, form, frame, link target or remote load."""
    return nh3.clean(
        markup,
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head", "noscript", "template",
                            "iframe", "object", "embed", "svg", "math"},
        attributes=_ATTRIBUTES,
        url_schemes={"data"},
        filter_style_properties=_STYLE,
        link_rel=None,
        strip_comments=True,
    )


def mail_document(html_body: str | None, text_body: str) -> str:
    """A complete HTML document for the sandboxed frame."""
    if html_body and html_body.strip():
        body = sanitize_html(html_body)
    else:
        body = f"<pre>{html.escape(text_body)}</pre>"
    return ("<!doctype html><html><head><meta charset=\"utf-8\">"
            "<style>body{font-family:sans-serif;font-size:14px;margin:8px;color:#222}"
            "pre{white-space:pre-wrap;word-break:break-word}</style></head>"
            f"<body>{body}</body></html>")
