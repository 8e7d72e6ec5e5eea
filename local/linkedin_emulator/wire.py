"""HTTP request/response values and the error types handlers raise (turned into LinkedIn-shaped replies)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

SERVICE_ERROR_NO_PERMISSION = 100  # LinkedIn's serviceErrorCode for "Not enough permissions" (assumption A9)
JSON_CONTENT_TYPE = "application/json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
HTML_CONTENT_TYPE = "text/html; charset=utf-8"


class Headers:
    """Case-insensitive, single-valued header view that keeps the names as sent (for the request log)."""

    def __init__(self, items: Mapping[str, str] | list[tuple[str, str]] | None = None) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        pairs = items.items() if isinstance(items, Mapping) else (items or [])
        for name, value in pairs:
            self._items[name.lower()] = (name, value)

    def get(self, name: str, default: str | None = None) -> str | None:
        item = self._items.get(name.lower())
        return item[1] if item else default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def as_dict(self) -> dict[str, str]:
        return dict(self._items.values())


def media_type(content_type: str | None) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


@dataclass
class Request:
    """One request as the router sees it (after Rest.li query tunneling was undone)."""

    method: str
    path: str  # raw path, still percent-encoded, without the query
    query: str  # raw query string, still percent-encoded
    headers: Headers
    body: bytes = b""
    tunneled_from: str | None = None  # the wire method when X-HTTP-Method-Override was used
    _pairs: list[tuple[str, str]] | None = field(default=None, init=False, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def content_type(self) -> str:
        return media_type(self.header("Content-Type"))

    def query_pairs(self) -> list[tuple[str, str]]:
        """Decoded ``(name, value)`` pairs, in order, repeats kept (``parse_qsl`` with blank values, faster)."""
        if self._pairs is None:
            pairs: list[tuple[str, str]] = []
            for part in self.query.split("&"):
                if not part:
                    continue
                name, _, value = part.partition("=")
                if "%" in part or "+" in part:
                    name, value = unquote_plus(name), unquote_plus(value)
                pairs.append((name, value))
            self._pairs = pairs
        return list(self._pairs)

    def text(self) -> str:
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(400, "The request body is not valid UTF-8") from exc

    def json(self) -> Any:
        """The JSON body; a 400 when it is missing or malformed."""
        if not self.body.strip():
            raise ApiError(400, "A JSON request body is required")
        try:
            return json.loads(self.text())
        except json.JSONDecodeError as exc:
            raise ApiError(400, f"The request body is not valid JSON: {exc.msg} at position {exc.pos}") from exc

    def form(self) -> dict[str, str]:
        """The urlencoded body; a repeated field is a 400."""
        values: dict[str, str] = {}
        for name, value in parse_qsl(self.text(), keep_blank_values=True):
            if name in values:
                raise ApiError(400, f'The form field "{name}" is repeated')
            values[name] = value
        return values


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without any reply (an injected fault)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
        merged = {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})}
        return cls(status, json.dumps(payload, sort_keys=False).encode("utf-8"), merged)

    @classmethod
    def html(cls, status: int, page: str) -> Response:
        return cls(status, page.encode("utf-8"), {"Content-Type": HTML_CONTENT_TYPE})

    @classmethod
    def empty(cls, status: int = 204, headers: Mapping[str, str] | None = None) -> Response:
        return cls(status, b"", dict(headers or {}))

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(302, b"", {"Location": location})


class ApiError(Exception):
    """A LinkedIn API error: ``{"status": N, "serviceErrorCode": N?, "message": "..."}`` (assumption A9)."""

    def __init__(
        self,
        status: int,
        message: str,
        service_error_code: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.service_error_code = service_error_code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"status": self.status}
        if self.service_error_code is not None:
            payload["serviceErrorCode"] = self.service_error_code
        payload["message"] = self.message
        return payload

    def to_response(self) -> Response:
        return Response.json(self.status, self.body(), self.headers)


class OAuthError(Exception):
    """An OAuth endpoint error: ``{"error": "...", "error_description": "..."}`` (linkedin-rsc-api.md 1.1)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def to_response(self) -> Response:
        return Response.json(self.status, {"error": self.error, "error_description": self.description})


class PageError(Exception):
    """An error shown to a person in the browser (the authorization pages): an HTML page, never a redirect."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"{title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
