"""The main job: an ATS admin connects LinkedIn Recruiter, played end to end on the embedded local stack.

Every step goes through the real path: HTTP to the API adapter (with the real Lambda authorizer), the real
handlers, moto as AWS (resources from template.yaml), and the LinkedIn emulator playing LinkedIn's side.
"""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Callable
from typing import Any, TextIO

from rsc_demo.ats import AtsBackend, AtsUser
from rsc_demo.linkedin_people import LinkedInPeople
from rsc_local.config import LocalStackConfig

ACCOUNT = "acme-1042"
COMPANY = "Acme Corp"
ORG = "urn:li:organization:5001"
CORPORATE = "urn:li:contract:7001"
LITE = "urn:li:contract:7002"

OWNER = AtsUser(ACCOUNT, "u-olivia", "Olivia Owner", "owner", "enterprise")
RECRUITER = AtsUser(ACCOUNT, "u-rita", "Rita Recruiter", "recruiter", "enterprise")
PLUS_OWNER = AtsUser("globex-77", "u-paul", "Paul (Globex, Plus plan)", "owner", "plus")


class Printer:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self.step_no = 0

    def title(self, text: str) -> None:
        self.out.write(f"\n{'=' * 78}\n{text}\n{'=' * 78}\n")

    def step(self, text: str) -> None:
        self.step_no += 1
        self.out.write(f"\n[{self.step_no}] {text}\n")

    def line(self, text: str = "", indent: int = 4) -> None:
        wrapped = textwrap.fill(text, width=110, initial_indent=" " * indent, subsequent_indent=" " * (indent + 2))
        self.out.write((wrapped or "") + "\n")
        self.out.flush()


def contract_table(printer: Printer, status: dict[str, Any]) -> None:
    printer.line(f"LinkedIn Recruiter integration - account {status['accountId']}")
    if not status["contracts"]:
        printer.line("(no contract connected yet)", 6)
    for c in status["contracts"]:
        levels = c["accessLevels"]
        printer.line(
            f"Contract {c['contractId']} ({c['contractUrn']}): {c['statusLabel']}   "
            f"company-level {'on' if levels['companyLevel'] else 'off'}, "
            f"contract-level {'on' if levels['contractLevel'] else 'off'}",
            6,
        )
        if c["features"]["active"]:
            printer.line("active features: " + ", ".join(c["features"]["active"]), 8)
        if c["features"]["inactive"] and c["status"] != "PARTNER_READY":
            printer.line("inactive features: " + ", ".join(c["features"]["inactive"]), 8)
        seats = c.get("seatLinks") or {}
        if seats.get("available") and seats.get("readAt"):
            printer.line(f"Recruiter seats: {seats['linked']} of {seats['seats']} linked to ATS users", 8)
        if c.get("initialSync"):
            printer.line(f"initial sync: {c['initialSync']['syncId']} started", 8)
        printer.line("next step: " + c["nextStep"], 8)
    printer.line("account: " + status["nextStep"], 6)


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def stack_config(stack_name: str = "rsc-demo", log_level: str = "WARNING", **overrides: Any) -> Any:
    """The local stack the story runs on: moto, the LinkedIn emulator and the fake ATS (no outside party)."""
    from rsc_demo.ats import jwt_secret_value
    from rsc_local.config import AtsSettings

    fields: dict[str, Any] = {
        "stack_name": stack_name,
        "parameters": {"LogLevel": log_level},
        "secrets": {"rsc-connector/dev/ats-jwt": jwt_secret_value()},
        "ats": AtsSettings(service="fake_ats:service", options={}, credential={"token": "local-ats-token"}),
    }
    fields.update(overrides)
    return LocalStackConfig(**fields)


def seed_ats(stack: Any, total_records: int, seed: int = 42, invalid_share: float = 0.02) -> Any:
    """Give the fake ATS Acme's history: `total_records` across the seven synced resources."""
    import requests

    import fake_ats

    spec = fake_ats.dataset_from_total(total_records, seed=seed, invalid_share=invalid_share, company=COMPANY)
    requests.post(
        f"{stack.ats.base_url}/_control/accounts/{ACCOUNT}", json=spec.to_dict(), timeout=30
    ).raise_for_status()
    seed_seats(stack)
    return spec


def seed_seats(stack: Any) -> int:
    """Acme's Recruiter seats at LinkedIn: the people the fake ATS says hold one (some emails match, some not)."""
    import requests

    truth = requests.get(f"{stack.ats.base_url}/_control/accounts/{ACCOUNT}/seats", timeout=30).json()
    seats = [
        {
            "memberId": holder["member_id"],
            "firstName": holder["first_name"],
            "lastName": holder["last_name"],
            "email": holder["email"],
            "admin": holder["admin"],
        }
        for holder in truth["seatHolders"]
    ]
    requests.post(
        f"{stack.linkedin.base_url}/_control/seats",
        json={"contract": CORPORATE, "organization": ORG, "seats": seats},
        timeout=30,
    ).raise_for_status()
    return len(seats)


def run_story(stack: Any, out: TextIO = sys.stdout) -> dict[str, Any]:
    """Play the story on a started LocalStack; returns what a test needs to check it."""
    p = Printer(out)
    ats = AtsBackend(stack.api_url)
    people = LinkedInPeople(stack.linkedin.base_url)
    p.title("LinkedIn Recruiter System Connect - the ATS admin's story, on the embedded local stack")
    p.line(f"AWS (moto server, resources from template.yaml): {stack.moto_url}", 0)
    p.line(f"Connector API (real handlers + Lambda authorizer):  {stack.api_url}", 0)
    p.line(f"LinkedIn (emulator):                               {stack.linkedin.base_url}", 0)

    p.step("At LinkedIn, Acme's Recruiter admin Ada holds seats on two contracts")
    people.add_member(
        "ada",
        "Ada",
        "Admin",
        "ada@acme.example",
        [
            {"contractId": "7001", "name": "Acme Recruiter", "type": "RECRUITER_CORPORATE", "organizationId": "5001"},
            {"contractId": "7002", "name": "Acme Lite", "type": "RECRUITER_LITE", "organizationId": "5001"},
        ],
    )
    p.line("Acme Recruiter (Recruiter Corporate, urn:li:contract:7001) and Acme Lite (Recruiter Lite, 7002)")

    p.step(f"{PLUS_OWNER.name} clicks ACTIVATE")
    refused_plan = ats.activate(PLUS_OWNER, "Globex")
    p.line(f"HTTP {refused_plan.status} {refused_plan.error.get('code')}: {refused_plan.error.get('message')}")
    p.step(f"{RECRUITER.name} (role recruiter, Acme) clicks ACTIVATE")
    refused_role = ats.activate(RECRUITER, COMPANY)
    p.line(f"HTTP {refused_role.status} {refused_role.error.get('code')}: {refused_role.error.get('message')}")

    p.step(f"{OWNER.name} (Owner, Enterprise) clicks ACTIVATE")
    activation = ats.activate(OWNER, COMPANY)
    assert activation.status == 200, activation.body
    app = activation.body["childApplication"]
    p.line(f"LinkedIn application {'provisioned' if app['created'] else 'found'}: {app['key']}")
    p.line(f"The ATS opens LinkedIn's sign-in: {activation.body['authorizationUrl'][:100]}...")
    p.line("next step: " + activation.body["nextStep"])
    again = ats.activate(OWNER, COMPANY)
    p.line(
        f"(a second click on ACTIVATE reuses the same application: created={again.body['childApplication']['created']})"
    )
    url = activation.body["authorizationUrl"]

    p.step("At LinkedIn: Ada signs in and sees her contracts")
    people.open_sign_in(url)
    page = people.sign_in(url, "ada")
    for choice in people.contract_choices(page):
        p.line("( ) " + choice, 6)
    p.line("She picks Acme Lite and clicks Request:")
    lite = people.request(url, "ada", LITE)
    p.line(f"LinkedIn answers {lite.status}: {lite.words}", 6)

    p.step("She picks Acme Recruiter and clicks Request")
    requested = people.request(url, "ada", CORPORATE)
    p.line(f"LinkedIn redirects the browser ({requested.status}) to our callback: {str(requested.location)[:90]}...")
    back = ats.http.get(str(requested.location), allow_redirects=False, timeout=30)
    p.line(f"Our callback names the integrations, sets CALLBACK_URL and the viewers, and answers {back.status_code}")
    p.line(f"-> back to the ATS page: {back.headers.get('Location')}")

    p.step("The ATS integration page")
    status = ats.status(OWNER).body
    contract_table(p, status)
    partner_ready = status["contracts"][0]["status"] if status["contracts"] else None

    p.step("Replaying the same LinkedIn redirect (a stolen or double-submitted link)")
    replay = ats.http.get(str(requested.location), allow_redirects=False, timeout=30)
    p.line(f"HTTP {replay.status_code}: {replay.json()['error']['message']}")

    # -- enablement (issue 3) --------------------------------------------------------------------------
    p.step("LinkedIn's pushes get lost; Acme's Recruiter admin turns on company-level access in Recruiter")
    people.pushes("drop")
    people.recruiter_admin_sets(ORG, CORPORATE, company_level=True, contract_level=None)
    p.line("Recruiter > Admin Settings > ATS: company-level access ON (push dropped on the way)")
    p.line("ATS page still says: " + ats.status(OWNER).body["contracts"][0]["statusLabel"])
    p.line(f"{OWNER.name} clicks 'Notify partner' (re-notify), which also schedules an immediate check:")
    renotified = ats.renotify(OWNER, "7001")
    p.line(f"HTTP {renotified.status}: {renotified.body.get('statusLabel')}", 6)
    fired = stack.fire_schedule("EnablementPollFunction")
    p.line(f"The scheduled enablement poll runs: {fired.result}")
    status = ats.status(OWNER).body
    contract_table(p, status)
    after_poll = status["contracts"][0]

    p.step("Pushes work again; the Recruiter admin turns on contract-level access too")
    people.pushes("deliver")
    change = people.recruiter_admin_sets(ORG, CORPORATE, company_level=None, contract_level=True)
    push = change["changes"][0]["push"]
    p.line(f"LinkedIn pushes {push['type']} to {push['url']}: HTTP {push['attempts'][-1]['status']}")
    status = ats.status(OWNER).body
    contract_table(p, status)
    enabled = status["contracts"][0]

    sfn = stack.boto3_client("stepfunctions")
    machine = stack.outputs["InitialSyncStateMachineArn"]
    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    wait_for(
        lambda: all(sfn.describe_execution(executionArn=e["executionArn"])["status"] != "RUNNING" for e in executions)
    )
    p.step("Initial sync executions in Step Functions (one per enablement, whoever noticed it first)")
    for e in sfn.list_executions(stateMachineArn=machine)["executions"]:
        p.line(f"{e['name']}: {e['status']}")

    p.title(
        f"Done: contract 7001 is {enabled['statusLabel']} "
        f"(company-level {'on' if enabled['accessLevels']['companyLevel'] else 'off'}, "
        f"contract-level {'on' if enabled['accessLevels']['contractLevel'] else 'off'}); "
        f"{len(executions)} initial sync started."
    )
    return {
        "refused_plan": refused_plan,
        "refused_role": refused_role,
        "activation": activation,
        "second_activation": again,
        "lite_refusal": lite,
        "partner_ready_status": partner_ready,
        "replay_status": replay.status_code,
        "after_poll": after_poll,
        "enabled": enabled,
        "executions": executions,
    }


def progress_line(sync: dict[str, Any]) -> str:
    width = 30
    percent = float(sync.get("percent") or 0.0)
    filled = round(width * percent / 100)
    eta = sync.get("etaSeconds")
    eta_text = f", about {eta // 60} min {eta % 60} s left" if eta else ""
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {percent:5.1f}%  {sync.get('recordsDone', 0):,} of "
        f"{sync.get('recordsTotal', 0):,} records  ({sync.get('status')}){eta_text}"
    )


def run_sync_story(stack: Any, spec: Any, out: TextIO = sys.stdout, timeout: float = 600.0) -> dict[str, Any]:
    """The historical sync the enablement started: progress as the admin sees it, the email, then verify."""
    from rsc_demo.verify import verify

    p = Printer(out)
    p.step_no = 11
    ats = AtsBackend(stack.api_url)
    p.step("The one-time sync of Acme's ATS history runs (the ATS integration page, refreshed)")
    deadline = time.monotonic() + timeout
    sync: dict[str, Any] = {}
    last = ""
    while time.monotonic() < deadline:
        contract = ats.status(OWNER).body["contracts"][0]
        sync = contract.get("sync") or {}
        line = progress_line(sync)
        if line != last:
            p.line(line)
            last = line
        if sync.get("status") in ("SUCCEEDED", "FAILED", "STOPPED"):
            break
        time.sleep(2)
    p.line("per entity:")
    for entity, row in (sync.get("entities") or {}).items():
        p.line(f"{entity:20} {row['accepted']:>7,} synced {row['rejected']:>5,} rejected of {row['planned']:,}", 6)
    emails = stack.read_emails()
    p.step("The email the account's Admins and Owners receive")
    email = emails[-1] if emails else None
    if email is not None:
        p.line(f"From: {email.source}", 4)
        p.line(f"To: {', '.join(email.to)}", 4)
        p.line(f"Subject: {email.subject}", 4)
        out.write("\n" + "\n".join("      " + line for line in email.body.splitlines()) + "\n")
    p.step("Verify: what LinkedIn holds vs the fake ATS's records mapped through our mapping")
    report = verify(spec, ACCOUNT, ORG, stack.linkedin.base_url)
    out.write("\n".join("    " + line for line in report.table().splitlines()) + "\n")
    p.title(
        f"Done: sync {sync.get('status')}, {sync.get('recordsDone', 0):,} records; "
        f"verify {report.missing} missing / {report.extra} extra / {report.differing} differing."
    )
    return {"sync": sync, "email": email, "verify": report}


def users_page(printer: Printer, users: list[dict[str, Any]], shown: int = 12) -> None:
    """The ATS's users page: the LinkedIn icon ([in]) marks a user linked to a Recruiter seat."""
    for u in users[:shown]:
        icon = "[in]" if u["linkedIn"] else "    "
        name = f"{u['firstName']} {u['lastName']}".strip()
        seat = ""
        if u["seats"]:
            s = u["seats"][0]
            seat = f" -> seat {s['seatId']} {'by hand' if s['method'] == 'manual' else 'auto'}"
        state = "" if u["active"] else "  (deactivated)"
        printer.line(f"{icon} {name:22} {u['role']:15} {(u['emails'] or ['-'])[0]:36}{seat}{state}", 6)
    if len(users) > shown:
        printer.line(f"... and {len(users) - shown} more", 6)


def run_seat_story(stack: Any, out: TextIO = sys.stdout, first_step: int = 14) -> dict[str, Any]:
    """After the sync: who got linked automatically, a recruiter refused, the admin links one more by hand."""
    import requests

    p = Printer(out)
    p.step_no = first_step
    ats = AtsBackend(stack.api_url)
    everyone = all_users(ats)
    linked = [u for u in everyone if u["linkedIn"]]
    p.step(f"The ATS users page: {len(linked)} of {len(everyone)} users carry the LinkedIn icon")
    users_page(p, everyone)

    truth = requests.get(f"{stack.ats.base_url}/_control/accounts/{ACCOUNT}/seats", timeout=30).json()
    # A recruiter whose LinkedIn email is a personal one the ATS does not know: no automatic match possible.
    person = next(u for u in truth["users"] if u["scenario"] == "different_email")
    found = ats.seats(OWNER, f"?linked=false&q={person['linkedin_email']}").body["items"]
    seat = found[0]
    p.step(f"{RECRUITER.name} opens {person['first_name']} {person['last_name']}'s edit page and picks a seat")
    refused = ats.link_seat(RECRUITER, person["id"], seat["seatId"])
    p.line(f"HTTP {refused.status} {refused.error.get('code')}: {refused.error.get('message')}")

    p.step(
        f"{OWNER.name} links {person['first_name']} {person['last_name']} by hand to seat {seat['seatId']} "
        f"({seat['firstName']} {seat['lastName']}, {seat['email']} at LinkedIn)"
    )
    done = ats.link_seat(OWNER, person["id"], seat["seatId"])
    if done.status == 200:
        link = done.body["seats"][0]
        p.line(
            f"HTTP 200: {person['first_name']} {person['last_name']} now carries the LinkedIn icon (seat "
            f"{link['seatId']}, {link['memberUrn']}, linked by hand by {link['linkedBy']})"
        )
    else:
        p.line(f"HTTP {done.status} {done.error.get('code')}: {done.error.get('message')}")
    again = ats.link_seat(OWNER, truth["users"][0]["id"], seat["seatId"])
    p.line(f"Assigning the same seat to someone else: HTTP {again.status} {again.error.get('code')}")

    p.step("The users page, linked users only")
    now_linked = ats.users(OWNER, "?linked=true&limit=200").body["items"]
    users_page(p, now_linked, shown=len(now_linked))
    p.title(
        f"Seats: {len(linked)} users linked automatically by email, {len(now_linked) - len(linked)} by hand; "
        f"{len(everyone) - len(now_linked)} users without a seat link."
    )
    return {
        "autoLinked": len(linked),
        "users": len(everyone),
        "linked": now_linked,
        "refused": refused,
        "manual": done,
        "conflict": again,
    }


def all_users(ats: AtsBackend) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = ats.users(OWNER, "?limit=200" + (f"&cursor={cursor}" if cursor else "")).body
        users += page["items"]
        if not page.get("next_cursor"):
            return users
        cursor = page["next_cursor"]
