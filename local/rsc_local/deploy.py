"""Create a :class:`~rsc_local.template.PreparedTemplate` in moto and describe what was created."""

from __future__ import annotations

import io
import json
import logging
import tempfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from moto.cloudformation.models import cloudformation_backends

from rsc_local.errors import DeployError, TemplateError
from rsc_local.functions import FunctionSpec, spec_from_configuration
from rsc_local.intrinsics import ACCOUNT_ID, Resolver
from rsc_local.resources import CREATORS, ClientFactory, CreatedResource
from rsc_local.template import ARTIFACT_BUCKET, PreparedTemplate, placeholder_ref, substitute_references

log = logging.getLogger(__name__)

_CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


@dataclass
class DeployedStack:
    """The stack as created: physical ids, outputs and the functions with their resolved configuration."""

    prepared: PreparedTemplate
    stack_id: str
    physical_ids: dict[str, str]
    outputs: dict[str, str]
    out_of_band: dict[str, CreatedResource]
    functions: dict[str, FunctionSpec]
    _inline_code_dir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def region(self) -> str:
        return self.prepared.region

    def resource_type(self, logical_id: str) -> str:
        return str(self.prepared.cfn["Resources"][logical_id]["Type"])

    def logical_ids_of_type(self, resource_type: str) -> list[str]:
        return [
            logical_id
            for logical_id in self.prepared.resources_of_type(resource_type)
            if logical_id in self.physical_ids
        ]

    def get_att(self, logical_id: str, attribute: str) -> Any:
        """``Fn::GetAtt`` as the deployed stack answers it (moto's own resource models, or out-of-band values)."""
        if logical_id in self.out_of_band:
            try:
                return self.out_of_band[logical_id].attributes[attribute]
            except KeyError as exc:
                raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} is not available locally") from exc
        stack = cloudformation_backends[ACCOUNT_ID][self.region].stacks[self.stack_id]
        resource = stack.resource_map[logical_id]
        if resource is None:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute}: {logical_id} was not created")
        return resource.get_cfn_attribute(attribute)

    def ref(self, logical_id: str) -> str:
        try:
            return self.physical_ids[logical_id]
        except KeyError as exc:
            raise TemplateError(f"Ref {logical_id}: no such resource in the deployed stack") from exc

    def resolver(self) -> Resolver:
        """Resolves intrinsics against the deployed stack (parameters, physical ids, attributes)."""
        return self.prepared.resolver(ref=self.ref, get_att=self.get_att)

    def cleanup(self) -> None:
        if self._inline_code_dir is not None:
            self._inline_code_dir.cleanup()
            self._inline_code_dir = None


def deploy(prepared: PreparedTemplate, clients: ClientFactory) -> DeployedStack:
    """Upload code placeholders, create out-of-band resources, create the stack and wait for it."""
    _upload_artifacts(prepared, clients("s3"))
    created = _create_out_of_band(prepared, clients)
    refs = {logical_id: resource.physical_id for logical_id, resource in created.items()}
    attributes = {logical_id: dict(resource.attributes) for logical_id, resource in created.items()}
    template = substitute_references(prepared.moto_template, refs, attributes)

    cloudformation = clients("cloudformation")
    try:
        stack_id = cloudformation.create_stack(
            StackName=prepared.stack_name,
            TemplateBody=json.dumps(template),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in prepared.parameters.items()],
            Capabilities=_CAPABILITIES,
        )["StackId"]
    except ClientError as exc:
        raise DeployError(f"moto rejected the stack: {exc}") from exc
    description = _wait_for_stack(cloudformation, stack_id)

    physical_ids = _physical_ids(cloudformation, stack_id)
    physical_ids.update(refs)
    resolver = prepared.resolver()
    for logical_id, resource in prepared.emulated.items():
        physical_ids.setdefault(logical_id, str(placeholder_ref(logical_id, resource, resolver)))
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in description.get("Outputs", [])}
    stack = DeployedStack(
        prepared=prepared,
        stack_id=stack_id,
        physical_ids=physical_ids,
        outputs=outputs,
        out_of_band=created,
        functions={},
    )
    stack.functions = _describe_functions(stack, template, clients("lambda"))
    return stack


def _upload_artifacts(prepared: PreparedTemplate, s3: Any) -> None:
    """moto's Lambda needs a zip to exist; the code runs from the CodeUri directory, so a marker zip suffices."""
    s3.create_bucket(Bucket=ARTIFACT_BUCKET)
    for key, directory in prepared.artifacts.items():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("RSC_LOCAL_SOURCE.txt", f"runs from {directory}\n")
        s3.put_object(Bucket=ARTIFACT_BUCKET, Key=key, Body=buffer.getvalue())


def _create_out_of_band(prepared: PreparedTemplate, clients: ClientFactory) -> dict[str, CreatedResource]:
    created: dict[str, CreatedResource] = {}

    def ref(logical_id: str) -> str:
        if logical_id in created:
            return created[logical_id].physical_id
        raise TemplateError(f"Ref {logical_id} cannot be resolved before the stack exists")

    def get_att(logical_id: str, attribute: str) -> Any:
        if logical_id in created and attribute in created[logical_id].attributes:
            return created[logical_id].attributes[attribute]
        raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} cannot be resolved before the stack exists")

    resolver = prepared.resolver(ref=ref, get_att=get_att)
    for logical_id, resource in prepared.out_of_band.items():
        try:
            properties = resolver.resolve(resource.get("Properties", {})) or {}
        except TemplateError as exc:
            raise TemplateError(f"{logical_id} ({resource['Type']}) is created outside moto: {exc}") from exc
        try:
            created[logical_id] = CREATORS[resource["Type"]](logical_id, properties, clients, prepared.stack_name)
        except ClientError as exc:
            raise DeployError(f"creating {logical_id} ({resource['Type']}) failed: {exc}") from exc
        log.info("created %s (%s) outside moto's CloudFormation", logical_id, resource["Type"])
    return created


def _wait_for_stack(cloudformation: Any, stack_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        description: dict[str, Any] = cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]
        status = description["StackStatus"]
        if status == "CREATE_COMPLETE":
            return description
        if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            events = cloudformation.describe_stack_events(StackName=stack_id)["StackEvents"]
            reasons = [
                f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
                for e in events
                if e.get("ResourceStatusReason")
            ]
            raise DeployError(f"stack ended in {status}: {'; '.join(reasons) or 'no reason given'}")
        time.sleep(0.05)


def _physical_ids(cloudformation: Any, stack_id: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_id):
        for summary in page["StackResourceSummaries"]:
            if summary.get("PhysicalResourceId"):
                ids[summary["LogicalResourceId"]] = summary["PhysicalResourceId"]
    return ids


def _describe_functions(
    stack: DeployedStack, template: Mapping[str, Any], lambda_client: Any
) -> dict[str, FunctionSpec]:
    """Every created Lambda function with the configuration moto resolved (environment, handler, timeout)."""
    functions: dict[str, FunctionSpec] = {}
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Lambda::Function" or logical_id not in stack.physical_ids:
            continue
        configuration = lambda_client.get_function_configuration(FunctionName=stack.physical_ids[logical_id])
        code = resource.get("Properties", {}).get("Code", {})
        functions[logical_id] = spec_from_configuration(logical_id, configuration, _code_dir(stack, logical_id, code))
    return functions


def _code_dir(stack: DeployedStack, logical_id: str, code: Mapping[str, Any]) -> Path | None:
    if isinstance(code.get("S3Key"), str) and code.get("S3Bucket") == ARTIFACT_BUCKET:
        return stack.prepared.artifacts.get(code["S3Key"])
    if isinstance(code.get("ZipFile"), str):
        # Lambda stores inline code as index.py (Python runtimes).
        if stack._inline_code_dir is None:
            stack._inline_code_dir = tempfile.TemporaryDirectory(prefix="rsc-local-inline-")
        directory = Path(stack._inline_code_dir.name) / logical_id
        directory.mkdir()
        (directory / "index.py").write_text(code["ZipFile"])
        return directory
    return None
