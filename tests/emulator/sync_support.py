"""Helpers for the sync suites: an enabled customer, valid records, and a thin client for the sync resources."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import quote

import requests

from tests.emulator.support import ORG, Child, LinkedIn

CANDIDATE_ID = "atsCandidateId"
APPLICATION_ID = "atsJobApplicationId"
CREATED = 1_700_000_000_000
MODIFIED = 1_700_000_100_000
PUT = {"X-RestLi-Method": "batch_update"}
MAX_QUERY = 4000


def enable(li: LinkedIn, child: Child, organization: str = ORG) -> None:
    """Name the four integrations and let the Recruiter admin enable the company level."""
    assert li.name_all(child).status_code == 200
    resp = li.status(organization=organization, companyLevel=True, clientId=child.client_id)
    assert resp.status_code == 200, resp.text


def key_string(id_field: str, ats_id: str, organization: str = ORG) -> str:
    """A body / path key as Postman writes it (values not encoded)."""
    return f"{id_field}={ats_id}&dataProvider=ATS&integrationContext={organization}"


def canonical(id_field: str, ats_id: str, organization: str = ORG) -> str:
    """The response key (assumption A12): sorted fields, form-encoded values."""
    return f"{id_field}={quote(ats_id, safe='')}&dataProvider=ATS&integrationContext={quote(organization, safe='')}"


def ids_query(id_field: str, ats_ids: list[str], organization: str = ORG) -> str:
    parts = []
    for index, ats_id in enumerate(ats_ids):
        parts += [
            f"ids[{index}].{id_field}={quote(ats_id, safe='')}",
            f"ids[{index}].dataProvider=ATS",
            f"ids[{index}].integrationContext={organization}",
        ]
    return "&".join(parts)


def candidate(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "atsCreatedAt": CREATED,
        "atsLastModifiedAt": MODIFIED,
        "firstName": "Grace",
        "lastName": "Hopper",
        "emailAddresses": ["grace@navy.example"],
        "phoneNumbers": [{"number": "+1 555 0100", "extension": "12"}],
        "addresses": [{"line1": "1 Main St", "city": "Arlington", "geographicArea": "VA", "country": "us"}],
        "currentCompanyName": "US Navy",
        "currentJobTitle": "Rear Admiral",
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not ...}


def application(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "atsCandidateId": "C1",
        "atsCreatedAt": CREATED,
        "atsLastModifiedAt": MODIFIED,
        "atsJobPostingId": "J1",
        "atsJobPostingName": "Senior Software Engineer",
        "candidateEmail": "grace@navy.example",
        "firstName": "Grace",
        "lastName": "Hopper",
        "source": "Referral",
        "dispositionReason": "",
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not ...}


def job(external_id: str = "J1", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "integrationContext": ORG,
        "externalJobPostingId": external_id,
        "title": "Senior Software Engineer",
        "description": "Build things.",
        "location": "San Francisco, CA",
        "availability": "PRIVATE_TO_ATS_INTEGRATION",
        "state": "LISTED",
        "companyApplyUrl": f"https://ats.example.com/jobs/{external_id}",
        "listedAt": CREATED,
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not ...}


def note(text: str = "Strong candidate", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "atsCreatedAt": CREATED,
        "note": text,
        "author": {"firstName": "Angela", "lastName": "Smith"},
    }
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not ...}


def multipart(query: str, entity: Any) -> tuple[bytes, dict[str, str]]:
    """Rest.li query tunneling with an entity: multipart/mixed, the query part first."""
    boundary = "restli-" + secrets.token_hex(8)
    body = (
        f"--{boundary}\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n{query}\r\n"
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(entity)}\r\n--{boundary}--\r\n"
    ).encode()
    return body, {"Content-Type": f"multipart/mixed; boundary={boundary}"}


class Sync:
    """A thin client for the sync resources, acting as one child application."""

    def __init__(self, li: LinkedIn, child: Child) -> None:
        self.li = li
        self.child = child
        self.api = li.api

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        headers = {**self.child.auth, **kwargs.pop("headers", {})}
        return requests.request(method, url, headers=headers, timeout=10, **kwargs)

    # keyed collections ---------------------------------------------------------------------------------------

    def put(
        self, resource: str, id_field: str, entities: dict[str, Any], organization: str = ORG, **headers: str
    ) -> requests.Response:
        query = ids_query(id_field, list(entities), organization)
        body = {"entities": {key_string(id_field, i, organization): e for i, e in entities.items()}}
        if len(query) > MAX_QUERY:  # as our client does: tunnel long batches (LinkedIn answers 414)
            data, tunnel = multipart(query, body)
            tunnel["X-HTTP-Method-Override"] = "PUT"
            return self._call("POST", f"{self.api}/{resource}", data=data, headers={**PUT, **tunnel, **headers})
        return self._call("PUT", f"{self.api}/{resource}?{query}", json=body, headers={**PUT, **headers})

    def put_candidates(self, entities: dict[str, Any], organization: str = ORG) -> requests.Response:
        return self.put("atsCandidates", CANDIDATE_ID, entities, organization)

    def put_applications(self, entities: dict[str, Any], organization: str = ORG) -> requests.Response:
        return self.put("atsApplications", APPLICATION_ID, entities, organization)

    def delete(self, resource: str, id_field: str, ats_ids: list[str], organization: str = ORG) -> requests.Response:
        return self._call("DELETE", f"{self.api}/{resource}?{ids_query(id_field, ats_ids, organization)}")

    def get_candidates(self, ats_ids: list[str], fields: str | None = None) -> requests.Response:
        query = ids_query(CANDIDATE_ID, ats_ids)
        if fields is not None:
            query += f"&fields={fields}"
        return self._call("GET", f"{self.api}/atsCandidates?{query}")

    def patch_candidates(self, patches: dict[str, Any]) -> requests.Response:
        body = {"entities": {key_string(CANDIDATE_ID, i): {"patch": p} for i, p in patches.items()}}
        return self._call(
            "POST",
            f"{self.api}/atsCandidates?{ids_query(CANDIDATE_ID, list(patches))}",
            json=body,
            headers={"X-RestLi-Method": "batch_partial_update"},
        )

    # sub-resources -------------------------------------------------------------------------------------------

    def child_url(self, resource: str, id_field: str, parent: str, kind: str, organization: str = ORG) -> str:
        return f"{self.api}/{resource}/{key_string(id_field, parent, organization)}/{kind}"

    def put_children(
        self, resource: str, id_field: str, parent: str, kind: str, entities: dict[str, Any]
    ) -> requests.Response:
        return self._call(
            "PUT",
            self.child_url(resource, id_field, parent, kind),
            params=[("ids", i) for i in entities],
            json={"entities": entities},
            headers=PUT,
        )

    def delete_children(
        self, resource: str, id_field: str, parent: str, kind: str, ids: list[str]
    ) -> requests.Response:
        return self._call("DELETE", self.child_url(resource, id_field, parent, kind), params=[("ids", i) for i in ids])

    def put_candidate_notes(self, parent: str, entities: dict[str, Any]) -> requests.Response:
        return self.put_children("atsCandidates", CANDIDATE_ID, parent, "notes", entities)

    def put_application_children(self, parent: str, kind: str, entities: dict[str, Any]) -> requests.Response:
        return self.put_children("atsApplications", APPLICATION_ID, parent, kind, entities)

    # jobs ----------------------------------------------------------------------------------------------------

    def post_jobs(self, elements: list[Any]) -> requests.Response:
        return self._call(
            "POST",
            f"{self.api}/simpleJobPostings",
            json={"elements": elements},
            headers={"X-RestLi-Method": "batch_create"},
        )

    def tasks(self, urns: list[str]) -> requests.Response:
        return self._call("GET", f"{self.api}/simpleJobPostingTasks", params=[("ids", u) for u in urns])

    # the control API -----------------------------------------------------------------------------------------

    def data(self, organization: str = ORG) -> dict[str, Any]:
        resp = self.li.control("GET", "data", params={"organization": organization})
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def counts(self, organization: str = ORG) -> dict[str, Any]:
        resp = self.li.control("GET", "data/counts", params={"organization": organization})
        assert resp.status_code == 200, resp.text
        return dict(resp.json())
