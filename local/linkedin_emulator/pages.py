"""The HTML pages of the emulated sign-in / Request step (assumption A3)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from .model import Contract, Member

AUTHORIZATION_PATH = "/oauth/v2/authorization"

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;color:#1d2226}"
    "h1{color:#0a66c2;font-size:1.4rem}.error{color:#b24020}label{display:block;margin:.5rem 0}"
    "button{margin:.8rem .5rem 0 0;padding:.4rem 1.2rem}"
)


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _hidden(params: Mapping[str, str]) -> str:
    return "".join(
        f"<input type='hidden' name='{escape(name)}' value='{escape(value)}'>" for name, value in params.items()
    )


def sign_in_page(app_name: str, params: Mapping[str, str]) -> str:
    body = (
        f"<p><strong>{escape(app_name)}</strong> asks to connect to your LinkedIn Recruiter contract "
        "(Recruiter System Connect).</p>"
        f"<form method='post' action='{AUTHORIZATION_PATH}'>{_hidden(params)}"
        "<label>Member id or email <input name='member' required autofocus></label>"
        "<button name='action' value='signin'>Sign in</button>"
        "<button name='action' value='cancel' formnovalidate>Cancel</button></form>"
    )
    return _page("Sign in to LinkedIn", body)


def contract_page(
    app_name: str, params: Mapping[str, str], member: Member, contracts: list[Contract], note: str = ""
) -> str:
    choices = "".join(
        "<label><input type='radio' name='contract' required "
        f"value='{escape(c.urn)}'{' checked' if len(contracts) == 1 else ''}> {escape(c.name)} "
        f"({escape(c.type)}, organization {escape(c.organization_id)})"
        f"{'' if c.eligible else ' - Recruiter System Connect is not available'}</label>"
        for c in contracts
    )
    note_html = f"<p class='error'>{escape(note)}</p>" if note else ""
    body = (
        f"<p>Signed in as {escape(member.first_name)} {escape(member.last_name)} ({escape(member.member_id)}).</p>"
        f"{note_html}<p>Choose the Recruiter contract to connect to <strong>{escape(app_name)}</strong>, "
        "then click Request.</p>"
        f"<form method='post' action='{AUTHORIZATION_PATH}'>{_hidden(params)}"
        f"<input type='hidden' name='member' value='{escape(member.member_id)}'>{choices}"
        "<button name='action' value='request'>Request</button>"
        "<button name='action' value='cancel' formnovalidate>Cancel</button></form>"
    )
    return _page("Recruiter System Connect", body)


def error_page(title: str, detail: str) -> str:
    return _page(title, f"<p class='error'>{escape(detail)}</p>")
