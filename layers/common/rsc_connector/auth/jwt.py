"""Minimal, strict HS256 JSON Web Tokens (RFC 7519) for the ATS -> connector calls.

Only HS256 is accepted (the header's alg is checked, never trusted to pick the algorithm), signatures are
compared in constant time, and exp/nbf/iat/iss/aud are enforced. The ATS backend signs with the key in the
`ats-jwt` secret; `encode` exists for the ATS side, the demo and tests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from typing import Any, TypeGuard

MAX_LIFETIME_SECONDS = 3600  # "short-lived": a token valid for longer than an hour is refused
LEEWAY_SECONDS = 30


class InvalidToken(Exception):
    """The token is malformed, forged, expired or not meant for us. The message is safe to return."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise InvalidToken("token is not valid base64url") from exc


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def _finite_number(value: Any) -> TypeGuard[int | float]:
    """A JSON number (not a boolean) within float range: 1e999 parses as inf, and inf - inf is NaN."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond float range
        return False


def encode(claims: dict[str, Any], key: str) -> str:
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = ".".join(_b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims))
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def decode(token: str, key: str, *, issuer: str, audience: str, now: float) -> dict[str, Any]:
    """Verify and return the claims, or raise InvalidToken."""
    if len(token) > 8192:
        raise InvalidToken("token too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("token must have three parts")
    header_b64, claims_b64, signature_b64 = parts
    try:
        # Parsed before the signature is checked, so the input is anyone's: a "[[[[..." header must be refused
        # (RecursionError), and NaN/Infinity, which Python's json accepts, are not JSON numbers.
        header = json.loads(_b64url_decode(header_b64), parse_constant=_not_json)
        claims = json.loads(_b64url_decode(claims_b64), parse_constant=_not_json)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidToken("token is not JSON") from exc
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise InvalidToken("only HS256 tokens are accepted")
    expected = hmac.new(key.encode(), f"{header_b64}.{claims_b64}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _b64url_decode(signature_b64)):
        raise InvalidToken("bad signature")
    if not isinstance(claims, dict):
        raise InvalidToken("claims must be an object")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _finite_number(exp) or not _finite_number(iat):
        raise InvalidToken("exp and iat are required")
    if now > exp + LEEWAY_SECONDS:
        raise InvalidToken("token expired")
    if iat > now + LEEWAY_SECONDS:
        raise InvalidToken("token issued in the future")
    if exp - iat > MAX_LIFETIME_SECONDS:
        raise InvalidToken("token lifetime exceeds one hour")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and now + LEEWAY_SECONDS < nbf:
        raise InvalidToken("token not yet valid")
    if claims.get("iss") != issuer:
        raise InvalidToken("wrong issuer")
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and audience in aud):
        raise InvalidToken("wrong audience")
    return claims
