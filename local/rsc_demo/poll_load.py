"""`python -m rsc_demo.poll_load`: the scheduled enablement poll over thousands of waiting contracts, against its
budgets (issue 7: "the enablement poll over 5,000 waiting contracts stays within budget").

On the embedded local stack (moto, the LinkedIn emulator, the real handlers in this process):

1. Seeds the contracts in Partner ready, by default one per customer, each customer with its own LinkedIn child
   application (an ATS vendor's realistic shape; ``--accounts N`` spreads them over N customers). A few customers
   (1 per 500, at most 10) are onboarded by the project's own use cases in this process: ``Onboarding.activate``
   (ACTIVATE: the child app provisioned at the emulator, its secret, the account) and ``Onboarding.widget_request``
   (the widget's Request: the four integrations named, CALLBACK_URL and the viewers set, the contract written as
   Partner ready), with the project's DynamoDB and Secrets Manager adapters pointed at the stack's moto; only the
   HTTP layer in front (API adapter, authorizer, JWT) and the customer's browser are skipped, the emulator's
   control API playing the member and the widget. The others are written directly, as those use cases leave them
   (``Seeder._write``: the same adapters, the emulator's own state operations, no LinkedIn round trips), about 3
   times faster; each onboarded customer's footprint (DynamoDB items, secret, child app, integrations, member) is
   compared with a written one's, ids and times aside, and any difference breaks the run. Then 1% of the
   contracts (whole customers: company-level access is the organization's) are enabled at the emulator by their
   Recruiter admin, pushes dropped so that only the poll can notice; the fake ATS gets an (empty) account for each
   of those customers, so the initial syncs the poll starts run their course, with nothing to copy.
2. Fires the EnablementPollFunction schedule once (the real handler, through the local stack) once the seeded
   contracts' first poll time (Partner ready + 60 s) has come, and measures its wall time, what it reports, the
   LinkedIn calls counted at the emulator (its request log, per child application), the AWS requests made, the
   Step Functions executions started (one per enabled organization; its other contracts share that history),
   and that no contract is lost.
3. Fires it again at once (nothing is due, unless the first run outlasted its minute), then, once the started
   syncs have ended (they share this machine's CPU; in AWS they run elsewhere), after moving every contract's next
   poll time to now through the repository (the deployed functions read the system clock, which the local stack
   cannot move), then prints the first-day worst case of one application from the real
   ``poll_interval``/``next_poll_at``.
4. Exits non-zero when a budget is broken (``budget_failures``).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TextIO

FUNCTION = "EnablementPollFunction"
SCHEDULE_SECONDS = 60.0  # rate(1 minute). A longer run delays the next one (ReservedConcurrentExecutions 1), noted
FUNCTION_TIMEOUT_SECONDS = 300  # template.yaml's Timeout for the function: a run cut off there is a broken budget
ACCOUNT_PREFIX = "load-"
ORGANIZATION_BASE = 6_000_000
CONTRACT_BASE = 8_000_000
ADMIN_USER = "u-admin"
INTEGRATIONS_PATH = "/v2/atsIntegrations"
TOKEN_PATH = "/oauth/v2/accessToken"
SYNC_SETTLE_SECONDS = 300.0  # at most this long for the started syncs to end before the third run
HISTORY_RECORDS = 0  # ATS records of each customer whose contract gets enabled: its initial sync has nothing to copy


@dataclass
class LoadPlan:
    contracts: int = 5_000
    accounts: int | None = None  # None: one contract per account
    enabled_share: float = 0.01
    seed_workers: int = 4
    latency_ms: float = 0.0  # LinkedIn's latency, played by the emulator (BATCH_GETs and token mints)
    wait_for_first_poll: bool = True  # False: move the seeded contracts' first poll time to now instead
    settle_syncs: bool = True  # let the syncs the first run started end before the third run

    def __post_init__(self) -> None:
        if self.contracts < 1:
            raise ValueError("contracts must be at least 1")
        if self.accounts is not None and not 1 <= self.accounts <= self.contracts:
            raise ValueError("accounts must be between 1 and the number of contracts")
        if not 0 <= self.enabled_share <= 1:
            raise ValueError("enabled_share must be between 0 and 1")

    @property
    def account_count(self) -> int:
        return self.accounts or self.contracts

    @property
    def reference_accounts(self) -> int:
        """Accounts onboarded through the use cases (the others are written directly and compared with them)."""
        return max(1, min(10, self.account_count // 500))

    def layout(self) -> list[SeededAccount]:
        """Accounts with their contracts: as even as possible, the first ones one contract more."""
        per, extra = divmod(self.contracts, self.account_count)
        accounts: list[SeededAccount] = []
        next_contract = 0
        for index in range(self.account_count):
            size = per + (1 if index < extra else 0)
            accounts.append(
                SeededAccount(
                    index=index,
                    contract_ids=[str(CONTRACT_BASE + next_contract + k) for k in range(size)],
                )
            )
            next_contract += size
        return accounts

    def enabled(self, accounts: list[SeededAccount]) -> list[tuple[SeededAccount, str]]:
        """The contracts their Recruiter admin enables (company-level access, which is the organization's: all of
        an account's contracts at once): enabled_share of the contracts, whole accounts spread evenly."""
        if self.enabled_share <= 0:
            return []
        per_account = self.contracts / len(accounts)
        wanted = min(len(accounts), max(1, round(self.contracts * self.enabled_share / per_account)))
        picks = [accounts[k * len(accounts) // wanted] for k in range(wanted)]
        return [(account, contract_id) for account in picks for contract_id in account.contract_ids]


@dataclass
class SeededAccount:
    index: int
    contract_ids: list[str]
    client_id: str = ""

    @property
    def account_id(self) -> str:
        return f"{ACCOUNT_PREFIX}{self.index:05d}"

    @property
    def size(self) -> int:
        return len(self.contract_ids)

    @property
    def organization_id(self) -> str:
        return str(ORGANIZATION_BASE + self.index)

    @property
    def organization_urn(self) -> str:
        return f"urn:li:organization:{self.organization_id}"

    @property
    def member_id(self) -> str:
        return f"ra-{self.account_id}"

    @property
    def label(self) -> str:
        return f"Customer {self.index}"

    @property
    def company_name(self) -> str:
        return f"{self.label} Inc"


@dataclass
class RunFigures:
    """One scheduled run: what the function reported, what the emulator counted, what AWS saw."""

    name: str
    wall_seconds: float
    ok: bool
    error: str | None
    contracts_due: int
    contracts_polled: int
    contracts_polled_in_table: int  # contracts whose last poll time falls in the run
    reported_linkedin_calls: int
    skipped_for_budget: int
    errors: int
    transitions: int
    transitions_to_enabled: int
    emulator_get_calls: int
    emulator_integration_calls: int
    emulator_token_mints: int
    emulator_usage_counted: int  # atsIntegrations calls in the emulator's daily usage counters, this run
    apps_called: int
    max_calls_per_app: int
    expected_calls: int
    apps_over_expected: int
    executions_started: int
    aws_calls: dict[str, int] = field(default_factory=dict)


# -- the stack's services, as the seeding uses them ----------------------------------------------------------------


class Seeder:
    """Seeds the plan's customers: a few onboarded through the project's own use cases (``_onboard``), the others
    written as those leave them (``_write``), a few at a time.

    Every thread has its own Onboarding (its own boto3 resource, secrets cache and LinkedIn token cache), none
    shared with the deployed functions, so that the poll's first run starts as a fresh Lambda container would.
    """

    def __init__(self, stack: Any) -> None:
        from rsc_connector.settings import Settings

        self.stack = stack
        self.settings = Settings.model_validate(dict(os.environ))
        self.emulator = stack.linkedin
        self._local = threading.local()
        self._lock = threading.Lock()
        self._secrets_lock = threading.Lock()
        self.contracts_seeded = 0

    def repo(self) -> Any:
        repo = getattr(self._local, "repo", None)
        if repo is None:
            import boto3

            from rsc_connector.adapters.dynamodb import DynamoStateRepository
            from rsc_local.config import DUMMY_CREDENTIALS

            resource = boto3.session.Session().resource(
                "dynamodb",
                endpoint_url=self.stack.moto_url,
                region_name=self.stack.region,
                aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            )
            repo = DynamoStateRepository(self.settings.TABLE_NAME, table=resource.Table(self.settings.TABLE_NAME))
            self._local.repo = repo
        return repo

    def onboarding(self) -> Any:
        onboarding = getattr(self._local, "onboarding", None)
        if onboarding is None:
            from rsc_connector.adapters.secrets import SecretsManagerStore
            from rsc_connector.clock import SystemClock
            from rsc_connector.linkedin.http import LinkedInHttp
            from rsc_connector.onboarding import Onboarding

            http = LinkedInHttp(self.settings.LINKEDIN_API_BASE_URL, self.settings.LINKEDIN_OAUTH_BASE_URL)
            secrets = SecretsManagerStore(client=self.stack.boto3_client("secretsmanager"))
            onboarding = Onboarding(self.settings, self.repo(), secrets, http, SystemClock())
            self._local.onboarding = onboarding
        return onboarding

    def seed(
        self, accounts: list[SeededAccount], reference: int, workers: int, progress: Callable[[int], None]
    ) -> None:
        """The first ``reference`` accounts through the onboarding use cases, one after the other, then the others
        written directly, ``workers`` at a time."""
        for account in accounts[:reference]:
            self._onboard(account, progress)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll-load-seed") as pool:
            for _ in pool.map(lambda account: self._write(account, progress), accounts[reference:]):
                pass

    def _counted(self, progress: Callable[[int], None]) -> None:
        with self._lock:
            self.contracts_seeded += 1
            done = self.contracts_seeded
        progress(done)

    def _add_member(self, account: SeededAccount) -> None:
        """The customer's Recruiter admin at LinkedIn, holding a seat on each of the account's contracts."""
        self.emulator.add_member(
            account.member_id,
            first_name="Recruiter",
            last_name=f"Admin of {account.label}",
            contracts=[
                {
                    "contractId": contract_id,
                    "name": f"{account.label} Recruiter {contract_id}",
                    "type": "RECRUITER_CORPORATE",
                    "organizationId": account.organization_id,
                }
                for contract_id in account.contract_ids
            ],
        )

    def _onboard(self, account: SeededAccount, progress: Callable[[int], None]) -> None:
        """An Owner ACTIVATEs, then, per contract, the widget's Request goes through the onboarding use case (as
        POST /accounts/{id}/linkedin/integration-requests does): the real code, LinkedIn calls and writes."""
        from rsc_connector.auth.claims import Caller
        from rsc_connector.domain import ContractStatus
        from rsc_connector.linkedin.api import integration_request_from_widget

        onboarding = self.onboarding()
        base = self.settings.PUBLIC_BASE_URL.rstrip("/")
        caller = Caller(account_id=account.account_id, user_id=ADMIN_USER, role="owner", plan="enterprise")
        self._add_member(account)
        for contract_id in account.contract_ids:
            started = onboarding.activate(caller, account.account_id, account.company_name, base)
            account.client_id = started["widget"]["apiKey"]
            payload = self.emulator.widget_request(
                account.client_id, account.member_id, f"urn:li:contract:{contract_id}"
            )
            request = integration_request_from_widget(payload["integrations"], payload["requestId"])
            contract = onboarding.widget_request(caller, account.account_id, started["state"], request, base)
            if contract.status != ContractStatus.PARTNER_READY:
                raise RuntimeError(f"{account.account_id}/{contract_id} is {contract.status}, not Partner ready")
            self._counted(progress)

    def _write(self, account: SeededAccount, progress: Callable[[int], None]) -> None:
        """What the onboarding leaves behind, written without its LinkedIn round trips: the child app as the
        partner API's CREATE makes it (Onboarding._ensure_child_app's fields), its secret and the account through
        the project's adapters; per contract the widget's Request (control API), the four integrations named and
        configured as Onboarding._set_up_at_linkedin names and configures them (the emulator's handlers' own
        state operations), and the contract as Onboarding._record leaves it in Partner ready (version 2). The
        reference accounts, onboarded for real, are compared with these (``fidelity``)."""
        from linkedin_emulator.model import IntegrationKey
        from rsc_connector.domain import Account, ChildApp, Contract, ContractStatus, IntegrationType
        from rsc_connector.linkedin.api import rsc_integration_keys
        from rsc_connector.onboarding import ALL_PRODUCT_USERS, INTEGRATION_LABELS, child_app_name

        s = self.settings
        onboarding = self.onboarding()
        repo = onboarding.repo
        state = self.emulator.state
        base = s.PUBLIC_BASE_URL.rstrip("/")
        redirect_uri = f"{base}/oauth/linkedin/callback"
        company = account.company_name
        foreign_id = f"{s.STAGE}-{account.account_id}"
        app = state.create_app(
            {
                "uniqueForeignId": foreign_id,
                "name": child_app_name(s.ATS_NAME, company),
                "description": f"{s.ATS_NAME} account {account.account_id} ({s.STAGE}): Recruiter System Connect",
                "oauth2AuthorizedCallbackUrls": [redirect_uri],
                "validJsSdkDomains": [s.ATS_JS_SDK_DOMAIN.rstrip("/")],
            }
        )
        account.client_id = app.client_id
        secret_name = f"{s.CUSTOMER_SECRET_PREFIX}{account.account_id}"
        with self._secrets_lock:  # moto's CreateSecret is not thread safe (it iterates the secrets to find one)
            onboarding.secrets.put_json(
                secret_name,
                {"client_id": app.client_id, "client_secret": app.client_secret, "key": app.key},
                description=f"LinkedIn child application of ATS account {account.account_id}",
            )
        now = time.time()
        repo.save_account(
            Account(
                account_id=account.account_id,
                company_name=company,
                created_at=now,
                child_app=ChildApp(
                    key=app.key, client_id=app.client_id, unique_foreign_id=foreign_id, secret_name=secret_name
                ),
                redirect_uri=redirect_uri,
                activated_by=ADMIN_USER,
                activated_at=now,
            )
        )
        self._add_member(account)
        configurations = (
            (
                IntegrationType.ONE_CLICK_EXPORT,
                {
                    "CALLBACK_URL": f"{base}/linkedin/notifications/{account.account_id}",
                    "JOB_POSTING_VIEWERS": ALL_PRODUCT_USERS,
                },
            ),
            (IntegrationType.IN_ATS_INDICATOR, {"APPLICATION_VIEWERS": ALL_PRODUCT_USERS}),
        )
        for contract_id in account.contract_ids:
            contract_urn = f"urn:li:contract:{contract_id}"
            payload = self.emulator.widget_request(app.client_id, account.member_id, contract_urn)
            with state.lock:
                for fields in rsc_integration_keys(account.organization_urn, contract_urn):
                    integration = state.integration(app.client_id, IntegrationKey.from_fields(fields))
                    assert integration is not None
                    label = INTEGRATION_LABELS[IntegrationType(fields["integrationType"])]
                    state.rename_integration(integration, f"{company} LinkedIn Recruiter {label} Integration")
                for kind, values in configurations:
                    integration = state.integration(app.client_id, IntegrationKey(account.organization_urn, kind))
                    assert integration is not None
                    integration.configurations.update(values)
                    integration.last_modified_at_ms = state.clock.now_ms()
            now = time.time()
            repo.create_contract_if_absent(
                Contract(
                    account_id=account.account_id,
                    contract_id=contract_id,
                    contract_urn=contract_urn,
                    organization_urn=account.organization_urn,
                    status=ContractStatus.PARTNER_READY,
                    request_id=payload["requestId"],
                    requested_by=ADMIN_USER,
                    created_at=now,
                    updated_at=now,
                    last_linkedin_contact_at=now,
                    last_linkedin_answer_at=now,
                    partner_ready_at=now,
                    next_poll_at=now + 60,
                    version=2,
                )
            )
            self._counted(progress)


# -- what the stack holds ----------------------------------------------------------------------------------------


def fidelity(stack: Any, table_name: str, onboarded: SeededAccount, written: SeededAccount) -> list[str]:
    """What differs between an account onboarded through the use cases and one written directly, once their own
    ids, names, secrets and times are replaced by placeholders: DynamoDB items, secret, child app, integrations."""
    a, b = _footprint(stack, table_name, onboarded), _footprint(stack, table_name, written)
    return [f"{path}: onboarded {x!r}, written {y!r}" for path, x, y in _differences(a, b)]


def _footprint(stack: Any, table_name: str, account: SeededAccount) -> dict[str, Any]:
    import re

    from rsc_connector.adapters.dynamodb import from_item

    table = _table(stack, table_name)
    state = stack.linkedin.state
    with state.lock:
        app = state.apps[account.client_id]
        integrations = sorted(
            (
                {**i.entity(), "configurations": dict(i.configurations)}
                for i in state.integrations.values()
                if i.owner == account.client_id
            ),
            key=lambda e: (e["integrationContext"], e["integrationType"]),
        )
        app_view = app.public_view()
        client_secret = app.client_secret
        member = state.members[account.member_id].view()
    account_item = from_item(table.get_item(Key={"pk": f"ACCOUNT#{account.account_id}", "sk": "#ACCOUNT"})["Item"])
    contract_items = [
        from_item(table.get_item(Key={"pk": f"ACCOUNT#{account.account_id}", "sk": f"CONTRACT#{c}"})["Item"])
        for c in account.contract_ids
    ]
    secret_name = account_item["child_app"]["secret_name"]
    sm = stack.boto3_client("secretsmanager")
    secret = json.loads(sm.get_secret_value(SecretId=secret_name)["SecretString"])
    description = sm.describe_secret(SecretId=secret_name).get("Description")
    names = {
        account.account_id: "<account>",
        account.client_id: "<client>",
        app.key: "<app>",
        client_secret: "<client-secret>",
        account.organization_id: "<org>",
        account.company_name: "<company>",
        account.label: "<customer>",
        account.member_id: "<member>",
        **{c: f"<contract{i}>" for i, c in enumerate(account.contract_ids)},
        **{str(item["request_id"]): f"<request{i}>" for i, item in enumerate(contract_items)},
    }
    order = sorted(names, key=len, reverse=True)
    stamp = re.compile(r"^\d{13}\.\d{3}#")

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {plain(k): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value > 1e9:
            return "<time>"
        if isinstance(value, str):
            value = stamp.sub("<time>#", value)
            for name in order:
                value = value.replace(name, names[name])
        return value

    return plain(
        {
            "account_item": account_item,
            "contract_items": contract_items,
            "secret": secret,
            "secret_description": description,
            "child_app": app_view,
            "integrations": integrations,
            "member": member,
        }
    )


def _differences(a: Any, b: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for key in sorted(set(a) | set(b)) for d in _differences(a.get(key), b.get(key), f"{path}.{key}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [(path or ".", a, b)]


def all_contracts(stack: Any, table_name: str) -> list[Any]:
    """Every contract item of the table (a paged Scan; the poll's index is not used, so none can hide)."""
    from boto3.dynamodb.conditions import Attr

    from rsc_connector.adapters.dynamodb import from_item
    from rsc_connector.domain import Contract

    table = _table(stack, table_name)
    kwargs: dict[str, Any] = {"FilterExpression": Attr("type").eq("contract")}
    contracts = []
    while True:
        page = table.scan(**kwargs)
        contracts += [Contract.model_validate(from_item(item)) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return contracts
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _table(stack: Any, table_name: str) -> Any:
    import boto3

    from rsc_local.config import DUMMY_CREDENTIALS

    return (
        boto3.session.Session()
        .resource(
            "dynamodb",
            endpoint_url=stack.moto_url,
            region_name=stack.region,
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        .Table(table_name)
    )


def executions(stack: Any) -> list[dict[str, Any]]:
    """Every execution of the initial-sync state machine, with its input's account and contract."""
    sfn = stack.boto3_client("stepfunctions")
    machine = stack.outputs["InitialSyncStateMachineArn"]
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"stateMachineArn": machine, "maxResults": 1000}
    while True:
        page = sfn.list_executions(**kwargs)
        found += page["executions"]
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    return found


def execution_inputs(stack: Any, arns: Iterable[str]) -> list[tuple[str, str]]:
    sfn = stack.boto3_client("stepfunctions")
    pairs = []
    for arn in arns:
        payload = json.loads(sfn.describe_execution(executionArn=arn).get("input") or "{}")
        pairs.append((str(payload.get("accountId")), str(payload.get("contractId"))))
    return pairs


def emulator_calls(log: list[dict[str, Any]]) -> tuple[Counter[str], int, int]:
    """From the emulator's request log: atsIntegrations GETs per application (BATCH_GET, also when tunneled as a
    POST with X-HTTP-Method-Override: GET), all atsIntegrations calls, and client-credentials token mints."""
    gets: Counter[str] = Counter()
    integration_calls = 0
    mints = 0
    for entry in log:
        path = entry.get("path", "")
        if path == TOKEN_PATH:
            mints += 1
            continue
        if not path.startswith(INTEGRATIONS_PATH):
            continue
        integration_calls += 1
        headers = {str(k).lower(): v for k, v in (entry.get("headers") or {}).items()}
        method = str(headers.get("x-http-method-override") or entry.get("method", "")).upper()
        if path == INTEGRATIONS_PATH and method == "GET":
            gets[str(entry.get("app"))] += 1
    return gets, integration_calls, mints


def integration_usage(usage: dict[str, Any]) -> Counter[str]:
    """atsIntegrations calls per application, all days, from the emulator's ``/_control/usage``."""
    counted: Counter[str] = Counter()
    for client_id, days in (usage.get("usage") or {}).items():
        for families in days.values():
            counted[client_id] += int(families.get("atsIntegrations", 0))
    return counted


# -- the schedule's worst case -------------------------------------------------------------------------------------


def first_day_worst_case() -> dict[str, Any]:
    """Calls one application makes for a waiting contract in its first 24 h (and the next 24 h), by the real
    ``next_poll_at`` (one contract, so one BATCH_GET per poll), from onboarding's first poll time on. The jitter
    (up to 10%, from a byte of the account id's hash) only lengthens intervals: the worst case is an account whose
    byte is 0, the least calls one whose byte is 255; ids are searched until both are found."""
    import hashlib

    from rsc_connector.domain import Contract, ContractStatus
    from rsc_connector.enablement import ATS_INTEGRATIONS_DAILY_LIMIT, POLL_DAILY_BUDGET, next_poll_at

    def simulate(account_id: str) -> tuple[int, int]:
        start = 1_800_000_000.0
        contract = Contract(
            account_id=account_id,
            contract_id="1",
            contract_urn="urn:li:contract:1",
            organization_urn="urn:li:organization:1",
            status=ContractStatus.PARTNER_READY,
            created_at=start,
            updated_at=start,
            partner_ready_at=start,
        )
        when: float | None = start + 60  # onboarding's first poll time (Onboarding._record)
        days = [0, 0]
        while when is not None and when < start + 2 * 86400:
            days[int((when - start) // 86400)] += 1
            when = next_poll_at(contract, when)
        return days[0], days[1]

    by_byte: dict[int, str] = {}
    n = 0
    while 0 not in by_byte or 255 not in by_byte:
        candidate = f"jitter-{n}"
        by_byte.setdefault(hashlib.sha256(candidate.encode()).digest()[0], candidate)
        n += 1
    first, second = simulate(by_byte[0])
    least, _ = simulate(by_byte[255])
    return {
        "first_day_calls_per_app": first,
        "first_day_calls_per_app_most_jitter": least,
        "second_day_calls_per_app": second,
        "poll_daily_budget": POLL_DAILY_BUDGET,
        "linkedin_daily_limit": ATS_INTEGRATIONS_DAILY_LIMIT,
        "share_of_budget": round(first / POLL_DAILY_BUDGET, 3),
    }


# -- the run ---------------------------------------------------------------------------------------------------------


class PollLoad:
    def __init__(self, plan: LoadPlan, out: TextIO) -> None:
        self.plan = plan
        self.out = out

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run(self) -> dict[str, Any]:
        from rsc_demo.story import stack_config
        from rsc_local.stack import LocalStack

        config = stack_config("rsc-poll-load", log_level="ERROR")
        started = time.monotonic()
        with LocalStack(config) as stack:
            self.say(f"Local stack up in {time.monotonic() - started:.1f} s")
            return self.run_on(stack)

    def run_on(self, stack: Any) -> dict[str, Any]:
        """Seed, fire the three runs and check them, on a started local stack with empty data."""
        import requests

        from rsc_demo.bench import ApiCounter

        plan = self.plan
        accounts = plan.layout()
        enabled = plan.enabled(accounts)
        emulator = stack.linkedin
        assert emulator is not None, "the poll load needs the LinkedIn emulator"
        linkedin = emulator.base_url
        table_name = stack.environment["TABLE_NAME"]
        requests.post(f"{linkedin}/_control/request-log", json={"enabled": False}, timeout=10).raise_for_status()
        requests.post(f"{linkedin}/_control/push-settings", json={"mode": "drop"}, timeout=10).raise_for_status()

        # 1. seed
        seeder = Seeder(stack)
        seed_started = time.monotonic()
        step = max(1, plan.contracts // 10)

        def progress(done: int) -> None:
            if done % step == 0 or done == plan.contracts:
                rate = done / max(1e-6, time.monotonic() - seed_started)
                self.say(f"  seeded {done:,} of {plan.contracts:,} contracts ({rate:.0f}/s)")

        reference = plan.reference_accounts
        self.say(
            f"Seeding {plan.contracts:,} Partner-ready contracts over {len(accounts):,} customers (a child "
            f"application each): {reference} through the onboarding use cases, the rest written directly..."
        )
        seeder.seed(accounts, reference, plan.seed_workers, progress)
        seed_seconds = time.monotonic() - seed_started
        compared = [
            (onboarded, written)
            for onboarded in accounts[:reference]
            if (written := next((a for a in accounts[reference:] if a.size == onboarded.size), None)) is not None
        ]
        fidelity_differences = [
            f"{onboarded.account_id} vs {written.account_id} {difference}"
            for onboarded, written in compared
            for difference in fidelity(stack, table_name, onboarded, written)
        ]
        self.say(
            f"Seeding fidelity: {len(compared)} onboarded accounts compared with written ones: "
            + ("identical footprints" if not fidelity_differences else f"{len(fidelity_differences)} differences")
        )
        for difference in fidelity_differences[:10]:
            self.say(f"  {difference}")
        enabled_accounts = list({account.account_id: account for account, _ in enabled}.values())
        for account in enabled_accounts:
            change = {"clientId": account.client_id, "organization": account.organization_urn, "companyLevel": True}
            requests.post(f"{linkedin}/_control/integrations/status", json=change, timeout=30).raise_for_status()
        self._give_ats_history(stack, enabled_accounts)
        enabled_keys = {(account.account_id, contract_id) for account, contract_id in enabled}
        expected_executions = {(account.account_id, account.organization_urn) for account, _ in enabled}
        self.say(
            f"Seeded in {seed_seconds:.1f} s; {len(enabled)} contracts of {len(enabled_accounts)} customers enabled "
            "at the emulator by their Recruiter admin (company-level; pushes dropped: only the poll can notice)"
        )
        if plan.latency_ms:
            requests.post(
                f"{linkedin}/_control/faults",
                json={"latencyMs": plan.latency_ms, "paths": ["/v2/", "/oauth/"]},
                timeout=10,
            ).raise_for_status()
            self.say(f"LinkedIn latency at the emulator: {plan.latency_ms:.0f} ms per call")
        client_of = {account.client_id: account.account_id for account in accounts}
        first_poll = "Partner ready + 60 s"
        if plan.wait_for_first_poll:
            wait = max((c.next_poll_at or 0.0) for c in all_contracts(stack, table_name)) - time.time()
            if wait > 0:
                self.say(f"Waiting {wait:.0f} s for the last seeded contract's first poll time ({first_poll})")
                time.sleep(wait + 0.5)
        else:
            moved = self._rewrite_next_poll(seeder, all_contracts(stack, table_name))
            first_poll = f"moved to now through the repository ({moved:,} contracts)"
            self.say(f"First poll time {first_poll}")

        counter = ApiCounter()
        counter.install()
        try:
            runs: list[RunFigures] = []
            before_runs = {e["executionArn"] for e in executions(stack)}
            # 2. the first run: every contract due
            first, after_first = self._fire(stack, emulator, counter, "first (all due)", client_of, table_name)
            runs.append(first)
            # 3. at once again: nothing due
            again, after_again = self._fire(stack, emulator, counter, "again at once", client_of, table_name)
            runs.append(again)
            # the syncs the first run started share this machine's CPU (in AWS they run elsewhere): let them end
            if plan.settle_syncs:
                settle_started = time.monotonic()
                running = self._wait_for_syncs(stack, before_runs, timeout=SYNC_SETTLE_SECONDS)
                self.say(
                    f"Waited {time.monotonic() - settle_started:.0f} s for the started syncs to end"
                    + (f" ({running} still running)" if running else "")
                )
            # then every contract's next poll time moved to now (a clock shift the deployed functions lack)
            would_be_due = sum(
                1 for c in after_again if c.next_poll_at is not None and c.next_poll_at <= time.time() + 61
            )
            rewrite_started = time.monotonic()
            rewritten = self._rewrite_next_poll(seeder, after_again)
            rewrite_seconds = time.monotonic() - rewrite_started
            runs.append(self._fire(stack, emulator, counter, "next poll moved to now", client_of, table_name)[0])
        finally:
            counter.uninstall()
        final = all_contracts(stack, table_name)
        after_runs = [e for e in executions(stack) if e["executionArn"] not in before_runs]
        started_for = execution_inputs(stack, [e["executionArn"] for e in after_runs])
        execution_statuses = dict(Counter(str(e["status"]) for e in after_runs))

        return self._figures(
            accounts,
            fidelity_differences,
            len(compared),
            enabled_keys,
            expected_executions,
            seed_seconds,
            first_poll,
            runs,
            after_first,
            final,
            started_for,
            execution_statuses,
            would_be_due,
            rewritten,
            rewrite_seconds,
        )

    def _wait_for_syncs(self, stack: Any, before: set[str], timeout: float) -> int:
        """Wait until the executions started since ``before`` have ended; the number still running."""
        deadline = time.monotonic() + timeout
        while True:
            running = sum(1 for e in executions(stack) if e["executionArn"] not in before and e["status"] == "RUNNING")
            if not running or time.monotonic() > deadline:
                return running
            time.sleep(2)

    def _give_ats_history(self, stack: Any, accounts: Iterable[SeededAccount]) -> None:
        """The fake ATS knows the customers whose contracts get enabled (HISTORY_RECORDS records each), so that the
        initial syncs the poll starts run their course: without, the ATS answers 404 for the unknown customer and
        each sync retries its plan for minutes; with a real history, 50 syncs copy it during the poll's run. Both
        load this one process's CPU, which the poll's run shares (in AWS the syncs run elsewhere)."""
        import requests

        import fake_ats

        for account in accounts:
            spec = fake_ats.dataset_from_total(HISTORY_RECORDS, seed=account.index, company=account.company_name)
            requests.post(
                f"{stack.ats.base_url}/_control/accounts/{account.account_id}", json=spec.to_dict(), timeout=30
            ).raise_for_status()

    def _fire(
        self,
        stack: Any,
        emulator: Any,
        counter: Any,
        name: str,
        client_of: dict[str, str],
        table_name: str,
    ) -> tuple[RunFigures, list[Any]]:
        """Fire the schedule once. LinkedIn's side is read from the emulator's control API: its request log (kept
        for the run only) and its usage counters. The calls each account should have cost: ceil(its contracts
        polled in the run / 25), the contracts polled being those whose last poll time falls in the run (read
        back from the table, which is also returned)."""
        import requests

        control = f"{emulator.base_url}/_control"
        requests.delete(f"{control}/requests", timeout=30).raise_for_status()
        requests.post(f"{control}/request-log", json={"enabled": True}, timeout=10).raise_for_status()
        usage_before = integration_usage(requests.get(f"{control}/usage", timeout=30).json())
        before_exec = {e["executionArn"] for e in executions(stack)}
        before_calls = counter.snapshot()["calls"]
        self.say(f"\nFiring {FUNCTION} ({name})...")
        started, since = time.monotonic(), time.time()
        fired = stack.fire_schedule(FUNCTION)
        wall = time.monotonic() - started
        aws = counter.snapshot()["calls"] - before_calls
        requests.post(f"{control}/request-log", json={"enabled": False}, timeout=10).raise_for_status()
        gets, integration_calls, mints = emulator_calls(requests.get(f"{control}/requests", timeout=60).json())
        usage = integration_usage(requests.get(f"{control}/usage", timeout=30).json()) - usage_before
        requests.delete(f"{control}/requests", timeout=30).raise_for_status()
        started_now = [e for e in executions(stack) if e["executionArn"] not in before_exec]
        report = fired.result if fired.ok and isinstance(fired.result, dict) else {}
        contracts = all_contracts(stack, table_name)
        polled = Counter(c.account_id for c in contracts if c.last_poll_at is not None and c.last_poll_at >= since)
        expected_per_account = {account: math.ceil(n / 25) for account, n in polled.items()}
        over = sum(1 for client, n in gets.items() if n > expected_per_account.get(client_of.get(client, ""), 0))
        transitions = list(report.get("transitions") or [])
        figures = RunFigures(
            name=name,
            wall_seconds=round(wall, 2),
            ok=fired.ok,
            error=fired.error,
            contracts_due=int(report.get("contractsDue", 0)),
            contracts_polled=int(report.get("contractsPolled", 0)),
            contracts_polled_in_table=sum(polled.values()),
            reported_linkedin_calls=int(report.get("linkedinCalls", 0)),
            skipped_for_budget=int(report.get("skippedForBudget", 0)),
            errors=int(report.get("errors", 0)),
            transitions=len(transitions),
            transitions_to_enabled=sum(1 for t in transitions if t.endswith("-> ENABLED")),
            emulator_get_calls=sum(gets.values()),
            emulator_integration_calls=integration_calls,
            emulator_token_mints=mints,
            emulator_usage_counted=sum(usage.values()),
            apps_called=len(gets),
            max_calls_per_app=max(gets.values(), default=0),
            expected_calls=sum(expected_per_account.values()),
            apps_over_expected=over,
            executions_started=len(started_now),
            aws_calls={f"{service}.{operation}": n for (service, operation), n in sorted(aws.items())},
        )
        self.say(
            f"  {figures.wall_seconds:.1f} s; due {figures.contracts_due:,}, polled {figures.contracts_polled:,}, "
            f"LinkedIn GETs {figures.emulator_get_calls:,} (expected {figures.expected_calls:,}), "
            f"max per app {figures.max_calls_per_app}, transitions {figures.transitions}, "
            f"executions {figures.executions_started}" + ("" if fired.ok else f"; FAILED: {fired.error}")
        )
        return figures, contracts

    def _rewrite_next_poll(self, seeder: Seeder, contracts: list[Any]) -> int:
        """Every polled contract's next poll time := now, through the repository: conditional writes on each one's
        version (``update_contracts``, 100 a transaction); one that changed since it was read is read again."""
        from rsc_connector.adapters.dynamodb import StaleWrite

        repo = seeder.repo()
        polled = [c for c in contracts if c.next_poll_at is not None]
        now = time.time()
        saved = repo.update_contracts(
            [(c.model_copy(update={"next_poll_at": now}), frozenset({c.status}), c.version) for c in polled]
        )
        moved = sum(1 for s in saved if s is not None)
        for contract, written in zip(polled, saved, strict=True):
            for _ in range(5 if written is None else 0):
                current = repo.get_contract(contract.account_id, contract.contract_id)
                if current is None or current.next_poll_at is None:
                    break
                try:
                    repo.update_contract(
                        current.model_copy(update={"next_poll_at": time.time()}),
                        allowed_from=frozenset({current.status}),
                        expected_version=current.version,
                    )
                    moved += 1
                    break
                except StaleWrite:
                    continue
        return moved

    def _figures(
        self,
        accounts: list[SeededAccount],
        fidelity_differences: list[str],
        fidelity_compared: int,
        enabled_keys: set[tuple[str, str]],
        expected_executions: set[tuple[str, str]],
        seed_seconds: float,
        first_poll: str,
        runs: list[RunFigures],
        after_first: list[Any],
        final: list[Any],
        started_for: list[tuple[str, str]],
        execution_statuses: dict[str, int],
        would_be_due: int,
        rewritten: int,
        rewrite_seconds: float,
    ) -> dict[str, Any]:
        from rsc_connector.domain import ContractStatus
        from rsc_connector.enablement import ACTIVE

        seeded_keys = {(a.account_id, c) for a in accounts for c in a.contract_ids}

        def lost(contracts: list[Any]) -> list[str]:
            by_key = {(c.account_id, c.contract_id): c for c in contracts}
            missing = [f"{a}/{c}: missing" for a, c in sorted(seeded_keys - set(by_key))]
            unpolled = [
                f"{c.account_id}/{c.contract_id}: {c.status} without a next poll"
                for c in by_key.values()
                if (c.account_id, c.contract_id) in seeded_keys and c.next_poll_at is None
            ]
            return missing + unpolled

        def enabled_now(contracts: list[Any]) -> set[tuple[str, str]]:
            return {(c.account_id, c.contract_id) for c in contracts if c.status in ACTIVE}

        waiting_after_first = sum(1 for c in after_first if c.status == ContractStatus.PARTNER_READY)
        organization_of = {a.account_id: a.organization_urn for a in accounts}
        started_orgs = Counter((account, organization_of.get(account, "")) for account, _ in started_for)
        figures: dict[str, Any] = {
            "contracts": self.plan.contracts,
            "accounts": len(accounts),
            "contracts_per_account_max": max(len(a.contract_ids) for a in accounts),
            "child_applications": len({a.client_id for a in accounts}),
            "seed_seconds": round(seed_seconds, 1),
            "first_poll_time": first_poll,
            "linkedin_latency_ms": self.plan.latency_ms,
            "seeding": {
                "onboarded_through_use_cases": self.plan.reference_accounts,
                "written_directly": len(accounts) - self.plan.reference_accounts,
                "accounts_compared": fidelity_compared,
                "differences": fidelity_differences,
            },
            "enabled_at_emulator": len(enabled_keys),
            "expected_executions": len(expected_executions),
            "runs": [vars(run) for run in runs],
            "schedule_seconds": SCHEDULE_SECONDS,
            "function_timeout_seconds": FUNCTION_TIMEOUT_SECONDS,
            "after_first_run": {
                "enabled": len(enabled_now(after_first)),
                "enabled_exactly_those_enabled_at_emulator": enabled_now(after_first) == enabled_keys,
                "waiting": waiting_after_first,
                "lost": len(lost(after_first)),
            },
            "next_poll_rewrite": {
                "contracts_rewritten": rewritten,
                "seconds": round(rewrite_seconds, 1),
                "would_be_due_after_61_s": would_be_due,
                "why": "the deployed functions use rsc_connector.clock.SystemClock; the local stack cannot move it",
            },
            "final": {
                "enabled": len(enabled_now(final)),
                "enabled_exactly_those_enabled_at_emulator": enabled_now(final) == enabled_keys,
                "lost": len(lost(final)),
                "lost_examples": lost(final)[:5],
            },
            "executions_started": len(started_for),
            # the organization's history is synced once: the other enabled contracts of an organization share it
            "enabled_sharing_history": sum(
                1 for c in final if (c.account_id, c.contract_id) in enabled_keys and c.history_contract_id
            ),
            "execution_statuses_at_the_end": execution_statuses,
            "executions_for_enabled_contracts_only": set(started_for) <= enabled_keys
            and max(started_orgs.values(), default=0) <= 1,
            "schedule": first_day_worst_case(),
        }
        figures["budget_failures"] = budget_failures(figures)
        figures["schedule_notes"] = schedule_notes(figures)
        return figures


def budget_failures(f: dict[str, Any]) -> list[str]:
    failures: list[str] = []
    if f["seeding"]["differences"]:
        failures.append(f"seeding: {len(f['seeding']['differences'])} differences from a real onboarding")
    runs = f["runs"]
    for run in runs:
        label = f"run '{run['name']}'"
        if not run["ok"]:
            failures.append(f"{label} failed: {run['error']}")
        if run["wall_seconds"] > FUNCTION_TIMEOUT_SECONDS:
            failures.append(
                f"{label} took {run['wall_seconds']} s, more than the function's {FUNCTION_TIMEOUT_SECONDS} s Timeout"
            )
        if run["apps_over_expected"]:
            failures.append(
                f"{label}: {run['apps_over_expected']} applications got more than ceil(due contracts / 25) calls"
            )
        if run["emulator_get_calls"] != run["expected_calls"]:
            failures.append(
                f"{label}: LinkedIn counted {run['emulator_get_calls']} atsIntegrations GETs, expected "
                f"{run['expected_calls']} (sum of ceil(contracts per account / 25))"
            )
        if not run["emulator_integration_calls"] == run["emulator_get_calls"] == run["emulator_usage_counted"]:
            failures.append(
                f"{label}: the emulator's request log ({run['emulator_get_calls']} BATCH_GETs of "
                f"{run['emulator_integration_calls']} atsIntegrations calls) and usage counters "
                f"({run['emulator_usage_counted']}) disagree"
            )
        if run["contracts_polled_in_table"] != run["contracts_polled"]:
            failures.append(
                f"{label}: the function reported {run['contracts_polled']} contracts polled, the table shows "
                f"{run['contracts_polled_in_table']}"
            )
        if run["contracts_polled"] != run["contracts_due"]:
            failures.append(
                f"{label}: {run['contracts_due'] - run['contracts_polled']} due contracts not polled "
                f"({run['errors']} errors, {run['skipped_for_budget']} skipped for budget)"
            )
    if runs and runs[0]["contracts_due"] != f["contracts"]:
        failures.append(f"first run: {runs[0]['contracts_due']} due of {f['contracts']} seeded contracts")
    if len(runs) > 1 and runs[1]["contracts_due"] and runs[0]["wall_seconds"] <= SCHEDULE_SECONDS:
        # (after a first run longer than a minute, the contracts it polled first are due again: no surprise)
        failures.append(f"the run right after found {runs[1]['contracts_due']} contracts due, expected none")
    if runs and runs[0]["transitions_to_enabled"] != f["enabled_at_emulator"]:
        failures.append(
            f"first run: {runs[0]['transitions_to_enabled']} transitions to Enabled, "
            f"{f['enabled_at_emulator']} contracts enabled at the emulator"
        )
    for stage in ("after_first_run", "final"):
        if f[stage]["lost"]:
            failures.append(f"{stage}: {f[stage]['lost']} contracts lost (no next poll time)")
        if not f[stage]["enabled_exactly_those_enabled_at_emulator"]:
            failures.append(f"{stage}: the Enabled contracts are not exactly those enabled at the emulator")
    if f["executions_started"] != f["expected_executions"] or not f["executions_for_enabled_contracts_only"]:
        failures.append(
            f"{f['executions_started']} Step Functions executions started, expected {f['expected_executions']} "
            "(one per enabled organization: its first contract's; the others share its history)"
        )
    if f["enabled_sharing_history"] != f["enabled_at_emulator"] - f["expected_executions"]:
        failures.append(
            f"{f['enabled_sharing_history']} enabled contracts share their organization's sync, expected "
            f"{f['enabled_at_emulator'] - f['expected_executions']}"
        )
    schedule = f["schedule"]
    if schedule["first_day_calls_per_app"] > schedule["poll_daily_budget"]:
        failures.append(
            f"the schedule's first day costs {schedule['first_day_calls_per_app']} calls per application, over "
            f"POLL_DAILY_BUDGET {schedule['poll_daily_budget']}"
        )
    return failures


def schedule_notes(f: dict[str, Any]) -> list[str]:
    """Runs longer than the schedule's minute: not a broken budget (the function runs one at a time, so the next
    run starts when this one ends and polls what is due by then; no contract is polled twice in a run and no
    application's calls exceed its schedule), but each waiting contract is then polled less often than planned."""
    return [
        f"run '{run['name']}' took {run['wall_seconds']} s, more than the schedule's {SCHEDULE_SECONDS:.0f} s: "
        "the next run starts when it ends (ReservedConcurrentExecutions 1)"
        for run in f["runs"]
        if run["wall_seconds"] > SCHEDULE_SECONDS
    ]


def print_table(f: dict[str, Any], out: TextIO) -> None:
    out.write(
        f"\nEnablement poll load: {f['contracts']:,} waiting contracts, {f['accounts']:,} customers "
        f"({f['child_applications']:,} child applications, up to {f['contracts_per_account_max']} contracts each); "
        f"{f['enabled_at_emulator']} enabled at LinkedIn; seeded in {f['seed_seconds']} s; first poll time "
        f"{f['first_poll_time']}; LinkedIn latency {f['linkedin_latency_ms']:.0f} ms\n\n"
    )
    head = f"  {'run':26}{'wall s':>8}{'due':>7}{'polled':>8}{'GETs':>7}{'expect':>8}{'max/app':>8}"
    out.write(head + f"{'mints':>7}{'budget':>8}{'errors':>7}{'->ENA':>7}{'execs':>7}\n")
    for run in f["runs"]:
        out.write(
            f"  {run['name']:26}{run['wall_seconds']:>8.1f}{run['contracts_due']:>7}{run['contracts_polled']:>8}"
            f"{run['emulator_get_calls']:>7}{run['expected_calls']:>8}{run['max_calls_per_app']:>8}"
            f"{run['emulator_token_mints']:>7}{run['skipped_for_budget']:>8}{run['errors']:>7}"
            f"{run['transitions_to_enabled']:>7}{run['executions_started']:>7}\n"
        )
    out.write(
        f"\n  a run's budget: the function's Timeout, {f['function_timeout_seconds']} s; the schedule fires every "
        f"{f['schedule_seconds']:.0f} s\n"
    )
    rewrite = f["next_poll_rewrite"]
    out.write(
        f"  third run: next poll of {rewrite['contracts_rewritten']:,} contracts moved to now through the repository "
        f"({rewrite['seconds']} s; a 61 s clock advance would have made {rewrite['would_be_due_after_61_s']:,} due)\n"
    )
    out.write(
        f"  Step Functions executions started: {f['executions_started']} (expected {f['expected_executions']}; at the "
        f"end {f['execution_statuses_at_the_end']}); "
        f"contracts lost: {f['final']['lost']}; Enabled = those enabled at LinkedIn: "
        f"{f['final']['enabled_exactly_those_enabled_at_emulator']}\n"
    )
    s = f["schedule"]
    out.write(
        f"  one application's first day for a waiting contract (real schedule, no jitter): "
        f"{s['first_day_calls_per_app']} calls = {s['share_of_budget']:.1%} of POLL_DAILY_BUDGET "
        f"{s['poll_daily_budget']:,} (LinkedIn allows {s['linkedin_daily_limit']:,}); "
        f"{s['first_day_calls_per_app_most_jitter']} with the most jitter; second day {s['second_day_calls_per_app']}\n"
    )
    for note in f["schedule_notes"]:
        out.write(f"  note: {note}\n")
    failures = f["budget_failures"]
    out.write("\n  " + ("BUDGETS BROKEN:\n    " + "\n    ".join(failures) if failures else "all budgets kept") + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rsc_demo.poll_load", description=__doc__.split("\n")[0])
    parser.add_argument("--contracts", type=int, default=int(os.environ.get("POLL_LOAD_CONTRACTS", "5000")))
    parser.add_argument("--accounts", type=int, default=None, help="customers (default: one per contract)")
    parser.add_argument("--enabled-share", type=float, default=0.01, help="share enabled at LinkedIn (0.01)")
    parser.add_argument("--seed-workers", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="LinkedIn latency played by the emulator")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    args = parser.parse_args(argv)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("rsc_local").setLevel(logging.ERROR)
    plan = LoadPlan(args.contracts, args.accounts, args.enabled_share, args.seed_workers, args.latency_ms)
    figures = PollLoad(plan, sys.stderr).run()
    print_table(figures, sys.stderr)
    if args.json:
        print(json.dumps(figures, indent=2))
    return 1 if figures["budget_failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
