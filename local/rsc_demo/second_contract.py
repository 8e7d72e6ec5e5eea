"""More contracts: Acme connects a second Recruiter contract after the first one synced.

The second contract goes through Request -> Partner ready -> Enabled on its own; the organization's history
(company-level data) is not synced again; its Recruiter seats are its own and get linked at the next seat refresh.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from rsc_demo.ats import AtsBackend
from rsc_demo.linkedin_people import LinkedInPeople
from rsc_demo.story import ACCOUNT, COMPANY, CORPORATE, LITE, ORG, OWNER, Printer, contract_table, users_page

SECOND = "urn:li:contract:7003"


def run_second_contract_story(stack: Any, out: TextIO = sys.stdout, first_step: int = 19) -> dict[str, Any]:
    import requests

    p = Printer(out)
    p.step_no = first_step
    ats = AtsBackend(stack.api_url)
    people = LinkedInPeople(stack.linkedin.base_url)

    p.step("Months later, Acme buys a second Recruiter Corporate contract: Acme Agency Desk (7003)")
    people.add_member(
        "ada",
        "Ada",
        "Admin",
        "ada@acme.example",
        [
            {"contractId": "7001", "name": "Acme Recruiter", "type": "RECRUITER_CORPORATE", "organizationId": "5001"},
            {"contractId": "7002", "name": "Acme Lite", "type": "RECRUITER_LITE", "organizationId": "5001"},
            {"contractId": "7003", "name": "Acme Agency Desk", "type": "RECRUITER_CORPORATE", "organizationId": "5001"},
        ],
    )
    truth = requests.get(f"{stack.ats.base_url}/_control/accounts/{ACCOUNT}/seats", timeout=30).json()
    desk = [h for h in truth["seatHolders"] if h["expected_user_id"]][:2]  # two recruiters move to the new desk
    requests.post(
        f"{stack.linkedin.base_url}/_control/seats",
        json={
            "contract": SECOND,
            "organization": ORG,
            "seats": [
                {"firstName": h["first_name"], "lastName": h["last_name"], "email": h["email"].upper()} for h in desk
            ],
        },
        timeout=30,
    ).raise_for_status()
    p.line(f"Ada and {len(desk)} recruiters hold its seats.")

    p.step(f"{OWNER.name} clicks ACTIVATE again; Ada signs in, picks Acme Agency Desk and clicks Request")
    activation = ats.activate(OWNER, COMPANY)
    p.line(f"the same LinkedIn application is reused: created={activation.body['childApplication']['created']}")
    url = activation.body["authorizationUrl"]
    page = people.sign_in(url, "ada")
    for choice in people.contract_choices(page):
        p.line("( ) " + choice, 6)
    requested = people.request(url, "ada", SECOND)
    back = ats.http.get(str(requested.location), allow_redirects=False, timeout=30)
    p.line(f"LinkedIn redirects to our callback: HTTP {back.status_code} -> {back.headers.get('Location')}")
    contract_table(p, ats.status(OWNER).body)

    p.step("Acme's Recruiter admin turns on both access levels for Acme Agency Desk")
    change = people.recruiter_admin_sets(ORG, SECOND, company_level=True, contract_level=True)
    push = change["changes"][-1]["push"]
    p.line(f"LinkedIn pushes {push['type']}: HTTP {push['attempts'][-1]['status']}")
    status = ats.status(OWNER).body
    contract_table(p, status)
    second = next(c for c in status["contracts"] if c["contractUrn"] == SECOND)
    shared = (second.get("initialSync") or {}).get("sharedWithContract")
    sfn = stack.boto3_client("stepfunctions")
    executions = sfn.list_executions(stateMachineArn=stack.outputs["InitialSyncStateMachineArn"])["executions"]
    p.line(
        f"The organization's history is not sent again: contract 7003 shares contract {shared}'s sync "
        f"({len(executions)} initial-sync execution in Step Functions)."
    )

    p.step("The hourly seat refresh runs: the new contract's seats are read and linked by email")
    fired = stack.fire_schedule("SeatLinkingFunction")
    p.line(f"SeatLinking schedule: {fired.result}")
    seats = ats.seats(OWNER, "?contractId=7003").body
    for seat in seats["items"]:
        user = seat["user"]["userId"] if seat["user"] else "(not linked)"
        p.line(f"seat {seat['seatId']} {seat['firstName']} {seat['lastName']:14} -> {user}", 6)
    linked = [u for u in ats.users(OWNER, "?linked=true&limit=200").body["items"] if len(u["seats"]) > 1]
    p.line("Users now linked on both contracts:")
    users_page(p, linked, shown=len(linked))
    return {
        "second": second,
        "executions": len(executions),
        "sharedWith": shared,
        "seats": seats,
        "lite": LITE,
        "first": CORPORATE,
    }
