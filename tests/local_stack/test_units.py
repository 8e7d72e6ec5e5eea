"""Unit tests of the local stack's pure parts: schedules, policies, routes, intrinsics, config, environment."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rsc_local.api_auth import evaluate_policy
from rsc_local.api_model import Route
from rsc_local.config import LocalStackConfig
from rsc_local.errors import ConfigError, EnvironmentConflictError, TemplateError
from rsc_local.functions import FunctionSpec, union_environment
from rsc_local.intrinsics import Resolver
from rsc_local.schedules import next_fire

FIXTURES = Path(__file__).parent / "fixtures"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("rate(5 minutes)", "2026-03-01T10:00:00", "2026-03-01T10:05:00"),
        ("rate(1 day)", "2026-03-01T10:00:00", "2026-03-02T10:00:00"),
        ("cron(0 3 * * ? *)", "2026-03-01T10:00:00", "2026-03-02T03:00:00"),
        ("cron(0 3 * * ? *)", "2026-03-01T02:59:00", "2026-03-01T03:00:00"),
        ("cron(0/15 * * * ? *)", "2026-03-01T10:07:30", "2026-03-01T10:15:00"),
        ("cron(0 9 ? * MON-FRI *)", "2026-03-06T10:00:00", "2026-03-09T09:00:00"),  # Friday -> Monday
        ("cron(0 12 L * ? *)", "2026-02-10T00:00:00", "2026-02-28T12:00:00"),
        ("cron(0 12 ? * 6L *)", "2026-03-01T00:00:00", "2026-03-27T12:00:00"),  # last Friday of March
        ("cron(0 12 ? * 2#1 *)", "2026-03-01T00:00:00", "2026-03-02T12:00:00"),  # first Monday
        ("cron(0 12 1W * ? *)", "2026-02-03T00:00:00", "2026-03-02T12:00:00"),  # Mar 1 is a Sunday
        ("cron(0 12 1W * ? *)", "2026-07-05T00:00:00", "2026-08-03T12:00:00"),  # Aug 1 is a Saturday
        ("cron(30 8 15 JAN ? 2027)", "2026-03-01T00:00:00", "2027-01-15T08:30:00"),
    ],
)
def test_next_fire(expression: str, after: str, expected: str) -> None:
    assert next_fire(expression, _at(after)) == _at(expected)


@pytest.mark.parametrize("expression", ["cron(0 3 * * * *)", "cron(0 3 * *)", "every 5 minutes", "cron(99 3 * * ? *)"])
def test_invalid_schedule_expressions(expression: str) -> None:
    with pytest.raises(TemplateError):
        next_fire(expression, _at("2026-03-01T00:00:00"))


ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/items/42"


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ARN}], "Allow"),
        (
            [{"Effect": "Allow", "Action": "execute-api:*", "Resource": "arn:aws:execute-api:*:*:abc123/*/GET/*"}],
            "Allow",
        ),
        (
            [
                {
                    "Effect": "Allow",
                    "Action": ["execute-api:Invoke"],
                    "Resource": ["arn:aws:execute-api:*:*:abc123/dev/POST/*"],
                }
            ],
            None,
        ),
        (
            [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": ARN},
            ],
            "Deny",
        ),
        ([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}], None),
    ],
)
def test_authorizer_policy_evaluation(statements: list[dict[str, object]], expected: str | None) -> None:
    assert evaluate_policy({"Version": "2012-10-17", "Statement": statements}, ARN) == expected


def test_route_precedence_literal_over_parameter_over_greedy() -> None:
    literal = Route("/items/special", "GET", "fn", None, None)
    parameter = Route("/items/{id}", "GET", "fn", None, None)
    greedy = Route("/{proxy+}", "ANY", "fn", None, None)
    path = ("items", "special")
    ranks = {
        name: route.match(path) for name, route in (("literal", literal), ("parameter", parameter), ("greedy", greedy))
    }
    assert ranks["literal"] is not None and ranks["parameter"] is not None and ranks["greedy"] is not None
    assert ranks["literal"][0] < ranks["parameter"][0] < ranks["greedy"][0]
    assert ranks["parameter"][1] == {"id": "special"}
    assert ranks["greedy"][1] == {"proxy": "items/special"}
    assert Route("/items/{id}", "GET", "fn", None, None).match(("items",)) is None
    assert Route("/files/{proxy+}", "ANY", "fn", None, None).match(("files",)) is None


def test_resolver_handles_sub_conditions_and_novalue() -> None:
    resolver = Resolver(
        {"Stage": "prod", "AWS::Region": "eu-west-1"},
        conditions={"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
    )
    value = resolver.resolve(
        {
            "Name": {"Fn::Sub": "app-${Stage}-${AWS::Region}-${!Literal}"},
            "Size": {"Fn::If": ["IsProd", 10, 1]},
            "Optional": {"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, "x"]},
            "Joined": {"Fn::Join": ["/", ["a", {"Fn::Select": [1, {"Fn::Split": [",", "x,y"]}]}]]},
            "Statement": {"Condition": {"StringEquals": {"k": "v"}}},
        }
    )
    assert value == {
        "Name": "app-prod-eu-west-1-${Literal}",
        "Size": 10,
        "Joined": "a/y",
        "Statement": {"Condition": {"StringEquals": {"k": "v"}}},
    }
    with pytest.raises(TemplateError, match="before the stack exists"):
        resolver.resolve({"Ref": "SomeResource"})


def test_parameter_overrides_are_validated_like_cloudformation() -> None:
    from rsc_local.template import resolve_parameter_values  # imports moto and samtranslator

    template = {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
            "Prefix": {"Type": "String", "Default": "a", "AllowedPattern": "[a-z]+"},
        }
    }
    assert resolve_parameter_values(template, {"Stage": "prod"}) == {"Stage": "prod", "Prefix": "a"}
    with pytest.raises(TemplateError, match="not one of"):
        resolve_parameter_values(template, {"Stage": "qa"})
    with pytest.raises(TemplateError, match="AllowedPattern"):
        resolve_parameter_values(template, {"Prefix": "A1"})
    with pytest.raises(TemplateError, match="not declared"):
        resolve_parameter_values(template, {"Nope": "x"})


def test_state_machine_definition_keeps_context_paths_and_unknown_placeholders() -> None:
    from rsc_local.template import prepare_template  # imports moto and samtranslator

    # Given the test template, whose ASL uses $$.Execution.Name and a ${...} that is not a substitution
    prepared = prepare_template(
        FIXTURES / "template.yaml", region="us-east-1", stack_name="units", parameter_overrides={}
    )
    # When it is prepared for moto
    definition = prepared.moto_template["Resources"]["Flow"]["Properties"]["DefinitionString"]["Fn::Sub"]
    # Then it is one literal Fn::Sub string: substitutions become moto references, the rest is escaped
    assert isinstance(definition, str)
    assert '"$$.Execution.Name"' in definition
    assert "${!NotASubstitution}" in definition
    assert "${StepFunction.Arn}" in definition and "${DataTable}" in definition
    assert "DefinitionSubstitutions" not in prepared.moto_template["Resources"]["Flow"]["Properties"]
    # and the resources moto cannot create are split off
    assert set(prepared.out_of_band) == {"SigningSecret"}
    assert {r["Type"] for r in prepared.emulated.values()} == {
        "AWS::Lambda::EventSourceMapping",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Stage",
    }
    assert prepared.moto_template["Resources"]["TestApi"]["Properties"]["Name"] == {"Ref": "AWS::StackName"}


def _spec(logical_id: str, environment: dict[str, str]) -> FunctionSpec:
    return FunctionSpec(
        logical_id, logical_id, f"arn:{logical_id}", "app.handler", None, 3, 128, "python3.13", environment
    )


def test_union_environment_detects_conflicts() -> None:
    assert union_environment([_spec("A", {"X": "1", "Y": "2"}), _spec("B", {"X": "1"})]) == {"X": "1", "Y": "2"}
    with pytest.raises(EnvironmentConflictError, match="MODE: A='fast' but B='slow'"):
        union_environment([_spec("A", {"MODE": "fast"}), _spec("B", {"MODE": "slow"})])


def test_config_from_file_and_environment(tmp_path: Path) -> None:
    config_file = tmp_path / "local.json"
    config_file.write_text(
        json.dumps(
            {
                "template": "template.yaml",
                "stage": "staging",
                "linkedin": {"mode": "external", "api_base_url": "https://li.example/v2"},
                "ats": {"base_url": "https://ats.example/export"},
            }
        )
    )
    environ = {
        "RSC_LOCAL_CONFIG": str(config_file),
        "RSC_LOCAL_API_PORT": "8080",
        "RSC_LOCAL_ATS_TOKEN": "t0k",
        "RSC_LOCAL_SCHEDULER": "true",
        "RSC_LOCAL_LINKEDIN_CLIENT_ID": "cid",
    }
    config = LocalStackConfig.load(environ)
    assert config.template == tmp_path / "template.yaml"
    assert (config.stage, config.api_port, config.scheduler) == ("staging", 8080, True)
    assert config.linkedin.mode == "external" and config.linkedin.api_base_url == "https://li.example/v2"
    assert config.linkedin.client_id == "cid"
    assert config.ats.base_url == "https://ats.example/export" and config.ats.credential == {"token": "t0k"}
    assert LocalStackConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="unknown configuration key"):
        LocalStackConfig.from_dict({"nope": 1})
    with pytest.raises(ConfigError, match="RSC_LOCAL_SCHEDULER"):
        LocalStackConfig.load({"RSC_LOCAL_SCHEDULER": "maybe"})
