"""From 1.33 BalancedAllocation skips best-effort pods (kubernetes#130260): no score line, nothing added.

A real 1.30 lab attempt is edited into what a 1.33 scheduler logs for a best-effort pod (the
BalancedAllocation lines gone, the totals without them) and reconciled as 1.33 and as 1.32.
"""

from __future__ import annotations

from dataclasses import replace

from conftest import check_findings, framework_log, needs_shared

from analyzer import analyze_paths
from analyzer.reconcile import reconcile_result

BALANCED = "NodeResourcesBalancedAllocation"


def _without_balanced(keep_totals: bool):
    r = analyze_paths([str(framework_log("v1.30.6-five-nodes"))])
    a = next(a for a in r.attempts if any(s.plugin == BALANCED for n in a.nodes for s in n.scores))
    nodes = []
    for n in a.nodes:
        dropped = sum(s.weighted or 0 for s in n.scores if s.plugin == BALANCED)
        total = n.total_logged if keep_totals or n.total_logged is None else n.total_logged - dropped
        nodes.append(replace(n, scores=tuple(s for s in n.scores if s.plugin != BALANCED), total_logged=total))
    return replace(r, attempts=(replace(a, nodes=tuple(nodes)),))


@needs_shared
def test_no_balanced_line_adds_up_in_1_33():
    assert check_findings(reconcile_result(_without_balanced(keep_totals=False), "1.33.0")).unexplained == 0


@needs_shared
def test_balanced_is_not_a_suspect_for_a_gap_from_1_33():
    edited = _without_balanced(keep_totals=True)
    old = [d for a in reconcile_result(edited, "1.32.0").attempts for d in a.discrepancies if d.amount]
    new = [d for a in reconcile_result(edited, "1.33.0").attempts for d in a.discrepancies if d.amount]
    assert old and new
    assert all(BALANCED in (d.attribution or "") for d in old)
    assert not any(BALANCED in (d.attribution or "") or BALANCED in d.explanation for d in new)
