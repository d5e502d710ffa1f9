"""PNG charts: predictable names, real images, identical bytes across runs, bars that add up to the facts."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from conftest import LAB, facts, generated_log, needs_shared
from matplotlib.patches import Rectangle
from PIL import Image
from test_frames import expected, log_of
from test_report_html import reconciled, tiny

from analyzer.report import charts
from analyzer.report.png import attempt_filename, write_pngs

FIVE = ("framework", "v1.30.6-five-nodes")


def digest(paths) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@needs_shared
def test_one_named_png_per_attempt_plus_summaries(tmp_path):
    written = write_pngs(reconciled(str(log_of(*FIVE))), tmp_path)
    pods = facts(LAB / FIVE[1] / "facts.json")["pods"]
    want = {f"{p['namespace']}_{p['name']}-attempt{n}.png" for p in pods
            for n in range(1, len(p["schedulingAttempts"]) + 1)}
    assert {p.name for p in written} == want | {"heatmap.png", "deciders.png"}
    for path in written:
        with Image.open(path) as image:
            assert image.format == "PNG"
            width, height = image.size
            assert 500 <= width <= 3000 and 100 <= height <= 3000, path.name
            pixels = np.asarray(image.convert("RGB"))
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20, f"{path.name} looks blank"
        assert (pixels < 128).any(), f"{path.name} has no dark ink (no text or bars)"


@needs_shared
def test_same_bytes_in_process_and_from_the_cli(tmp_path):
    result = reconciled(str(log_of(*FIVE)))
    first = digest(write_pngs(result, tmp_path / "a"))
    second = digest(write_pngs(result, tmp_path / "b"))
    assert first == second
    cli = tmp_path / "c"
    subprocess.run([sys.executable, "-m", "analyzer", "report", str(log_of(*FIVE)),
                    "-o", str(tmp_path / "r.html"), "--png-dir", str(cli), "-q"],
                   check=True, capture_output=True, timeout=300)
    assert digest(sorted(cli.iterdir())) == first


@needs_shared
@pytest.mark.parametrize("run", ["v1.30.6-five-nodes", "v1.19.1-prefer-avoid", "v1.23.9-three-nodes"])
def test_bars_of_each_node_add_up_to_its_real_total(run):
    """Without hidden parts the axis is to scale: each node's stacked bar ends at the total in facts.json."""
    truth = expected("framework", run)
    result = reconciled(str(log_of("framework", run)))
    checked = 0
    for attempt in result.attempts:
        totals = truth[(attempt.pod, attempt.attempt)]["totals"]
        if not totals:
            continue
        fig = charts.attempt_figure(attempt)
        ax = fig.axes[0]
        labels = [t.get_text().lstrip("\u2605 ") for t in ax.get_yticklabels()]
        ends: dict[str, float] = {}
        for patch in ax.patches:
            if isinstance(patch, Rectangle):
                row = labels[round(patch.get_y() + patch.get_height() / 2)]
                ends[row] = max(ends.get(row, 0), patch.get_x() + patch.get_width())
        assert ends == pytest.approx({n: float(t) for n, t in totals.items()}), (run, attempt.pod)
        assert f"\u2605 {attempt.winner}" in [t.get_text() for t in ax.get_yticklabels()]
        checked += 1
    assert checked


def test_hidden_parts_are_grey_hatched_and_in_the_legend():
    fig = charts.attempt_figure(tiny().attempts[0])
    ax = fig.axes[0]
    hidden = [p for p in ax.patches if p.get_hatch() == "//" and p.get_width() > 0]
    assert len(hidden) == 1
    assert hidden[0].get_facecolor()[:3] == pytest.approx((0x9E / 255,) * 3)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"NodePreferAvoidPodsPriority\n({charts.HIDDEN_LABEL})" in legend
    assert "hidden/unaccounted parts not to scale" in ax.get_xlabel()


def test_file_names_are_sanitized():
    attempt = tiny().attempts[0]
    assert attempt_filename(attempt) == "ns_web-attempt1.png"
    nasty = replace(attempt, pod="../../etc/<passwd>", attempt=3)
    name = attempt_filename(nasty)
    assert name == "etc__passwd-attempt3.png"
    assert "/" not in name and not name.startswith(".")


def test_colliding_names_get_a_suffix(tmp_path):
    result = tiny()
    a = result.attempts[0]
    twins = (a, replace(a, pod="ns_web"), replace(a, pod="ns/web?"))
    written = write_pngs(replace(result, attempts=twins), tmp_path)
    assert [p.name for p in written[:3]] == [
        "ns_web-attempt1.png", "ns_web-attempt1-2.png", "ns_web-attempt1-3.png"]


def test_a_hundred_node_attempt_draws_its_top_ten_and_the_heat_map_its_top_nodes(tmp_path):
    result = reconciled(str(generated_log(tmp_path, nodes=100, pods=3, seed=2)))
    attempt = result.attempts[0]
    labels = [t.get_text() for t in charts.attempt_figure(attempt).axes[0].get_yticklabels()]
    totals = {n.node: n.total_logged for n in attempt.nodes}
    assert len(labels) == 10 and labels[0] == f"\u2605 {attempt.winner}"
    others = sorted((t for n, t in totals.items() if n != attempt.winner), reverse=True)
    assert [totals[label] for label in labels[1:]] == others[:9]
    columns = [t.get_text() for t in charts.heatmap_figure(result.attempts).axes[0].get_xticklabels()]
    assert len(columns) <= 12 and {a.winner for a in result.attempts} <= set(columns)
