"""Print the API's OpenAPI document, generated from the routes the handlers register."""

from __future__ import annotations

import os


def build() -> str:
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    from rsc_connector.api import routes
    from rsc_connector.api.resolver import build_resolver

    app = build_resolver(
        routes.kickoff_routes,
        routes.oauth_callback_routes,
        routes.status_routes,
        routes.sync_routes,
        routes.changes_routes,
        routes.webhook_routes,
        routes.seat_linking_routes,
        routes.deactivation_routes,
    )
    return app.get_openapi_json_schema(
        title="LinkedIn RSC connector API",
        version="0.1.0",
        description="The ATS-facing API of the LinkedIn Recruiter System Connect connector. "
        "ATS routes need `Authorization: Bearer <ATS JWT>`; errors are {error: {code, message, details}}.",
    )


def main() -> None:
    print(build())


if __name__ == "__main__":
    main()
