"""Wrapped logs: kubectl --prefix/--timestamps and CRI lines give the same attempts as the bare log."""

from __future__ import annotations

from conftest import analysis, framework_log, needs_shared

from analyzer import analyze_paths

pytestmark = needs_shared


def _decisions(result):
    return [(a.pod, a.attempt, a.outcome.value, a.bound_node,
             tuple((n.node, n.total_logged) for n in a.nodes)) for a in result.attempts]


def _wrap(src, prefix: str) -> list[str]:
    return [prefix + line for line in src.read_text().splitlines()]


def test_two_replicas_behind_kubectl_prefix_and_timestamps(tmp_path):
    five, three = framework_log("v1.30.6-five-nodes"), framework_log("v1.30.6-three-nodes")
    lines = _wrap(five, "[pod/kube-scheduler-a/kube-scheduler] 2026-11-28T16:09:06.000000000Z ")
    lines += _wrap(three, "[pod/kube-scheduler-b/kube-scheduler] 2026-11-28T16:08:56.000000000Z ")
    path = tmp_path / "kubectl.log"
    path.write_text("\n".join(lines) + "\n")
    result = analyze_paths([str(path)])
    assert result.format.wrapper == "kubectl-prefix"
    assert result.lines.total == len(lines) and result.lines.unrecognized == 0
    assert _decisions(result) == _decisions(analysis(str(five))) + _decisions(analysis(str(three)))
    streams = {a.stream.split(":")[1] for a in result.attempts}
    assert streams == {"pod/kube-scheduler-a/kube-scheduler", "pod/kube-scheduler-b/kube-scheduler"}
    # klog prints no year; the wrapper's timestamp gives it
    assert all(a.started_at.startswith("2026-11-28T") for a in result.attempts if a.started_at)


def test_cri_lines_split_into_partials_are_rejoined(tmp_path):
    src = framework_log("v1.30.6-five-nodes")
    out = []
    for line in src.read_text().splitlines():
        if len(line) > 60 and "Plugin scored node" in line:  # split long score lines into P + F parts
            out += [f"2026-11-28T16:09:06.1Z stderr P {line[:40]}", f"2026-11-28T16:09:06.1Z stderr F {line[40:]}"]
        else:
            out.append(f"2026-11-28T16:09:06.1Z stderr F {line}")
    path = tmp_path / "cri.log"
    path.write_text("\n".join(out) + "\n")
    result = analyze_paths([str(path)])
    assert result.format.wrapper == "cri"
    assert result.lines.total == len(out) and result.lines.unrecognized == 0
    assert _decisions(result) == _decisions(analysis(str(src)))
