"""Adapters: the AWS implementations of rsc_connector.ports, plus in-memory fakes for unit tests."""
