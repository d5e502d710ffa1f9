"""schedlog: read kube-scheduler verbose logs and explain, recompute and check every scheduling decision.

Pipeline: read -> parse -> reconstruct -> reference scoring -> reconcile -> report.
"""

from .analysis import Analysis, analyze
from .model import AnalysisResult, Attempt, NodeResult, Score
from .pipeline import analyze_paths

__all__ = ["Analysis", "AnalysisResult", "Attempt", "NodeResult", "Score", "analyze", "analyze_paths"]
__version__ = "0.1.0"
