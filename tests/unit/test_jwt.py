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


def _signed(header: bytes, claims: bytes) -> str:
    """A token over raw header/claims bytes, signed with the right key (what only a key holder can make)."""
    import hashlib
    import hmac

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(header)}.{b64(claims)}"
    return f"{signing_input}.{b64(hmac.new(KEY.encode(), signing_input.encode(), hashlib.sha256).digest())}"


@pytest.mark.parametrize("part", ["header", "claims"])
def test_deeply_nested_json_is_refused_not_a_crash(part):
    # Regression (issue 7, bad-input suite): parsed before the signature check, "[[[[..." raised RecursionError,
    # so anyone could make the authorizer fail (API Gateway's 500) instead of 401.
    deep = b"[" * 5000
    header, claims = (deep, b"{}") if part == "header" else (b'{"alg":"HS256"}', deep)
    with pytest.raises(jwt.InvalidToken, match="not JSON"):
        decode(_signed(header, claims))


@pytest.mark.parametrize(
    "claims",
    [
        f'{{"iss":"ats","aud":"rsc-connector","sub":"u1","iat":{NOW},"exp":NaN}}',
        f'{{"iss":"ats","aud":"rsc-connector","sub":"u1","iat":NaN,"exp":{NOW + 60}}}',
        f'{{"iss":"ats","aud":"rsc-connector","sub":"u1","iat":{NOW},"exp":Infinity}}',
        f'{{"iss":"ats","aud":"rsc-connector","sub":"u1","iat":-Infinity,"exp":{NOW + 60}}}',
    ],
)
def test_nan_and_infinity_are_not_numbers(claims):
    # Regression: exp NaN passed every comparison (NaN > x is False), so a genuine token never expired.
    with pytest.raises(jwt.InvalidToken, match="not JSON"):
        decode(_signed(b'{"alg":"HS256","typ":"JWT"}', claims.encode()), now=NOW + 10**9)


@pytest.mark.parametrize(
    ("exp", "iat"),
    [(True, NOW), (NOW + 60, True), ("1800000060", NOW), (10**400, NOW), (NOW + 60, -(10**400))],
)
def test_exp_and_iat_must_be_finite_numbers(exp, iat):
    with pytest.raises(jwt.InvalidToken):
        decode(token(exp=exp, iat=iat))
