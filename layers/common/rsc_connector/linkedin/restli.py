"""Rest.li protocol 1.0 encoding, as LinkedIn's RSC Postman collection sends it (linkedin-rsc-api.md 2.1).

Compound keys go in the query as ids[i].field=value and in a body's `entities` map as field=value&field=value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

CompoundKey = Mapping[str, str]

MAX_BATCH = 100  # LinkedIn: at most 100 records per call


def entity_key(key: CompoundKey) -> str:
    """The body form of a compound key: field=value&field=value (values as LinkedIn's docs write them)."""
    return "&".join(f"{field}={value}" for field, value in key.items())


def path_key(key: CompoundKey) -> str:
    """A compound key as a URL path segment (sub-resources): values percent-encoded, '=' and '&' literal."""
    return "&".join(f"{field}={quote(str(value), safe='')}" for field, value in key.items())


def batch_ids_params(keys: Sequence[CompoundKey]) -> list[tuple[str, str]]:
    """ids[i].field=value query parameters for a batch of compound keys (requests encodes them)."""
    if not keys:
        raise ValueError("a batch needs at least one key")
    if len(keys) > MAX_BATCH:
        raise ValueError(f"a batch holds at most {MAX_BATCH} keys, got {len(keys)}")
    return [(f"ids[{i}].{field}", str(value)) for i, key in enumerate(keys) for field, value in key.items()]


def simple_ids_params(ids: Sequence[str]) -> list[tuple[str, str]]:
    """Repeated ids=value parameters (sub-resource batches such as configurations)."""
    if len(ids) > MAX_BATCH:
        raise ValueError(f"a batch holds at most {MAX_BATCH} keys, got {len(ids)}")
    return [("ids", i) for i in ids]


def parse_entity_key(text: str) -> dict[str, str]:
    """Inverse of entity_key, order-independent (LinkedIn's replies may order fields differently)."""
    from urllib.parse import unquote

    out: dict[str, str] = {}
    for part in text.split("&"):
        field, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"malformed compound key {text!r}")
        out[unquote(field)] = unquote(value)
    return out
