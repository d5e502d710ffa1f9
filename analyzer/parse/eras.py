"""Tell a log's era from what the parser saw. The signatures are data, checked in order."""

from __future__ import annotations

from collections.abc import Callable

from .lines import FormatFeatures

# (test on the features, era label). The first match wins; labels name the version range.
ERA_SIGNATURES: tuple[tuple[Callable[[FormatFeatures], bool], str], ...] = (
    (lambda f: f.styles["listed"] > 0 or f.files["schedule_one.go"] > 0, "structured-1.25+"),
    (lambda f: f.styles["listing"] > 0, "structured-1.22-1.27"),
    (lambda f: f.kinds["plugin_score"] > 0 or f.kinds["final_score"] > 0, "structured-1.21-1.24"),
    (lambda f: f.kinds["plugin_score_list"] > 0, "framework-1.19-1.20"),
    (lambda f: f.host_without_arrow > 0 or f.styles["v1.3"] > 0, "legacy-1.3"),
    (lambda f: f.styles["map"] > 0 and f.kinds["host_total"] > 0, "framework-1.16-1.20"),
    (lambda f: f.pod_forms["name_ns"] > 0 or f.styles["legacy-capacity"] > 0, "legacy-1.10-1.16"),
    (lambda f: f.styles["map"] > 0, "printf-map-1.16-1.22"),
    (lambda f: f.styles["bound-quoted"] > 0, "framework-1.17-1.18"),
    (lambda f: f.styles["bound-printf"] > 0, "legacy-1.14-1.16"),
    (lambda f: f.styles["structured"] > 0, "structured-1.19+"),
    (lambda f: f.kinds["host_total"] > 0 or f.kinds["priority_score"] > 0, "legacy"),
    (lambda f: f.kinds["bound"] > 0 or f.kinds["attempt_start"] > 0 or f.kinds["no_fit"] > 0, "unknown"),
)


def detect_era(features: FormatFeatures) -> str | None:
    for test, label in ERA_SIGNATURES:
        if test(features):
            return label
    return None


def detect_encoding(features: FormatFeatures) -> str | None:
    kinds = [k for k in ("text", "json") if features.encodings[k] > 0]
    if not kinds:
        return None
    return kinds[0] if len(kinds) == 1 else "mixed"


def detect_wrapper(features: FormatFeatures) -> str:
    seen = [w for w, n in features.wrappers.most_common() if n > 0 and w != "none"]
    return seen[0] if seen else "none"
