"""The hosting settings parse strictly, name the variable when they cannot, and reach gunicorn."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings, settings_table


def test_hosting_settings_from_environment():
    settings = Settings.from_env({
        "WEB_CONCURRENCY": "3", "THREADS": "8", "BIND": "127.0.0.1", "AUTH_MODE": " Proxy ",
        "AUTH_TRUSTED_PROXIES": "10.0.0.7/8, 192.168.1.5 ,::1", "AUTH_PROXY_HEADER": "X-Auth-Request-User",
        "AUTH_USERS_FILE": "/run/secrets/users",
    })
    assert (settings.web_concurrency, settings.threads, settings.bind) == (3, 8, "127.0.0.1")
    assert settings.auth_mode == "proxy" and settings.auth_proxy_header == "X-Auth-Request-User"
    assert settings.auth_trusted_proxies == ("10.0.0.0/8", "192.168.1.5/32", "::1/128")
    assert settings.auth_users_file == Path("/run/secrets/users")


def test_hosting_defaults_are_local_and_open():
    settings = Settings.from_env({})
    assert settings.auth_mode == "none" and settings.auth_users_file is None
    assert settings.auth_trusted_proxies == () and settings.auth_proxy_header == "X-Forwarded-User"
    assert Settings.from_env({"AUTH_USERS_FILE": "", "AUTH_TRUSTED_PROXIES": " "}) == settings


@pytest.mark.parametrize(
    "env",
    [{"AUTH_MODE": "ldap"}, {"WEB_CONCURRENCY": "0"}, {"THREADS": "-1"}, {"THREADS": "many"},
     {"AUTH_TRUSTED_PROXIES": "10.0.0.1, proxy.local"}, {"AUTH_TRUSTED_PROXIES": "10.0.0.0/33"}],
)
def test_bad_hosting_settings_name_the_variable(env):
    (name,) = env
    with pytest.raises(ValueError, match=f"setting {name}:"):
        Settings.from_env(env)


def test_settings_table_shows_unset_defaults_as_empty():
    table = {env: default for env, default, _help in settings_table()}
    assert table["AUTH_USERS_FILE"] == "" and table["AUTH_TRUSTED_PROXIES"] == "" and table["AUTH_MODE"] == "none"
