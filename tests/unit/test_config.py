"""Settings: parsed from the environment, and every one documented in the README."""

from pathlib import Path

import pytest

from config import Settings, settings_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text()
    for env, default, _help in settings_table():
        assert f"| `{env}` |" in text, f"{env} missing from the README's configuration table"


def test_settings_from_environment():
    settings = Settings.from_env({"PORT": "9000", "DASH_DEBUG": "yes", "DATA_DIR": "/tmp/x"})
    assert settings.port == 9000 and settings.debug is True and str(settings.data_dir) == "/tmp/x"
    assert Settings.from_env({}).debug is False


def test_bad_setting_names_the_variable():
    with pytest.raises(ValueError, match="DASH_DEBUG"):
        Settings.from_env({"DASH_DEBUG": "maybe"})
    with pytest.raises(ValueError, match="PORT"):
        Settings.from_env({"PORT": "eighty"})
