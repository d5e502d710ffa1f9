"""Logged scorer/priority names -> the name the plugin or priority is registered (and weighted) under."""

from __future__ import annotations

# Resource scorers log their own name, not the priority's (LeastRequestedPriority logs itself as
# LeastResourceAllocation); 1.23+ NodeResourcesFit logs its scoring strategy instead of its name.
LOGGED_TO_REGISTERED: dict[str, str] = {
    "LeastResourceAllocation": "LeastRequestedPriority",
    "Least Requested Priority": "LeastRequestedPriority",
    "MostResourceAllocation": "MostRequestedPriority",
    "Balanced Resource Allocation": "BalancedResourceAllocation",
    "RequestedToCapacityRatioResourceAllocationPriority": "RequestedToCapacityRatioPriority",
    "LeastAllocated": "NodeResourcesFit",
    "MostAllocated": "NodeResourcesFit",
    "RequestedToCapacityRatio": "NodeResourcesFit",
}


def canonical_name(logged: str) -> str:
    return LOGGED_TO_REGISTERED.get(logged, logged)


def plugin_from_logger(logger: object) -> str | None:
    """1.30+ contextual logging names the plugin: logger="Score.NodeResourcesFit"."""
    if isinstance(logger, str) and logger.startswith("Score."):
        return logger.split(".", 1)[1]
    return None
