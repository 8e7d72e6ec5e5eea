"""Deactivation: stop a contract, delete what we synced for its organization from LinkedIn, remove our setup.

service.py  the route: start (or return) the deactivation of one contract or of every contract of an account
steps.py    the state machine's Lambda steps: begin, purge (loop), remove configurations, finish, fail
purge.py    the organization's deletion, driven by the synced-key ledger, resumable, within the rate budget
store.py    the DynamoDB items: one per deactivated contract, one per organization being purged
report.py   the emails to the account's admins
"""
