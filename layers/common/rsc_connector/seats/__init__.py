"""Seat linking: ATS users <-> LinkedIn Recruiter seats (issue 5; architecture.md sections 1 and 3)."""
