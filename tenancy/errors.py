from core.errors import BadRequest, NotFound


class ApiKeyNotFound(NotFound):
    default_message = "API key not found"


class TenantNotFound(NotFound):
    default_message = "Tenant not found"


class UsernameTaken(BadRequest):
    default_message = "Username already registered"


class EmailTaken(BadRequest):
    default_message = "Email already registered"


class TenantAmbiguous(BadRequest):
    default_message = "You belong to several tenants: choose one with the X-Tenant-ID header."
