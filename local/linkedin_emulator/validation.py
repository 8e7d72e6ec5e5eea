"""Field rules LinkedIn applies to provisioned applications, callback URLs and configuration values."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .wire import ApiError

APP_CREATE_FIELDS = frozenset(
    {"uniqueForeignId", "name", "description", "oauth2AuthorizedCallbackUrls", "validJsSdkDomains"}
)
APP_UPDATE_FIELDS = frozenset({"name", "description", "oauth2AuthorizedCallbackUrls", "validJsSdkDomains"})
APP_REQUIRED_FIELDS = ("uniqueForeignId", "name", "description")
MAX_APP_NAME_LENGTH = 50
FORBIDDEN_NAME_WORD = "linkedin"


def validate_app_fields(body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Check a CREATE body or a PARTIAL_UPDATE ``$set`` (linkedin-rsc-api.md 1.2); a 400 names the field."""
    allowed = APP_CREATE_FIELDS if creating else APP_UPDATE_FIELDS
    unknown = sorted(set(body) - allowed)
    if unknown:
        verb = "accepted" if creating else "updatable"
        raise ApiError(400, f"Field {unknown[0]!r} is not {verb}; allowed fields: {', '.join(sorted(allowed))}")
    if creating:
        for name in APP_REQUIRED_FIELDS:
            if name not in body:
                raise ApiError(400, f"Field {name!r} is required")
    for name in ("uniqueForeignId", "name", "description"):
        if name in body and (not isinstance(body[name], str) or not body[name].strip()):
            raise ApiError(400, f"Field {name!r} must be a non-empty string")
    if "name" in body:
        _check_name(body["name"])
    if "oauth2AuthorizedCallbackUrls" in body:
        for url in _string_list(body, "oauth2AuthorizedCallbackUrls"):
            if not is_absolute_http_url(url):
                raise ApiError(400, f"Field 'oauth2AuthorizedCallbackUrls' holds {url!r}, not an absolute http(s) URL")
    if "validJsSdkDomains" in body:
        for domain in _string_list(body, "validJsSdkDomains"):
            _check_js_domain(domain)
    return dict(body)


def _check_name(name: str) -> None:
    if len(name) > MAX_APP_NAME_LENGTH:
        raise ApiError(400, f"Field 'name' is {len(name)} characters long; at most {MAX_APP_NAME_LENGTH} are allowed")
    if FORBIDDEN_NAME_WORD in name.casefold():
        raise ApiError(400, "Field 'name' must not contain the word \"LinkedIn\"")


def _string_list(body: dict[str, Any], name: str) -> list[str]:
    value = body[name]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(400, f"Field {name!r} must be an array of strings")
    return value


def _check_js_domain(domain: str) -> None:
    if domain.endswith("/"):
        raise ApiError(400, f"Field 'validJsSdkDomains' holds {domain!r}: remove the trailing '/'")
    parts = urlsplit(domain)
    if (
        not _port_parses(domain)
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
    ):
        raise ApiError(
            400, f"Field 'validJsSdkDomains' holds {domain!r}, not an origin such as https://ats.example.com"
        )


def _port_parses(url: str) -> bool:
    try:
        urlsplit(url).port  # noqa: B018 - reading it raises ValueError for an invalid port
    except ValueError:
        return False
    return True


def is_absolute_http_url(url: str) -> bool:
    """``http(s)://host[:port][/path][?query]`` with a valid port and no fragment."""
    if not _port_parses(url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.fragment


def callback_url_problem(url: str, *, allow_insecure: bool) -> str | None:
    """Why ``url`` cannot be a CALLBACK_URL (assumption A11), or None."""
    if not is_absolute_http_url(url):
        return f"CALLBACK_URL {url!r} is not an absolute http(s) URL"
    if allow_insecure:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https":
        return f"CALLBACK_URL {url!r} must use HTTPS"
    if parts.port not in (None, 80, 443):
        return f"CALLBACK_URL {url!r} must use port 443 or 80"
    return None
