"""`dev.py test` makes sure the browser tests have their Chromium before pytest starts: installs
Debian's packages as root, otherwise stops with the command to run (never a skip)."""

from __future__ import annotations

import subprocess

import pytest

import dev


def test_a_present_chromium_is_accepted(tmp_path):
    chromium = tmp_path / "chromium"
    chromium.touch()
    dev.check_browser({"FACTCHECK_CHROMIUM": str(chromium)})


def test_a_missing_chromium_stops_a_non_root_run_naming_the_apt_command(monkeypatch, tmp_path):
    monkeypatch.setattr(dev.os, "geteuid", lambda: 1000)
    with pytest.raises(SystemExit) as stopped:
        dev.check_browser({"FACTCHECK_CHROMIUM": str(tmp_path / "missing")})
    message = str(stopped.value)
    assert "No Chromium at" in message
    assert "apt-get install -y --no-install-recommends chromium chromium-driver" in message


def test_a_missing_chromium_is_installed_with_apt_when_running_as_root(monkeypatch, tmp_path):
    chromium = tmp_path / "chromium"
    commands: list[list[str]] = []

    def fake_apt(command: list[str], check: bool) -> subprocess.CompletedProcess:
        commands.append(command)
        chromium.touch()  # what the package would install
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    monkeypatch.setattr(dev.subprocess, "run", fake_apt)
    monkeypatch.setattr(dev, "chromium_path", lambda environ: chromium)
    dev.check_browser({})
    assert len(commands) == 1
    assert commands[0][-1] == (
        "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
        "--no-install-recommends chromium chromium-driver"
    )
