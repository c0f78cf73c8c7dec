"""The one place that speaks HTTP to Autotask (contract sections A and D).

Everything else in Backupchecks goes through :class:`AutotaskClient`.  The
client knows transport concerns only — zones, headers, retries, paging,
batching, error mapping.  Ticket workflows that must respect the contract's
invariants (GET before PUT, full updates, never PATCH) live in ``tickets.py``.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

import requests

from backupchecks.autotask.errors import (
    AutotaskAuthError,
    AutotaskConfigError,
    AutotaskError,
    AutotaskNotFound,
    AutotaskPermissionError,
    AutotaskRateLimited,
    AutotaskUnavailable,
    AutotaskValidationError,
)
from backupchecks.autotask.filters import MAX_IN_VALUES, F, Filter, as_filter_list, chunks

logger = logging.getLogger(__name__)

DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/ATServicesRest/V1.0/zoneInformation"
API_PATH = "ATServicesRest/V1.0"

#: Statuses worth another try for a safe read; anything else is an answer.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
#: A Retry-After longer than this means "the hourly threshold is spent": waiting
#: inside a web request would only hang the page, so the error goes to the caller.
MAX_RETRY_AFTER = 60.0
MAX_BACKOFF = 8.0

OnRequest = Callable[[str, str, "int | None", float], None]


@dataclass(frozen=True, repr=False)
class AutotaskCredentials:
    """How to reach one tenant. ``base_url`` is the admin's manual zone override."""

    username: str
    secret: str
    integration_code: str
    base_url: str | None = None
    zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL
    impersonation_resource_id: int | None = None

    def __repr__(self) -> str:
        # The secret and the integration code never leave through a repr or a log line.
        return (
            f"AutotaskCredentials(username={self.username!r}, secret='***', "
            f"integration_code='***', base_url={self.base_url!r}, "
            f"zone_lookup_url={self.zone_lookup_url!r}, "
            f"impersonation_resource_id={self.impersonation_resource_id!r})"
        )

    __str__ = __repr__


@dataclass(frozen=True)
class ZoneInfo:
    zone_name: str
    api_url: str  # normalised, ends with "ATServicesRest/V1.0/"
    web_url: str  # ends with "/"
    ci: int | None = None


# Zone answers per (lookup url, user): tenants rarely move, and every lookup is
# a round trip before the first real call.
_zone_cache: dict[tuple[str, str], ZoneInfo] = {}
_zone_lock = threading.Lock()


def clear_zone_cache() -> None:
    with _zone_lock:
        _zone_cache.clear()


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_secure(url: str) -> None:
    """The secret travels in headers: plain http is only allowed to this machine."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return
    raise AutotaskConfigError(
        f"Autotask must be reached over https; refusing {parts.scheme or 'no'}://"
        f"{parts.hostname or '?'} (plain http is allowed only for this machine)."
    )


def normalize_api_base(url: str) -> str:
    """Turn any spelling of a zone address into ``<origin>[/prefix]/ATServicesRest/V1.0/``.

    Accepts "https://webservices3.autotask.net", ".../ATServicesRest",
    ".../atservicesrest/v1.0/" alike: the contract wants the path written exactly.
    """
    text = (url or "").strip()
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc:
        raise AutotaskConfigError(f"{text!r} is not a web address for Autotask.")
    path = parts.path.rstrip("/")
    cut = path.lower().find("/atservicesrest")
    prefix = path if cut < 0 else path[:cut]
    base = f"{parts.scheme}://{parts.netloc}{prefix}/{API_PATH}/"
    require_secure(base)
    return base


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_texts(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return []
    errors = data.get("errors")
    if isinstance(errors, list):
        return [str(e) for e in errors if e]
    message = data.get("Message") or data.get("message")
    return [str(message)] if message else []


class AutotaskClient:
    """HTTP client for one Autotask tenant.

    One ``requests.Session`` per client (connection reuse); not meant to be
    shared between threads — make one per job or request.
    """

    def __init__(
        self,
        credentials: AutotaskCredentials,
        *,
        timeout: float | tuple[float, float] = (5, 30),
        max_retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        on_request: OnRequest | None = None,
    ) -> None:
        if not credentials.username or not credentials.secret or not credentials.integration_code:
            raise AutotaskConfigError(
                "Autotask needs an API user name, its secret and an integration code."
            )
        self.credentials = credentials
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self._sleep = sleep
        self._on_request = on_request
        self._session = requests.Session()
        self._override = normalize_api_base(credentials.base_url) if credentials.base_url else None
        require_secure(credentials.zone_lookup_url)

    def __repr__(self) -> str:
        return f"AutotaskClient(username={self.credentials.username!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> AutotaskClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ zone

    def zone_information(self, *, refresh: bool = False) -> ZoneInfo:
        """The tenant's zone, from the module cache unless ``refresh``."""
        creds = self.credentials
        key = (creds.zone_lookup_url, creds.username.lower())
        if not refresh:
            with _zone_lock:
                cached = _zone_cache.get(key)
            if cached is not None:
                return cached
        try:
            data = self._send(
                "GET", creds.zone_lookup_url, params={"user": creds.username},
                safe=True, auth=False,
            )
        except AutotaskValidationError as exc:
            # 500 "Zone information could not be determined": Autotask does not know the user.
            raise AutotaskAuthError(
                f"Autotask does not know the API user {creds.username!r}; "
                "check the user name (it is the API user's e-mail address).",
                status_code=exc.status_code, errors=exc.errors,
            ) from None
        if not isinstance(data, dict) or not data.get("url"):
            raise AutotaskError("Autotask's zone lookup gave no API address.")
        web_url = str(data.get("webUrl") or "")
        if web_url and not web_url.endswith("/"):
            web_url += "/"
        zone = ZoneInfo(
            zone_name=str(data.get("zoneName") or ""),
            api_url=normalize_api_base(str(data["url"])),
            web_url=web_url,
            ci=data.get("ci"),
        )
        with _zone_lock:
            _zone_cache[key] = zone
        return zone

    def api_base(self, *, refresh: bool = False) -> str:
        if self._override:
            return self._override
        return self.zone_information(refresh=refresh).api_url

    @property
    def web_url(self) -> str:
        """Where people open Autotask in a browser (from the zone lookup)."""
        web = self.zone_information().web_url
        if not web:
            raise AutotaskConfigError("Autotask's zone lookup gave no web address for links.")
        return web

    def ticket_web_url(self, ticket_id: int) -> str:
        return f"{self.web_url}Mvc/ServiceDesk/TicketDetail.mvc?ticketId={int(ticket_id)}"

    # ------------------------------------------------------------- transport

    def _headers(self) -> dict[str, str]:
        creds = self.credentials
        headers = {
            "UserName": creds.username,
            "Secret": creds.secret,
            "ApiIntegrationCode": creds.integration_code,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        if creds.impersonation_resource_id is not None:
            headers["ImpersonationResourceId"] = str(int(creds.impersonation_resource_id))
        return headers

    def _scrub(self, text: str) -> str:
        for secret in (self.credentials.secret, self.credentials.integration_code):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _resolve(self, base: str, target: str) -> str:
        if "://" not in target:
            return base + target.lstrip("/")
        # A nextPageUrl comes from the server: never send the secret to another origin.
        want, got = urlsplit(base), urlsplit(target)
        if (want.scheme, want.netloc.lower()) != (got.scheme, got.netloc.lower()):
            raise AutotaskError("Autotask pointed the next page at another host; stopped.")
        return target

    def _call(
        self, method: str, target: str, *, body: Any = None, params: dict[str, Any] | None = None,
        safe: bool,
    ) -> dict[str, Any]:
        """One API call: resolve the zone, send, and after a 401 look the zone up once more."""
        base = self.api_base()
        try:
            return self._send(method, self._resolve(base, target), body=body, params=params,
                              safe=safe)
        except AutotaskAuthError as exc:
            if exc.status_code != 401 or self._override:
                raise
            # Tenants get moved between zones; the old zone then answers 401.
            fresh = self.api_base(refresh=True)
            if fresh == base or "://" in target:
                raise
            logger.info("Autotask zone changed to %s; retrying %s once", fresh, method)
            return self._send(method, self._resolve(fresh, target), body=body, params=params,
                              safe=safe)

    def _send(
        self, method: str, url: str, *, body: Any = None, params: dict[str, Any] | None = None,
        safe: bool, auth: bool = True,
    ) -> dict[str, Any]:
        """Send with retries — only when ``safe`` (a read); a write is sent exactly once."""
        attempt = 0
        while True:
            try:
                return self._send_once(method, url, body=body, params=params, auth=auth)
            except (AutotaskRateLimited, AutotaskUnavailable) as exc:
                if not safe and isinstance(exc, AutotaskUnavailable) and exc.status_code is None:
                    # Sent, but no answer: the write may have happened. Say so; never resend.
                    raise AutotaskUnavailable(
                        f"{exc.message} Autotask may still have made the change; "
                        "check before trying again."
                    ) from None
                delay = self._retry_delay(exc, attempt) if safe else None
                if delay is None or attempt >= self.max_retries:
                    raise
                attempt += 1
                logger.info("Autotask %s: retry %d in %.1fs (%s)", method, attempt, delay, exc)
                self._sleep(delay)

    @staticmethod
    def _retry_delay(exc: AutotaskError, attempt: int) -> float | None:
        if isinstance(exc, AutotaskRateLimited):
            if exc.retry_after is not None:
                return exc.retry_after if exc.retry_after <= MAX_RETRY_AFTER else None
        elif exc.status_code is not None and exc.status_code not in RETRYABLE_STATUSES:
            return None
        return min(MAX_BACKOFF, 0.5 * 2**attempt)

    def _send_once(
        self, method: str, url: str, *, body: Any, params: dict[str, Any] | None, auth: bool,
    ) -> dict[str, Any]:
        path = urlsplit(url).path
        cut = path.lower().find("/" + API_PATH.lower())
        if cut >= 0:  # log "/Tickets/query", not the zone's whole address
            path = path[cut + len(API_PATH) + 1:] or "/"
        start = time.monotonic()
        response: requests.Response | None = None
        failure: str | None = None
        try:
            response = self._session.request(
                method, url, json=body, params=params,
                headers=self._headers() if auth else {"Accept": "application/json"},
                timeout=self.timeout, allow_redirects=False,
            )
        except requests.Timeout:
            failure = "Autotask did not answer in time."
        except requests.ConnectionError:
            failure = "Could not connect to Autotask (connection refused or dropped)."
        except requests.RequestException as exc:
            failure = f"The request to Autotask failed ({type(exc).__name__})."
        elapsed = time.monotonic() - start
        status = response.status_code if response is not None else None
        logger.debug("Autotask %s %s -> %s in %.3fs", method, path, status or failure, elapsed)
        if self._on_request is not None:
            self._on_request(method, path, status, elapsed)
        if response is None:
            # Raised outside the except block so the requests exception (whose
            # .request carries the headers, secret included) is not chained on.
            raise AutotaskUnavailable(f"{failure} ({method} {path})")
        return self._parse(response, method, path)

    def _parse(self, response: requests.Response, method: str, path: str) -> dict[str, Any]:
        status = response.status_code
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = None
        if 200 <= status < 300:
            if data is None and not response.content:
                return {}
            if not isinstance(data, dict):
                raise AutotaskError(f"Autotask answered {method} {path} with something unexpected.")
            return data
        errors = [self._scrub(e) for e in _error_texts(data)]
        joined = "; ".join(errors)
        what = f"{method} {path}"
        if status == 401:
            raise AutotaskAuthError(
                "Autotask refused the API user name or secret (HTTP 401).",
                status_code=status, errors=errors,
            )
        if status == 404:
            raise AutotaskNotFound(
                f"Autotask does not know {path} (HTTP 404).", status_code=status, errors=errors
            )
        if status == 429:
            reason = f": {joined.rstrip('.')}" if joined else ""
            raise AutotaskRateLimited(
                f"Autotask is refusing requests for now{reason}. Try again shortly.",
                errors=errors,
                retry_after=_retry_after_seconds(response.headers.get("Retry-After")),
            )
        if status == 500 and errors:
            compact = joined.lower().replace(" ", "")
            if "integrationcode" in compact:
                raise AutotaskAuthError(
                    f"Autotask does not accept the integration code ({joined}).",
                    status_code=status, errors=errors,
                )
            if "adequatepermission" in compact:
                raise AutotaskPermissionError(
                    f"The Autotask API user is not allowed to do this ({joined}).",
                    status_code=status, errors=errors,
                )
            raise AutotaskValidationError(
                f"Autotask refused {what}: {joined}", status_code=status, errors=errors
            )
        if status >= 500:
            raise AutotaskUnavailable(
                f"Autotask had a server error on {what} (HTTP {status}). Try again later.",
                status_code=status, errors=errors,
            )
        detail = f": {joined}" if joined else ""
        raise AutotaskError(f"Autotask refused {what} (HTTP {status}){detail}",
                            status_code=status, errors=errors)

    # ---------------------------------------------------------------- query

    def query(
        self,
        entity: str,
        filters: Filter | Iterable[Filter],
        include_fields: Iterable[str] | None = None,
        max_records: int = MAX_IN_VALUES,
    ) -> Iterator[dict[str, Any]]:
        """Yield every matching row, following ``nextPageUrl`` page by page.

        ``max_records`` is the page size (1–500).  Lazy: stop iterating and no
        further page is fetched.
        """
        flist = as_filter_list(filters)
        if not flist:
            raise ValueError("Autotask needs a filter; use F.all() to match every row.")
        if not 1 <= max_records <= MAX_IN_VALUES:
            raise ValueError(f"max_records must be 1..{MAX_IN_VALUES}")
        body: dict[str, Any] = {"filter": flist, "MaxRecords": max_records}
        if include_fields is not None:
            fields = list(include_fields)
            body["IncludeFields"] = fields if "id" in fields else ["id", *fields]
        return self._pages(f"{entity}/query", body)

    def _pages(self, first: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        target: str | None = first
        while target:
            # Same method and same body for every page (a GET on the next page is a 405).
            data = self._call("POST", target, body=body, safe=True)
            yield from data.get("items") or []
            target = (data.get("pageDetails") or {}).get("nextPageUrl")

    def query_all(
        self,
        entity: str,
        filters: Filter | Iterable[Filter],
        include_fields: Iterable[str] | None = None,
        max_records: int = MAX_IN_VALUES,
    ) -> list[dict[str, Any]]:
        return list(self.query(entity, filters, include_fields, max_records))

    def count(self, entity: str, filters: Filter | Iterable[Filter]) -> int:
        flist = as_filter_list(filters)
        if not flist:
            raise ValueError("Autotask needs a filter; use F.all() to count every row.")
        data = self._call("POST", f"{entity}/query/count", body={"filter": flist}, safe=True)
        return int(data.get("queryCount") or 0)

    def query_in(
        self,
        entity: str,
        field: str,
        ids: Iterable[Any],
        extra_filters: Iterable[Filter] = (),
        include_fields: Iterable[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Rows whose ``field`` is one of ``ids``: one query per 500 ids, never one per id."""
        extra = list(extra_filters)
        fields = list(include_fields) if include_fields is not None else None
        for chunk in chunks(ids):
            yield from self.query(entity, [F.in_(field, chunk), *extra], fields)

    def _get_item(self, entity: str, item_id: int, what: str) -> dict[str, Any]:
        try:
            data = self._call("GET", f"{entity}/{int(item_id)}", safe=True)
        except AutotaskNotFound:
            data = {}
        item = data.get("item")
        if not item:
            raise AutotaskNotFound(f"Autotask has no {what} with id {int(item_id)}.",
                                   status_code=404)
        return item

    def _create(self, path: str, payload: dict[str, Any]) -> int:
        data = self._call("POST", path, body=payload, safe=False)
        return int(data["itemId"])

    # ------------------------------------------------------------ companies

    def search_companies(self, name: str, limit: int = 20) -> list[dict[str, Any]]:
        """Companies whose name contains ``name``, active ones first."""
        text = (name or "").strip()
        flt = F.contains("companyName", text) if text else F.all()
        rows = list(islice(self.query("Companies", flt), MAX_IN_VALUES))
        rows.sort(key=lambda c: (not c.get("isActive"), str(c.get("companyName") or "").lower()))
        return rows[:limit]

    def get_company(self, company_id: int) -> dict[str, Any]:
        return self._get_item("Companies", company_id, "company")

    def get_companies(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        return list(self.query_in("Companies", "id", ids))

    # -------------------------------------------------------------- tickets

    def create_ticket(self, payload: dict[str, Any]) -> int:
        """POST /Tickets once (never retried: a retried POST makes a duplicate)."""
        if "id" in payload or "item" in payload:
            raise ValueError("a new ticket has no id and is not wrapped in 'item'")
        return self._create("Tickets", payload)

    def get_ticket(self, ticket_id: int) -> dict[str, Any]:
        """The ticket's fields, read from the ``item`` wrapper (rule B2)."""
        return self._get_item("Tickets", ticket_id, "ticket")

    def find_ticket_by_number(self, number: str) -> dict[str, Any] | None:
        rows = self.query_all("Tickets", F.eq("ticketNumber", number.strip()), max_records=1)
        return rows[0] if rows else None

    def get_tickets(
        self, ids: Iterable[int], include_fields: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        return list(self.query_in("Tickets", "id", ids, include_fields=include_fields))

    def query_tickets(
        self, filters: Filter | Iterable[Filter], include_fields: Iterable[str] | None = None
    ) -> Iterator[dict[str, Any]]:
        return self.query("Tickets", filters, include_fields)

    def update_ticket_raw(self, ticket: dict[str, Any]) -> int:
        """Full-update PUT /Tickets with the plain object.

        Raw: the caller must have copied every stabilising field (use
        ``tickets.update_ticket``) — anything missing is cleared by Autotask.
        """
        if "item" in ticket or not ticket.get("id"):
            raise ValueError("PUT /Tickets takes the plain ticket object with its id")
        data = self._call("PUT", "Tickets", body=ticket, safe=False)
        return int(data.get("itemId") or ticket["id"])

    # ---------------------------------------------------------------- notes

    def create_ticket_note(
        self, ticket_id: int, title: str, description: str, note_type: int, publish: int
    ) -> int:
        """Only ``POST /Tickets/{id}/Notes`` creates a note (``/TicketNotes`` is a 404)."""
        payload = {
            "ticketID": int(ticket_id),
            "title": title,
            "description": description,
            "noteType": int(note_type),
            "publish": int(publish),
        }
        return self._create(f"Tickets/{int(ticket_id)}/Notes", payload)

    def query_ticket_notes(self, ticket_id: int) -> list[dict[str, Any]]:
        return self.query_all("TicketNotes", F.eq("ticketID", int(ticket_id)))

    # --------------------------------------------------------- time entries

    def time_entries_for_tickets(
        self, ticket_ids: Iterable[int], include_fields: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        return list(self.query_in("TimeEntries", "ticketID", ticket_ids,
                                  include_fields=include_fields))

    def count_time_entries(self, ticket_id: int) -> int:
        """Time entries on one ticket, with the validated ``POST /TimeEntries/query``."""
        rows = self.query("TimeEntries", F.eq("ticketID", int(ticket_id)), include_fields=["id"])
        return sum(1 for _ in rows)

    # ------------------------------------------------------------ resources

    def get_resources(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        return list(self.query_in("Resources", "id", ids))

    # ------------------------------------------------------- reference data

    def entity_fields(self, entity: str) -> list[dict[str, Any]]:
        data = self._call("GET", f"{entity}/entityInformation/fields", safe=True)
        return list(data.get("fields") or [])

    def ticket_fields(self) -> list[dict[str, Any]]:
        """Raw ``fields`` of Tickets, picklists included (one call; cache the result)."""
        return self.entity_fields("Tickets")

    def threshold_information(self) -> dict[str, Any]:
        return dict(self._call("GET", "ThresholdInformation", safe=True))

    def test_connection(self) -> dict[str, Any]:
        """For the settings page: zone, web address and API usage, or an AutotaskError."""
        zone = None if self._override else self.zone_information(refresh=True)
        usage = self.threshold_information()
        return {
            "zone_name": zone.zone_name if zone else "(set by hand)",
            "api_url": self.api_base(),
            "web_url": zone.web_url if zone else None,
            "threshold": usage,
        }
