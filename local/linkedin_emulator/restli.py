"""Rest.li protocol 1.0 details: batch compound keys, entity-key strings, ``ids=`` lists, query tunneling.

Keys are parsed as unordered field sets (linkedin-rsc-api.md 2.1): the parameters of one ``ids[i]`` may come
in any order and the indexes themselves in any order, but every index must carry exactly the resource's key
fields and the indexes must run 0..n-1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import quote_plus, unquote_plus

from rsc_connector.linkedin import assumptions as A

from .wire import FORM_CONTENT_TYPE, ApiError, Headers, Request

MAX_BATCH_KEYS = 100  # every RSC batch call: at most 100 records (linkedin-rsc-api.md 2.1)
MAX_QUERY_BYTES = 4096  # 414 when the query is longer (linkedin-rsc-api.md 5.1, query tunneling)
MAX_URL_BYTES = 8192  # 414 when the whole request target is longer
METHOD_OVERRIDE_HEADER = "X-HTTP-Method-Override"
TUNNELABLE_METHODS = frozenset({"GET", "PUT", "POST", "DELETE"})  # as Rest.li QueryTunnelUtil

_BATCH_KEY_PARAM = re.compile(r"^ids\[(0|[1-9][0-9]*)\]\.([A-Za-z][A-Za-z0-9_]*)$")

CompoundKey = dict[str, str]


def malformed(detail: str) -> ApiError:
    return ApiError(400, f"Malformed key: {detail}")


def is_key_param(name: str) -> bool:
    return name == "ids" or name.startswith("ids[") or name.startswith("ids.")


def parse_batch_keys(pairs: Iterable[tuple[str, str]], fields: frozenset[str]) -> list[CompoundKey]:
    """``ids[0].a=1&ids[0].b=2&ids[1]...`` -> ``[{"a": "1", "b": "2"}, ...]`` in index order.

    Only the ``ids`` parameters of ``pairs`` are read; the caller rejects any other parameter it does not know.
    """
    by_index: dict[int, CompoundKey] = {}
    for name, value in pairs:
        if not is_key_param(name):
            continue
        match = _BATCH_KEY_PARAM.match(name)
        if match is None:
            raise malformed(f'"{name}" is not of the form ids[<index>].<field>')
        index, key_field = int(match.group(1)), match.group(2)
        if key_field not in fields:
            raise malformed(f'unknown key field "{key_field}" in {name}; expected {_names(fields)}')
        entry = by_index.setdefault(index, {})
        if key_field in entry:
            raise malformed(f"{name} is given more than once")
        if not value:
            raise malformed(f"{name} is empty")
        entry[key_field] = value
    if not by_index:
        raise malformed("no ids[<index>].<field> parameters in the query")
    if sorted(by_index) != list(range(len(by_index))):
        raise malformed(f"indexes must run from 0 to n-1 without gaps; got {sorted(by_index)}")
    if len(by_index) > MAX_BATCH_KEYS:
        raise ApiError(400, f"Too many keys: {len(by_index)} (at most {MAX_BATCH_KEYS} per batch request)")
    keys = [by_index[index] for index in range(len(by_index))]
    for index, entry in enumerate(keys):
        missing = fields - entry.keys()
        if missing:
            raise malformed(f"ids[{index}] lacks {_names(missing)}")
    return keys


def parse_key_string(text: str, fields: frozenset[str]) -> CompoundKey:
    """``integrationContext=urn%3A...&integrationType=X&...`` (values encoded or not) -> a field dict."""
    key: CompoundKey = {}
    if not text:
        raise malformed("empty key")
    for part in text.split("&"):
        name, sep, value = part.partition("=")
        name, value = unquote_plus(name), unquote_plus(value)
        if not sep or not name:
            raise malformed(f'"{part}" in "{text}" is not a field=value pair')
        if name not in fields:
            raise malformed(f'unknown key field "{name}" in "{text}"; expected {_names(fields)}')
        if name in key:
            raise malformed(f'"{name}" is given more than once in "{text}"')
        if not value:
            raise malformed(f'"{name}" is empty in "{text}"')
        key[name] = value
    missing = fields - key.keys()
    if missing:
        raise malformed(f'"{text}" lacks {_names(missing)}')
    return key


def format_key(key: CompoundKey) -> str:
    """The key string used in batch responses (assumption A12): fields sorted by name, values form-encoded."""
    if not A.BATCH_RESPONSE_KEY_VALUES_URL_ENCODED:
        return "&".join(f"{name}={key[name]}" for name in sorted(key))
    return "&".join(f"{_java_url_encode(name)}={_java_url_encode(key[name])}" for name in sorted(key))


def _java_url_encode(value: str) -> str:
    """java.net.URLEncoder.encode(value, "UTF-8"): keeps ``A-Za-z0-9.-*_``, space -> ``+``."""
    return quote_plus(value, safe="*").replace("~", "%7E")


def parse_simple_ids(pairs: Iterable[tuple[str, str]], allowed: frozenset[str] | None = None) -> list[str]:
    """Repeated ``ids=A&ids=B`` -> ``["A", "B"]``; any other parameter, a duplicate or an empty id is a 400."""
    ids: list[str] = []
    for name, value in pairs:
        if name != "ids":
            raise ApiError(400, f'Unexpected query parameter "{name}"; only repeated "ids" are accepted')
        if not value:
            raise ApiError(400, 'An "ids" parameter is empty')
        if value in ids:
            raise ApiError(400, f'The id "{value}" is given more than once')
        if allowed is not None and value not in allowed:
            raise ApiError(400, f'Unknown id "{value}"; expected one of {_names(allowed)}')
        ids.append(value)
    if not ids:
        raise ApiError(400, 'At least one "ids" query parameter is required')
    if len(ids) > MAX_BATCH_KEYS:
        raise ApiError(400, f"Too many ids: {len(ids)} (at most {MAX_BATCH_KEYS} per batch request)")
    return ids


def restli_method(request: Request) -> str | None:
    """The ``X-RestLi-Method`` header, lower-cased (LinkedIn treats it case-insensitively)."""
    value = request.header("X-RestLi-Method")
    return value.strip().lower() if value is not None else None


def require_restli_method(request: Request, expected: str) -> None:
    actual = restli_method(request)
    if actual is None:
        raise ApiError(400, f"The X-RestLi-Method header is required for this request; expected {expected!r}")
    if actual != expected:
        raise ApiError(
            400,
            f"X-RestLi-Method {actual!r} does not match the request; {request.method} here means {expected!r}",
        )


def untunnel(request: Request) -> Request:
    """Undo Rest.li query tunneling: ``POST`` + ``X-HTTP-Method-Override`` -> the original request.

    * ``application/x-www-form-urlencoded``: the body is the query string (GET, DELETE, or PUT without body);
    * ``multipart/mixed``: the first part is the urlencoded query, the optional second part the entity
      (its own Content-Type becomes the request's).
    Query parameters still on the URL are kept in front of the tunneled ones.
    """
    override = request.header(METHOD_OVERRIDE_HEADER)
    if override is None:
        return request
    target = override.strip().upper()
    if request.method != "POST":
        raise ApiError(400, f"{METHOD_OVERRIDE_HEADER} is only honoured on POST requests")
    if target not in TUNNELABLE_METHODS:
        raise ApiError(400, f"{METHOD_OVERRIDE_HEADER} must be one of {sorted(TUNNELABLE_METHODS)}")
    content_type = request.content_type
    headers = request.headers.as_dict()
    _drop(headers, METHOD_OVERRIDE_HEADER)
    if content_type == FORM_CONTENT_TYPE:
        tunneled_query, entity = request.text(), b""
        _drop(headers, "Content-Type")
    elif content_type == "multipart/mixed":
        tunneled_query, entity, entity_type = _split_multipart(request)
        _drop(headers, "Content-Type")
        if entity_type is not None:
            headers["Content-Type"] = entity_type
    else:
        raise ApiError(
            400,
            f"A tunneled request needs Content-Type {FORM_CONTENT_TYPE} or multipart/mixed, not {content_type!r}",
        )
    query = "&".join(part for part in (request.query, tunneled_query) if part)
    return Request(target, request.path, query, Headers(headers), entity, tunneled_from=request.method)


def _split_multipart(request: Request) -> tuple[str, bytes, str | None]:
    raw_type = request.header("Content-Type") or ""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + raw_type.encode("latin-1") + b"\r\n\r\n" + request.body
    )
    parts: Sequence[Message] = message.get_payload() if message.is_multipart() else []  # type: ignore[assignment]
    if not parts or len(parts) > 2:
        raise ApiError(400, "A tunneled multipart/mixed body must have a query part and at most one entity part")
    query_part = parts[0]
    if query_part.get_content_type() != FORM_CONTENT_TYPE:
        raise ApiError(400, f"The first multipart/mixed part must be {FORM_CONTENT_TYPE}")
    query = _payload(query_part).decode("utf-8").strip()
    if len(parts) == 1:
        return query, b"", None
    entity_part = parts[1]
    return query, _payload(entity_part), str(entity_part.get("Content-Type", "application/json"))


def _payload(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _drop(headers: dict[str, str], name: str) -> None:
    for existing in [h for h in headers if h.lower() == name.lower()]:
        del headers[existing]


def _names(fields: Iterable[str]) -> str:
    return ", ".join(sorted(fields))


def check_length(raw_target: str, query: str) -> None:
    """414 when the request target or its query is longer than LinkedIn accepts."""
    if len(query.encode("latin-1", "replace")) > MAX_QUERY_BYTES:
        raise ApiError(414, f"Request-URI Too Long: the query exceeds {MAX_QUERY_BYTES} bytes; use query tunneling")
    if len(raw_target.encode("latin-1", "replace")) > MAX_URL_BYTES:
        raise ApiError(414, f"Request-URI Too Long: the URL exceeds {MAX_URL_BYTES} bytes; use query tunneling")
