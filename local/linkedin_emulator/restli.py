"""Rest.li protocol 1.0 details: batch compound keys, entity-key strings, ``ids=`` lists, query tunneling.

Keys are parsed as unordered field sets (linkedin-rsc-api.md 2.1): the parameters of one ``ids[i]`` may come
in any order and the indexes themselves in any order, but every index must carry exactly the resource's key
fields and the indexes must run 0..n-1.
"""

from __future__ import annotations

import base64
import binascii
import functools
import quopri
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote_plus, unquote, unquote_plus

from rsc_connector.linkedin import assumptions as A

from .wire import FORM_CONTENT_TYPE, ApiError, Headers, Request, media_type

MAX_BATCH_KEYS = 100  # every RSC batch call: at most 100 records (linkedin-rsc-api.md 2.1)
MAX_QUERY_BYTES = 4096  # 414 when the query is longer (linkedin-rsc-api.md 5.1, query tunneling)
MAX_URL_BYTES = 8192  # 414 when the whole request target is longer
METHOD_OVERRIDE_HEADER = "X-HTTP-Method-Override"
TUNNELABLE_METHODS = frozenset({"GET", "PUT", "POST", "DELETE"})  # as Rest.li QueryTunnelUtil

_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_URL_SAFE = re.compile(r"^[A-Za-z0-9._*-]*$")

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
        index, key_field = _batch_key_param(name)
        if key_field not in fields:
            raise malformed(f'unknown key field "{key_field}" in {name}; expected {_names(fields)}')
        entry = by_index.get(index)
        if entry is None:
            entry = by_index[index] = {}
        elif key_field in entry:
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


@functools.lru_cache(maxsize=8192)  # the same few hundred names come in every batch
def _batch_key_param(name: str) -> tuple[int, str]:
    """``ids[12].field`` -> (12, "field"); anything else is a 400 (the caller checks the field name)."""
    close = name.find("].", 4)
    digits, key_field = name[4:close], name[close + 2 :]
    if (
        close < 0
        or not name.startswith("ids[")
        or not digits.isdigit()
        or not digits.isascii()
        or (len(digits) > 1 and digits[0] == "0")
    ):
        raise malformed(f'"{name}" is not of the form ids[<index>].<field>')
    return int(digits), key_field


def parse_key_string(text: str, fields: frozenset[str], decode: Callable[[str], str] = unquote_plus) -> CompoundKey:
    """``integrationContext=urn%3A...&integrationType=X&...`` (values encoded or not) -> a field dict."""
    key: CompoundKey = {}
    if not text:
        raise malformed("empty key")
    encoded = "%" in text or "+" in text
    for part in text.split("&"):
        name, sep, value = part.partition("=")
        if encoded:
            name, value = decode(name), decode(value)
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


def parse_path_key(segment: str, fields: frozenset[str]) -> CompoundKey:
    """A compound key written as a path segment (sub-resources, linkedin-rsc-api.md 2.1), order-independent.

    ``atsCandidateId=C1&dataProvider=ATS&integrationContext=urn%3Ali%3Aorganization%3A1``: ``&`` and ``=``
    literal, values percent-encoded or not (``+`` is a plus sign in a path). A segment encoded as a whole
    (``%3D`` and ``%26`` for ``=`` and ``&``) is decoded once first.
    """
    if "=" not in segment:
        segment = unquote(segment)
    return parse_key_string(segment, fields, unquote)


def encode_key_value(value: str) -> str:
    """One name or value of a response key, as ``format_key`` writes it (assumption A12)."""
    return _java_url_encode(value) if A.BATCH_RESPONSE_KEY_VALUES_URL_ENCODED else value


def format_key(key: CompoundKey) -> str:
    """The key string used in batch responses (assumption A12): fields sorted by name, values form-encoded."""
    if not A.BATCH_RESPONSE_KEY_VALUES_URL_ENCODED:
        return "&".join(f"{name}={key[name]}" for name in sorted(key))
    return "&".join(f"{_java_url_encode(name)}={_java_url_encode(key[name])}" for name in sorted(key))


@functools.lru_cache(maxsize=4096)
def _encoded_context(value: str) -> str:
    return quote_plus(value, safe="*").replace("~", "%7E")


def _java_url_encode(value: str) -> str:
    """java.net.URLEncoder.encode(value, "UTF-8"): keeps ``A-Za-z0-9.-*_``, space -> ``+``."""
    if _URL_SAFE.match(value):
        return value
    if value.startswith("urn:"):  # organization/contract URNs repeat in every key: remember them
        return _encoded_context(value)
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
    parts = _multipart_parts(request.header("Content-Type") or "", request.body)
    if not parts or len(parts) > 2:
        raise ApiError(400, "A tunneled multipart/mixed body must have a query part and at most one entity part")
    query_headers, query_payload = parts[0]
    if media_type(query_headers.get("content-type", "text/plain")) != FORM_CONTENT_TYPE:
        raise ApiError(400, f"The first multipart/mixed part must be {FORM_CONTENT_TYPE}")
    try:
        query = query_payload.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise ApiError(400, "The tunneled query is not valid UTF-8") from exc
    if len(parts) == 1:
        return query, b"", None
    entity_headers, entity = parts[1]
    return query, entity, entity_headers.get("content-type", "application/json")


def _multipart_parts(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    """RFC 2046 body parts as (lower-cased headers, decoded payload); a linear scan, no email package."""
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise ApiError(400, "A multipart/mixed Content-Type needs a boundary parameter")
    delimiter = b"--" + (match.group(1) or match.group(2)).encode("latin-1")
    if body.startswith(delimiter):
        position = len(delimiter)
    else:
        first = body.find(b"\n" + delimiter)
        if first < 0:
            raise ApiError(400, "The multipart/mixed body holds no part")
        position = first + 1 + len(delimiter)
    parts: list[tuple[dict[str, str], bytes]] = []
    while not body.startswith(b"--", position):
        line_end = body.find(b"\n", position)
        following = body.find(b"\n" + delimiter, line_end) if line_end >= 0 else -1
        if following < 0:
            raise ApiError(400, "The multipart/mixed body is not closed by its final boundary")
        content = body[line_end + 1 : following]
        parts.append(_body_part(content[:-1] if content.endswith(b"\r") else content))
        position = following + 1 + len(delimiter)
    return parts


def _body_part(raw: bytes) -> tuple[dict[str, str], bytes]:
    if raw.startswith((b"\r\n", b"\n")):  # no headers: the blank line comes first
        head, payload = b"", raw[2:] if raw.startswith(b"\r") else raw[1:]
    else:
        ends = [(index, size) for index, size in ((raw.find(b"\r\n\r\n"), 4), (raw.find(b"\n\n"), 2)) if index >= 0]
        if ends:
            index, size = min(ends)
            head, payload = raw[:index], raw[index + size :]
        else:
            head, payload = raw, b""
    headers: dict[str, str] = {}
    for line in head.decode("latin-1").splitlines():
        name, colon, value = line.partition(":")
        if not colon:
            raise ApiError(400, f"Malformed multipart/mixed part header {line!r}")
        headers[name.strip().lower()] = value.strip()
    encoding = headers.get("content-transfer-encoding", "binary").lower()
    if encoding == "base64":
        try:
            return headers, base64.b64decode(payload, validate=False)
        except binascii.Error as exc:
            raise ApiError(400, "A multipart/mixed part is not valid base64") from exc
    if encoding == "quoted-printable":
        return headers, quopri.decodestring(payload)
    if encoding not in ("7bit", "8bit", "binary"):
        raise ApiError(400, f"Unsupported Content-Transfer-Encoding {encoding!r} in a multipart/mixed part")
    return headers, payload


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
