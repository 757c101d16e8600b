"""The permission matrix's machinery: routes read from the URL conf, and a tenant's objects to fill
their path parameters."""
