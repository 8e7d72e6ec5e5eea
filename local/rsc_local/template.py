"""template.yaml -> a CloudFormation template moto can create, plus what the local stack emulates itself.

Steps (tooling-notes section 4): parse with samtranslator's YAML loader, validate parameter overrides, point local
``CodeUri``/``ContentUri`` at S3 objects, inline local ``DefinitionUri`` files, translate offline with samtranslator,
then split the resources: moto creates what its CloudFormation supports; a few types are created with boto3
(:mod:`rsc_local.resources`), some are emulated by the local stack (event source mappings, API stages) and some
have no local effect. Everything else unsupported is an error, so a template change cannot silently vanish.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3.session
from moto.cloudformation.parsing import get_model_map
from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.utils.py27hash_fix import to_py27_compatible_template, undo_mark_unicode_str_in_template
from samtranslator.yaml_helper import yaml_parse

from rsc_local.errors import TemplateError
from rsc_local.intrinsics import Resolver, pseudo_parameters, referenced_logical_ids
from rsc_local.resources import CREATORS

log = logging.getLogger(__name__)

ARTIFACT_BUCKET = "rsc-local-artifacts"
"""moto S3 bucket holding the placeholder code zips the Lambda resources point at."""

EMULATED_TYPES: dict[str, str] = {
    "AWS::Lambda::EventSourceMapping": (
        "polled by rsc_local.event_sources: moto's mapping invokes inside SendMessage, one record at a time"
    ),
    "AWS::Scheduler::Schedule": "fired by rsc_local.schedules",
    "AWS::ApiGateway::Deployment": "served by rsc_local.api_adapter (moto ignores the OpenAPI body)",
    "AWS::ApiGateway::Stage": "served by rsc_local.api_adapter at /{StageName}",
}
"""Types left out of moto because the local stack implements their behaviour."""

IGNORED_TYPES: frozenset[str] = frozenset(
    {
        "AWS::ApiGateway::Account",
        "AWS::ApiGateway::GatewayResponse",
        "AWS::ApiGateway::UsagePlan",
        "AWS::CloudWatch::Alarm",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Logs::MetricFilter",
        "AWS::Logs::SubscriptionFilter",
        "AWS::SNS::TopicPolicy",
        "AWS::SQS::QueuePolicy",
    }
)
"""Types with no effect on local behaviour (monitoring, resource policies): left out of moto, with a log line."""

_LOCAL_URI_KEYS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


@dataclass
class PreparedTemplate:
    """The translated template, split by who creates each resource.

    Attributes:
        path: The SAM template file; ``root`` is its directory.
        parameters: Every parameter's value (overrides, else defaults) as CloudFormation receives it.
        cfn: The full translated template (read for events, schedules and APIs).
        moto_template: What moto's create_stack gets; Refs to ``out_of_band`` resources are still to be replaced.
        artifacts: S3 key -> the local directory a CodeUri/ContentUri named.
        out_of_band: Resources created with boto3 (``resources.CREATORS``), in dependency order.
        emulated: Resources the local stack implements itself (``EMULATED_TYPES``).
        ignored: Resources without local effect.
        layer_dirs: Import roots of the template's layers (what Lambda mounts under /opt/python).
    """

    path: Path
    root: Path
    region: str
    stack_name: str
    parameters: dict[str, str]
    cfn: dict[str, Any]
    moto_template: dict[str, Any]
    artifacts: dict[str, Path]
    out_of_band: dict[str, dict[str, Any]] = field(default_factory=dict)
    emulated: dict[str, dict[str, Any]] = field(default_factory=dict)
    ignored: dict[str, dict[str, Any]] = field(default_factory=dict)
    layer_dirs: list[Path] = field(default_factory=list)

    def resolver(self, **callbacks: Any) -> Resolver:
        """A resolver over this template's parameters, conditions and mappings (plus optional callbacks)."""
        return Resolver(
            {**pseudo_parameters(self.region, self.stack_name), **typed_parameters(self.cfn, self.parameters)},
            conditions=self.cfn.get("Conditions"),
            mappings=self.cfn.get("Mappings"),
            **callbacks,
        )

    def emulated_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Resources of that type the local stack emulates (left out of moto)."""
        return {k: v for k, v in self.emulated.items() if v.get("Type") == resource_type}

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Resources of the translated template with that type whose Condition (if any) holds."""
        resolver = self.resolver()
        return {
            logical_id: resource
            for logical_id, resource in self.cfn.get("Resources", {}).items()
            if resource.get("Type") == resource_type
            and ("Condition" not in resource or resolver.condition(resource["Condition"]))
        }


def load_template(path: Path) -> dict[str, Any]:
    """Parse a SAM/CloudFormation YAML or JSON template (short-form intrinsics included)."""
    try:
        parsed = yaml_parse(Path(path).read_text())
    except OSError as exc:
        raise TemplateError(f"cannot read template {path}: {exc}") from exc
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Resources"), dict):
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources)")
    return _plain(parsed)


def resolve_parameter_values(template: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, str]:
    """Defaults plus overrides, validated the way CloudFormation validates them on create_stack."""
    declared: dict[str, Any] = template.get("Parameters", {}) or {}
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"parameter overrides {unknown} are not declared by the template")
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name in overrides:
            raw = overrides[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            raise TemplateError(f"parameter {name} has no default and no value")
        value = ",".join(str(v) for v in raw) if isinstance(raw, list) else str(raw)
        _validate_parameter(name, spec, value)
        values[name] = value
    return values


def typed_parameters(template: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """Parameter values as ``Ref`` returns them (list types become lists)."""
    declared = template.get("Parameters", {}) or {}
    typed: dict[str, Any] = {}
    for name, value in values.items():
        kind = str(declared.get(name, {}).get("Type", "String"))
        typed[name] = value.split(",") if kind.startswith("List<") or kind == "CommaDelimitedList" else value
    return typed


def prepare_template(
    path: Path,
    *,
    region: str,
    stack_name: str,
    parameter_overrides: Mapping[str, Any],
    ignore_resource_types: frozenset[str] = frozenset(),
) -> PreparedTemplate:
    """Load, translate and split a SAM template for the local stack."""
    path = Path(path).resolve()
    root = path.parent
    sam = load_template(path)
    parameters = resolve_parameter_values(sam, parameter_overrides)
    artifacts, layer_dirs = _localize(sam, root)
    cfn = _translate(sam, parameters, region)
    prepared = PreparedTemplate(
        path=path,
        root=root,
        region=region,
        stack_name=stack_name,
        parameters=parameters,
        cfn=cfn,
        moto_template=copy.deepcopy(cfn),
        artifacts=artifacts,
        layer_dirs=layer_dirs,
    )
    _split_for_moto(prepared, IGNORED_TYPES | ignore_resource_types)
    return prepared


def _validate_parameter(name: str, spec: Mapping[str, Any], value: str) -> None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(a) for a in allowed]:
        raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(str(pattern), value):
        raise TemplateError(f"parameter {name}={value!r} does not match AllowedPattern {pattern!r}")
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        raise TemplateError(f"parameter {name} is shorter than MinLength {spec['MinLength']}")
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        raise TemplateError(f"parameter {name} is longer than MaxLength {spec['MaxLength']}")
    if spec.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError as exc:
            raise TemplateError(f"parameter {name}={value!r} is not a Number") from exc
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise TemplateError(f"parameter {name}={value} is below MinValue {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise TemplateError(f"parameter {name}={value} is above MaxValue {spec['MaxValue']}")


def _localize(sam: dict[str, Any], root: Path) -> tuple[dict[str, Path], list[Path]]:
    """Rewrite local code/definition paths in place; return S3 key -> directory and the layers' import roots."""
    artifacts: dict[str, Path] = {}
    layer_dirs: list[Path] = []

    def to_s3(owner: str, kind: str, uri: Any) -> Any:
        if not isinstance(uri, str) or uri.startswith("s3://"):
            return uri  # an S3 location or an intrinsic: deployable, but there is no local code to run
        directory = (root / uri).resolve()
        if not directory.is_dir():
            raise TemplateError(f"{owner}: {kind} {uri!r} is not a directory under {root}")
        key = f"{kind.lower()}/{owner}.zip"
        artifacts[key] = directory
        return f"s3://{ARTIFACT_BUCKET}/{key}"

    globals_function = (sam.get("Globals") or {}).get("Function") or {}
    if "CodeUri" in globals_function:
        globals_function["CodeUri"] = to_s3("Globals", "CodeUri", globals_function["CodeUri"])

    for logical_id, resource in sam["Resources"].items():
        resource_type = resource.get("Type")
        properties = resource.setdefault("Properties", {}) or {}
        uri_key = _LOCAL_URI_KEYS.get(resource_type or "")
        if uri_key and uri_key in properties:
            original = properties[uri_key]
            properties[uri_key] = to_s3(logical_id, uri_key, original)
            if resource_type == "AWS::Serverless::LayerVersion" and isinstance(original, str):
                layer_dirs.append(_layer_import_root(artifacts[f"contenturi/{logical_id}.zip"], resource))
        if resource_type == "AWS::Serverless::StateMachine" and isinstance(properties.get("DefinitionUri"), str):
            properties["Definition"] = _read_document(root, logical_id, properties.pop("DefinitionUri"))
        if resource_type == "AWS::Serverless::Api" and isinstance(properties.get("DefinitionUri"), str):
            properties["DefinitionBody"] = _read_document(root, logical_id, properties.pop("DefinitionUri"))
    return artifacts, layer_dirs


def _layer_import_root(directory: Path, resource: Mapping[str, Any]) -> Path:
    """With a ``BuildMethod``, ``sam build`` packages the directory itself under python/; a prebuilt layer has its
    own python/ directory (which Lambda mounts as /opt/python)."""
    build_method = str((resource.get("Metadata") or {}).get("BuildMethod", ""))
    prebuilt = directory / "python"
    return prebuilt if not build_method and prebuilt.is_dir() else directory


def _read_document(root: Path, owner: str, uri: str) -> Any:
    file = (root / uri).resolve()
    try:
        return _plain(yaml_parse(file.read_text()))
    except OSError as exc:
        raise TemplateError(f"{owner}: cannot read {uri}: {exc}") from exc


def _translate(sam: dict[str, Any], parameters: Mapping[str, str], region: str) -> dict[str, Any]:
    """Run the SAM transform offline, as ``samtranslator.translator.transform.transform`` does, but with the region
    given (not looked up) and only the managed-policy list bundled with samtranslator."""
    if "Transform" not in sam:
        return copy.deepcopy(sam)
    fragment, values = copy.deepcopy(sam), dict(parameters)
    to_py27_compatible_template(fragment, values)
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region), metrics=metrics)
    try:
        translated = translator.translate(fragment, parameter_values=values, get_managed_policy_map=dict)
    except InvalidDocumentException as exc:
        causes = "; ".join(cause.message for cause in exc.causes)
        raise TemplateError(f"SAM translation failed: {causes}") from exc
    finally:
        metrics.publish()  # to the dummy publisher; otherwise samtranslator warns about unpublished metrics
    return _plain(undo_mark_unicode_str_in_template(translated))


def _split_for_moto(prepared: PreparedTemplate, ignored_types: frozenset[str]) -> None:
    resources: dict[str, Any] = prepared.moto_template["Resources"]
    resolver = prepared.resolver()
    supported = get_model_map()
    placeholders: dict[str, Any] = {}
    unsupported: list[str] = []

    for logical_id, resource in list(resources.items()):
        resource_type = resource.get("Type", "")
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue  # moto skips it too
        if resource_type in CREATORS:
            prepared.out_of_band[logical_id] = resources.pop(logical_id)
        elif resource_type in EMULATED_TYPES:
            prepared.emulated[logical_id] = resources.pop(logical_id)
            placeholders[logical_id] = placeholder_ref(logical_id, resource, resolver)
        elif resource_type in ignored_types:
            prepared.ignored[logical_id] = resources.pop(logical_id)
            placeholders[logical_id] = logical_id
            log.info("%s (%s) has no local effect and is not created", logical_id, resource_type)
        elif resource_type not in supported and not resource_type.startswith("Custom::"):
            unsupported.append(f"{logical_id} ({resource_type})")
        elif resource_type == "AWS::ApiGateway::RestApi":
            _name_rest_api(logical_id, resource)
        elif resource_type == "AWS::StepFunctions::StateMachine":
            _inline_definition(logical_id, resource, resolver)
    if unsupported:
        raise TemplateError(
            "the local stack cannot create these resources (moto's CloudFormation does not support them and "
            "rsc_local has no mapping): " + ", ".join(unsupported)
        )

    removed = set(prepared.out_of_band) | set(prepared.emulated) | set(prepared.ignored)
    for resource in resources.values():
        _drop_depends_on(resource, removed)
    prepared.moto_template = substitute_references(prepared.moto_template, placeholders, {})
    prepared.out_of_band = _dependency_order(prepared.out_of_band)


def placeholder_ref(logical_id: str, resource: Mapping[str, Any], resolver: Resolver) -> Any:
    """What ``Ref`` returns for a resource moto does not create (the value other resources then see)."""
    resource_type = resource["Type"]
    properties = resource.get("Properties", {})
    if resource_type == "AWS::ApiGateway::Stage":
        return resolver.resolve(properties.get("StageName"))
    if resource_type == "AWS::Scheduler::Schedule":
        return resolver.resolve(properties.get("Name", logical_id))
    return f"{logical_id}-local"


def _name_rest_api(logical_id: str, resource: dict[str, Any]) -> None:
    """moto requires ``Name`` (SAM only sets ``Body``); take the OpenAPI title like API Gateway does."""
    properties = resource.setdefault("Properties", {})
    if "Name" not in properties:
        title = ((properties.get("Body") or {}).get("info") or {}).get("title")
        properties["Name"] = title if title is not None else logical_id


def _inline_definition(logical_id: str, resource: dict[str, Any], resolver: Resolver) -> None:
    """Give moto a ``DefinitionString`` with ``DefinitionSubstitutions`` already applied.

    moto reads only ``DefinitionString`` and ignores the substitutions. Its ``Fn::Sub`` with a variable map runs
    ``string.Template.safe_substitute``, which turns ASL's ``$$.`` (context object) into ``$.``; so the definition
    becomes a single-string ``Fn::Sub`` (no map): each substitution is inlined as ``${Resource}``/
    ``${Resource.Attribute}``/literal text that moto resolves, and every other ``${`` is escaped as ``${!``.
    """
    properties = resource.setdefault("Properties", {})
    substitutions = properties.pop("DefinitionSubstitutions", None) or {}
    if "Definition" in properties:
        definition: Any = json.dumps(properties.pop("Definition"), indent=2)
    elif "DefinitionString" in properties:
        definition = properties.pop("DefinitionString")
    else:
        raise TemplateError(
            f"{logical_id}: only inline or local (DefinitionUri) state machine definitions are supported"
        )

    def substitute(text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in substitutions:
                return _sub_text(substitutions[name], resolver, logical_id)
            return "${!" + name + "}"

        return re.sub(r"\$\{([^}]*)\}", replace, text)

    if isinstance(definition, str):
        text = substitute(definition)
    elif isinstance(definition, dict) and set(definition) == {"Fn::Join"}:
        delimiter, parts = definition["Fn::Join"]
        text = substitute(delimiter).join(
            substitute(p) if isinstance(p, str) else _sub_text(p, resolver, logical_id) for p in parts
        )
    else:
        raise TemplateError(f"{logical_id}: unsupported DefinitionString {definition!r}")
    properties["DefinitionString"] = {"Fn::Sub": text}


def _sub_text(value: Any, resolver: Resolver, owner: str) -> str:
    """Render a value as text inside a single-string Fn::Sub (moto resolves the ${...} that remain)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.replace("${", "${!")
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return "${" + str(argument) + "}"
        if function == "Fn::GetAtt":
            target = argument if isinstance(argument, str) else ".".join(str(a) for a in argument)
            return "${" + target + "}"
        if function == "Fn::Sub":
            template, variables = (argument[0], argument[1]) if isinstance(argument, list) else (argument, {})
            return re.sub(
                r"\$\{([^}!][^}]*)\}",
                lambda m: _sub_text(variables[m.group(1)], resolver, owner) if m.group(1) in variables else m.group(0),
                template,
            )
        if function == "Fn::Join":
            delimiter, parts = argument
            return str(delimiter).join(_sub_text(p, resolver, owner) for p in parts)
        if function == "Fn::If":
            condition, when_true, when_false = argument
            return _sub_text(when_true if resolver.condition(condition) else when_false, resolver, owner)
    try:
        return _sub_text(resolver.resolve(value), resolver, owner)
    except TemplateError as exc:
        raise TemplateError(f"{owner}: cannot use {value!r} in DefinitionSubstitutions: {exc}") from exc


def _drop_depends_on(resource: dict[str, Any], removed: set[str]) -> None:
    depends = resource.get("DependsOn")
    if depends is None:
        return
    kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in removed]
    if kept:
        resource["DependsOn"] = kept
    else:
        del resource["DependsOn"]


def substitute_references(value: Any, refs: Mapping[str, Any], attributes: Mapping[str, Mapping[str, Any]]) -> Any:
    """Replace Ref/Fn::GetAtt/Fn::Sub references to the given logical ids with literal values."""
    if isinstance(value, list):
        return [substitute_references(v, refs, attributes) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref" and isinstance(argument, str) and argument in refs:
            return refs[argument]
        if function == "Fn::GetAtt":
            target = argument.split(".", 1) if isinstance(argument, str) else argument
            if isinstance(target[0], str) and target[0] in refs:
                try:
                    return attributes[target[0]][target[1]]
                except KeyError as exc:
                    raise TemplateError(f"Fn::GetAtt {target[0]}.{target[1]} is not available locally") from exc
        if function == "Fn::Sub":
            template, variables = (argument[0], argument[1]) if isinstance(argument, list) else (argument, {})

            def replace(match: re.Match[str]) -> str:
                name = match.group(1)
                logical_id, _, attribute = name.partition(".")
                if name in variables or logical_id not in refs or name.startswith("AWS::"):
                    return match.group(0)
                literal = attributes.get(logical_id, {}).get(attribute) if attribute else refs[logical_id]
                if literal is None:
                    raise TemplateError(f"Fn::Sub ${{{name}}} is not available locally")
                return str(literal).replace("${", "${!")

            template = re.sub(r"\$\{([^}!][^}]*)\}", replace, template)
            new_variables = substitute_references(variables, refs, attributes)
            return {"Fn::Sub": [template, new_variables] if isinstance(argument, list) else template}
    return {k: substitute_references(v, refs, attributes) for k, v in value.items()}


def _dependency_order(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Order resources so that each comes after the ones (of the same set) it references."""
    ordered: dict[str, dict[str, Any]] = {}
    pending = dict(resources)
    while pending:
        ready = [
            logical_id
            for logical_id, resource in pending.items()
            if not (referenced_logical_ids(resource) & (set(pending) - {logical_id}))
        ]
        if not ready:
            raise TemplateError(f"circular references between {sorted(pending)}")
        for logical_id in ready:
            ordered[logical_id] = pending.pop(logical_id)
    return ordered


def _plain(value: Any) -> Any:
    """YAML 1.1 turns ``2012-10-17`` into a date; CloudFormation treats it as a string."""
    return json.loads(json.dumps(value, default=str))
