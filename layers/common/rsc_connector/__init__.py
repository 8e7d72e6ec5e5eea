"""Shared package of the LinkedIn RSC connector: domain logic, models, ports and adapters."""
