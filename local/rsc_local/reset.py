"""Put the stack's data back to "just deployed" without redeploying (physical ids and URLs stay the same).

``RESETTERS`` maps a resource type to what resetting means for it: DynamoDB tables lose their items, queues their
messages (in flight too), buckets are emptied, running executions stopped. The template's secrets get their value as
of start (deployed or seeded) back; secrets created at run time (e.g. per-customer credentials) are deleted, and
sent emails are forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from rsc_local.deploy import DeployedStack
from rsc_local.emails import clear_sent_emails
from rsc_local.intrinsics import ACCOUNT_ID

log = logging.getLogger(__name__)

Resetter = Callable[[str, Callable[[str], Any], str], None]
"""(physical id, boto3 client factory, region) -> None."""


def _empty_table(table_name: str, clients: Callable[[str], Any], region: str) -> None:
    dynamodb = clients("dynamodb")
    keys = [k["AttributeName"] for k in dynamodb.describe_table(TableName=table_name)["Table"]["KeySchema"]]
    names = {f"#k{i}": key for i, key in enumerate(keys)}
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table_name, ProjectionExpression=", ".join(names), ExpressionAttributeNames=names
    ):
        items = page.get("Items", [])
        for start in range(0, len(items), 25):
            requests = [{"DeleteRequest": {"Key": item}} for item in items[start : start + 25]]
            while requests:
                unprocessed = dynamodb.batch_write_item(RequestItems={table_name: requests}).get("UnprocessedItems", {})
                requests = unprocessed.get(table_name, [])


def _empty_queue(queue_url: str, clients: Callable[[str], Any], region: str) -> None:
    """Drop visible and in-flight messages in moto directly: PurgeQueue is limited to once a minute, like in AWS,
    and a handler's own PurgeQueue must keep that behaviour."""
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[ACCOUNT_ID][region].get_queue(queue_url.rstrip("/").rsplit("/", 1)[1])
    queue._messages = []
    queue._pending_messages = set()


def _empty_bucket(bucket: str, clients: Callable[[str], Any], region: str) -> None:
    s3 = clients("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        objects = [
            {"Key": o["Key"], "VersionId": o["VersionId"]}
            for o in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        for start in range(0, len(objects), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start : start + 1000]})


def _stop_executions(state_machine_arn: str, clients: Callable[[str], Any], region: str) -> None:
    sfn = clients("stepfunctions")
    for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=state_machine_arn, statusFilter="RUNNING"
    ):
        for execution in page["executions"]:
            sfn.stop_execution(executionArn=execution["executionArn"], cause="rsc_local reset_data")


RESETTERS: dict[str, Resetter] = {
    "AWS::DynamoDB::Table": _empty_table,
    "AWS::SQS::Queue": _empty_queue,
    "AWS::S3::Bucket": _empty_bucket,
    "AWS::StepFunctions::StateMachine": _stop_executions,
}


def reset_stack_data(
    stack: DeployedStack, clients: Callable[[str], Any], secret_values: Mapping[str, str | None]
) -> None:
    """Reset every resource of the stack that holds data.

    Args:
        stack: The deployed stack.
        clients: boto3 client factory for moto.
        secret_values: Secret name -> the value it had after start (None = no value); every other secret is deleted.
    """
    for logical_id, physical_id in stack.physical_ids.items():
        resource_type = stack.prepared.cfn["Resources"].get(logical_id, {}).get("Type")
        resetter = RESETTERS.get(str(resource_type))
        if resetter is not None:
            resetter(physical_id, clients, stack.region)
    secretsmanager = clients("secretsmanager")
    for page in secretsmanager.get_paginator("list_secrets").paginate():
        for secret in page["SecretList"]:
            name = secret["Name"]
            if name not in secret_values:
                secretsmanager.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
            elif secret_values[name] is not None:
                secretsmanager.put_secret_value(SecretId=name, SecretString=secret_values[name])
    clear_sent_emails(stack.region)
    log.info("stack data reset")
