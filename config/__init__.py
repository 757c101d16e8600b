"""Opsgate project configuration: settings, URL map, WSGI/ASGI entry points."""

__version__ = "0.1.0"
