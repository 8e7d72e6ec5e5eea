"""The local stack: moto + the template's resources + the real handlers behind Lambda-like event sources.

Start order (each step needs the previous one): bind the API adapter's socket (its URL is a template parameter),
start moto, start the outside parties (LinkedIn emulator, local ATS), translate and deploy the template with the
resulting parameter overrides, load the function registry and the shared environment, seed secrets, verify the
SES sender, then start serving the API, polling the SQS event sources and (optionally) firing schedules.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import boto3
import boto3.session
from botocore.exceptions import ClientError

from rsc_local.api_adapter import ApiAdapter, Gateway
from rsc_local.api_model import RestApi, rest_apis
from rsc_local.config import DUMMY_CREDENTIALS, LocalService, LocalStackConfig
from rsc_local.control import ControlServer
from rsc_local.deploy import DeployedStack, deploy
from rsc_local.emails import SentEmail, sent_emails
from rsc_local.errors import ConfigError, LocalStackError, TemplateError
from rsc_local.event_sources import EventSourceCounters, SqsPoller, sqs_event_sources
from rsc_local.functions import FunctionRegistry, FunctionSpec, FunctionStats, union_environment
from rsc_local.moto_runtime import MotoRuntime
from rsc_local.reset import reset_stack_data
from rsc_local.schedules import FireResult, Scheduler, Schedules, schedules_from_template
from rsc_local.services import LinkedInEndpoints, ats_credential, start_ats, start_linkedin, stop_quietly
from rsc_local.template import PreparedTemplate, load_template, prepare_template

log = logging.getLogger(__name__)

T = TypeVar("T")

_CLEARED_ENV = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE")
"""Removed while the stack runs, so that the handlers' boto3 uses the dummy keys for moto."""


class LocalStack:
    """The whole local stack in this process. Use as a context manager, or call :meth:`start`/:meth:`stop`."""

    def __init__(self, config: LocalStackConfig | None = None) -> None:
        self.config = copy.deepcopy(config) if config is not None else LocalStackConfig()
        self._moto: MotoRuntime | None = None
        self._adapter: ApiAdapter | None = None
        self._control: ControlServer | None = None
        self._stack: DeployedStack | None = None
        self._registry: FunctionRegistry | None = None
        self._gateway: Gateway | None = None
        self._pollers: list[SqsPoller] = []
        self._schedules: Schedules | None = None
        self._scheduler: Scheduler | None = None
        self._linkedin: LinkedInEndpoints | None = None
        self._ats: LocalService | None = None
        self._environment: dict[str, str] = {}
        self._saved_env: dict[str, str | None] = {}
        self._added_paths: list[str] = []
        self._secret_values: dict[str, str | None] = {}
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._session: boto3.session.Session | None = None
        self._reset_hooks: list[Callable[[], None]] = []
        self._started = False

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> LocalStack:
        if self._started:
            raise LocalStackError("the local stack is already started")
        started = time.monotonic()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self._started = True
        log.info("local stack up in %.1f s: APIs %s, moto %s", time.monotonic() - started, self.api_urls, self.moto_url)
        return self

    def _start(self) -> None:
        config = self.config
        self._adapter = ApiAdapter(config.host, config.api_port)
        self._moto = MotoRuntime(config.host, config.moto_port, time_scale=config.time_scale)
        self._moto.start()
        self._linkedin = start_linkedin(config.linkedin, config.host)
        self._ats = start_ats(config.ats)

        prepared = self._prepare()
        self._stack = deploy(prepared, self.boto3_client)
        self._registry = FunctionRegistry(self._stack.functions.values(), enforce_timeouts=config.enforce_timeouts)
        self._environment = union_environment(self._stack.functions.values())
        self._apply_environment(prepared)
        self._moto.registry = self._registry

        self._seed_secrets()
        self._verify_senders(prepared)
        self._secret_values = self._current_secret_values()

        self._gateway = Gateway(self._rest_apis(), self._registry, config.region)
        self._adapter.configure(self._gateway)
        self._adapter.start()
        self._pollers = [
            SqsPoller(
                source,
                self._registry,
                self.boto3_client("sqs"),
                region=config.region,
                wait_seconds=config.poll_wait_seconds,
            )
            for source in sqs_event_sources(
                self._stack.prepared.emulated_of_type("AWS::Lambda::EventSourceMapping"),
                self._stack.resolver().resolve,
                self._queue_url,
                default_max_concurrency=config.default_max_concurrency,
            )
        ]
        for poller in self._pollers:
            if self._registry.find(poller.source.function) is None:
                raise TemplateError(
                    f"{poller.source.logical_id}: function {poller.source.function} is not in the template"
                )
        if config.event_sources:
            self.start_event_sources()
        self._schedules = Schedules(
            schedules_from_template(
                prepared.resources_of_type("AWS::Events::Rule"),
                prepared.emulated_of_type("AWS::Scheduler::Schedule"),
                self._stack.resolver().resolve,
                lambda logical_id: str(self._require_stack().get_att(logical_id, "Arn")),
                self._queue_url,
            ),
            region=config.region,
            invoke_function=lambda function, event: self.registry.invoke(function, event).result(),
            clients=self.boto3_client,
            function_logical_id=lambda reference: spec.logical_id if (spec := self.registry.find(reference)) else None,
        )
        if config.scheduler:
            self.start_scheduler()
        if config.control_port is not None:
            self._control = ControlServer(self, config.host, config.control_port)
            self._control.start()

    def _prepare(self) -> PreparedTemplate:
        """Translate with the parameter overrides; PublicBaseUrl needs the API stage, known only after a first pass."""
        config, bindings = self.config, self.config.bindings
        overrides: dict[str, Any] = dict(config.parameters)
        if config.stage is not None:
            overrides[bindings.stage_parameter] = config.stage
        if self._linkedin is not None:
            if self._linkedin.api_base_url:
                overrides[bindings.linkedin_api_parameter] = self._linkedin.api_base_url
            if self._linkedin.oauth_base_url:
                overrides[bindings.linkedin_oauth_parameter] = self._linkedin.oauth_base_url
        ats_url = self._ats.base_url if self._ats is not None else config.ats.base_url
        if ats_url:
            overrides[bindings.ats_base_url_parameter] = ats_url

        declared = set((load_template(config.template).get("Parameters") or {}).keys())

        def prepare(values: dict[str, Any]) -> PreparedTemplate:
            return prepare_template(
                config.template,
                region=config.region,
                stack_name=config.stack_name,
                parameter_overrides={k: v for k, v in values.items() if k in declared or k in config.parameters},
                ignore_resource_types=frozenset(config.ignore_resource_types),
            )

        prepared = prepare(overrides)
        if (
            bindings.public_base_url_parameter in prepared.parameters
            and bindings.public_base_url_parameter not in config.parameters
        ):
            stage = self._primary_stage(prepared)
            if stage is not None:
                overrides[bindings.public_base_url_parameter] = self._require(self._adapter).url_for_stage(stage)
                prepared = prepare(overrides)
        return prepared

    def _primary_stage(self, prepared: PreparedTemplate) -> str | None:
        resolver = prepared.resolver()
        stages = [
            (
                resource.get("Properties", {}).get("RestApiId"),
                str(resolver.resolve(resource["Properties"]["StageName"])),
            )
            for resource in prepared.emulated_of_type("AWS::ApiGateway::Stage").values()
        ]
        if not stages:
            return None
        if self.config.primary_api is not None:
            chosen = [name for api, name in stages if api == {"Ref": self.config.primary_api}]
            if not chosen:
                raise ConfigError(f"primary_api {self.config.primary_api!r} has no stage in the template")
            return chosen[0]
        names = {name for _, name in stages}
        if len(names) > 1:
            raise ConfigError(f"the template has API stages {sorted(names)}; set primary_api to choose PublicBaseUrl's")
        return names.pop()

    def _apply_environment(self, prepared: PreparedTemplate) -> None:
        """The functions' shared environment plus what points boto3 at moto, in this process's os.environ."""
        config = self.config
        values = {
            **self._environment,
            "AWS_ENDPOINT_URL": self.moto_url,
            "AWS_DEFAULT_REGION": config.region,
            "AWS_REGION": config.region,
            **DUMMY_CREDENTIALS,
        }
        for name in (*values, *_CLEARED_ENV):
            if name not in self._saved_env:
                self._saved_env[name] = os.environ.get(name)
        for name in _CLEARED_ENV:
            os.environ.pop(name, None)
        os.environ.update(values)
        for directory in prepared.layer_dirs:
            if str(directory) not in sys.path:
                sys.path.insert(0, str(directory))
                self._added_paths.append(str(directory))

    def _seed_secrets(self) -> None:
        bindings = self.config.bindings
        seeds: dict[str, Any] = {}
        partner = self._linkedin.partner_secret() if self._linkedin is not None else None
        if partner is not None and bindings.partner_secret_env in self._environment:
            seeds[self._environment[bindings.partner_secret_env]] = partner
        credential = ats_credential(self.config.ats, self._ats)
        if credential is not None and bindings.ats_secret_env in self._environment:
            seeds[self._environment[bindings.ats_secret_env]] = credential
        seeds.update(self.config.secrets)
        secretsmanager = self.boto3_client("secretsmanager")
        for name, value in seeds.items():
            text = value if isinstance(value, str) else json.dumps(value)
            try:
                secretsmanager.put_secret_value(SecretId=name, SecretString=text)
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
                secretsmanager.create_secret(Name=name, SecretString=text)

    def _verify_senders(self, prepared: PreparedTemplate) -> None:
        identities = list(self.config.sender_identities)
        sender = prepared.parameters.get(self.config.bindings.sender_email_parameter)
        if sender:
            identities.append(sender)
        ses = self.boto3_client("ses")
        for identity in identities:
            if "@" in identity:
                ses.verify_email_identity(EmailAddress=identity)
            else:
                ses.verify_domain_identity(Domain=identity)

    def _current_secret_values(self) -> dict[str, str | None]:
        secretsmanager = self.boto3_client("secretsmanager")
        values: dict[str, str | None] = {}
        for page in secretsmanager.get_paginator("list_secrets").paginate():
            for secret in page["SecretList"]:
                try:
                    values[secret["Name"]] = secretsmanager.get_secret_value(SecretId=secret["ARN"]).get("SecretString")
                except ClientError:
                    values[secret["Name"]] = None
        return values

    def _rest_apis(self) -> list[RestApi]:
        stack = self._require_stack()
        return rest_apis(
            stack.prepared.resources_of_type("AWS::ApiGateway::RestApi"),
            stack.prepared.emulated_of_type("AWS::ApiGateway::Stage"),
            stack.resolver().resolve,
            stack.ref,
        )

    def _queue_url(self, arn: str) -> str:
        parts = arn.split(":")
        return str(
            self.boto3_client("sqs").get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
        )

    def stop(self) -> None:
        """Stop everything that was started (safe to call more than once, and after a failed start)."""
        stopping = time.monotonic()
        if self._control is not None:
            self._control.stop()
            self._control = None
        self.stop_scheduler()
        self.stop_event_sources()
        self._pollers = []
        if self._adapter is not None:
            self._adapter.stop()
            self._adapter = None
        if self._ats is not None:
            stop_quietly(self._ats)
            self._ats = None
        if self._linkedin is not None and self._linkedin.emulator is not None:
            stop_quietly(self._linkedin.emulator)
        self._linkedin = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self._stack is not None:
            self._stack.cleanup()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        for path in self._added_paths:
            if path in sys.path:
                sys.path.remove(path)
        self._added_paths.clear()
        self._clients.clear()
        if self._started:
            log.info("local stack stopped in %.1f s", time.monotonic() - stopping)
        self._started = False

    # ------------------------------------------------------------------ what it exposes

    @property
    def running(self) -> bool:
        return self._started

    @property
    def moto_url(self) -> str:
        return self._require(self._moto).url

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT/{stage}`` of the primary API (the only one, or ``config.primary_api``)."""
        urls = self.api_urls
        if not urls:
            raise LocalStackError("the template has no API")
        if self.config.primary_api is not None:
            return urls[self.config.primary_api]
        return next(iter(urls.values()))

    @property
    def api_urls(self) -> dict[str, str]:
        adapter = self._require(self._adapter)
        return {api.logical_id: adapter.url_for_stage(api.stage) for api in self._require(self._gateway).apis}

    @property
    def control_url(self) -> str | None:
        return self._control.url if self._control is not None else None

    @property
    def linkedin(self) -> Any | None:
        """The running LinkedIn emulator, or None when LinkedIn is external."""
        return self._linkedin.emulator if self._linkedin is not None else None

    @property
    def linkedin_endpoints(self) -> LinkedInEndpoints | None:
        return self._linkedin

    @property
    def ats(self) -> LocalService | None:
        """The running local ATS service, or None when the ATS is external."""
        return self._ats

    @property
    def region(self) -> str:
        return self.config.region

    @property
    def deployed(self) -> DeployedStack:
        return self._require_stack()

    @property
    def outputs(self) -> dict[str, str]:
        return dict(self._require_stack().outputs)

    @property
    def physical_ids(self) -> dict[str, str]:
        return dict(self._require_stack().physical_ids)

    def physical_id(self, logical_id: str) -> str:
        return self._require_stack().ref(logical_id)

    @property
    def environment(self) -> dict[str, str]:
        """The environment every function sees (template variables, resolved)."""
        return dict(self._environment)

    @property
    def registry(self) -> FunctionRegistry:
        return self._require(self._registry)

    @property
    def functions(self) -> dict[str, FunctionSpec]:
        return dict(self.registry.specs)

    @property
    def schedules(self) -> Schedules:
        return self._require(self._schedules)

    @property
    def gateway(self) -> Gateway:
        return self._require(self._gateway)

    @property
    def pollers(self) -> list[SqsPoller]:
        return list(self._pollers)

    def routes(self) -> list[dict[str, Any]]:
        """Every served route: method, URL path, function and authorizer."""
        registry = self.registry
        return [
            {
                "api": api.logical_id,
                "method": route.method,
                "path": f"/{api.stage}{route.resource_path}",
                "function": (registry.get(route.function).logical_id if route.function else None),
                "authorizer": route.authorizer.name if route.authorizer else None,
            }
            for api in self.gateway.apis
            for route in api.routes
        ]

    def boto3_client(self, service: str) -> Any:
        """A cached boto3 client for moto (dummy credentials, the stack's region)."""
        with self._clients_lock:
            if service not in self._clients:
                if self._session is None:
                    self._session = boto3.session.Session()
                self._clients[service] = self._session.client(
                    service,  # type: ignore[call-overload]
                    endpoint_url=self.moto_url,
                    region_name=self.config.region,
                    aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                    aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                )
            return self._clients[service]

    def invoke(self, function: str, event: Any) -> Any:
        """Invoke a function (logical id, name or ARN) directly; raises FunctionError if it fails."""
        return self.registry.invoke(function, event).result()

    def fire_schedule(self, name: str, at: datetime | None = None) -> FireResult:
        """Deliver one occurrence of a schedule now (by rule logical id, or by function if it has one schedule)."""
        return self.schedules.fire(name, at=at)

    def start_scheduler(self, time_scale: float | None = None) -> None:
        """Fire the template's schedules in the background (``time_scale`` defaults to the config's)."""
        if self._scheduler is None:
            self._scheduler = Scheduler(self.schedules, time_scale=time_scale or self.config.time_scale)
            self._scheduler.start()

    def stop_scheduler(self) -> None:
        if self._scheduler is not None:
            self._scheduler.stop()
            self._scheduler = None

    def read_emails(self) -> list[SentEmail]:
        """Emails sent through SES so far (moto stores them instead of delivering)."""
        return sent_emails(self.config.region)

    def wait_for_execution(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        """Poll DescribeExecution until the execution is no longer RUNNING; returns the description."""
        sfn = self.boto3_client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            description: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if description["status"] != "RUNNING":
                return description
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still RUNNING after {timeout} s")
            time.sleep(0.05)

    def start_event_sources(self) -> None:
        """Start (again) the SQS pollers, e.g. after filling a queue with :meth:`stop_event_sources` in effect."""
        for poller in self._pollers:
            poller.start()

    def stop_event_sources(self) -> None:
        """Stop polling (batches in flight finish first); messages stay on their queues."""
        for poller in self._pollers:
            poller.request_stop()
        for poller in self._pollers:
            poller.stop()

    def event_source_counters(self) -> dict[str, EventSourceCounters]:
        return {poller.source.logical_id: poller.counters() for poller in self._pollers}

    def function_stats(self) -> dict[str, FunctionStats]:
        return self.registry.stats()

    def wait_until_idle(self, timeout: float = 30.0, settle: float = 0.2) -> None:
        """Wait until every polled queue is empty (visible and in flight) and no batch is running."""
        sqs = self.boto3_client("sqs")
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while True:
            busy = False
            for poller in self._pollers:
                attributes = sqs.get_queue_attributes(
                    QueueUrl=poller.source.queue_url,
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )["Attributes"]
                busy = busy or not poller.idle() or any(int(v) for v in attributes.values())
            now = time.monotonic()
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= settle:
                return
            if now > deadline:
                raise TimeoutError(f"event sources still busy after {timeout} s")
            time.sleep(0.05)

    def add_reset_hook(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` at the end of :meth:`reset_data` (e.g. to clear caches of the shared package)."""
        self._reset_hooks.append(hook)

    def reset_data(self, *, cold_start: bool = True) -> None:
        """Empty tables, queues and buckets, restore the secrets as of start, delete secrets created since, forget
        sent emails, stop running executions and clear the authorizer cache; with ``cold_start`` the handler
        modules are reloaded on their next invocation. The local services are reset when they have ``reset()``.
        Call it while the stack is idle: a batch in flight may still write afterwards."""
        reset_stack_data(self._require_stack(), self.boto3_client, self._secret_values)
        self.gateway.clear_authorizer_cache()
        if cold_start:
            self.registry.unload()
        for service in (self.linkedin, self._ats):
            reset = getattr(service, "reset", None)
            if callable(reset):
                reset()
        for hook in self._reset_hooks:
            hook()

    def state(self) -> dict[str, Any]:
        """A JSON-able summary: URLs, ids, outputs, functions, routes and schedules."""
        endpoints = self._linkedin
        return {
            "pid": os.getpid(),
            "region": self.config.region,
            "stack_name": self.config.stack_name,
            "template": str(self.config.template),
            "api_url": self.api_url if self.api_urls else None,
            "api_urls": self.api_urls,
            "moto_url": self.moto_url,
            "control_url": self.control_url,
            "linkedin": None
            if endpoints is None
            else {
                "mode": self.config.linkedin.mode,
                "base_url": getattr(endpoints.emulator, "base_url", None),
                "api_base_url": endpoints.api_base_url,
                "oauth_base_url": endpoints.oauth_base_url,
            },
            "ats_base_url": self._ats.base_url if self._ats is not None else self.config.ats.base_url,
            "outputs": self.outputs,
            "physical_ids": self.physical_ids,
            "functions": {k: v.name for k, v in self.functions.items()},
            "routes": self.routes(),
            "schedules": {k: s.expression for k, s in self.schedules.schedules.items()},
            "event_sources": [p.source.logical_id for p in self._pollers],
        }

    # ------------------------------------------------------------------ helpers

    def _require_stack(self) -> DeployedStack:
        return self._require(self._stack)

    @staticmethod
    def _require(value: T | None) -> T:
        if value is None:
            raise LocalStackError("the local stack is not started")
        return value
