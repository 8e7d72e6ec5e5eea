"""``/v2/atsApplications`` (child token) and its ``notes``, ``stages`` and ``interviewFeedback`` sub-resources.

* ``PUT`` + ``batch_update``: upsert, full replacement: omitted fields become null (linkedin-rsc-api.md 2.5);
* ``DELETE`` (BATCH_DELETE): removes the application with its notes, stages and feedback (4.2, A15);
* ``PUT`` / ``DELETE`` ``/atsApplications/{key}/notes|stages|interviewFeedback?ids=``: BATCH_UPDATE / BATCH_DELETE
  keyed by plain child ids (2.6); the parent application must exist (A15).

Validation: schemas.APPLICATION, NOTE, STAGE and INTERVIEW_FEEDBACK (A18). Admission: A13, A16. An application need
not reference a synced candidate or job: LinkedIn documents no such check.
"""

from __future__ import annotations

from . import schemas
from .context import Call, Context
from .sync import ChildResource, KeyedResource, delete_children, delete_records, put_children, put_records
from .syncstore import (
    APPLICATION_CHILDREN,
    APPLICATION_FEEDBACK,
    APPLICATION_NOTES,
    APPLICATION_STAGES,
    APPLICATIONS,
    INTERVIEW_FEEDBACK,
    NOTES,
    STAGES,
    OrgData,
)
from .wire import Response

ID = "atsJobApplicationId"


def _drop_children(data: OrgData, application_id: str) -> None:
    for kind in APPLICATION_CHILDREN:
        data.application_children[kind].pop(application_id, None)


RESOURCE = KeyedResource(
    family=APPLICATIONS,
    id_field=ID,
    label="application",
    schema=schemas.APPLICATION,
    records=lambda data: data.applications,
    drop_children=_drop_children,
)
CHILDREN = {
    NOTES: ChildResource(
        family=APPLICATION_NOTES,
        parent=RESOURCE,
        label="note",
        schema=schemas.NOTE,
        children=lambda data: data.application_children[NOTES],
    ),
    STAGES: ChildResource(
        family=APPLICATION_STAGES,
        parent=RESOURCE,
        label="stage",
        schema=schemas.STAGE,
        children=lambda data: data.application_children[STAGES],
    ),
    INTERVIEW_FEEDBACK: ChildResource(
        family=APPLICATION_FEEDBACK,
        parent=RESOURCE,
        label="interview feedback",
        schema=schemas.INTERVIEW_FEEDBACK,
        children=lambda data: data.application_children[INTERVIEW_FEEDBACK],
    ),
}


def put_collection(ctx: Context, call: Call) -> Response:
    return put_records(RESOURCE, ctx, call)


def delete_collection(ctx: Context, call: Call) -> Response:
    return delete_records(RESOURCE, ctx, call)


def put_notes(ctx: Context, call: Call) -> Response:
    return put_children(CHILDREN[NOTES], ctx, call)


def delete_notes(ctx: Context, call: Call) -> Response:
    return delete_children(CHILDREN[NOTES], ctx, call)


def put_stages(ctx: Context, call: Call) -> Response:
    return put_children(CHILDREN[STAGES], ctx, call)


def delete_stages(ctx: Context, call: Call) -> Response:
    return delete_children(CHILDREN[STAGES], ctx, call)


def put_feedback(ctx: Context, call: Call) -> Response:
    return put_children(CHILDREN[INTERVIEW_FEEDBACK], ctx, call)


def delete_feedback(ctx: Context, call: Call) -> Response:
    return delete_children(CHILDREN[INTERVIEW_FEEDBACK], ctx, call)
