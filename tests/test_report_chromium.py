"""The HTML report in a real browser: headless Chromium renders it with no console message and no fetch,
and its tables sort and filter (a driver script, allowed by its own hash, clicks and types)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import generated_log, needs_shared
from PIL import Image
from test_frames import log_of
from test_report_html import reconciled, tiny

from analyzer.report.html import render_html, write_html

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
    assert dom.stdout.count("<script") == 2  # the JSON data block and the one hashed script
    assert "table-filter" in dom.stdout  # the script ran: it added the filter box


@needs_shared
def test_lab_report_renders_without_console_messages(tmp_path):
    check_renders(reconciled(str(log_of("legacy", "b-heterogeneous-5nodes"))), tmp_path)


def test_hostile_names_render_as_text(tmp_path):
    result = replace(tiny(pod="ns/<script>alert(1)</script>"), inputs=("<img src=x onerror=alert(2)>.log",))
    check_renders(result, tmp_path)


# Clicks the attempts table's "total" header twice, types a pod name in its filter box, opens the first
# attempt's full node table, sorts it by total and filters it by a node name; writes what it saw as JSON.
DRIVER = """
(function () {
  var out = {};
  function column(table, name) {
    return Array.prototype.findIndex.call(table.tHead.rows[0].cells, function (th) {
      return th.textContent.trim() === name; });
  }
  function shown(table, index) {
    return Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden; })
      .map(function (r) { return r.cells[index].textContent.trim(); });
  }
  function sortTwice(table, index) {
    table.tHead.rows[0].cells[index].click();
    var once = shown(table, index);
    table.tHead.rows[0].cells[index].click();
    return [once, shown(table, index)];
  }
  function type(box, text) {
    box.value = text;
    box.dispatchEvent(new Event("input"));
  }
  var attempts = document.getElementById("attempt-table");
  var both = sortTwice(attempts, column(attempts, "total"));
  out.ascending = both[0];
  out.descending = both[1];
  type(document.querySelector(".table-filter"), "POD");
  out.filtered = shown(attempts, column(attempts, "pod"));
  out.count = document.querySelector(".filter-count").textContent;
  var details = document.querySelector("details.all-nodes");
  details.addEventListener("toggle", function () {
    var full = details.querySelector("table");
    out.full_rows = full.tBodies[0].rows.length;
    out.full_first = Array.prototype.map.call(full.tBodies[0].rows[1].cells, function (c) {
      return c.textContent; }).slice(0, 5);
    out.full_descending = sortTwice(full, column(full, "total logged"))[1];
    type(details.querySelector(".table-filter"), "NODE");
    out.full_filtered = shown(full, column(full, "node"));
    var pre = document.createElement("pre");
    pre.id = "driver-result";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  });
  details.open = true;
}());
"""


def with_driver(page: str, driver: str) -> str:
    """The page with the driver script appended and allowed by its hash beside the page's own."""
    digest = base64.b64encode(hashlib.sha256(driver.encode()).digest()).decode()
    page = re.sub(r"(script-src '[^']+')", lambda m: f"{m.group(1)} 'sha256-{digest}'", page, count=1)
    return page.replace("</body>", f"<script>{driver}</script>\n</body>")


def test_tables_sort_and_filter_in_the_browser(tmp_path):
    result = reconciled(str(generated_log(tmp_path, nodes=100, pods=6, seed=7)))
    first = result.attempts[0]
    node = sorted(n.node for n in first.nodes)[57]
    pod = result.attempts[3].pod
    page = tmp_path / "driven.html"
    page.write_text(with_driver(render_html(result), DRIVER.replace("POD", pod).replace("NODE", node)))
    done = chromium(page, tmp_path, "--virtual-time-budget=10000", "--dump-dom")
    assert console(done.stderr) == [], console(done.stderr)
    seen = json.loads(re.search(r'<pre id="driver-result">(.*?)</pre>', done.stdout).group(1).replace("&amp;", "&"))
    totals = [str(max(n.total_logged for n in a.nodes)) for a in result.attempts]
    assert seen["ascending"] == sorted(totals, key=int)
    assert seen["descending"] == sorted(totals, key=int, reverse=True)
    assert seen["filtered"] == [pod] and seen["count"] == f"1 of {len(result.attempts)} rows"
    assert seen["full_rows"] == len(first.nodes) == 100
    assert seen["full_descending"] == [str(t) for t in sorted((n.total_logged for n in first.nodes), reverse=True)]
    assert seen["full_filtered"] == [node]
    second = sorted((n for n in first.nodes if n.node != first.winner), key=lambda n: (-n.total_logged, n.node))[0]
    best = first.node(first.winner).total_logged
    rank = 1 + sum(1 for n in first.nodes if n.total_logged > second.total_logged)
    assert seen["full_first"] == [str(rank), second.node, str(best - second.total_logged), "passed",
                                  str(second.total_logged)]
