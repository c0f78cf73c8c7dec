"""Decode a raw RFC 822 mail once into a :class:`MailView` that every parser shares.

Report mails arrive in every state: folded and RFC 2047 encoded subjects, unknown or
lying charsets, bodies cut short, 30 MB log attachments. Nothing here may raise; a
part that cannot be read is skipped or decoded with replacement characters.
"""

from __future__ import annotations

import binascii
import codecs
import contextlib
import email
import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_tz
from typing import Any
from urllib.parse import unquote

# Bodies larger than this are not decoded into text: no report body is this large,
# but attached logs and PDFs are, and they must not cost time or memory.
MAX_BODY_BYTES = 2 * 1024 * 1024
# An attached mail larger than this is a mail archive, not a forwarded report.
MAX_FORWARDED_BYTES = 5 * 1024 * 1024


@dataclass(slots=True, init=False)
class MailView:
    """A mail decoded once, shared by every parser.

    ``text`` is the text/plain body, or, for HTML-only mails, text derived from the HTML
    on first use: the Veeam parsers read the HTML tree and never need it.
    """

    subject: str
    sender: str  # address, lower case
    sender_name: str
    message_id: str | None
    date: datetime | None  # UTC, from the Date header
    html: str | None
    attachments: list[tuple[str, str, int]]  # (filename, content type, size)
    # Mails attached whole (message/rfc822, "forward as attachment"): raw bytes, so
    # a report forwarded that way can still be read (registry.parse_view).
    forwarded: list[bytes]
    # The Date header's own UTC offset: report bodies print local times in it.
    date_offset: timedelta | None
    _text: str | None = field(default=None, repr=False)
    # selectolax tree of ``html``, built on first use and shared by the parsers.
    _tree: Any = field(default=None, repr=False, compare=False)

    def __init__(
        self,
        subject: str = "",
        sender: str = "",
        sender_name: str = "",
        message_id: str | None = None,
        date: datetime | None = None,
        text: str | None = None,
        html: str | None = None,
        attachments: list[tuple[str, str, int]] | None = None,
        date_offset: timedelta | None = None,
    ) -> None:
        self.subject = subject
        self.sender = sender
        self.sender_name = sender_name
        self.message_id = message_id
        self.date = date
        self._text = text
        self.html = html
        self.attachments = attachments if attachments is not None else []
        self.forwarded = []
        self.date_offset = date_offset
        self._tree = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = html_to_text(self.html) if self.html else ""
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self._text = value

    def tree(self) -> Any:
        """Parsed ``html`` (selectolax), or None when the mail has no HTML part."""
        if self._tree is None and self.html:
            from selectolax.lexbor import LexborHTMLParser

            self._tree = LexborHTMLParser(self.html)
        return self._tree


def decode_mail(raw: bytes) -> MailView:
    """Decode a complete mail (headers and body). Never raises.

    A small MIME reader of our own does the work (the stdlib parser costs several times
    more per mail); anything it cannot handle goes through the stdlib parser instead.
    """
    if isinstance(raw, str):  # be lenient with callers that already decoded
        raw = raw.encode("utf-8", "surrogateescape")
    try:
        return _decode_fast(raw)
    except Exception:  # noqa: S110 - the stdlib path below is the fallback
        pass
    return _decode_stdlib(raw)


def _finish(view: MailView, texts: list[str], htmls: list[str]) -> MailView:
    plain = "\n".join(t for t in texts if t.strip())
    view.html = "\n".join(htmls) if htmls else None
    # No text part: leave text to be derived from the HTML when a parser asks for it.
    view.text = plain if plain.strip() or not view.html else None  # type: ignore[assignment]
    return view


def _decode_stdlib(raw: bytes) -> MailView:
    try:
        msg = email.message_from_bytes(raw)
    except Exception:  # the stdlib parser is lenient, but nothing is guaranteed
        return decode_body_only(raw)
    view = MailView()
    _read_headers(_raw_headers(msg), view)
    texts: list[str] = []
    htmls: list[str] = []
    # A broken part must not lose the headers and parts already read.
    with contextlib.suppress(Exception):
        _walk(msg, view, texts, htmls, depth=0)
    return _finish(view, texts, htmls)


# --- the fast MIME reader ----------------------------------------------------------------
_HEAD_END_RE = re.compile(rb"\r?\n\r?\n")
_FOLD_RE = re.compile(r"\r?\n(?=[ \t])")
_PARAM_RE = re.compile(r';\s*([\w\-*.]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)')
_B64_JUNK_RE = re.compile(rb"[^A-Za-z0-9+/]")


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    if data[:1] in (b"\n", b"\r"):  # no header block at all
        return b"", data.lstrip(b"\r\n")
    match = _HEAD_END_RE.search(data)
    if match is None:
        return data, b""
    return data[: match.start()], data[match.end():]


def _headers(block: bytes) -> dict[str, str]:
    """First value of each header; 8-bit bytes kept as surrogate escapes."""
    text = _FOLD_RE.sub("", block.decode("ascii", "surrogateescape"))
    headers: dict[str, str] = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon and name and " " not in name.strip():
            headers.setdefault(name.strip().lower(), value.strip())
    return headers


def _params(value: str) -> tuple[str, dict[str, str]]:
    """``text/html; charset="utf-8"`` -> ("text/html", {"charset": "utf-8"})."""
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for key, raw in _PARAM_RE.findall(";" + rest):
        key = key.lower()
        raw = raw.strip()
        if raw.startswith('"'):
            raw = raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:]
            raw = raw.replace('\\"', '"')
        if key.endswith("*"):  # RFC 2231: charset'lang'percent-encoded
            charset, _, encoded = raw.partition("'")
            encoded = encoded.partition("'")[2] if encoded else raw
            key = key[:-1]
            raw = unquote(encoded, encoding=charset or "utf-8", errors="replace") \
                if _known_charset(charset or "utf-8") else unquote(encoded, errors="replace")
        params.setdefault(key, raw)
    return main.strip().lower() or "text/plain", params


def _known_charset(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _decode_fast(raw: bytes) -> MailView:
    head, body = _split_head(raw)
    headers = _headers(head)
    view = MailView()
    _read_headers(headers, view)
    texts: list[str] = []
    htmls: list[str] = []
    _fast_part(headers, body, view, texts, htmls, depth=0)
    return _finish(view, texts, htmls)


def _fast_part(headers: dict[str, str], body: bytes, view: MailView, texts: list[str],
               htmls: list[str], depth: int) -> None:
    ctype, params = _params(headers.get("content-type", "text/plain"))
    if "/" not in ctype:
        ctype = "text/plain"
    if ctype.startswith("multipart/"):
        boundary = params.get("boundary")
        if not boundary or depth > 20:
            return
        for part in _split_multipart(body, boundary.encode("ascii", "surrogateescape")):
            sub_head, sub_body = _split_head(part)
            sub_headers = _headers(sub_head)
            if "content-type" not in sub_headers and ctype == "multipart/digest":
                sub_headers["content-type"] = "message/rfc822"
            _fast_part(sub_headers, sub_body, view, texts, htmls, depth + 1)
        return
    disposition, disposition_params = _params(headers.get("content-disposition", "inline"))
    filename = decode_header_value(disposition_params.get("filename") or params.get("name") or "")
    cte = headers.get("content-transfer-encoding", "").strip().lower()
    is_text = ctype.startswith("text/")
    if (disposition == "attachment" or (filename and not is_text) or not is_text
            or ctype == "message/rfc822" or len(body) > MAX_BODY_BYTES * 2):
        view.attachments.append((filename, ctype, _size_without_decoding(body, cte)))
        if ctype == "message/rfc822" and len(body) <= MAX_FORWARDED_BYTES and len(view.forwarded) < 3:
            view.forwarded.append(_transfer_decode(body, cte))
        return
    data = _transfer_decode(body, cte)
    text = _decode_bytes(data[:MAX_BODY_BYTES], params.get("charset"))
    if ctype == "text/html":
        htmls.append(text)
    elif ctype in ("text/plain", "text/enriched", "text/markdown"):
        texts.append(text)
    elif filename:
        view.attachments.append((filename, ctype, len(data)))


def _split_multipart(body: bytes, boundary: bytes) -> list[bytes]:
    """The parts between ``--boundary`` lines; a missing closing line (a truncated mail)
    keeps what arrived. ``bytes.find`` rather than a regex: it is the hot loop."""
    marker = b"--" + boundary
    parts: list[bytes] = []
    start: int | None = None
    pos = 0
    while (found := body.find(marker, pos)) >= 0:
        line_end = body.find(b"\n", found)
        line_end = len(body) if line_end < 0 else line_end + 1
        rest = body[found + len(marker): line_end].strip()
        pos = found + len(marker)
        if (found and body[found - 1: found] != b"\n") or rest not in (b"", b"--"):
            continue  # "--boundary" inside a line, or a longer boundary
        if start is not None:
            stop = found - 1 if found else 0
            if stop and body[stop - 1: stop] == b"\r":
                stop -= 1
            parts.append(body[start:max(stop, start)])
        if rest == b"--":
            return parts
        start = pos = line_end
    if start is not None:
        parts.append(body[start:])
    return parts


def _transfer_decode(body: bytes, cte: str) -> bytes:
    if cte == "base64":
        cleaned = _B64_JUNK_RE.sub(b"", body)
        cleaned = cleaned[: len(cleaned) - len(cleaned) % 4]
        try:
            return binascii.a2b_base64(cleaned)
        except (binascii.Error, ValueError):
            return b""
    if cte == "quoted-printable":
        try:
            return binascii.a2b_qp(body)
        except (binascii.Error, ValueError):
            return body
    return body


def _size_without_decoding(body: bytes, cte: str) -> int:
    """An attachment's decoded size, computed without decoding it (it may be 30 MB)."""
    if cte == "base64":
        data = len(body) - sum(body.count(c) for c in (b"\r", b"\n", b" ", b"\t"))
        return data * 3 // 4 - body.rstrip().count(b"=")
    return len(body)


def _raw_headers(msg: Message) -> dict[str, str]:
    """First value of each header, raw: 8-bit bytes still as surrogate escapes (the
    stdlib would turn them into replacement characters)."""
    headers: dict[str, str] = {}
    with contextlib.suppress(Exception):
        for name, value in msg.raw_items():
            headers.setdefault(name.lower(), str(value))
    return headers


def decode_header_value(value: str) -> str:
    """Unfold and decode an RFC 2047 header value; unknown charsets degrade, not fail."""
    value = _undo_surrogates(re.sub(r"\r?\n[ \t]+", " ", value))
    if "=?" not in value:
        return value.strip()
    try:
        parts = decode_header(value)
    except Exception:
        return value.strip()
    result = ""
    previous: bool | None = None
    for chunk, charset in parts:
        encoded = charset is not None
        text = _decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
        # decode_header drops the blank between an encoded word and plain text; put it
        # back, but never between two encoded words (RFC 2047 section 6.2).
        if result and previous is not None and encoded != previous \
                and not result.endswith(" ") and not text.startswith(" "):
            result += " "
        result += text
        previous = encoded
    return re.sub(r"\s+", " ", result).strip()


def _undo_surrogates(value: str) -> str:
    """Raw 8-bit header bytes reach us as surrogate escapes: read them as UTF-8."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return _decode_bytes(value.encode("utf-8", "surrogateescape"), None)


def _read_headers(raw: dict[str, str], view: MailView) -> None:
    view.subject = decode_header_value(raw.get("subject", ""))
    from_value = decode_header_value(raw.get("from", ""))
    view.sender_name, view.sender = split_address(from_value)
    if not view.sender and "@" in from_value:
        match = re.search(r"[\w.+\-]+@[\w.\-]+", from_value)
        view.sender = match.group(0).lower() if match else ""
    message_id = decode_header_value(raw.get("message-id", "")).strip()
    view.message_id = message_id or None
    view.date, view.date_offset = parse_date_header(decode_header_value(raw.get("date", "")))


_ANGLE_ADDR_RE = re.compile(r'^\s*"?(?P<name>[^"<]*?)"?\s*<(?P<addr>[^<>@\s]+@[^<>\s]+)>\s*$')
_BARE_ADDR_RE = re.compile(r"^\s*(?P<addr>[^<>@\s\"]+@[^<>\s\"]+)\s*(?:\((?P<name>[^)]*)\))?\s*$")


def split_address(value: str) -> tuple[str, str]:
    """(display name, lower-case address) of a From value; the common shapes by regex,
    anything odd through the stdlib."""
    match = _ANGLE_ADDR_RE.match(value) or _BARE_ADDR_RE.match(value)
    if match:
        return (match.group("name") or "").strip(), match.group("addr").lower()
    try:
        addresses = getaddresses([value])
    except Exception:
        addresses = []
    if addresses and addresses[0][1]:
        return addresses[0][0].strip(), addresses[0][1].strip().lower()
    return "", ""


def parse_date_header(value: str) -> tuple[datetime | None, timedelta | None]:
    """RFC 2822 Date -> (aware UTC datetime, the header's own offset)."""
    if not value:
        return None, None
    try:
        parts = parsedate_tz(value)
    except Exception:
        return None, None
    if not parts:
        return None, None
    try:
        offset = timedelta(seconds=parts[9]) if parts[9] is not None else None
        local = datetime(*parts[:6])
    except (ValueError, TypeError, OverflowError):
        return None, None
    return (local - (offset or timedelta(0))).replace(tzinfo=UTC), offset


def _walk(part: Message, view: MailView, texts: list[str], htmls: list[str], depth: int) -> None:
    if depth > 20:  # hostile nesting
        return
    if part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    _walk(sub, view, texts, htmls, depth + 1)
        return
    ctype = (part.get_content_type() or "text/plain").lower()
    disposition = (part.get("Content-Disposition") or "").lower()
    filename = _filename(part)
    is_attachment = "attachment" in disposition or (filename and not ctype.startswith("text/"))
    if ctype == "message/rfc822":
        is_attachment = True
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message) \
                and len(view.forwarded) < 3:
            with contextlib.suppress(Exception):  # a broken inner mail is just an attachment
                view.forwarded.append(inner[0].as_bytes())
    # The private payload keeps 8-bit bytes as surrogate escapes; get_payload() would
    # already have replaced them.
    raw_payload = getattr(part, "_payload", "")
    if not isinstance(raw_payload, str):
        raw_payload = ""
    if is_attachment or not ctype.startswith("text/") or len(raw_payload) > MAX_BODY_BYTES * 2:
        view.attachments.append((filename or "", ctype, _encoded_size(part, raw_payload)))
        return
    body = _decode_part(part, raw_payload)
    if ctype == "text/html":
        htmls.append(body)
    elif ctype in ("text/plain", "text/enriched", "text/markdown"):
        texts.append(body)
    elif filename:
        view.attachments.append((filename, ctype, len(raw_payload)))


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    return decode_header_value(name) if name else ""


def _encoded_size(part: Message, payload: str) -> int:
    """Decoded size of an attachment, computed without decoding it."""
    cte = (part.get("Content-Transfer-Encoding") or "").strip().lower()
    if cte == "base64":
        data_chars = len(payload) - sum(payload.count(c) for c in "\r\n \t")
        return data_chars * 3 // 4 - payload.rstrip().count("=")
    return len(payload)


def _decode_part(part: Message, payload: str) -> str:
    cte = (part.get("Content-Transfer-Encoding") or "").strip().lower()
    try:
        if cte in ("base64", "quoted-printable"):
            data = part.get_payload(decode=True) or b""
        else:
            # 7bit/8bit: the parser kept raw bytes as surrogate escapes; get them back.
            data = payload.encode("ascii", "surrogateescape")
    except Exception:
        data = payload.encode("utf-8", "replace")
    charset = None
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return _decode_bytes(data[:MAX_BODY_BYTES], charset)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    charset = (charset or "").strip().strip('"').lower()
    if charset in ("", "us-ascii", "ascii", "unknown-8bit", "x-unknown"):
        charset = "utf-8"
    try:
        return data.decode(charset)
    except LookupError:  # charset Python does not know: utf-8 first, latin-1 never fails
        pass
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace") if charset != "latin-1" else data.decode(
            "latin-1")


_HEADER_LINE_RE = re.compile(rb"^[A-Za-z][A-Za-z0-9\-]{0,60}:[^\r\n]*\r?$")
_PSEUDO_HEADER_RE = re.compile(
    r"^\s*(from|absender|van|de|subject|betreff|onderwerp|objet|sent|date|datum|to|an|aan)"
    r"\s*:\s*(.*)$",
    re.IGNORECASE,
)
_HTML_HINT_RE = re.compile(r"<(?:html|body|table|br|p|div|span|td|font)\b", re.IGNORECASE)


def looks_like_mail(raw: bytes) -> bool:
    """True if ``raw`` starts with an RFC 822 header block (not a bare body)."""
    head = raw[:8192].lstrip(b"\r\n")
    if head.startswith(b"From "):  # mbox separator line of a saved mail
        head = head.partition(b"\n")[2]
    lines = head.splitlines()
    header_lines = 0
    for line in lines[:40]:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t") and header_lines:
            continue
        if not _HEADER_LINE_RE.match(line):
            return False
        header_lines += 1
    if header_lines == 0:
        return False
    known = (b"from:", b"subject:", b"date:", b"message-id:", b"mime-version:", b"received:",
             b"content-type:", b"to:", b"return-path:")
    return any(line.lower().startswith(known) for line in lines[:40])


def decode_body_only(raw: bytes) -> MailView:
    """Decode a bare HTML or text body (a saved report, a pasted body). Never raises.

    Pasted bodies often start with the forwarding lines a person typed or a mail client
    added ("From: …", "Betreff: …"); those are read as sender and subject.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    body = _decode_bytes(raw[:MAX_BODY_BYTES], None).lstrip("\ufeff")
    view = MailView()
    lines = body.splitlines()
    consumed = 0
    for index, line in enumerate(lines[:12]):
        if not line.strip():
            continue
        match = _PSEUDO_HEADER_RE.match(line)
        if not match:
            break
        key, value = match.group(1).lower(), match.group(2).strip()
        if key in ("from", "absender", "van", "de") and "@" in value:
            try:
                name, address = getaddresses([value])[0]
            except Exception:
                name, address = "", value
            view.sender, view.sender_name = address.lower(), name
        elif key in ("subject", "betreff", "onderwerp", "objet"):
            view.subject = value
        consumed = index + 1
    if consumed:
        body = "\n".join(lines[consumed:])
    if _HTML_HINT_RE.search(body[:100000]):
        view.html = body
        view.text = None  # type: ignore[assignment]  # derived from the HTML on first use
    else:
        view.text = body
    return view


# --- HTML to text -------------------------------------------------------------------------
# Regexes rather than a DOM walk: this runs for every HTML-only mail and must be cheap.
# Rows become lines and cells are separated by a tab, so the text keeps table structure
# that text-based parsers can split on.
_DROP_RE = re.compile(r"<(script|style|head|title)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_PRE_RE = re.compile(r"<pre\b[^>]*>(.*?)</pre\s*>", re.IGNORECASE | re.DOTALL)
_CELL_END_RE = re.compile(r"</[tT][dDhH]\s*>")


def _ci(word: str) -> str:
    """Case-insensitive pattern text without re.IGNORECASE, which is slow on long input."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


_BLOCKS = ("br", "p", "div", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
           "hr", "blockquote", "center", "pre")
_BREAK_RE = re.compile(r"</?(?:" + "|".join(_ci(b) for b in _BLOCKS) + r")\b[^>]*>")
_TAG_RE = re.compile(r"<[^>]*>")


def html_to_text(markup: str) -> str:
    """Readable text from report HTML: one line per row/paragraph, cells tab-separated.

    Regexes anchored on ``<`` and ``str.split`` only: whitespace regexes over long
    attribute-laden HTML cost ten times more.
    """
    if not markup:
        return ""
    lowered = markup[:200000].lower()
    if "<!--" in markup:
        markup = _COMMENT_RE.sub(" ", markup)
    if "<script" in lowered or "<style" in lowered or "<head" in lowered or "<title" in lowered:
        markup = _DROP_RE.sub(" ", markup)
    pres: list[str] = []
    if "<pre" in lowered:

        def keep_pre(match: re.Match[str]) -> str:
            pres.append(html_lib.unescape(_TAG_RE.sub("", match.group(1))))
            return f"<br>\x00{len(pres) - 1}\x00<br>"

        markup = _PRE_RE.sub(keep_pre, markup)
    markup = " ".join(markup.split())  # collapses every whitespace run, nbsp included
    markup = _CELL_END_RE.sub("\t", markup)
    markup = _BREAK_RE.sub("\n", markup)
    markup = _TAG_RE.sub("", markup)
    text = html_lib.unescape(markup)
    lines = []
    for line in text.split("\n"):
        if "\t" in line:
            line = "\t".join(" ".join(cell.split()) for cell in line.split("\t"))
            line = line.strip("\t ")
        else:
            line = " ".join(line.split())
        if line:
            lines.append(line)
    text = "\n".join(lines)
    if pres:
        text = re.sub(r"\x00(\d+)\x00", lambda m: pres[int(m.group(1))], text)
    return text
