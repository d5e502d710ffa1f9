"""Parse printf-style scheduler messages (legacy era and the 1.17-1.22 printf leftovers) with lark.

A table of cheap string tests picks the grammar's start rule; lark (LALR) parses; a Transformer
turns the tree into an Event. A message that passes a test but fails the grammar is not an event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lark import Token, Transformer, v_args
from lark.exceptions import LarkError

from . import fastpath
from .events import Event
from .grammar import lalr_parser
from .recorded import recorded_event


@dataclass(frozen=True)
class Route:
    """A cheap test that sends a message to one start rule: a prefix, substrings it contains, an ending."""

    rule: str
    prefix: str | None = None  # always ends its first word with a space, so routes can be indexed by it
    contains: tuple[str, ...] = ()
    endswith: str | None = None
    stem: bool = False  # the prefix is only the start of a first word that runs on (``Event(v1.Object...``)

    def test(self, message: str) -> bool:
        return ((self.prefix is None or message.startswith(self.prefix))
                and all(part in message for part in self.contains)
                and (self.endswith is None or message.endswith(self.endswith)))


# Tried in order; order matters only where two routes can both match.
DISPATCH: tuple[Route, ...] = (
    Route("arrow", contains=(" -> ", ": ")),
    Route("host", "Host "),
    Route("plugin_list", "Plugin ", (" scores on ",)),
    Route("attempt", "Attempting to schedule pod:"),
    Route("dequeue", "About to try and schedule pod "),
    Route("bind_pod", "Attempting to bind pod: "),
    Route("bind", "Attempting to bind "),
    Route("bound", "pod ", (" is bound successfully on node ",)),
    Route("bind_failed", "Failed to bind pod:"),
    Route("no_fit", "Unable to schedule ", (": no fit: ",)),
    Route("no_nodes", "Unable to schedule "),
    Route("error_scheduling", "Error scheduling ", (": ",)),
    Route("error_selecting", "Error selecting node for pod: "),
    Route("error_selecting", "error selecting node for pod: "),
    Route("preempt_error", "Error preempting victims to make room for "),
    Route("schedule_failed", "Failed to schedule pod:"),
    Route("allowed", "Schedule Pod ", (" is allowed,",)),
    Route("rejected", "Cannot schedule pod "),
    Route("preempt_node", "Node ", endswith="is a potential node for preemption."),
    Route("preempt_victim", "Pod ", (" is a potential preemption victim on node ",)),
    Route("preempt_not_eligible", "Pod ", endswith="is not eligible for more preemption."),
    Route("preempt_no_help", "Preemption will not help schedule pod "),
    Route("preempting", "Preempting ", (" pod(s) on node ", " to make room for ")),
    Route("postfilter", "Status after running PostFilter plugins for pod "),
    Route("version", "Starting Kubernetes Scheduler version "),
    Route("version", "Version: "),
    Route("provider", "Creating scheduler from algorithm provider "),
    Route("priorities", "Creating scheduler with fit predicates "),
    Route("component_config", "Using component config"),
    Route("node_tree_added", "Added ", endswith="to NodeTree"),
    Route("node_tree_removed", "Removed ", endswith="from NodeTree"),
    Route("node_event", "add ", (" event for node ",)),
    Route("node_event", "Add ", (" event for node ",)),
    Route("node_event", "delete ", (" event for node ",)),
    Route("node_event", "Delete ", (" event for node ",)),
    Route("event", "Event(", ("): ", "reason: '"), stem=True),
    # timeline (issue 14): pending pods seen and deleted (1.17-1.20 printf); "add event for scheduled pod" stays noise
    Route("pod_informer", "add ", (" event for unscheduled pod ",)),
    Route("pod_informer", "delete ", (" event for unscheduled pod ",)),
    Route("pod_informer", "delete ", (" event for scheduled pod ",)),
    # cache dumps and the cache comparer (issue 14; analyzer/parse/dumps.py)
    Route("cache_dump", "Dump ", endswith="of cached NodeInfo"),
    Route("queue_dump", "Dump ", ("of scheduling queue:",)),
    Route("cache_mismatch", "cache ", ("mismatch: missed ",)),
    Route("cache_mismatch_kv", '"Cache ', ('mismatch" ',)),
)

START_RULES: tuple[str, ...] = tuple(dict.fromkeys(route.rule for route in DISPATCH))


def _index(routes: tuple[Route, ...]) -> tuple[tuple[Route, ...], dict[str, tuple[Route, ...]], tuple[Route, ...]]:
    """The routes without a prefix, the others by the first word of their prefix (in order), and the
    stem routes, whose prefix is the start of a first word that runs on (``Event(v1.Object...``).

    A message is then only tested against the routes its own first word could satisfy; most log
    lines are not scheduler statements at all. Valid only while unprefixed routes come first.
    """
    unprefixed = tuple(route for route in routes if route.prefix is None)
    if routes[: len(unprefixed)] != unprefixed:
        raise ValueError("printf DISPATCH: routes without a prefix must come before all others")
    by_word: dict[str, tuple[Route, ...]] = {}
    stems: list[Route] = []
    for route in routes[len(unprefixed):]:
        if route.stem:
            stems.append(route)
            continue
        if " " not in route.prefix:
            raise ValueError(f"printf DISPATCH: prefix {route.prefix!r} must end its first word with a space")
        word = route.prefix.split(" ", 1)[0]
        by_word[word] = (*by_word.get(word, ()), route)
    for route in stems:  # a stem is only tried when the first word is no indexed word
        if any(word.startswith(route.prefix) for word in by_word):
            raise ValueError(f"printf DISPATCH: stem {route.prefix!r} is shadowed by an indexed first word")
    return unprefixed, by_word, tuple(stems)


_UNPREFIXED, _BY_WORD, _STEMS = _index(DISPATCH)


def dispatch(message: str) -> str | None:
    """The start rule of the first route that matches the message, or None."""
    for route in _UNPREFIXED:  # only the arrow lines, which come first
        if route.test(message):
            return route.rule
    routes = _BY_WORD.get(message.split(" ", 1)[0])
    for route in _STEMS if routes is None else routes:
        if route.test(message):
            return route.rule
    return None


def _int(tok: Token | None) -> int | None:
    return None if tok is None else int(tok)


def _gomap(text: str) -> dict[str, int]:
    """map[cpu:4000 memory:8589934592] -> {'cpu': 4000, 'memory': 8589934592}."""
    body = text[text.index("[") + 1 : text.rindex("]")]
    out: dict[str, int] = {}
    for item in body.split():
        key, _, val = item.rpartition(":")
        try:
            out[key] = int(val)
        except ValueError:
            continue
    return out


def _pod_form(pod: str) -> str:
    if "/" in pod:
        return "ns/name"
    if "_" in pod:
        return "name_ns"
    return "name"


def _score_kind(pod: str, name: str) -> str:
    """'<pod>_<ns> -> node: <url or extender>, Score: (n)' is an extender's score; a priority's otherwise."""
    return "extender_score" if _may_be_extender(name) and ("://" in name or "_" in pod) else "priority_score"


def _may_be_extender(name: str) -> bool:
    return "://" in name or name.startswith("/")


def _capacity_data(cap_cpu: str, cap_mem: str, req_cpu: str, req_mem: str, cap_vol: str | None = None,
                   req_vol: str | None = None) -> dict[str, Any]:
    """The data of a legacy 'capacity C millicores M memory bytes, total request ...' resource line."""
    alloc = {"cpu": int(cap_cpu), "memory": int(cap_mem)}
    req = {"cpu": int(req_cpu), "memory": int(req_mem)}
    if cap_vol is not None:
        alloc["volumes"], req["volumes"] = int(cap_vol), int(req_vol or 0)
    return {"allocatableResource": alloc, "requestedResource": req, "line_style": "legacy-capacity"}


@v_args(inline=True)
class PrintfToEvent(Transformer):
    """Turn each start rule's tree into an Event (location fields are filled by the caller)."""

    def arrow(self, subject, target, name, tail):
        kind, data = tail
        pod = str(subject)
        name = str(name).strip()
        if kind == "priority_score":
            return Event(_score_kind(pod, name), pod=pod, node=str(target), name=name, value=data["score"],
                         pod_form=_pod_form(pod))
        score = data.pop("score")  # the score is the Event's value, not a data key
        return Event("resource_score", pod=pod, node=str(target), name=name, value=score, data=data,
                     pod_form=_pod_form(pod))

    def priority_score(self, score):
        return "priority_score", {"score": int(score)}

    def capacity_part(self, cpu, mem, volumes):
        return cpu, mem, volumes

    def request_part(self, cpu, mem, volumes):
        return cpu, mem, volumes

    def map_request(self, req, score):
        return req, score

    def pair(self, first, second):
        return first, second

    def evaluated_feasible(self, evaluated, feasible):
        return evaluated, feasible

    def resource_capacity(self, capacity, request, score, _cm=None):
        (cap_cpu, cap_mem, cap_vol), (req_cpu, req_mem, req_vol) = capacity, request
        data = _capacity_data(cap_cpu, cap_mem, req_cpu, req_mem, cap_vol, req_vol)
        data["score"] = int(score)  # (arrow takes it out again)
        return "resource_score", data

    def resource_map(self, alloc, request):
        req, score = request
        return "resource_score", {"allocatableResource": _gomap(alloc), "requestedResource": _gomap(req),
                                  "score": int(score), "line_style": "map"}

    def resource_v13(self, _units, first_pair, second_pair, score, second=None):
        (req_cpu, req_mem), (cap_cpu, cap_mem) = first_pair, second_pair
        data = {"allocatableResource": {"cpu": int(cap_cpu), "memory": int(cap_mem)},
                "requestedResource": {"cpu": int(req_cpu), "memory": int(req_mem)},
                "score": int(score), "line_style": "v1.3"}
        if second is not None:  # LeastRequested printed (cpu score, memory score); the total is the mean
            data["per_resource_scores"] = [int(score), int(second)]
            data["score"] = (int(score) + int(second)) // 2
        return "resource_score", data

    def host(self, node, total):
        return Event("host_total", node=str(node), value=int(total))

    def plugin_list(self, plugin, pod, *node_scores):
        scores = [ns for ns in node_scores if ns is not None]
        return Event("plugin_score_list", pod=str(pod), name=str(plugin), data={"scores": scores})

    def node_score(self, node, score):
        return (str(node), int(score))

    def attempt(self, pod):
        return Event("attempt_start", pod=str(pod), pod_form=_pod_form(str(pod)))

    def dequeue(self, pod):
        return Event("dequeue", pod=str(pod), pod_form=_pod_form(str(pod)))

    def bind(self, pod, node):
        return Event("bind_attempt", pod=str(pod), node=str(node), pod_form=_pod_form(str(pod)))

    def bound(self, pod, node, counts):
        evaluated, feasible = counts
        return Event("bound", pod=str(pod), node=str(node).strip('"'),
                     data={"evaluatedNodes": int(evaluated), "feasibleNodes": int(feasible)})

    def bind_failed(self, pod):
        return Event("bind_failed", pod=str(pod))

    def bind_pod(self, pod):
        return Event("bind_attempt", pod=str(pod), pod_form=_pod_form(str(pod)))

    def no_fit(self, ns_part, pod, reason):
        pod_key, form = _spaced_pod(ns_part, pod)
        return Event("no_fit", pod=pod_key, data={"err": str(reason).strip()}, pod_form=form)

    def no_nodes(self, ns_part, pod, text):
        pod_key, form = _spaced_pod(ns_part, pod)
        return Event("schedule_error", pod=pod_key, data={"err": str(text).strip()}, pod_form=form)

    error_scheduling = no_nodes  # "Error scheduling <pod>: <err>" reads as "Unable to schedule <pod>: <err>"

    def error_selecting(self, text):
        # names no pod; the error handler's "Error scheduling <pod>: ...; retrying" may come before or after
        return Event("schedule_error", data={"err": str(text).strip(), "reason_follows": True})

    def schedule_failed(self, pod):
        # 1.7-1.11: the reason follows in the error handler's line ("Unable to schedule ...") or event
        return Event("schedule_error", pod=str(pod), data={"err": "Failed to schedule pod", "reason_follows": True})

    def allowed(self, pod, node, rest):
        return Event("filter_pass", pod=str(pod), node=str(node), data={"detail": str(rest).strip()})

    def rejected(self, pod, node, rest=None):
        return Event("filter_fail", pod=str(pod), node=str(node),
                     data={"detail": str(rest).strip(" ,") if rest else ""})

    def preempt_node(self, node):
        return Event("preempt_candidate", node=str(node))

    def preempt_victim(self, pod, node):
        return Event("preempt_victim", pod=str(pod), node=str(node))

    def preempt_not_eligible(self, pod):
        return Event("preempt_no_help", pod=str(pod), data={"reason": "not eligible for more preemption"})

    def preempt_no_help(self, pod):
        return Event("preempt_no_help", pod=str(pod))

    def preempting(self, count, node, pod):
        return Event("preempt_nominated", pod=str(pod), node=str(node), value=int(count))

    def preempt_error(self, pod):
        return Event("preempt_no_help", pod=str(pod), data={"reason": "error preempting victims"})

    def event(self, ref, event_type, reason, text=None):
        return recorded_event(str(ref), str(event_type or "").strip("'"), str(reason).strip("'"),
                              str(text or "").strip())

    def postfilter(self, pod, rest):
        return Event("postfilter", pod=str(pod), data={"status": str(rest).strip()})

    def version(self, version):
        return Event("version", data={"version": str(version)})

    def provider(self, name):
        return Event("provider", data={"algorithmProvider": str(name).strip("'")})

    def priorities(self, predicates, priorities):
        return Event("priorities", data={"predicates": _keys(predicates), "priorities": _keys(priorities)})

    def node_tree_added(self, node, _rest):
        return Event("node_added", node=str(node).strip('"'))

    def node_tree_removed(self, node, _rest):
        return Event("node_deleted", node=str(node).strip('"'))

    def node_event(self, verb, node):
        kind = "node_added" if str(verb).lower() == "add" else "node_deleted"
        return Event(kind, node=str(node).strip('"'))

    def component_config(self):
        return Event("component_config", data={})

    def pod_informer(self, verb, state, pod):
        kind = {("add", "unscheduled"): "pod_seen", ("delete", "unscheduled"): "pod_unqueued",
                ("delete", "scheduled"): "pod_deleted"}.get((str(verb).lower(), str(state)))
        return None if kind is None else Event(kind, pod=str(pod), pod_form=_pod_form(str(pod)))

    # cache dumps and the cache comparer (issue 14; analyzer/parse/dumps.py)
    def cache_dump(self):
        return Event("cache_dump", data={"text": ""})

    def queue_dump(self, rest=None):
        return Event("queue_dump", data={"text": str(rest).strip() if rest else ""})

    def cache_mismatch(self, what, missed, _what, redundant):
        what = str(what).capitalize()
        return Event("cache_mismatch", data={f"missed{what}": str(missed), f"redundant{what}": str(redundant)})

    def cache_mismatch_kv(self, *pairs):
        return Event("cache_mismatch", data=dict(str(p).split("=", 1) for p in pairs))


def _spaced_pod(ns_part: Token | None, pod: Token) -> tuple[str, str]:
    """The pod key and its logged form for '<ns>/<name>' or the 1.7-1.11 '<ns> <name>' spelling."""
    if ns_part is not None:
        return f"{ns_part}/{pod}", "ns name"
    return str(pod), "ns/name"


def _keys(text: str) -> list[str]:
    """'map[A:{} B:{}]' (a Go set printed with %v) -> ['A', 'B']."""
    body = text.strip("'")
    if body.startswith("map["):
        body = body[4:-1]
    return [item.split(":")[0] for item in body.split() if item]


_TRANSFORMER = PrintfToEvent()


# -- the columnar parser's hot printf shapes, a column at a time (parse/columnar.py) ---------------------------
def _forms(pods: list[str]) -> list[str]:
    """``_pod_form`` of each pod, worked out once per pod."""
    forms = {pod: _pod_form(pod) for pod in set(pods)}
    return list(map(forms.__getitem__, pods))


def _ints(texts: list[str]) -> list[int]:
    return list(map(int, texts))


def _stripped(texts: list[str], chars: str | None = None) -> list[str]:
    return [text.strip(chars) for text in texts]


def _arrow_score(subject: list[str], target: list[str], name: list[str], score: list[str]) -> dict[str, Any]:
    names = _stripped(name)
    kinds: Any = "priority_score"
    if any(_may_be_extender(text) for text in set(names)):
        kinds = list(map(_score_kind, subject, names))
    return {"kind": kinds, "pod": subject, "node": target, "name": names, "value": _ints(score),
            "pod_form": _forms(subject)}


def _arrow_capacity(subject: list[str], target: list[str], name: list[str], cpu: list[str], memory: list[str],
                    req_cpu: list[str], req_memory: list[str], score: list[str]) -> dict[str, Any]:
    return {"kind": "resource_score", "pod": subject, "node": target, "name": _stripped(name), "value": _ints(score),
            "data": list(map(_capacity_data, cpu, memory, req_cpu, req_memory)), "pod_form": _forms(subject)}


def _arrow_resource_map(subject: list[str], target: list[str], name: list[str], allocatable: list[str],
                        requested: list[str], score: list[str]) -> dict[str, Any]:
    """'pod -> node: scorer, map of allocatable resources map[..], map of requested resources map[..] ,score n,'
    rows: each distinct map text is read once (a node's maps repeat on every pod's line), each row gets dicts
    of its own."""

    def maps(texts: list[str]) -> list[dict]:
        read = {text: _gomap(text) for text in set(texts)}
        return list(map(dict, map(read.__getitem__, texts)))

    data = [{"allocatableResource": a, "requestedResource": r, "line_style": "map"}
            for a, r in zip(maps(allocatable), maps(requested), strict=True)]
    return {"kind": "resource_score", "pod": subject, "node": target, "name": _stripped(name), "value": _ints(score),
            "data": data, "pod_form": _forms(subject)}


def _pod_only(kind: str) -> Callable[[list[str]], dict[str, Any]]:
    return lambda pod: {"kind": kind, "pod": pod, "pod_form": _forms(pod)}


# fastpath.PRINTF_SHAPES name -> the Event fields of its rows, from the columns of its captured tokens: what the
# shape's build gives row by row (tests/test_columnar.py compares them on every corpus line)
COLUMN_BUILDS: dict[str, Callable[..., dict[str, Any]]] = {
    "arrow-score": _arrow_score,
    "arrow-resource-capacity": _arrow_capacity,
    "arrow-resource-map": _arrow_resource_map,
    "host": lambda node, total: {"kind": "host_total", "node": node, "value": _ints(total)},
    "allowed": lambda pod, node, rest: {"kind": "filter_pass", "pod": pod, "node": node,
                                        "data": [{"detail": text.strip()} for text in rest]},
    "dequeue": _pod_only("dequeue"),
    "attempt": _pod_only("attempt_start"),
    "bind": lambda pod, node: {"kind": "bind_attempt", "pod": pod, "node": node, "pod_form": _forms(pod)},
    "bound": lambda pod, node, evaluated, feasible: {
        "kind": "bound", "pod": pod, "node": _stripped(node, '"'),
        "data": [{"evaluatedNodes": e, "feasibleNodes": f} for e, f in zip(_ints(evaluated), _ints(feasible),
                                                                            strict=True)]},
}


def parse_printf(message: str) -> Event | None:
    """The Event for a printf-style scheduler message, or None when it is not one."""
    rule = dispatch(message)
    if rule is None:
        return None
    text = message.rstrip()
    if fastpath.enabled():
        event = fastpath.fast_printf(rule, text, _TRANSFORMER)
        if event is not None:
            return event
    try:
        tree = lalr_parser("printf", START_RULES).parse(text, start=rule)
    except LarkError:
        return None
    return _TRANSFORMER.transform(tree)
