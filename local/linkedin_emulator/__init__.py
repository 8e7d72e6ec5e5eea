"""A local, strict emulator of LinkedIn's Recruiter System Connect partner API (docs/linkedin-emulator.md)."""

from .clock import Clock
from .emulator import LinkedInEmulator

__all__ = ["Clock", "LinkedInEmulator"]
