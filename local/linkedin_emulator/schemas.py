"""Field rules of the synced entities (linkedin-rsc-api.md 2.2-2.7 and 8.2), reported the Rest.li way.

Every problem is one line ``ERROR :: /<field path> :: <reason>\\n`` (assumption A18), and a record reports all of
its problems at once. Unknown fields and explicit ``null`` values are problems too: Rest.li records have no
``null``, an absent optional field is simply left out.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rsc_connector.linkedin import assumptions as A

from .model import ORGANIZATION_URN
from .validation import is_absolute_http_url

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # X@X.X (linkedin-rsc-api.md 2.3, 2.5)
PERSON_URN = re.compile(r"^urn:li:person:[A-Za-z0-9_-]+$")
MAX_JOB_TITLE_LENGTH = 200
STAGE_NOT_AVAILABLE = "Not Available"
JOB_STATES = ("LISTED", "CLOSED")
JOB_OPERATIONS = ("CREATE", "UPDATE", "CLOSE", "RENEW")
JOB_AVAILABILITIES = ("PUBLIC", "PRIVATE_TO_ATS_INTEGRATION")
INTERVIEW_TYPES = ("PHONE_SCREEN", "ONSITE")

REQUIRED = "field is required but not found and has no default value"
UNRECOGNIZED = "unrecognized field found but not allowed"
NULL = "null is not allowed; leave the field out when it has no value"


def problem(path: str, reason: str) -> str:
    return f"{A.VALIDATION_ERROR_PREFIX}{path} :: {reason}\n"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


Predicate = Callable[[Any], bool]


class Check(ABC):
    """A type rule. ``valid`` is a yes/no predicate built once per rule (a closure: a valid batch costs little);
    ``check`` explains, appending the problems at ``path`` to ``out``."""

    valid: Predicate

    def __post_init__(self) -> None:
        object.__setattr__(self, "valid", self.predicate())

    @abstractmethod
    def predicate(self) -> Predicate: ...

    @abstractmethod
    def check(self, value: Any, path: str, out: list[str]) -> None: ...


@dataclass(frozen=True)
class Str(Check):
    min_length: int = 0
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    pattern_name: str = ""
    url: bool = False
    forbidden: tuple[str, ...] = ()

    def predicate(self) -> Predicate:
        low, high, pattern, url = self.min_length, self.max_length, self.pattern, self.url
        forbidden = frozenset(word.casefold() for word in self.forbidden)
        if not low and high is None and pattern is None and not url and not forbidden:
            return lambda value: type(value) is str

        def valid(value: Any) -> bool:
            if type(value) is not str or len(value) < low or (high is not None and len(value) > high):
                return False
            if pattern is not None and not pattern.match(value):
                return False
            if url and not is_absolute_http_url(value):
                return False
            return not forbidden or value.strip().casefold() not in forbidden

        return valid

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, str):
            out.append(problem(path, f"{_shown(value)} is not a string"))
            return
        length = len(value)
        if length < self.min_length or (self.max_length is not None and length > self.max_length):
            upper = "" if self.max_length is None else str(self.max_length)
            out.append(problem(path, f"length of {length} is out of range {self.min_length}...{upper}"))
            return
        if self.pattern is not None and not self.pattern.match(value):
            out.append(problem(path, f"{_shown(value)} does not match {self.pattern_name}"))
        if self.url and not is_absolute_http_url(value):
            out.append(problem(path, f"{_shown(value)} is not an absolute http(s) URL"))
        if self.forbidden and value.strip().casefold() in {word.casefold() for word in self.forbidden}:
            out.append(problem(path, f"{_shown(value)} is not allowed"))


@dataclass(frozen=True)
class Timestamp(Check):
    """Epoch milliseconds, UTC, > 0 (linkedin-rsc-api.md 2.1)."""

    def predicate(self) -> Predicate:
        return lambda value: type(value) is int and value > 0

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            out.append(problem(path, f"{_shown(value)} is not an epoch-millisecond timestamp greater than 0"))


@dataclass(frozen=True)
class Bool(Check):
    def predicate(self) -> Predicate:
        return lambda value: type(value) is bool

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, bool):
            out.append(problem(path, f"{_shown(value)} is not a boolean"))


@dataclass(frozen=True)
class Enum(Check):
    symbols: tuple[str, ...]

    def predicate(self) -> Predicate:
        symbols = frozenset(self.symbols)
        return lambda value: type(value) is str and value in symbols

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if value not in self.symbols:
            out.append(problem(path, f"{_shown(value)} is not one of {', '.join(self.symbols)}"))


@dataclass(frozen=True)
class Array(Check):
    items: Check

    def predicate(self) -> Predicate:
        item_valid = self.items.valid

        def valid(value: Any) -> bool:
            if type(value) is not list:
                return False
            return all(map(item_valid, value))  # None fails every item rule

        return valid

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, list):
            out.append(problem(path, f"{_shown(value)} is not an array"))
            return
        for index, item in enumerate(value):
            if item is None:
                out.append(problem(f"{path}/{index}", NULL))
            else:
                self.items.check(item, f"{path}/{index}", out)


@dataclass(frozen=True)
class Field:
    check: Check
    required: bool = False


CrossRule = Callable[[Mapping[str, Any], list[str]], None]


@dataclass(frozen=True)
class Record(Check):
    fields: Mapping[str, Field]
    rules: tuple[CrossRule, ...] = ()
    names: tuple[str, ...] = field(init=False)
    required: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.fields))
        object.__setattr__(self, "required", tuple(name for name, spec in self.fields.items() if spec.required))
        super().__post_init__()

    def predicate(self) -> Predicate:
        validators = {name: spec.check.valid for name, spec in self.fields.items()}
        required, rules = self.required, self.rules

        def valid(value: Any) -> bool:
            if type(value) is not dict:
                return False
            for name, item in value.items():  # None fails every field rule
                field_valid = validators.get(name)
                if field_valid is None or not field_valid(item):
                    return False
            for name in required:
                if name not in value:
                    return False
            if rules:
                out: list[str] = []
                for rule in rules:
                    rule(value, out)
                return not out
            return True

        return valid

    def check(self, value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, dict):
            out.append(problem(path or "/", f"{_shown(value)} is not a record"))
            return
        fields = self.fields
        for name, item in value.items():
            spec = fields.get(name)
            if spec is None:
                out.append(problem(f"{path}/{name}", UNRECOGNIZED))
            elif item is None:
                out.append(problem(f"{path}/{name}", NULL))
            else:
                spec.check.check(item, f"{path}/{name}", out)
        for name, spec in fields.items():
            if spec.required and name not in value:
                out.append(problem(f"{path}/{name}", REQUIRED))
        for rule in self.rules:
            rule(value, out)

    def problems(self, value: Any) -> str | None:
        """All problems of a top-level entity as one message, or None when it is valid."""
        if self.valid(value):
            return None
        out: list[str] = []
        self.check(value, "", out)
        return "".join(out) or None

    def normalized(self, value: Mapping[str, Any]) -> dict[str, Any]:
        """Full replacement (linkedin-rsc-api.md 2.1, 2.5): every field of the record, omitted ones as null."""
        return {name: value.get(name) for name in self.names}


def _modified_after_created(value: Mapping[str, Any], out: list[str]) -> None:
    created, modified = value.get("atsCreatedAt"), value.get("atsLastModifiedAt")
    if (
        isinstance(created, int)
        and isinstance(modified, int)
        and not isinstance(created, bool)
        and not isinstance(modified, bool)
        and created > 0
        and 0 < modified < created
    ):
        out.append(problem("/atsLastModifiedAt", f"{modified} is earlier than atsCreatedAt {created}"))


def _job_location(value: Mapping[str, Any], out: list[str]) -> None:
    if "location" in value:
        return
    if "countryCode" not in value or "postalCode" not in value:
        out.append(problem("/location", REQUIRED + " (or give both countryCode and postalCode)"))


def _job_state(value: Mapping[str, Any], out: list[str]) -> None:
    has_state, has_operation = "state" in value, "jobPostingOperationType" in value
    if has_state and has_operation:
        out.append(problem("/state", "do not send state together with jobPostingOperationType"))
    elif not has_state and not has_operation:
        out.append(problem("/state", REQUIRED + " (or send jobPostingOperationType)"))


def _optional(check: Check) -> Field:
    return Field(check)


def _required(check: Check) -> Field:
    return Field(check, required=True)


TEXT = Str()
NON_EMPTY = Str(min_length=1)
EMAIL_ADDRESS = Str(min_length=1, pattern=EMAIL, pattern_name="X@X.X")
ACTOR = Record({"firstName": _required(NON_EMPTY), "lastName": _required(NON_EMPTY)})
ADDRESS = Record(
    {
        name: _optional(TEXT)
        for name in (
            "line1",
            "line2",
            "line3",
            "city",
            "geographicArea",
            "geographicAreaType",
            "postalCode",
            "country",
        )
    }
)
PHONE_NUMBER = Record({"number": _required(NON_EMPTY), "extension": _optional(TEXT)})
EVALUATION = Record({"attribute": _required(NON_EMPTY), "result": _required(TEXT)})

JOB = Record(
    {
        "integrationContext": _required(Str(pattern=ORGANIZATION_URN, pattern_name="urn:li:organization:<id>")),
        "externalJobPostingId": _required(NON_EMPTY),
        "title": _required(Str(min_length=1, max_length=MAX_JOB_TITLE_LENGTH)),
        "description": _required(NON_EMPTY),
        "location": _optional(NON_EMPTY),
        "countryCode": _optional(NON_EMPTY),
        "postalCode": _optional(NON_EMPTY),
        "state": _optional(Enum(JOB_STATES)),
        "jobPostingOperationType": _optional(Enum(JOB_OPERATIONS)),
        "companyApplyUrl": _required(Str(min_length=1, url=True)),
        "availability": _required(Enum(JOB_AVAILABILITIES)),
        "listedAt": _optional(Timestamp()),
        "expireAt": _optional(Timestamp()),
        "requisitionOwnerEmail": _optional(EMAIL_ADDRESS),
        "requisitionOwnerFirstName": _optional(TEXT),
        "requisitionOwnerLastName": _optional(TEXT),
        "workRemoteAllowed": _optional(Bool()),
        "workplaceTypes": _optional(Array(NON_EMPTY)),
    },
    (_job_location, _job_state),
)

CANDIDATE = Record(
    {
        "atsCreatedAt": _required(Timestamp()),
        "atsLastModifiedAt": _required(Timestamp()),
        "firstName": _required(NON_EMPTY),
        "lastName": _optional(TEXT),
        "middleInitial": _optional(TEXT),
        "prefix": _optional(TEXT),
        "suffix": _optional(TEXT),
        "emailAddresses": _optional(Array(EMAIL_ADDRESS)),
        "phoneNumbers": _required(Array(PHONE_NUMBER)),
        "addresses": _required(Array(ADDRESS)),
        "currentCompanyName": _optional(TEXT),
        "currentJobTitle": _optional(TEXT),
        "doNotContact": _optional(Bool()),
        "externalProfileUrl": _optional(TEXT),
        "linkedInProfileUrl": _optional(TEXT),
        A.MANUAL_MATCHED_MEMBER_FIELD: _optional(Str(pattern=PERSON_URN, pattern_name="urn:li:person:<id>")),
    },
    (_modified_after_created,),
)

APPLICATION = Record(
    {
        "atsCandidateId": _optional(NON_EMPTY),
        "atsCreatedAt": _required(Timestamp()),
        "atsLastModifiedAt": _required(Timestamp()),
        "atsJobPostingId": _required(NON_EMPTY),
        "atsJobPostingName": _required(NON_EMPTY),
        "candidateEmail": _optional(EMAIL_ADDRESS),
        "firstName": _optional(TEXT),
        "lastName": _optional(TEXT),
        "source": _optional(TEXT),
        "dispositionReason": _optional(TEXT),
    },
    (_modified_after_created,),
)

NOTE = Record({"atsCreatedAt": _optional(Timestamp()), "author": _optional(ACTOR), "note": _optional(TEXT)})

STAGE = Record(
    {
        "atsCreatedAt": _required(Timestamp()),
        "stage": _required(Str(min_length=1, forbidden=(STAGE_NOT_AVAILABLE,))),
    }
)

INTERVIEW_FEEDBACK = Record(
    {
        "atsCreatedAt": _optional(Timestamp()),
        "interviewer": _optional(ACTOR),
        "evaluations": _optional(Array(EVALUATION)),
        "feedback": _optional(TEXT),
        "interviewType": _optional(Enum(INTERVIEW_TYPES)),
    }
)
