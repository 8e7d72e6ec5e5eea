"""The ATS JWT: only genuine, current, HS256 tokens for us are accepted."""

import base64
import json

import pytest

from rsc_connector.auth import jwt

KEY = "k" * 40
NOW = 1_800_000_000


def token(**overrides):
    claims = {"iss": "ats", "aud": "rsc-connector", "sub": "u1", "iat": NOW, "exp": NOW + 300, **overrides}
    return jwt.encode(claims, KEY)


def decode(tok, now=NOW):
    return jwt.decode(tok, KEY, issuer="ats", audience="rsc-connector", now=now)


def test_valid_token_round_trips():
    assert decode(token(account_id="a1"))["account_id"] == "a1"


@pytest.mark.parametrize(
    ("tok_overrides", "now", "reason"),
    [
        ({}, NOW + 400, "expired"),
        ({"iss": "someone-else"}, NOW, "issuer"),
        ({"aud": "other"}, NOW, "audience"),
        ({"exp": NOW + 7200}, NOW, "lifetime"),
        ({"iat": NOW + 600, "exp": NOW + 900}, NOW, "future"),
        ({"nbf": NOW + 600}, NOW, "not yet valid"),
    ],
)
def test_claims_are_enforced(tok_overrides, now, reason):
    with pytest.raises(jwt.InvalidToken, match=reason):
        decode(token(**tok_overrides), now=now)


def test_forged_signature_is_refused():
    forged = jwt.encode({"iss": "ats", "aud": "rsc-connector", "iat": NOW, "exp": NOW + 60}, "another-key" * 4)
    with pytest.raises(jwt.InvalidToken, match="signature"):
        decode(forged)


def test_alg_none_and_other_algorithms_are_refused():
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    body = token().split(".")[1]
    with pytest.raises(jwt.InvalidToken, match="HS256"):
        decode(f"{header}.{body}.")


def test_tampered_claims_are_refused():
    head, _, sig = token(account_id="a1").split(".")
    other = jwt.encode({"iss": "ats", "aud": "rsc-connector", "iat": NOW, "exp": NOW + 60, "account_id": "a2"}, KEY)
    with pytest.raises(jwt.InvalidToken):
        decode(f"{head}.{other.split('.')[1]}.{sig}")


@pytest.mark.parametrize("garbage", ["", "a.b", "a.b.c.d", "!!!.###.$$$", "x" * 9000])
def test_garbage_is_refused(garbage):
    with pytest.raises(jwt.InvalidToken):
        decode(garbage)
