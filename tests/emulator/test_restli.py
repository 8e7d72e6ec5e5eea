"""Rest.li protocol-1.0 helpers, in process: key parsing, canonical response keys, query tunneling."""

from __future__ import annotations

import pytest

from linkedin_emulator.restli import format_key, parse_batch_keys, parse_key_string, parse_simple_ids, untunnel
from linkedin_emulator.wire import ApiError, Headers, Request

FIELDS = frozenset({"a", "b"})


def test_batch_keys_in_any_order() -> None:
    pairs = [("ids[1].b", "4"), ("ids[0].b", "2"), ("ids[1].a", "3"), ("ids[0].a", "1"), ("other", "x")]
    assert parse_batch_keys(pairs, FIELDS) == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


@pytest.mark.parametrize(
    "pairs",
    [
        [("ids[0].a", "1")],
        [("ids[0].a", "1"), ("ids[0].b", "2"), ("ids[0].a", "1")],
        [("ids[1].a", "1"), ("ids[1].b", "2")],
        [("ids[0].a", "1"), ("ids[0].b", "")],
        [("ids[0]", "1")],
        [],
    ],
)
def test_batch_key_errors(pairs: list[tuple[str, str]]) -> None:
    with pytest.raises(ApiError) as error:
        parse_batch_keys(pairs, FIELDS)
    assert error.value.status == 400 and error.value.message.startswith("Malformed key")


def test_key_strings_decode_values_once_and_compare_as_sets() -> None:
    assert parse_key_string("b=urn%3Ali%3Ax%3A1&a=1", FIELDS) == parse_key_string("a=1&b=urn:li:x:1", FIELDS)
    for text in ("a=1", "a=1&b=2&c=3", "a=1&b", "a=1&a=2&b=3", ""):
        with pytest.raises(ApiError):
            parse_key_string(text, FIELDS)


def test_response_keys_are_sorted_and_java_url_encoded() -> None:
    key = {"integrationType": "ONE_CLICK_EXPORT", "integrationContext": "urn:li:organization:1 x~*"}
    assert format_key(key) == "integrationContext=urn%3Ali%3Aorganization%3A1+x%7E*&integrationType=ONE_CLICK_EXPORT"


def test_simple_ids() -> None:
    assert parse_simple_ids([("ids", "A"), ("ids", "B")]) == ["A", "B"]
    for pairs in ([], [("ids", "A"), ("ids", "A")], [("ids", "A"), ("x", "1")], [("ids", "")]):
        with pytest.raises(ApiError):
            parse_simple_ids(pairs)
    with pytest.raises(ApiError):
        parse_simple_ids([("ids", "Z")], frozenset({"A"}))


def request(method: str, query: str, headers: dict[str, str], body: bytes) -> Request:
    return Request(method, "/v2/things", query, Headers(headers), body)


def test_untunnel_form_body_becomes_the_query() -> None:
    tunneled = untunnel(
        request(
            "POST",
            "x=1",
            {"X-HTTP-Method-Override": "get", "Content-Type": "application/x-www-form-urlencoded"},
            b"ids=A",
        )
    )
    assert (tunneled.method, tunneled.query, tunneled.body, tunneled.tunneled_from) == ("GET", "x=1&ids=A", b"", "POST")
    assert tunneled.header("X-HTTP-Method-Override") is None


def test_untunnel_leaves_ordinary_requests_alone() -> None:
    plain = request("GET", "ids=A", {}, b"")
    assert untunnel(plain) is plain


def multipart_request(content_type: str, body: bytes) -> Request:
    return request("POST", "", {"X-HTTP-Method-Override": "PUT", "Content-Type": content_type}, body)


def test_untunnel_multipart_variants() -> None:
    crlf = (
        b"preamble\r\n--b1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nids=A&ids=B\r\n"
        b'--b1\r\nContent-Type: application/json\r\n\r\n{"entities": {}}\r\n--b1--\r\nepilogue'
    )
    tunneled = untunnel(multipart_request('multipart/mixed; boundary="b1"', crlf))
    assert (tunneled.method, tunneled.query, tunneled.body) == ("PUT", "ids=A&ids=B", b'{"entities": {}}')
    assert tunneled.header("Content-Type") == "application/json"
    lf = (
        b"--b2\nContent-Type: application/x-www-form-urlencoded\n\nids=A\n"
        b"--b2\nContent-Type: application/json\nContent-Transfer-Encoding: base64\n\neyJhIjogMX0=\n--b2--\n"
    )
    tunneled = untunnel(multipart_request("multipart/mixed; boundary=b2", lf))
    assert (tunneled.query, tunneled.body) == ("ids=A", b'{"a": 1}')
    query_only = untunnel(
        multipart_request(
            "multipart/mixed; boundary=b3",
            b"--b3\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nids=A\r\n--b3--",
        )
    )
    assert (query_only.query, query_only.body) == ("ids=A", b"")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/mixed", b"--b\r\n\r\nids=A\r\n--b--"),  # no boundary parameter
        ("multipart/mixed; boundary=b", b"--b\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nids=A"),
        ("multipart/mixed; boundary=b", b"--b\r\nContent-Type: text/plain\r\n\r\nids=A\r\n--b--"),
        ("multipart/mixed; boundary=b", b"nothing here"),
        ("multipart/mixed; boundary=b", b"--b\r\nbroken header\r\n\r\nids=A\r\n--b--"),
    ],
)
def test_untunnel_refuses_broken_multipart(content_type: str, body: bytes) -> None:
    with pytest.raises(ApiError) as error:
        untunnel(multipart_request(content_type, body))
    assert error.value.status == 400
