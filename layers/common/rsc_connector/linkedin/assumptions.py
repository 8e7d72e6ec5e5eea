"""Every choice about LinkedIn's RSC API that public docs do not confirm, in one place.

Each constant names the assumption it encodes (A1, A2, ...), matching docs/linkedin-assumptions.md.
Both our client and the LinkedIn emulator import these, so correcting one against LinkedIn's partner
sandbox corrects both. Facts that ARE documented (URLs, key fields, batch size 100, token lifetime)
live in rsc_connector.linkedin.restli / client, not here.
"""

from __future__ import annotations

from typing import Final

# A1 [UNCONFIRMED] HTTP status of a successful provisionedApplications CREATE. Our client accepts 200 or 201;
# the emulator answers 201 with an x-restli-id header and the {key, credentials} body.
PROVISION_CREATE_STATUSES: Final = frozenset({200, 201})

# A2 [INFER] A duplicate uniqueForeignId on CREATE is HTTP 409 (docs: "conflict error").
PROVISION_CONFLICT_STATUS: Final = 409

# A3 [UNCONFIRMED] The customer's sign-in / Request step, done through a 3-legged OAuth redirect
# (GET {oauth}/authorization -> member signs in, picks a contract, clicks Request -> 302 to our callback
# with code and state). The code exchange (POST {oauth}/accessToken, grant_type=authorization_code, child
# credentials) answers the usual {access_token, expires_in, scope} plus the integration request the member
# made, in the same shape the configuration widget's `onintegrate` payload is assumed to have (A4):
#   "integration_request": {"requestId": "...", "integrations": [ {integrationContext, integrationType,
#                            tenantType}, ... ]}
TOKEN_RESPONSE_INTEGRATION_REQUEST_FIELD: Final = "integration_request"  # noqa: S105 - a field name
AUTHORIZATION_CODE_TTL_SECONDS: Final = 1800
MEMBER_TOKEN_TTL_SECONDS: Final = 5_184_000  # LinkedIn's documented 60-day member token

# A4 [UNCONFIRMED] The widget's data-onintegrate payload: a list of
# {"integrationContext": urn, "integrationType": "RECRUITER_SYSTEM_CONNECT_COMPANY"|..., "tenantType": "RECRUITER"}
# We accept both the bundled types the widget lists and the concrete atsIntegrations types.
WIDGET_COMPANY_BUNDLE: Final = "RECRUITER_SYSTEM_CONNECT_COMPANY"
WIDGET_CONTRACT_BUNDLE: Final = "RECRUITER_SYSTEM_CONNECT_CONTRACT"

# A5 [UNCONFIRMED] The atsIntegrations entity's status field and its values. The customer-visible widget states
# are "Request", "Partner ready", "Enabled"; we model them as:
STATUS_FIELD: Final = "status"
STATUS_REQUESTED: Final = "REQUESTED"  # the customer clicked Request; the partner has not named it yet
STATUS_PARTNER_READY: Final = "PARTNER_READY"  # the partner set integrationName (our BATCH_PARTIAL_UPDATE)
STATUS_ENABLED: Final = "ENABLED"  # the customer's Recruiter admin turned it on
STATUS_DISABLED: Final = "DISABLED"  # turned off again in Recruiter
ENABLED_AT_FIELD: Final = "enabledAt"  # epoch ms, or absent
LAST_MODIFIED_AT_FIELD: Final = "lastModifiedAt"  # epoch ms

# A6 [INFER] BATCH_PARTIAL_UPDATE / BATCH_UPDATE replies follow Rest.li: HTTP 200 with
# {"results": {key: {"status": 204}}, "errors": {key: {"status": 4xx, "message": ...}}}.
# A key that this child application was never granted (no integration request for that context) is a
# per-entity 404 in "errors".

# A7 [UNCONFIRMED] The push notification body is {"id": requestId, "type": EVENT_TYPE, "expiresAt": epoch ms},
# POSTed to the CALLBACK_URL with X-LI-Signature: hmacsha256=<hex HMAC-SHA256 of the raw body>, keyed with the
# CHILD application's client secret. The id is unique per event and is the requestId for the q=request finder.
PUSH_SIGNATURE_HEADER: Final = "X-LI-Signature"
PUSH_SIGNATURE_PREFIX: Final = "hmacsha256="
PUSH_EVENT_INTEGRATION_STATUS_CHANGE: Final = "INTEGRATION_STATUS_CHANGE"
PUSH_EVENT_EXPORT_CANDIDATE_PROFILE: Final = "EXPORT_CANDIDATE_PROFILE"
PUSH_REQUEST_TTL_SECONDS: Final = 24 * 3600

# A8 [UNCONFIRMED] GET atsIntegrations?q=request&requestId= answers {"elements": [entity, ...], "paging": {...}}
# with the atsIntegrations entities that changed in that event (same entity shape as BATCH_GET results).

# A9 [INFER] Error bodies follow LinkedIn's usual {"status": N, "serviceErrorCode": N, "message": "..."}.
# Token errors: 65600 invalid token, 65601 revoked, 65602 expired.
SERVICE_ERROR_INVALID_TOKEN: Final = 65600
SERVICE_ERROR_REVOKED_TOKEN: Final = 65601
SERVICE_ERROR_EXPIRED_TOKEN: Final = 65602

# A10 [INFER] Contracts whose only product is Recruiter Lite are not offered RSC: the emulated sign-in step
# refuses the Request with an explanation (LinkedIn Help a414363 says RSC is not available for Lite).
CONTRACT_TYPES_ELIGIBLE: Final = frozenset({"RECRUITER_CORPORATE", "RECRUITER_PROFESSIONAL_SERVICES"})
CONTRACT_TYPE_LITE: Final = "RECRUITER_LITE"

# A11 [INFER] CALLBACK_URL must be HTTPS on port 80/443 in production. The emulator enforces it unless started
# with allow_insecure_callbacks (the local stack serves plain HTTP on 127.0.0.1).

# A12 [INFER from Rest.li's CompoundKey.toString] In protocol-1.0 batch responses (results/statuses/errors)
# the map keys of a compound-key resource such as atsIntegrations are the canonical key string: fields
# sorted by name, names and values form-URL-encoded (java.net.URLEncoder), joined by "&", e.g. "dataProvider=
# ATS&integrationContext=urn%3Ali%3Aorganization%3A1&integrationType=ONE_CLICK_EXPORT&tenantType=RECRUITER".
# Clients must not compare them as raw strings with the keys they sent: parse both as unordered field sets.
BATCH_RESPONSE_KEY_VALUES_URL_ENCODED: Final = True

# A13 [UNCONFIRMED] Sync calls (simpleJobPostings, simpleJobPostingTasks, atsCandidates, atsApplications and their
# notes / stages / interviewFeedback sub-resources) are accepted for an organization only while the calling child
# application's company-level integrations on that organization (the types below) are all ENABLED (A5). Otherwise
# the whole call is refused, nothing applied, with HTTP 403 {"status": 403, "serviceErrorCode": 100, "message": ...}.
SYNC_NOT_ENABLED_STATUS: Final = 403
SYNC_REQUIRED_ENABLED_TYPES: Final = ("ONE_CLICK_EXPORT", "IN_ATS_INDICATOR", "PROFILE_PLUGIN")

# A14 [UNCONFIRMED] simpleJobPostingTasks lifecycle. The status values are documented [SDK]; how they are used is
# assumed: a task is IN_PROGRESS until LinkedIn has processed the job, then SUCCEEDED (jobPosting set) or FAILED
# (errorMessage set); PROCESSED counts as a success. Field validation is synchronous (a 422 element in the
# batch_create reply, no task); checks against the stored job are asynchronous and FAIL the task: CREATE of a job
# that exists, UPDATE/CLOSE/RENEW of one that does not, UPDATE of a CLOSED job. state LISTED/CLOSED is an upsert
# (CLOSED on an unknown job stores it closed: the historical sync includes closed jobs, RSC-201).
JOB_TASK_IN_PROGRESS: Final = "IN_PROGRESS"
JOB_TASK_SUCCEEDED: Final = "SUCCEEDED"
JOB_TASK_FAILED: Final = "FAILED"
JOB_TASK_PROCESSED: Final = "PROCESSED"
JOB_TASK_SUCCESS_STATUSES: Final = frozenset({JOB_TASK_SUCCEEDED, JOB_TASK_PROCESSED})
JOB_TASK_TERMINAL_STATUSES: Final = frozenset({JOB_TASK_SUCCEEDED, JOB_TASK_FAILED, JOB_TASK_PROCESSED})

# A15 [INFER from Rest.li BATCH_DELETE] Deleting an entity that does not exist is a per-entity 404 in "errors" (the
# rest of the batch is applied); callers treat it as already deleted. A write or delete on a sub-resource (notes,
# stages, interviewFeedback) whose parent candidate / application does not exist is a per-entity 404 for each
# child id. Deleting a candidate deletes its notes; deleting an application deletes its notes, stages and
# interview feedback (PM README; RSC-502, RSC-504).
DELETE_MISSING_STATUS: Final = 404
MISSING_PARENT_STATUS: Final = 404

# A16 [INFER] Sync throttles: "10,000 records/min" and "100,000 requests/day" apply per child application and per
# resource (each sync page states its own limits). Records are the batch elements of write calls (create, update,
# partial update, delete), counted in a sliding 60-second window; reads count as calls only. A call over either
# limit is refused whole (nothing applied) with HTTP 429 {"status": 429, "serviceErrorCode": 101, "message": ...}
# and a Retry-After header in seconds (minute limit: until the window has room; day limit: next UTC midnight).
THROTTLE_STATUS: Final = 429
THROTTLE_SERVICE_ERROR_CODE: Final = 101
RETRY_AFTER_HEADER: Final = "Retry-After"
SYNC_RECORDS_WINDOW_SECONDS: Final = 60
SYNC_RECORDS_PER_MINUTE: Final = 10_000
SYNC_CALLS_PER_DAY: Final = 100_000

# A17 [UNCONFIRMED] atsCandidates BATCH_GET answers {"results": {key: candidate}, "statuses": {}, "errors":
# {key: {"status": 404, "message": ...}}}. A candidate carries its synced fields (absent when null) plus
# "matchedMembers" (person URNs LinkedIn matched) and "manualMatchedMember" when set; "fields=" projects. A PUT
# (full replacement) replaces manualMatchedMember too: omitted, it is cleared, so re-send it or set it again.
MATCHED_MEMBERS_FIELD: Final = "matchedMembers"
MANUAL_MATCHED_MEMBER_FIELD: Final = "manualMatchedMember"

# A18 [INFER from the documented job error] Per-entity validation errors of every sync batch are status 422 with
# Rest.li's data-validation message: one "ERROR :: /<field path> :: <reason>\n" line per problem. Jobs report it as
# elements[i] = {"status": 422, "error": {"message", "status": 422}}; keyed batches as errors[key] = {"status": 422,
# "message"}. Unknown fields ("unrecognized field found but not allowed") and explicit nulls are errors.
VALIDATION_ERROR_STATUS: Final = 422
VALIDATION_ERROR_PREFIX: Final = "ERROR :: "

# A19 [UNCONFIRMED] seatsV2 (GET /v2/seatsV2?q=attributes&contracts=...&states=...&start=N&count=M; `start` is
# mandatory [DOC]) answers {"elements": [...], "paging": {"start", "count", "total", "links": []}}, seats ordered by
# seat id. An element carries "id" (the integer seat id used as urn:li:seat:{id}) and "email" when LinkedIn holds
# one for the seat holder, besides the documented firstName, lastName, contract, member, state and seatRoles.
# Default page size 10 [DOC]; at most 100 per page, more is a 400 (as the legacy sample's count=100) [INFER].
# Whether "email" is there at all is the open question 8.3.5: a client must cope with seats without one (match by
# the person URN "member"), and the emulator can leave it out (setting seatsV2Emails).
SEATS_V2_INCLUDES_ID: Final = True
SEATS_V2_INCLUDES_EMAIL: Final = True
SEATS_DEFAULT_COUNT: Final = 10
SEATS_MAX_COUNT: Final = 100
SEAT_ROLE_ADMIN: Final = "ADMIN_SEAT"  # documented role; the full seatRoles enum is unconfirmed
SEAT_STATES: Final = ("ACTIVE", "INACTIVE", "INVITED", "PARKED")  # documented seatsV2 states

# A20 [INFER] Seat holders of a contract (seatsV2 and the legacy seats finder) are readable only while the calling
# child application's CSA_API integration on urn:li:contract:{id} is ENABLED (contract-level access); otherwise, or
# for a contract the application never requested, the whole call is HTTP 403 {"status": 403, "serviceErrorCode":
# 100, "message": "Contract-level access (CSA_API) is not enabled for urn:li:contract:..."}. Company-level access
# alone is not enough.
SEATS_NOT_ENABLED_STATUS: Final = 403
SEATS_REQUIRED_ENABLED_TYPE: Final = "CSA_API"

# A21 [UNCONFIRMED] The legacy GET /v2/seats?q=seatsByAttributes (elements {firstName, lastName, contractId, member,
# active, admin, id, email}) may be retired (a third-party source dates it April 2022). A retired endpoint answers
# 410 Gone (LinkedIn's answer for retired v1 resources) and an unavailable seatsV2 404; a client treats either as
# "this endpoint is not available" and falls back to the other one.
SEATS_ENDPOINT_UNAVAILABLE_STATUSES: Final = frozenset({404, 410})
LEGACY_SEATS_RETIRED_STATUS: Final = 410
SEATS_V2_UNAVAILABLE_STATUS: Final = 404

# A22 [INFER] "Prospect interactions" (seats, seatsV2, conversationEvents, mailStubs, prospectNotes) share one
# counter of 100,000 calls per child application per UTC day [DOC: the combined limit]; the legacy seats finder
# and seatsV2 both count in it. Over it: HTTP 429 as A16 (day limit: Retry-After until next UTC midnight).
PROSPECT_INTERACTIONS_FAMILY: Final = "prospectInteractions"
PROSPECT_INTERACTIONS_CALLS_PER_DAY: Final = 100_000
