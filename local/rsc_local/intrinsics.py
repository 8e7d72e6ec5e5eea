"""A small CloudFormation intrinsic-function resolver.

moto resolves intrinsics for the resources it creates; this resolver covers what the local stack reads itself:
properties of resources it creates outside moto (before the stack exists: parameters and pseudo parameters
only) and template sections it interprets after the deploy (API definitions, event sources, schedules), where
``Ref``/``Fn::GetAtt`` of stack resources are answered by callbacks into the deployed stack.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from rsc_local.errors import TemplateError

ACCOUNT_ID = "123456789012"
"""moto's default account: every boto3 client with dummy credentials lands in it."""

NO_VALUE = object()
"""Marker for ``Ref: AWS::NoValue``; removed from the containing dict or list."""

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")

RefLookup = Callable[[str], Any]
AttLookup = Callable[[str, str], Any]


def pseudo_parameters(region: str, stack_name: str, stack_id: str | None = None) -> dict[str, Any]:
    """The pseudo parameters as moto's CloudFormation sets them."""
    return {
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::Region": region,
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id
        or f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/{stack_name}/00000000-0000-0000-0000-000000000000",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::Partition": "aws",
        "AWS::NotificationARNs": [],
    }


class Resolver:
    """Resolves intrinsic functions in a template fragment.

    Args:
        parameters: Parameter values (and pseudo parameters) by name.
        conditions: The template's ``Conditions`` section (evaluated lazily, memoised).
        mappings: The template's ``Mappings`` section.
        ref: Answers ``Ref`` to a resource logical id; None means resources cannot be referenced yet.
        get_att: Answers ``Fn::GetAtt``; None means attributes cannot be read yet.
    """

    def __init__(
        self,
        parameters: Mapping[str, Any],
        *,
        conditions: Mapping[str, Any] | None = None,
        mappings: Mapping[str, Any] | None = None,
        ref: RefLookup | None = None,
        get_att: AttLookup | None = None,
    ) -> None:
        self._parameters = dict(parameters)
        self._conditions = dict(conditions or {})
        self._mappings = dict(mappings or {})
        self._ref = ref
        self._get_att = get_att
        self._condition_values: dict[str, bool] = {}

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic in `value`; raise TemplateError for one that cannot be resolved here."""
        resolved = self._resolve(value)
        return None if resolved is NO_VALUE else resolved

    def condition(self, name: str) -> bool:
        """Evaluate a named condition of the template."""
        if name not in self._condition_values:
            if name not in self._conditions:
                raise TemplateError(f"unknown condition {name!r}")
            self._condition_values[name] = bool(self._resolve(self._conditions[name]))
        return self._condition_values[name]

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self._resolve(v) for v in value) if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = _FUNCTIONS.get(key)
            # An IAM policy's "Condition" block is a property, not the Condition function.
            if handler is not None and not (key == "Condition" and not isinstance(argument, str)):
                return handler(self, argument)
        resolved = {k: self._resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._parameters:
            return self._parameters[name]
        if self._ref is None:
            raise TemplateError(f"Ref {name!r} cannot be resolved before the stack exists")
        return self._ref(name)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if self._get_att is None:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} cannot be resolved before the stack exists")
        return self._get_att(logical_id, attribute)

    def sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            template, variables = argument[0], self._resolve(argument[1])
        else:
            template, variables = argument, {}
        if not isinstance(template, str):
            raise TemplateError(f"Fn::Sub needs a literal string, got {template!r}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, template)


def _fn_ref(resolver: Resolver, argument: Any) -> Any:
    return resolver.ref(str(argument))


def _fn_get_att(resolver: Resolver, argument: Any) -> Any:
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    logical_id, attribute = (resolver.resolve(part) for part in argument)
    return resolver.get_att(str(logical_id), str(attribute))


def _fn_join(resolver: Resolver, argument: Any) -> str:
    delimiter, parts = argument
    resolved = resolver.resolve(parts)
    return str(delimiter).join(str(p) for p in resolved)


def _fn_select(resolver: Resolver, argument: Any) -> Any:
    index, items = resolver.resolve(argument[0]), resolver.resolve(argument[1])
    return items[int(index)]


def _fn_split(resolver: Resolver, argument: Any) -> list[str]:
    delimiter, text = argument
    return str(resolver.resolve(text)).split(str(delimiter))


def _fn_if(resolver: Resolver, argument: Any) -> Any:
    name, when_true, when_false = argument
    return resolver._resolve(when_true if resolver.condition(name) else when_false)


def _fn_equals(resolver: Resolver, argument: Any) -> bool:
    left, right = (resolver.resolve(v) for v in argument)
    return str(left) == str(right)


def _fn_not(resolver: Resolver, argument: Any) -> bool:
    return not resolver.resolve(argument[0])


def _fn_and(resolver: Resolver, argument: Any) -> bool:
    return all(resolver.resolve(v) for v in argument)


def _fn_or(resolver: Resolver, argument: Any) -> bool:
    return any(resolver.resolve(v) for v in argument)


def _fn_condition(resolver: Resolver, argument: Any) -> bool:
    return resolver.condition(str(argument))


def _fn_find_in_map(resolver: Resolver, argument: Any) -> Any:
    name, top, second = (resolver.resolve(v) for v in argument)
    try:
        return resolver._mappings[name][top][second]
    except KeyError as exc:
        raise TemplateError(f"Fn::FindInMap {name}/{top}/{second} does not exist") from exc


def _fn_base64(resolver: Resolver, argument: Any) -> str:
    return base64.b64encode(str(resolver.resolve(argument)).encode()).decode()


def _fn_to_json_string(resolver: Resolver, argument: Any) -> str:
    return json.dumps(resolver.resolve(argument), separators=(",", ":"))


_FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": _fn_ref,
    "Fn::GetAtt": _fn_get_att,
    "Fn::Sub": lambda r, a: r.sub(a),
    "Fn::Join": _fn_join,
    "Fn::Select": _fn_select,
    "Fn::Split": _fn_split,
    "Fn::If": _fn_if,
    "Fn::Equals": _fn_equals,
    "Fn::Not": _fn_not,
    "Fn::And": _fn_and,
    "Fn::Or": _fn_or,
    "Condition": _fn_condition,
    "Fn::FindInMap": _fn_find_in_map,
    "Fn::Base64": _fn_base64,
    "Fn::ToJsonString": _fn_to_json_string,
}


def referenced_logical_ids(value: Any) -> set[str]:
    """Logical ids (or parameter names) a fragment refers to through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= referenced_logical_ids(item)
    elif isinstance(value, dict):
        if len(value) == 1 and "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        elif len(value) == 1 and "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            found.add(target.split(".", 1)[0] if isinstance(target, str) else str(target[0]))
        elif len(value) == 1 and "Fn::Sub" in value:
            argument = value["Fn::Sub"]
            template, variables = (argument[0], argument[1]) if isinstance(argument, list) else (argument, {})
            for name in _SUB_VARIABLE.findall(template):
                if not name.startswith("!") and name not in variables:
                    found.add(name.split(".", 1)[0] if not name.startswith("AWS::") else name)
            found |= referenced_logical_ids(variables)
        else:
            for item in value.values():
                found |= referenced_logical_ids(item)
    return found
