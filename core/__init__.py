"""Cross-cutting plumbing only: errors, contract envelopes, base API classes, request ids."""
