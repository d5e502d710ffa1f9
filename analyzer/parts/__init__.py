"""One large file on several cores: split it at cycle starts (plan), read each part and finish its
attempts (worker), merge the parts (merge).

A part starts at a line that begins a scheduling cycle ("About to try and schedule pod"). Its worker
first primes what the lines before it decided: the nodes the cache holds (node add/delete lines found
by a byte search), and the parser's memory of the last records (duplicates, clocks, open values). It
then reads its own lines, and past its end only the lines that can still change an attempt it started
(lines naming that pod, cycle starts, node lines) until every such attempt is final. Lines it routed to
its own attempts there are "claimed": the next part drops the drafts those lines made it open ("the log
starts inside this cycle" for a cycle that really started earlier). Attempt numbers are counted again
over the merged parts.

A bind line without its pod (1.19 JSON) goes to the oldest attempt waiting for its bind: parts follow
those lines past their ends too, and the merger checks that each part sent each one where one pass does.
When a part sees something this cannot reproduce exactly (several processes writing to one file, a
pod renamed by a later line, a bind line sent elsewhere, a wrapper), ``PartMerger.add`` says why and the
caller reads the file in one pass: the parts only ever give the result one pass gives.
"""

from .merge import PartMerger
from .plan import CYCLE_MARKERS, NODE_MARKERS, Chunk, min_chunk_bytes, plan_chunks
from .worker import ChunkResult, analyze_chunk, preamble

__all__ = ["CYCLE_MARKERS", "NODE_MARKERS", "Chunk", "ChunkResult", "PartMerger", "analyze_chunk",
           "min_chunk_bytes", "plan_chunks", "preamble"]
