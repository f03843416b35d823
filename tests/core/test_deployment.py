"""The deployment files refer to things that exist, and production settings are hardened."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.processes import start_worker, stop

ROOT = Path(settings.BASE_DIR)


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_deployment_shape():
    services = _compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["DJANGO_SETTINGS_MODULE"] == "icportal.production"
        assert services[name]["build"] == "."
    assert (ROOT / "Dockerfile").is_file()


def test_compose_scales_out_behind_a_proxy_with_shared_object_storage():
    """`--scale web=2 --scale worker=2` works: no node keeps state of its own."""
    services = _compose()["services"]
    assert {"objects", "bucket", "proxy", "migrate"} <= set(services)
    # Web nodes publish no port (two replicas could not both bind it); the proxy does.
    assert "ports" not in services["web"] and services["proxy"]["ports"] == ["8000:80"]
    config_path = services["proxy"]["volumes"][0].split(":")[0]
    config = (ROOT / config_path).read_text()
    assert "server web:8000 resolve" in config and "proxy_pass http://portal" in config
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        # Documents and packets go to the object store, not a node's disk.
        assert env["S3_BUCKET"] and env["S3_ENDPOINT_URL"] == "http://objects:9000"
        assert "volumes" not in services[name]
    assert "migrate" not in services["web"]["command"]  # one migration, not one per replica


def _module_exists(dotted):
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_every_compose_command_refers_to_real_code():
    services = _compose()["services"]
    routed_queues = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    for name in ("web", "worker", "beat", "migrate"):
        command = services[name]["command"]
        words = shlex.split(command)
        if words[:2] == ["sh", "-c"]:
            words = shlex.split(words[2].replace("&&", " "))
        if "manage.py" in words:
            assert (ROOT / "manage.py").is_file()
            subcommand = words[words.index("manage.py") + 1]
            from django.core.management import get_commands

            assert subcommand in get_commands(), f"{name}: no manage.py {subcommand}"
        if "gunicorn" in words:
            assert _module_exists(words[words.index("gunicorn") + 1]), f"{name}: wsgi module"
        if "celery" in words:
            app = words[words.index("-A") + 1]
            assert _module_exists(app) and _module_exists(f"{app}.celery"), f"{name}: celery app"
        if "worker" in words:
            queues = set(words[words.index("-Q") + 1].split(","))
            assert {"celery"} | routed_queues <= queues, "worker must consume every routed queue"


def test_production_settings_pass_check_deploy():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "icportal.production",
        "SECRET_KEY": "x" * 20 + "production-test-key-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "portal.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="no REDIS_URL: embedded broker")
def test_a_real_worker_consumes_the_health_task():
    from core.tasks import ping

    worker = start_worker(env={**os.environ}, stderr=subprocess.PIPE)
    try:
        result = ping.apply_async()
        assert result.get(timeout=60) == "pong"
    finally:
        stop(worker)
