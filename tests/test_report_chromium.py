"""The HTML report in a real browser: headless Chromium renders it with no console message and no fetch."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import needs_shared
from PIL import Image
from test_frames import log_of
from test_report_html import reconciled, tiny

from analyzer.report.html import write_html

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="/usr/bin/chromium is absent (apt-get install -y chromium to run "
                                       "the browser test)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--enable-logging=stderr", "--v=0", "--hide-scrollbars", "--window-size=1280,2000"]
BAD_PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><meta http-equiv='Content-Security-Policy' "
            "content=\"default-src 'none'\"></head><body><img src='http://example.invalid/x.png'></body></html>")


def chromium(page: Path, tmp: Path, *action: str) -> subprocess.CompletedProcess:
    command = [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *action, page.as_uri()]
    return subprocess.run(command,
                          capture_output=True, text=True, timeout=180, cwd=tmp)


def console(stderr: str) -> list[str]:
    """The page's console messages (errors, CSP violations, failed loads) in Chromium's stderr log."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_console_detection_sees_a_blocked_fetch(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(BAD_PAGE)
    assert console(chromium(page, tmp_path, "--dump-dom").stderr), "the console check would never fail"


def check_renders(result, tmp_path: Path) -> None:
    """Screenshot and DOM dump: no console message, a non-blank page, one section per attempt."""
    page = write_html(result, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    done = chromium(page, tmp_path, f"--screenshot={shot}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console(done.stderr) == []
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50, "the screenshot looks blank"
    dom = chromium(page, tmp_path, "--dump-dom")
    assert console(dom.stderr) == []
    assert dom.stdout.count('<section class="attempt"') == len(result.attempts)
    assert "<script" not in dom.stdout


@needs_shared
def test_lab_report_renders_without_console_messages(tmp_path):
    check_renders(reconciled(str(log_of("legacy", "b-heterogeneous-5nodes"))), tmp_path)


def test_hostile_names_render_as_text(tmp_path):
    result = replace(tiny(pod="ns/<script>alert(1)</script>"), inputs=("<img src=x onerror=alert(2)>.log",))
    check_renders(result, tmp_path)
