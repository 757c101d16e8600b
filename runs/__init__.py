"""Runs, the journal, workflows and the engine (built by the run-journal and engine issues)."""
