"""IAM scope on the SAM-translated template: a "*" resource only for actions that take no resource ARN.

SAM turns policy templates (DynamoDBCrudPolicy, SQSSendMessagePolicy, ...) into real statements and attaches
AWS managed policies to the roles it generates (AWSLambdaBasicExecutionRole always, AWSXrayWriteOnlyAccess
with Tracing: Active, AWSLambdaSQSQueueExecutionRole with an SQS event), so the translated template is what
is checked: every statement of every AWS::IAM::Role, Policy and ManagedPolicy, and of every AWS managed
policy a role attaches (their documents as moto bundles them).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest

# Actions the Service Authorization Reference lists with no resource type: "If there is no value for this
# column, you must specify all resources ("*")" (docs.aws.amazon.com/service-authorization/latest/reference/).
# test_allow_list_is_honest checks each against the copy of that reference cfn-lint bundles (Policies.json).
# Deliberately absent: cloudwatch:PutMetricData (the reference now lists a resource type, and Powertools'
# metrics go out as EMF log lines, no API call), ses:SendEmail/SendRawEmail (identity ARNs), logs:CreateLogGroup,
# logs:CreateLogStream, logs:PutLogEvents (log-group / log-stream ARNs), every sqs:* action (queue ARNs).
ALLOWED_ON_STAR: dict[str, str] = {
    # Step Functions logging to CloudWatch Logs goes through vended-log delivery; these permission-only
    # actions (CreateLogDelivery ... ListLogDeliveries) and the account-level resource policy and group
    # listing have no resource type (list_amazoncloudwatchlogs.html). The Step Functions developer guide's
    # logging policy grants them on "*" for that reason.
    "logs:CreateLogDelivery": "vended-log delivery, permission-only, no resource type",
    "logs:GetLogDelivery": "vended-log delivery, permission-only, no resource type",
    "logs:UpdateLogDelivery": "vended-log delivery, permission-only, no resource type",
    "logs:DeleteLogDelivery": "vended-log delivery, permission-only, no resource type",
    "logs:ListLogDeliveries": "vended-log delivery, permission-only, no resource type",
    "logs:PutResourcePolicy": "account-level CloudWatch Logs resource policy, no resource type",
    "logs:DescribeResourcePolicies": "account-level listing, no resource type",
    "logs:DescribeLogGroups": "account-level listing, no resource type",
    # X-Ray's write and sampling APIs have no resource type (list_awsx-ray.html); SAM attaches
    # AWSXrayWriteOnlyAccess for Tracing: Active.
    "xray:PutTraceSegments": "X-Ray write API, no resource type",
    "xray:PutTelemetryRecords": "X-Ray write API, no resource type",
    "xray:GetSamplingRules": "X-Ray sampling API, no resource type",
    "xray:GetSamplingTargets": "X-Ray sampling API, no resource type",
    "xray:GetSamplingStatisticSummaries": "X-Ray sampling API, no resource type",
}

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")
_PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}


@functools.cache
def translated() -> dict[str, Any]:
    from devtools.validate_template import translate

    return translate()


@functools.cache
def aws_managed_policy(arn: str) -> dict[str, Any] | None:
    """An AWS managed policy's document (moto's bundled copy of AWS's), or None if unknown."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    if not arn.startswith("arn:aws:iam::aws:policy/"):
        return None
    entry = json.loads(aws_managed_policies_data).get(arn.rsplit("/", 1)[-1])
    return entry["Document"] if entry else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    """A Resource as text with intrinsics replaced by a placeholder; None when it cannot be read."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        template, local = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1])

        def var(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in _PSEUDO:
                return _PSEUDO[name]
            if name in local:
                return _text(local[name]) or "NAMED"
            return "NAMED"  # a parameter or a resource attribute: a specific name

        return _SUB_VAR.sub(var, template)
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(_text(p) or "NAMED" for p in parts)
    if isinstance(value, dict) and ("Ref" in value or "Fn::GetAtt" in value):
        return "arn:aws:NAMED:us-east-1:123456789012:NAMED"
    return None


def is_wildcard_resource(resource: Any) -> bool:
    """'*', or an ARN whose resource part (after region and account) names nothing: arn:aws:s3:::*, ...:*:*."""
    text = _text(resource)
    if text is None:
        return True  # unreadable: treat as broad so the test says so
    if text.strip() == "*":
        return True
    parts = text.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return False
    service, resource_part = parts[2], parts[5]
    return service in ("", "*") or not resource_part.strip("*/:")


def _statements_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _as_list(document.get("Statement", [])) if isinstance(s, dict)]


def policy_statements() -> list[tuple[str, str, int, dict[str, Any]]]:
    """(role or policy, policy name, index, statement) for every inline and customer-managed statement."""
    out: list[tuple[str, str, int, dict[str, Any]]] = []
    for name, resource in translated()["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for i, statement in enumerate(_statements_of(policy["PolicyDocument"])):
                    out.append((name, policy["PolicyName"], i, statement))
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            roles = ",".join(str(r) for r in props.get("Roles", [])) or "no role"
            for i, statement in enumerate(_statements_of(props["PolicyDocument"])):
                out.append((f"{name} (attached to {roles})", props.get("PolicyName", name), i, statement))
    return out


def managed_policy_statements() -> list[tuple[str, str, int, dict[str, Any]]]:
    """(role, AWS managed policy ARN, index, statement) for the AWS managed policies each role attaches."""
    out: list[tuple[str, str, int, dict[str, Any]]] = []
    for name, resource in translated()["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for arn in resource["Properties"].get("ManagedPolicyArns", []):
            if not isinstance(arn, str):
                continue  # a customer-managed policy of this template: checked by policy_statements()
            document = aws_managed_policy(arn)
            assert document is not None, f"{name}: cannot read the managed policy {arn} to check its scope"
            for i, statement in enumerate(_statements_of(document)):
                out.append((name, arn, i, statement))
    return out


def _describe(owner: str, policy: str, index: int, statement: dict[str, Any]) -> str:
    sid = statement.get("Sid") or f"statement #{index}"
    return f"{owner} / {policy} / {sid}"


def star_violations(entries: list[tuple[str, str, int, dict[str, Any]]]) -> list[str]:
    problems = []
    for owner, policy, index, statement in entries:
        if statement.get("Effect") != "Allow":
            continue
        where = _describe(owner, policy, index, statement)
        if "NotResource" in statement or "NotAction" in statement:
            problems.append(f"{where}: Allow with NotResource/NotAction grants everything else")
            continue
        broad = [r for r in _as_list(statement.get("Resource", [])) if is_wildcard_resource(r)]
        if not broad:
            continue
        scoped_elsewhere = sorted(a for a in _as_list(statement.get("Action", [])) if a not in ALLOWED_ON_STAR)
        if scoped_elsewhere:
            problems.append(
                f"{where}: Resource {json.dumps(broad)} for actions that take a resource ARN: {scoped_elsewhere}"
            )
    return problems


def test_translation_yields_a_role_per_function_and_the_state_machine() -> None:
    resources = translated()["Resources"]
    functions = [n for n, r in resources.items() if r["Type"] == "AWS::Lambda::Function"]
    assert functions and all(f"{f}Role" in resources for f in functions)
    assert "InitialSyncStateMachineRole" in resources
    assert policy_statements(), "no statement found: the walk is broken"


def test_star_resources_only_for_actions_without_resource_level_permissions() -> None:
    problems = star_violations(policy_statements())
    assert not problems, "statements grant '*' where a specific resource exists:\n" + "\n".join(problems)


# The one accepted exemption. SAM attaches AWSLambdaBasicExecutionRole to every function role it generates, and
# no SAM setting removes it: scoping its three log actions to /aws/lambda/<function> means replacing SAM's role
# of every function by a hand-written one. They let a function create and write CloudWatch log streams only.
# Everything else SAM would attach on '*' is avoided in the template (the worker's SQS event source is an explicit
# EventSourceMapping, so AWSLambdaSQSQueueExecutionRole - receive/delete on every queue - is not attached).
EXEMPT_MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": frozenset(
        {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
    )
}


def test_aws_managed_policies_sam_attaches_are_scoped_too() -> None:
    """What SAM attaches counts; only the named exemption above may grant on '*'."""
    entries = []
    for owner, policy, index, statement in managed_policy_statements():
        exempt = EXEMPT_MANAGED.get(policy)
        actions = set(_as_list(statement.get("Action", [])))
        if exempt is not None and actions <= exempt:
            continue
        entries.append((owner, policy, index, statement))
    problems = star_violations(entries)
    assert not problems, "AWS managed policies grant '*' where a specific resource exists:\n" + "\n".join(problems)
    attached = {policy for _, policy, _, _ in managed_policy_statements()}
    assert not any("SQSQueueExecutionRole" in p for p in attached), attached


def test_the_check_catches_a_star_it_should_and_spares_one_it_should_not() -> None:
    entries = [
        ("R", "P", 0, {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"}),
        ("R", "P", 1, {"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": ["*"]}),
        ("R", "P", 2, {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        ("R", "P", 3, {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
    ]
    problems = star_violations(entries)
    assert len(problems) == 2
    assert "R / P / statement #0" in problems[0] and "dynamodb:GetItem" in problems[0]
    assert "NotResource/NotAction" in problems[1]
    sids = {
        s.get("Sid")
        for _, _, _, s in policy_statements()
        if any(is_wildcard_resource(r) for r in _as_list(s.get("Resource", [])))
    }
    assert "VendedLogDelivery" in sids, "the walk no longer sees the state machine's '*' statement"


def test_no_action_is_a_service_wildcard() -> None:
    problems = []
    for owner, policy, index, statement in policy_statements() + managed_policy_statements():
        for action in _as_list(statement.get("Action", [])):
            if action == "*" or (isinstance(action, str) and action.split(":", 1)[-1] == "*"):
                problems.append(f"{_describe(owner, policy, index, statement)}: Action {action!r}")
    assert not problems, "\n".join(problems)


def test_allow_list_is_honest() -> None:
    """Each allowed action has no resource type in the Service Authorization Reference (cfn-lint's copy)."""
    import cfnlint.data.AdditionalSpecs

    reference = json.loads((Path(cfnlint.data.AdditionalSpecs.__file__).parent / "Policies.json").read_text())
    for action in ALLOWED_ON_STAR:
        service, name = action.split(":")
        entry = reference[service]["Actions"].get(name.lower())
        assert entry is not None, f"{action} is not an IAM action"
        assert not entry.get("Resources"), f"{action} supports resource types {entry['Resources']}: scope it"


@pytest.mark.parametrize(
    ("resource", "broad"),
    [
        ("*", True),
        ("arn:aws:s3:::*", True),
        ({"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"}, True),
        ({"Fn::Sub": "arn:${AWS::Partition}:logs:*:*:*"}, True),
        ({"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${P}/*"}, False),
        ({"Fn::Sub": ["arn:aws:s3:::${b}/*", {"b": {"Ref": "SyncBucket"}}]}, False),
        ({"Fn::GetAtt": ["SyncQueue", "Arn"]}, False),
    ],
)
def test_wildcard_resource_detection(resource: Any, broad: bool) -> None:
    assert is_wildcard_resource(resource) is broad
