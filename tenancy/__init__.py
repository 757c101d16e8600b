"""Tenants, teams, roles and API keys; how a request proves who it is and what it may do."""
