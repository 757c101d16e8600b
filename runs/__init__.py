"""Runs: each run's journal (the append-only event record and its projection), workflows and their
templates, and the engine that executes workflow runs. Writes: ``runs.services``; reads:
``runs.selectors``."""
