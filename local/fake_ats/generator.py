"""Records on demand: any record of any resource from (spec, resource, index), without the rest of the dataset.

Each record draws from its own random stream keyed by (seed, resource, index); what it needs from its parents
(a candidate's name and creation date for an application, an application's date and outcome for a stage) comes
from small cached "cores" of the parents, drawn from the parents' own streams. Relationships come from
:class:`fake_ats.layout.FanOut`, invalid records from :func:`fake_ats.layout.selected_rank`: both exact and O(1).

A record made invalid differs from its valid twin only in its defect (the defect's variant is drawn from a
separate hash), and nothing derived from it is affected: an application of an invalid candidate carries the
candidate's real name and a well-formed email, and an application to a job with a too-long title carries the
job's real title.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from .layout import FanOut, h, mix1, selected_indices, selected_rank, share_count, stream
from .people import SeatHolder, UserProfile, build_seat_holders, build_users, company_domain, company_name
from .spec import FAN_OUTS, RESOURCES, DatasetSpec
from .vocab import (
    DESCRIPTION_SENTENCES,
    DISPOSITION_REASONS,
    EMPLOYERS,
    FEEDBACK_SENTENCES,
    FIRST_NAMES,
    HIRED,
    JOB_FUNCTIONS,
    LAST_NAMES,
    LOCATIONS,
    MIDDLE_INITIALS,
    NOT_AVAILABLE,
    NOTE_SENTENCES,
    PERSONAL_DOMAINS,
    PIPELINE,
    PREFIXES,
    RATING_ATTRIBUTES,
    REJECTED,
    SENIORITIES,
    SOURCES,
    STREETS,
    SUFFIXES,
    TITLE_SUFFIXES,
    email_part,
)

ID_PREFIXES: dict[str, str] = {
    "users": "usr",
    "jobs": "job",
    "candidates": "cand",
    "applications": "app",
    "candidate-notes": "cnote",
    "application-notes": "anote",
    "stages": "stage",
    "interview-feedback": "fb",
}

INVALID_KINDS: dict[str, tuple[str, ...]] = {
    "jobs": ("title_too_long",),
    "candidates": ("missing_first_name", "malformed_email", "updated_before_created"),
    "applications": ("updated_before_created",),
    "stages": ("empty_stage_name", "stage_not_available"),
}
"""The defects LinkedIn rejects (linkedin-rsc-api.md 2.7, 8.2), per resource. Notes, feedback and users have no
LinkedIn-required field, so they are never invalid; kinds are dealt in turn, so each gets an equal share."""

REASONS: dict[str, str] = {
    "title_too_long": "job title longer than 200 characters",
    "missing_first_name": "candidate first_name is null or empty",
    "malformed_email": "candidate's primary email address is not of the form X@X.X",
    "updated_before_created": "updated_at is earlier than created_at",
    "empty_stage_name": "stage name is empty",
    "stage_not_available": 'stage name is "Not Available"',
}

DAY = 86_400
_EMPLOYER_DOMAINS = tuple(f"{email_part(name)}.example" for name in EMPLOYERS)
_FILLER = " / ".join(JOB_FUNCTIONS)
_OUTCOMES_OPEN = ((0.45, "active"), (0.88, "rejected"), (0.94, "hired"), (1.0, "withdrawn"))
_OUTCOMES_CLOSED = ((0.70, "rejected"), (0.85, "hired"), (1.0, "withdrawn"))
# Stream tags: one per kind of draw, so that streams never overlap.
_T_RECORD = 1
_T_FANOUT = 2
_T_INVALID = 3
_T_KIND = 4
_T_DEFECT = 5
_T_CLOSED = 6
_T_PRIVATE = 7
_T_GAP = 8
_T_CORE = 9
_RESOURCE_NO = {name: number for number, name in enumerate(RESOURCES)}


@dataclass(frozen=True)
class ExpectedRejection:
    """A record LinkedIn should reject, and why (a key of :data:`REASONS`)."""

    resource: str
    index: int
    id: str
    reason: str


class _JobCore(NamedTuple):
    title: str
    location: tuple[str, str | None, str, str, str]
    created: int
    closed_at: int | None


class _CandidateCore(NamedTuple):
    first: str
    first_part: str
    last: str
    last_part: str
    created: int
    emails: tuple[tuple[str, str], ...]
    employer: int | None
    title: str


class _ApplicationCore(NamedTuple):
    candidate: int
    job: int
    created: int
    outcome: str


@lru_cache(maxsize=4096)
def _iso_day(day: int) -> str:
    return time.strftime("%Y-%m-%dT", time.gmtime(day * DAY))


def iso(epoch: int) -> str:
    """Epoch seconds as ISO-8601 UTC with a Z, second precision."""
    day, seconds = divmod(epoch, DAY)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{_iso_day(day)}{hours:02d}:{minutes:02d}:{seconds:02d}Z"


def record_id(resource: str, index: int) -> str:
    """The id of record ``index`` (0-based) of ``resource``; ids sort like indices."""
    return f"{ID_PREFIXES[resource]}-{index + 1:010d}"


def record_index(resource: str, record_id_: str) -> int:
    """The inverse of :func:`record_id`; ValueError if the id is not one of ``resource``'s."""
    prefix, _, number = record_id_.partition("-")
    if prefix != ID_PREFIXES[resource] or len(number) != 10 or not number.isdigit() or int(number) < 1:
        raise ValueError(f"{record_id_!r} is not an id of {resource}")
    return int(number) - 1


@lru_cache(maxsize=64)
def _stage_names(count: int, outcome: str) -> tuple[str, ...]:
    final = {"rejected": REJECTED, "hired": HIRED}.get(outcome)
    steps = count - 1 if final and count else count
    names = list(PIPELINE[:steps])
    if steps > len(PIPELINE):  # long processes: more onsite rounds before the reference check
        rounds = [f"Onsite Interview (Round {n})" for n in range(2, steps - len(PIPELINE) + 2)]
        names = [*PIPELINE[:4], *rounds, *PIPELINE[4:]]
    if final and count:
        names.append(final)
    return tuple(names)


def _postal(pattern: str, rnd: Callable[[], float]) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            out.append(str(int(rnd() * 10)))
        elif ch == "A":
            out.append("ABCDEHJKLMNPRSTVWXY"[int(rnd() * 19)])
        else:
            out.append(ch)
    return "".join(out)


def _prose(rnd: Callable[[], float], pool: tuple[str, ...]) -> str:
    """One sentence (45%), one paragraph of 2-4 (35%) or 2-4 paragraphs of 2-4 sentences (20%)."""
    size = len(pool)
    shape = rnd()
    if shape < 0.45:
        return pool[int(rnd() * size)]
    paragraphs = 1 if shape < 0.8 else 2 + int(rnd() * 3)
    return "\n\n".join(" ".join(pool[int(rnd() * size)] for _ in range(2 + int(rnd() * 3))) for _ in range(paragraphs))


class Dataset:
    """The generator of one spec; get it through :func:`dataset` (cached per spec)."""

    def __init__(self, spec: DatasetSpec) -> None:
        self.spec = spec
        self.seed = spec.seed
        self.counts = spec.counts()
        self.end = spec.as_of_epoch
        self.start = self.end - spec.history_days * DAY
        self.span = self.end - self.start
        self.company = company_name(spec)
        self.domain = company_domain(spec)
        self.company_slug = email_part(self.company) or "company"
        self.fingerprint = spec.fingerprint()
        self.user_profiles = build_users(spec)
        self.seat_holders = build_seat_holders(spec, self.user_profiles)
        self._authors = [(u.first_name, u.last_name) for u in self.user_profiles]
        self._interviewers = [
            (u.first_name, u.last_name) for u in self.user_profiles if u.role != "owner"
        ] or self._authors
        self.invalid_counts = {
            name: share_count(self.counts[name], spec.invalid_share) if name in INVALID_KINDS else 0
            for name in RESOURCES
        }
        self._stream_base = {name: h(self.seed, _T_RECORD, number) for name, number in _RESOURCE_NO.items()}
        self._invalid_key = {name: h(self.seed, _T_INVALID, number) for name, number in _RESOURCE_NO.items()}
        self._kind_offset = {name: h(self.seed, _T_KIND, number) for name, number in _RESOURCE_NO.items()}
        self._defect_key = {name: h(self.seed, _T_DEFECT, number) for name, number in _RESOURCE_NO.items()}
        self._core_key = {name: h(self.seed, _T_CORE, number) for name, number in _RESOURCE_NO.items()}
        self._gap_key = h(self.seed, _T_GAP)
        jobs = self.counts["jobs"]
        self._closed = (share_count(jobs, spec.closed_job_share), h(self.seed, _T_CLOSED))
        self._private = (share_count(jobs, spec.private_job_share), h(self.seed, _T_PRIVATE))
        self.fanouts: dict[str, FanOut] = {}
        for child, (parent, field) in FAN_OUTS.items():
            ratio = float(getattr(spec, field))
            cap = 7 if child == "stages" else 3 * max(1, int(ratio + 0.999))
            key = h(self.seed, _T_FANOUT, _RESOURCE_NO[child])
            self.fanouts[child] = FanOut(self.counts[parent], ratio, key, cap)
        self.job_core = lru_cache(maxsize=8192)(self._job_core)
        self.candidate_core = lru_cache(maxsize=8192)(self._candidate_core)
        self.application_core = lru_cache(maxsize=8192)(self._application_core)
        self._builders: dict[str, Callable[[int], dict[str, Any]]] = {
            "users": self._user,
            "jobs": self._job,
            "candidates": self._candidate,
            "applications": self._application,
            "candidate-notes": self._candidate_note,
            "application-notes": self._application_note,
            "stages": self._stage,
            "interview-feedback": self._feedback,
        }

    # -- public ----------------------------------------------------------------------------------------------

    def record(self, resource: str, index: int) -> dict[str, Any]:
        builder = self._builder(resource)
        if not 0 <= index < self.counts[resource]:
            raise IndexError(f"{resource} has {self.counts[resource]} records; no index {index}")
        return builder(index)

    def slice(self, resource: str, offset: int, limit: int) -> list[dict[str, Any]]:
        """Records ``offset .. offset+limit-1`` (fewer at the end)."""
        builder = self._builder(resource)
        return [builder(index) for index in range(max(0, offset), min(offset + limit, self.counts[resource]))]

    def invalid_reason(self, resource: str, index: int) -> str | None:
        kinds = INVALID_KINDS.get(resource)
        if kinds is None:
            self._builder(resource)
            return None
        rank = selected_rank(self.counts[resource], self.invalid_counts[resource], self._invalid_key[resource], index)
        if rank is None:
            return None
        return kinds[(rank + self._kind_offset[resource]) % len(kinds)]

    def expected_rejections(self) -> list[ExpectedRejection]:
        out: list[ExpectedRejection] = []
        for resource, kinds in INVALID_KINDS.items():
            offset = self._kind_offset[resource]
            picks = selected_indices(self.counts[resource], self.invalid_counts[resource], self._invalid_key[resource])
            for rank, index in enumerate(picks):
                out.append(
                    ExpectedRejection(resource, index, record_id(resource, index), kinds[(rank + offset) % len(kinds)])
                )
        out.sort(key=lambda rejection: (_RESOURCE_NO[rejection.resource], rejection.index))
        return out

    # -- helpers ---------------------------------------------------------------------------------------------

    def _builder(self, resource: str) -> Callable[[int], dict[str, Any]]:
        builder = self._builders.get(resource)
        if builder is None:
            raise KeyError(f"unknown resource {resource!r}")
        return builder

    def _rng(self, resource: str, index: int) -> random.Random:
        return stream(self._stream_base[resource], index)

    def _defect_variant(self, resource: str, index: int, variants: int) -> int:
        return mix1(self._defect_key[resource], index) % variants

    def _defect_delay(self, resource: str, index: int) -> int:
        """How far before created_at an invalid record's updated_at lies: one hour to a month."""
        return 3600 + (mix1(self._defect_key[resource], index) >> 8) % (30 * DAY)

    def _person(self, rnd: Callable[[], float], pool: list[tuple[str, str]]) -> dict[str, str]:
        if pool:
            first, last = pool[int(rnd() * len(pool))]
        else:
            first, last = FIRST_NAMES[int(rnd() * len(FIRST_NAMES))][0], LAST_NAMES[int(rnd() * len(LAST_NAMES))][0]
        return {"first_name": first, "last_name": last}

    # -- cores: what children need of their parents ----------------------------------------------------------

    # Cores come from one or two 64-bit hashes read as mixed-radix digits (divmod), not from a random stream:
    # children look up many parents, and a hash costs a fraction of seeding a Mersenne Twister.

    def _job_core(self, index: int) -> _JobCore:
        x = mix1(self._core_key["jobs"], index)
        x, seniority = divmod(x, len(SENIORITIES))
        x, function = divmod(x, len(JOB_FUNCTIONS))
        x, suffix = divmod(x, len(TITLE_SUFFIXES))
        x, location = divmod(x, len(LOCATIONS))
        x, created_offset = divmod(x, int(self.span * 0.92))
        created = self.start + created_offset
        closed_at = None
        if selected_rank(self.counts["jobs"], self._closed[0], self._closed[1], index) is not None:
            open_days = 14 + x % 240
            closed_at = min(self.end - 3600, created + open_days * DAY + created_offset % DAY)
        title = SENIORITIES[seniority] + JOB_FUNCTIONS[function] + TITLE_SUFFIXES[suffix]
        return _JobCore(title, LOCATIONS[location], created, closed_at)

    def _candidate_core(self, index: int) -> _CandidateCore:
        x = mix1(self._core_key["candidates"], index)
        x, first_no = divmod(x, len(FIRST_NAMES))
        x, last_no = divmod(x, len(LAST_NAMES))
        x, created_offset = divmod(x, int(self.span * 0.97))
        first, first_part = FIRST_NAMES[first_no]
        last, last_part = LAST_NAMES[last_no]
        first_part = first_part or "candidate"
        y = mix1(self._core_key["candidates"], ~index)
        y, no_email = divmod(y, 100)
        y, style = divmod(y, 4)
        y, number = divmod(y, 90)
        y, domain = divmod(y, len(PERSONAL_DOMAINS))
        y, employed = divmod(y, 100)
        y, employer_no = divmod(y, len(EMPLOYERS))
        y, has_work = divmod(y, 100)
        y, work_first = divmod(y, 100)
        y, has_other = divmod(y, 100)
        y, other_domain = divmod(y, len(PERSONAL_DOMAINS))
        title = JOB_FUNCTIONS[y % len(JOB_FUNCTIONS)]
        employer = employer_no if employed < 75 else None
        emails: list[tuple[str, str]] = []
        if no_email >= 3:  # 3% of candidates have no email at all (valid: emails are "required when available")
            number += 10
            local = (
                f"{first_part}.{last_part}",
                f"{first_part}{last_part}{number}",
                f"{first_part[0]}{last_part}",
                f"{first_part}_{last_part}",
            )[style]
            emails.append((f"{local}@{PERSONAL_DOMAINS[domain]}", "personal"))
            if employer is not None and has_work < 45:
                work = (f"{first_part}.{last_part}@{_EMPLOYER_DOMAINS[employer]}", "work")
                if work_first < 30:
                    emails.insert(0, work)
                else:
                    emails.append(work)
            if has_other < 8:
                emails.append((f"{first_part}{number}@{PERSONAL_DOMAINS[other_domain]}", "other"))
        return _CandidateCore(
            first, first_part, last, last_part, self.start + created_offset, tuple(emails), employer, title
        )

    def _application_core(self, index: int) -> _ApplicationCore:
        candidate = self.fanouts["applications"].locate(index)[0]
        job = mix1(self._core_key["applications"], index) % self.counts["jobs"]
        candidate_core = self.candidate_core(candidate)
        job_core = self.job_core(job)
        earliest = max(candidate_core.created, job_core.created)
        latest = job_core.closed_at if job_core.closed_at and job_core.closed_at > earliest else self.end
        y, roll = divmod(mix1(self._core_key["applications"], ~index), 1000)
        created = earliest + y % max(1, min(latest - earliest, 120 * DAY))
        table = _OUTCOMES_CLOSED if job_core.closed_at else _OUTCOMES_OPEN
        outcome = next(name for limit, name in table if roll < limit * 1000)
        return _ApplicationCore(candidate, job, created, outcome)

    # -- records ---------------------------------------------------------------------------------------------

    def _user(self, index: int) -> dict[str, Any]:
        return self.user_profiles[index].record()

    def _job(self, index: int) -> dict[str, Any]:
        core = self.job_core(index)
        rnd = self._rng("jobs", index).random
        record_id_ = record_id("jobs", index)
        city, region, country, _, _ = core.location
        intro = f"We are hiring a {core.title} in {city} to join {self.company}."
        paragraphs = [intro] + [
            " ".join(DESCRIPTION_SENTENCES[int(rnd() * len(DESCRIPTION_SENTENCES))] for _ in range(2 + int(rnd() * 3)))
            for _ in range(1 + int(rnd() * 3))
        ]
        private = selected_rank(self.counts["jobs"], self._private[0], self._private[1], index) is not None
        if core.closed_at is not None:
            updated = core.closed_at
        else:
            updated = core.created + int(rnd() * (self.end - core.created) * 0.3)
        title = core.title
        if self.invalid_reason("jobs", index) == "title_too_long":
            title = self._long_title(title, index)
        return {
            "id": record_id_,
            "title": title,
            "description": "\n\n".join(paragraphs),
            "location": {"city": city, "region": region, "country": country},
            "status": "closed" if core.closed_at is not None else "open",
            "visibility": "private" if private else "public",
            "apply_url": f"https://careers.{self.domain}/jobs/{record_id_}",
            "created_at": iso(core.created),
            "updated_at": iso(updated),
            "closed_at": iso(core.closed_at) if core.closed_at is not None else None,
        }

    def _long_title(self, title: str, index: int) -> str:
        text = f"{title} — {_FILLER}"
        length = 201 + self._defect_variant("jobs", index, 60)
        while text[length - 1].isspace():  # never let stripping bring it back to 200
            length += 1
        return text[:length]

    def _candidate(self, index: int) -> dict[str, Any]:
        core = self.candidate_core(index)
        rnd = self._rng("candidates", index).random
        record_id_ = record_id("candidates", index)
        middle = MIDDLE_INITIALS[int(rnd() * len(MIDDLE_INITIALS))] if rnd() < 0.15 else None
        prefix = PREFIXES[int(rnd() * len(PREFIXES))] if rnd() < 0.05 else None
        suffix = SUFFIXES[int(rnd() * len(SUFFIXES))] if rnd() < 0.04 else None
        home = LOCATIONS[int(rnd() * len(LOCATIONS))]
        phones: list[dict[str, Any]] = []
        if rnd() < 0.85:
            phones.append(
                {
                    "number": f"{home[3]} {100 + int(rnd() * 900)} {1000 + int(rnd() * 9000)}",
                    "extension": None,
                    "type": "mobile",
                }
            )
        if rnd() < 0.25:
            extension = str(100 + int(rnd() * 9900)) if rnd() < 0.5 else None
            phones.append(
                {
                    "number": f"{home[3]} {100 + int(rnd() * 900)} {1000 + int(rnd() * 9000)}",
                    "extension": extension,
                    "type": "work",
                }
            )
        addresses: list[dict[str, Any]] = []
        if rnd() < 0.7:
            addresses.append(
                {
                    "line1": f"{1 + int(rnd() * 250)} {STREETS[int(rnd() * len(STREETS))]}",
                    "city": home[0],
                    "region": home[1],
                    "postal_code": _postal(home[4], rnd),
                    "country": home[2],
                }
            )
        employed = core.employer is not None
        current_title = core.title if employed or rnd() < 0.3 else None
        linkedin_url = (
            f"https://www.linkedin.com/in/{core.first_part}-{core.last_part}-{int(rnd() * 0xFFFFFF):06x}"
            if rnd() < 0.45
            else None
        )
        do_not_contact = rnd() < 0.03
        updated = core.created + int(rnd() * (self.end - core.created))
        emails = [{"address": address, "type": kind} for address, kind in core.emails]
        first_name: str | None = core.first
        reason = self.invalid_reason("candidates", index)
        if reason == "missing_first_name":
            first_name = (None, "")[self._defect_variant("candidates", index, 2)]
        elif reason == "malformed_email":
            emails = self._malformed_emails(core, index, emails)
        elif reason == "updated_before_created":
            updated = core.created - self._defect_delay("candidates", index)
        return {
            "id": record_id_,
            "first_name": first_name,
            "last_name": core.last,
            "middle_initial": middle,
            "prefix": prefix,
            "suffix": suffix,
            "emails": emails,
            "phones": phones,
            "addresses": addresses,
            "current_company": EMPLOYERS[core.employer] if core.employer is not None else None,
            "current_title": current_title,
            "linkedin_url": linkedin_url,
            "profile_url": f"https://ats.example/{self.company_slug}/candidates/{record_id_}",
            "do_not_contact": do_not_contact,
            "created_at": iso(core.created),
            "updated_at": iso(updated),
        }

    def _malformed_emails(self, core: _CandidateCore, index: int, emails: list[dict[str, Any]]) -> list[dict[str, Any]]:
        good = emails[0]["address"] if emails else f"{core.first_part}.{core.last_part}@{PERSONAL_DOMAINS[0]}"
        local, _, domain = good.partition("@")
        variant = self._defect_variant("candidates", index, 3)
        bad = (good.replace("@", "."), f"{local}@{domain.split('.')[0]}", f"@{domain}")[variant]
        kind = emails[0]["type"] if emails else "personal"
        return [{"address": bad, "type": kind}, *emails[1:]]

    def _application(self, index: int) -> dict[str, Any]:
        core = self.application_core(index)
        rnd = self._rng("applications", index).random
        candidate = self.candidate_core(core.candidate)
        job = self.job_core(core.job)
        source = SOURCES[int(rnd() * len(SOURCES))] if rnd() < 0.9 else None
        reason = None
        if core.outcome == "rejected":
            reason = DISPOSITION_REASONS[int(rnd() * len(DISPOSITION_REASONS))]
        elif core.outcome == "withdrawn":
            reason = "Candidate withdrew"
        updated = core.created + int(rnd() * (self.end - core.created) * 0.5)
        if self.invalid_reason("applications", index) == "updated_before_created":
            updated = core.created - self._defect_delay("applications", index)
        return {
            "id": record_id("applications", index),
            "candidate_id": record_id("candidates", core.candidate),
            "job_id": record_id("jobs", core.job),
            "candidate": {
                "first_name": candidate.first,
                "last_name": candidate.last,
                "email": candidate.emails[0][0] if candidate.emails else None,
            },
            "job": {"title": job.title},
            "source": source,
            "disposition_reason": reason,
            "created_at": iso(core.created),
            "updated_at": iso(updated),
        }

    def _candidate_note(self, index: int) -> dict[str, Any]:
        candidate_index, position, siblings = self.fanouts["candidate-notes"].locate(index)
        candidate = self.candidate_core(candidate_index)
        rnd = self._rng("candidate-notes", index).random
        # Notes of one candidate are in date order: each takes its own slice of the time since creation.
        created = candidate.created + int((position + rnd()) / siblings * (self.end - candidate.created))
        body = _prose(rnd, NOTE_SENTENCES)
        if rnd() < 0.3:
            body = f"Call with {candidate.first}: {body}"
        return {
            "id": record_id("candidate-notes", index),
            "candidate_id": record_id("candidates", candidate_index),
            "body": body,
            "author": None if rnd() < 0.04 else self._person(rnd, self._authors),
            "created_at": iso(created),
        }

    def _application_note(self, index: int) -> dict[str, Any]:
        application_index, position, siblings = self.fanouts["application-notes"].locate(index)
        application = self.application_core(application_index)
        rnd = self._rng("application-notes", index).random
        created = application.created + int((position + rnd()) / siblings * (self.end - application.created))
        return {
            "id": record_id("application-notes", index),
            "application_id": record_id("applications", application_index),
            "body": _prose(rnd, NOTE_SENTENCES),
            "author": None if rnd() < 0.04 else self._person(rnd, self._authors),
            "created_at": iso(created),
        }

    def _stage(self, index: int) -> dict[str, Any]:
        application_index, position, siblings = self.fanouts["stages"].locate(index)
        application = self.application_core(application_index)
        name = _stage_names(siblings, application.outcome)[position]
        entered = application.created
        for step in range(1, position + 1):  # half a day to three weeks between stages
            entered += 12 * 3600 + mix1(self._gap_key, (application_index << 6) | step) % (20 * DAY)
        reason = self.invalid_reason("stages", index)
        if reason == "empty_stage_name":
            name = ""
        elif reason == "stage_not_available":
            name = NOT_AVAILABLE
        return {
            "id": record_id("stages", index),
            "application_id": record_id("applications", application_index),
            "name": name,
            "entered_at": iso(min(entered, self.end)),
        }

    def _feedback(self, index: int) -> dict[str, Any]:
        application_index, position, siblings = self.fanouts["interview-feedback"].locate(index)
        application = self.application_core(application_index)
        draw = self._rng("interview-feedback", index)
        rnd = draw.random
        window = min(self.end - application.created, 90 * DAY)
        created = application.created + int((position + rnd()) / siblings * window)
        interview_type = "phone_screen" if position == 0 and rnd() < 0.7 else None
        if interview_type is None:
            interview_type = "onsite" if rnd() < 0.8 else "other"
        attributes = draw.sample(RATING_ATTRIBUTES, 2 + int(rnd() * 3))
        return {
            "id": record_id("interview-feedback", index),
            "application_id": record_id("applications", application_index),
            "interviewer": self._person(rnd, self._interviewers),
            "interview_type": interview_type,
            "feedback": " ".join(
                FEEDBACK_SENTENCES[int(rnd() * len(FEEDBACK_SENTENCES))] for _ in range(1 + int(rnd() * 4))
            ),
            "ratings": [{"attribute": attribute, "score": 1 + int(rnd() * 5)} for attribute in attributes],
            "created_at": iso(created),
        }


# -- module API --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def dataset(spec: DatasetSpec) -> Dataset:
    """The (cached) generator of ``spec``."""
    return Dataset(spec)


def _check_resource(resource: str) -> None:
    if resource not in _RESOURCE_NO:
        raise ValueError(f"unknown resource {resource!r}; expected one of {', '.join(RESOURCES)}")


def record(spec: DatasetSpec, resource: str, index: int) -> dict[str, Any]:
    """Record ``index`` (0-based, in id order) of ``resource``, exactly as the server serves it."""
    _check_resource(resource)
    return dataset(spec).record(resource, index)


def records(spec: DatasetSpec, account_id: str, resource: str) -> Iterator[dict[str, Any]]:
    """Every record of ``resource``, in order, exactly as served to ``account_id``.

    Content is a function of the spec alone (give accounts different seeds for different data); the account id
    is checked the way the server checks it, so the call mirrors ``GET /accounts/{account_id}/{resource}``.
    """
    _check_resource(resource)
    if not isinstance(account_id, str) or not account_id:
        raise ValueError("account_id must be a non-empty string")
    generator = dataset(spec)
    total = generator.counts[resource]
    for offset in range(0, total, 500):
        yield from generator.slice(resource, offset, 500)


def is_invalid(spec: DatasetSpec, resource: str, index: int) -> str | None:
    """Why LinkedIn should reject record ``index`` of ``resource`` (a key of :data:`REASONS`), or None."""
    _check_resource(resource)
    return dataset(spec).invalid_reason(resource, index)


def expected_rejections(spec: DatasetSpec) -> list[ExpectedRejection]:
    """Every record LinkedIn should reject, by resource then id."""
    return dataset(spec).expected_rejections()


def expected_rejection_counts(spec: DatasetSpec) -> dict[str, int]:
    """How many records of each resource LinkedIn should reject."""
    return dict(dataset(spec).invalid_counts)


def user_profiles(spec: DatasetSpec) -> list[UserProfile]:
    """The users with their seat-linking scenario and LinkedIn email (see fake_ats.people)."""
    return list(dataset(spec).user_profiles)


def seat_holders(spec: DatasetSpec) -> list[SeatHolder]:
    """The Recruiter seats a LinkedIn-side generator should create for this account, with the expected links."""
    return list(dataset(spec).seat_holders)


def seat_holder_emails(spec: DatasetSpec) -> list[str]:
    """The seat holders' emails, including ones that match no user (the ``no_email`` seat has none: left out)."""
    return [seat.email for seat in dataset(spec).seat_holders if seat.email is not None]
