"""Verify a sync: what the LinkedIn emulator holds vs the fake ATS's data mapped through our mapping.

For each entity: missing (expected at LinkedIn, not there), extra (there, not expected), differing (there with
other values than the mapping gives), and whether the records not synced are exactly the fake ATS's
deliberately invalid ones. `rsc-verify` prints the table; a finished sync must show 0 / 0 / 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

import requests

from rsc_connector.sync.mapping import Entity, JobAvailability, MappingOptions, Rejected, map_record

# The emulator's dump names (GET /_control/data?organization=...), and whether records sit under a parent.
DUMP_NAMES = {
    Entity.JOBS: ("jobs", False),
    Entity.CANDIDATES: ("candidates", False),
    Entity.APPLICATIONS: ("applications", False),
    Entity.CANDIDATE_NOTES: ("candidateNotes", True),
    Entity.APPLICATION_NOTES: ("applicationNotes", True),
    Entity.STAGES: ("applicationStages", True),
    Entity.INTERVIEW_FEEDBACK: ("applicationInterviewFeedback", True),
}
# Fields LinkedIn adds or owns; not part of what we send.
LINKEDIN_FIELDS = {"state", "jobPosting", "integrationContext", "matchedMembers", "manualMatchedMember"}


@dataclass
class EntityCheck:
    entity: str
    expected: int = 0
    held: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)
    expected_rejected: set[str] = field(default_factory=set)
    cascaded: set[str] = field(default_factory=set)  # children of a refused parent: LinkedIn cannot hold them

    @property
    def rejections_match(self) -> bool:
        return self.rejected == self.expected_rejected

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.differing) and self.rejections_match


@dataclass
class VerifyReport:
    entities: dict[str, EntityCheck]

    @property
    def missing(self) -> int:
        return sum(len(e.missing) for e in self.entities.values())

    @property
    def extra(self) -> int:
        return sum(len(e.extra) for e in self.entities.values())

    @property
    def differing(self) -> int:
        return sum(len(e.differing) for e in self.entities.values())

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entities.values())

    def table(self) -> str:
        lines = [f"{'entity':20}{'expected':>10}{'held':>10}{'missing':>9}{'extra':>7}{'differ':>8}  rejected"]
        for e in self.entities.values():
            rejected = f"{len(e.rejected)} ({'= the invalid ones' if e.rejections_match else 'MISMATCH'})"
            if e.cascaded:
                rejected += f" + {len(e.cascaded)} under a refused parent"
            lines.append(
                f"{e.entity:20}{e.expected:>10,}{e.held:>10,}{len(e.missing):>9}{len(e.extra):>7}"
                f"{len(e.differing):>8}  {rejected}"
            )
        lines.append(f"verify: {self.missing} missing / {self.extra} extra / {self.differing} differing")
        return "\n".join(lines)


def _held(dump: dict[str, Any], entity: Entity) -> dict[str, dict[str, Any]]:
    name, nested = DUMP_NAMES[entity]
    section = dump.get(name) or {}
    if not nested:
        return dict(section)
    return {child_id: body for children in section.values() for child_id, body in children.items()}


def _differs(sent: dict[str, Any], stored: dict[str, Any]) -> bool:
    for name, value in sent.items():
        if stored.get(name) != value:
            return True
    # full replacement: a field we did not send must not linger at LinkedIn
    return any(v is not None and k not in sent and k not in LINKEDIN_FIELDS for k, v in stored.items())


def verify(
    spec: Any,
    account_id: str,
    organization_urn: str,
    linkedin_base_url: str,
    availability: JobAvailability = JobAvailability.PRIVATE,
    apply_url: str = "https://jobs.example.com/{job_id}",
) -> VerifyReport:
    import fake_ats

    dump = requests.get(
        f"{linkedin_base_url.rstrip('/')}/_control/data", params={"organization": organization_urn}, timeout=120
    ).json()
    options = MappingOptions(organization_urn, availability, apply_url)
    invalid: dict[str, set[str]] = {}
    for rejection in fake_ats.expected_rejections(spec):
        invalid.setdefault(rejection.resource, set()).add(rejection.id)
    report = VerifyReport({})
    parent_field = {
        Entity.CANDIDATE_NOTES: ("candidate_id", Entity.CANDIDATES),
        Entity.APPLICATION_NOTES: ("application_id", Entity.APPLICATIONS),
        Entity.STAGES: ("application_id", Entity.APPLICATIONS),
        Entity.INTERVIEW_FEEDBACK: ("application_id", Entity.APPLICATIONS),
    }
    for entity in Entity:
        check = EntityCheck(entity.value, expected_rejected=invalid.get(entity.value, set()))
        held = _held(dump, entity)
        check.held = len(held)
        expected_ids = set()
        for record in fake_ats.records(spec, account_id, entity.value):
            record_id = str(record["id"])
            try:
                mapped = map_record(entity, record, options)
            except Rejected:
                check.rejected.add(record_id)
                continue
            parent = parent_field.get(entity)
            if parent and str(record.get(parent[0])) in report.entities[parent[1].value].rejected:
                check.cascaded.add(record_id)
                continue
            expected_ids.add(record_id)
            stored = held.get(record_id)
            if stored is None:
                check.missing.append(record_id)
            elif _differs(mapped.body, stored):
                check.differing.append(record_id)
        check.expected = len(expected_ids)
        check.extra = sorted(set(held) - expected_ids)
        report.entities[entity.value] = check
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rsc-verify", description=__doc__)
    parser.add_argument("--linkedin", required=True, help="the emulator's base URL")
    parser.add_argument("--ats", required=True, help="the fake ATS's base URL")
    parser.add_argument("--account", required=True)
    parser.add_argument("--organization", required=True, help="urn:li:organization:N")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import fake_ats

    summary = requests.get(f"{args.ats.rstrip('/')}/_control/accounts/{args.account}", timeout=30).json()
    spec = fake_ats.DatasetSpec.from_dict(summary["spec"])
    report = verify(spec, args.account, args.organization, args.linkedin)
    if args.json:
        print(
            json.dumps(
                {"missing": report.missing, "extra": report.extra, "differing": report.differing, "ok": report.ok}
            )
        )
    else:
        print(report.table())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
