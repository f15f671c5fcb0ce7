import pytest

from portal_app.settings import SettingsError, load_settings


def base(tmp_path, **extra):
    env = {"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path)}
    env.update(extra)
    return env


def test_defaults_use_sqlite_in_data_dir_and_generate_secret_once(tmp_path):
    first = load_settings(base(tmp_path))
    assert first.database_url == f"sqlite:///{tmp_path / 'portal.db'}"
    assert len(first.secret_key) >= 32
    assert load_settings(base(tmp_path)).secret_key == first.secret_key
    assert first.public_url == "http://localhost:3000"
    assert first.max_upload_bytes == 25 * 1024 * 1024
    assert first.smtp_host is None


@pytest.mark.parametrize(
    "name,value",
    [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("MAX_UPLOAD_MB", "0"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://x"),
        ("PUBLIC_URL", "ftp://portaal"),
        ("PUBLIC_URL", "https://portaal.example.nl/sub"),
        ("SMTP_STARTTLS", "maybe"),
        ("PORTAL_ENV", "staging"),
    ],
)
def test_bad_setting_names_itself(tmp_path, name, value):
    with pytest.raises(SettingsError) as error:
        load_settings(base(tmp_path, **{name: value}))
    assert name in str(error.value)


def test_production_refuses_known_or_short_secret(tmp_path):
    for bad in ("changeme", "short"):
        with pytest.raises(SettingsError, match="SECRET_KEY"):
            load_settings(base(tmp_path, PORTAL_ENV="production", SECRET_KEY=bad))
    ok = load_settings(base(tmp_path, PORTAL_ENV="production", SECRET_KEY="x" * 40))
    assert ok.secret_key == "x" * 40


def test_public_origin_and_cookie_flags(tmp_path):
    settings = load_settings(base(tmp_path, PUBLIC_URL="https://portaal.example.nl/"))
    assert settings.public_origin == "https://portaal.example.nl"
    assert settings.cookie_secure is True


def test_processes_starting_together_share_one_secret(tmp_path):
    """Several processes on a fresh DATA_DIR (the web process and `cli migrate`): one key wins,
    every process reads that one, none fails on the file another just made."""
    import subprocess
    import sys

    data_dir = tmp_path / "data"
    script = (
        "import sys; from portal_app.settings import load_settings; "
        f"print(load_settings({{'DATA_DIR': {str(data_dir)!r}, 'PORTAL_ENV': 'development'}}).secret_key)"
    )
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(6)]
    keys = {run.communicate(timeout=60)[0].strip() for run in runs}
    assert all(run.returncode == 0 for run in runs)
    assert keys == {(data_dir / "secret_key").read_text(encoding="utf-8").strip()}
    assert len(next(iter(keys))) >= 32
    assert [path.name for path in data_dir.iterdir()] == ["secret_key"]  # no file of a loser left behind
