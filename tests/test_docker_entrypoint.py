"""The container entrypoint, run for real (no Docker engine here): migrate, then gunicorn."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path, **extra):
    bin_dir = str(Path(sys.executable).parent)
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "BACKUPCHECKS_ENV": "production",
        "SECRET_KEY": "entrypoint-test-secret-key-123456",
        "BACKUPCHECKS_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "BACKUPCHECKS_INSTANCE": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bc.db'}",
        "WEB_WORKERS": "2",
        **extra,
    }


def test_web_mode_migrates_then_serves_health(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(["sh", str(ENTRYPOINT), "web"], env=_env(tmp_path, PORT=str(port)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    body = r.read().decode()
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.3)
        assert body is not None, proc.stdout.read().decode() if proc.poll() is not None else "no answer"
        assert '"database":"ok"' in body.replace(" ", "")
        tables = {r[0] for r in sqlite3.connect(tmp_path / "bc.db").execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"users", "settings", "audit_log", "alembic_version"} <= tables
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_other_arguments_run_as_a_command(tmp_path):
    result = subprocess.run(["sh", str(ENTRYPOINT), "backupchecks", "settings", "new-key"],
                            env=_env(tmp_path), capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    Fernet(result.stdout.strip().encode())  # a usable key


def test_production_without_secret_key_refuses_to_start(tmp_path):
    env = _env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(["sh", str(ENTRYPOINT), "web"], env=env, capture_output=True,
                            text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2
    assert "SECRET_KEY: required when BACKUPCHECKS_ENV=production" in result.stderr
    assert not os.path.exists(tmp_path / "bc.db") or os.path.getsize(tmp_path / "bc.db") == 0
