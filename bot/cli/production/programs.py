"""The processes of the production profile, their shared environment and generated files.

Tiers (started in this order, stopped in reverse): 0 the databases, 1 the action servers, 2 the
Rasa servers, 3 the web process and HAProxy. Every process gets the same secrets (read or
generated once here, then passed in the environment, as a real deployment sets them), the same
DATABASE_URL and REDIS_URL, and reaches the Rasa servers through HAProxy.
"""
from __future__ import annotations

import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit, urlunsplit

import yaml

from bot.cli.production import procfile
from bot.cli.production.haproxy import haproxy_argv, haproxy_binary, haproxy_config
from bot.cli.production.layout import BALANCER_PORT, HOST, WEB_PORT, Layout
from bot.cli.production.postgres import LocalPostgres, accepts_connections
from bot.cli.production.redis_server import LocalRedis, answers_ping
from bot.cli.production.supervisor import Program
from bot.cli.ready import answers
from bot.shared.action_token import ENV_VAR as ACTION_TOKEN_VAR
from bot.shared.action_token import action_server_token
from bot.shared.generated_secrets import api_token, console_secret_key
from bot.shared.settings import PROJECT_ROOT, load_settings

DATABASES, ACTIONS, RASA, FRONT = 0, 1, 2, 3
ENDPOINTS = PROJECT_ROOT / "endpoints.yml"
RASA_STOP_GRACE_SECONDS = 20.0  # Rasa takes seconds to exit on SIGTERM


@dataclass(frozen=True)
class Services:
    """The conversations database and Redis: given (URLs from the environment) or local servers."""

    database_url: str
    redis_url: str
    postgres: Optional[LocalPostgres] = None
    redis: Optional[LocalRedis] = None


def masked(url: str) -> str:
    """A URL with its password replaced by ***, safe to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def prepare_services(layout: Layout, env: Mapping[str, str]) -> Services:
    """DATABASE_URL and REDIS_URL when given; otherwise local servers, prepared (initdb the first time)."""
    postgres = redis = None
    database_url = env.get("DATABASE_URL", "").strip()
    if not database_url:
        postgres = LocalPostgres.prepare(layout.state_dir, layout.postgres_port)
        postgres.initialise()
        database_url = postgres.url()
        url_file = layout.state_dir / "database_url"  # for `coach` commands on this profile's data
        url_file.write_text(database_url + "\n", encoding="utf-8")
        url_file.chmod(0o600)
    redis_url = env.get("REDIS_URL", "").strip()
    if not redis_url:
        redis = LocalRedis.prepare(layout.state_dir, layout.redis_port)
        redis_url = redis.url
    return Services(database_url, redis_url, postgres, redis)


def shared_environment(layout: Layout, services: Services, base: Mapping[str, str]) -> dict[str, str]:
    """The environment of every process: `base` plus the stores, the secrets and the balancer's URL."""
    env = dict(base)
    env.setdefault("PYTHONUNBUFFERED", "1")  # their output goes to log files: line by line, not in blocks
    env.update(DATABASE_URL=services.database_url, REDIS_URL=services.redis_url)
    settings = load_settings()  # also checks the whole environment before anything starts
    # Every Rasa server must send the same action token and accept the console's same API token.
    env[ACTION_TOKEN_VAR] = action_server_token(settings)
    env["COACH_API_TOKEN"] = api_token(settings.coach_api_token, settings.var_dir)
    env["CONSOLE_SECRET_KEY"] = console_secret_key(settings.console_secret_key, settings.var_dir)
    env["RASA_URL"] = layout.balancer_url  # the console reaches the adviser channel through HAProxy
    if not base.get("WEBCHAT_SERVER_URL") and layout.balancer_port != BALANCER_PORT:
        env["WEBCHAT_SERVER_URL"] = f"http://localhost:{layout.balancer_port}"
    if not base.get("WEBCHAT_ALLOWED_ORIGINS") and layout.web_port != WEB_PORT:
        env["WEBCHAT_ALLOWED_ORIGINS"] = f"http://localhost:{layout.web_port},http://{HOST}:{layout.web_port}"
    return env


def rasa_environment(shared: Mapping[str, str]) -> dict[str, str]:
    """A Rasa server's environment: HAProxy (on 127.0.0.1) added to the proxies whose X-Forwarded-For counts."""
    proxies = [p.strip() for p in shared.get("RASA_TRUSTED_PROXIES", "").split(",") if p.strip()]
    return {**shared, "RASA_TRUSTED_PROXIES": ",".join([*proxies, HOST] if HOST not in proxies else proxies)}


def write_endpoints(layout: Layout, source: Path = ENDPOINTS) -> Path:
    """endpoints.yml with the action endpoint moved to HAProxy's front of the action servers."""
    endpoints = yaml.safe_load(source.read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = layout.actions_url
    target = layout.state_dir / "endpoints.yml"
    target.write_text(f"# Generated from {source.name} by bot/cli/production/programs.py at each start.\n"
                      + yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return target


def write_haproxy_config(layout: Layout) -> Path:
    """var/production/haproxy.cfg for this layout."""
    target = layout.state_dir / "haproxy.cfg"
    target.write_text(haproxy_config(layout), encoding="utf-8")
    return target


def _http(port: int, path: str) -> str:
    return f"http://{HOST}:{port}{path}"


def profile_programs(layout: Layout, services: Services, shared: Mapping[str, str]) -> list[Program]:
    """Every process of the profile, with its command, environment, readiness probe and stop rules."""
    programs: list[Program] = []
    if services.postgres is not None:
        postgres = services.postgres
        admin_url = postgres.url("postgres")  # exists from initdb on, before the conversations database
        programs.append(Program("postgres", postgres.argv(), DATABASES, lambda: accepts_connections(admin_url),
                                env=shared, popen=postgres.run_as_user(), cwd=postgres.home,
                                stop_signal=signal.SIGINT, grace=30.0))  # SIGINT: PostgreSQL's fast shutdown
    if services.redis is not None:
        url = services.redis.url
        programs.append(Program("redis", services.redis.argv(), DATABASES, lambda: answers_ping(url),
                                env=shared, cwd=services.redis.folder))
    for index, port in enumerate(layout.action_ports):
        argv = procfile.command("actions", {"--port": str(port)})
        programs.append(Program(layout.action_name(index), argv, ACTIONS, _probe(_http(port, "/health")),
                                env=shared))
    endpoints = str(write_endpoints(layout))
    rasa_env = rasa_environment(shared)
    for index, port in enumerate(layout.rasa_ports):
        argv = procfile.command("rasa", {"--port": str(port), "--endpoints": endpoints})
        programs.append(Program(layout.rasa_name(index), argv, RASA, _probe(_http(port, "/")), env=rasa_env,
                                grace=RASA_STOP_GRACE_SECONDS))
    programs.append(Program("web", procfile.command("web", {"--port": str(layout.web_port)}), FRONT,
                            _probe(_http(layout.web_port, "/healthz")), env=shared))
    programs.append(Program("haproxy", haproxy_argv(haproxy_binary(), str(write_haproxy_config(layout))), FRONT,
                            _probe(layout.stats_url), env=shared, grace=5.0))
    return programs


def _probe(url: str) -> Callable[[], bool]:
    """A readiness probe: GET `url` answers 2xx within a second."""
    return lambda: answers(url, timeout=1.0)
