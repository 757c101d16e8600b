"""The journal: event schema, hash chain, projection, append. Everything that happens to a run."""
