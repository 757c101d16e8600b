"""Automation rules and their executions: triggers (time, event, webhook, manual), conditions and
actions. Rule writes: ``automation.services``; executions: ``automation.executions``; reads:
``automation.selectors``."""
