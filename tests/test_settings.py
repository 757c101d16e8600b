"""Settings refuse unsafe combinations at start-up, for gunicorn as for manage.py."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_settings(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "OPSGATE_PUBLIC_READ"}}
    clean.update({"OPSGATE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.base", **env})
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "x", "OPSGATE_PUBLIC_READ": "1"}, "OPSGATE_PUBLIC_READ=1"),
        ({"SECRET_KEY": "x", "AUTO_APPROVE_BUILD113": "true"}, "AUTO_APPROVE_BUILD113"),
    ],
)
def test_unsafe_production_settings_are_refused(tmp_path, env, error):
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert error in result.stderr


def test_production_settings_load_with_a_secret_key(tmp_path):
    result = load_settings(tmp_path, SECRET_KEY="x")
    assert (result.returncode, result.stdout.strip()) == (0, "False")


def test_debug_runs_without_a_secret_key(tmp_path):
    result = load_settings(tmp_path, DEBUG="1", OPSGATE_PUBLIC_READ="1")
    assert (result.returncode, result.stdout.strip()) == (0, "True")
