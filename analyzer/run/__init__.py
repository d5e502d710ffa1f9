"""The execution core: the one way a run goes, from the inputs to the ordered, reconciled attempts.

How a run goes: the inputs are cut into units (``units``: a whole input, or a part of a large plain
file); each unit is read here or by the one worker pool (``pool``: local processes or Dask); the
``AttemptStream`` (``stream``) takes the units in order, merges a file's parts (``analyzer.parts``),
numbers the attempts (``numbering``) and reconciles them under the plan the log's head gives. A batch
run (``batch``: ``analyze_paths``, ``analyze_many``, ``analyze_reconciled``, hence ``analyzer.analyze``
and the CLI) collects that stream; ``export`` iterates it in flat memory.

Before this package a run had four homes, with these copies (issue 13):

- attempt numbering: the assembler numbers within what it reads; then ``pipeline.combine`` (across
  inputs), ``parts.merge.PartMerger`` (across a file's parts) and ``stream.AttemptStream._number``
  (across inputs, again). Now: ``numbering.AttemptNumbers``, used by all three.
- reconciling in workers: ``engine._whole_input``, ``parts.worker.analyze_chunk`` and
  ``stream.AttemptStream._finish``. Now: ``stream.whole_input`` and ``analyze_chunk`` in workers,
  ``AttemptStream._finish`` here, all under the one plan the stream holds.
- process pools: ``engine._local`` and ``engine._dask`` (batch), ``stream._PartQueue`` (export).
  Now: ``pool.WorkerPool``, fed by one ordered unit queue (``stream._UnitQueue``).
- part planning and merging: ``engine._split_plans`` with ``parts.merge`` (batch), ``plan_chunks``
  with ``PartMerger`` (stream). Now: ``units.plan_units`` and ``PartMerger``.
- read-classify-count loops: ``pipeline.iter_events`` and ``parts.worker._analyze_chunk``; and a whole
  input was read two ways (``pipeline.analyze_input`` sorted, ``AttemptStream._one_pass`` streamed).
  Now: ``pipeline.classified_events`` for every line, ``pipeline.read_input`` for every whole input.

``analyzer.engine`` and ``analyzer.stream`` only re-export this package's names for older callers;
``pipeline.analyze_paths`` calls ``batch.analyze_paths``; the tests that read a file's parts in one
process go through the stream too (its pool patched to do the work in the caller).

When the whole log states another version or weights than its head (a restart with another config, a
version told only later), ``batch.analyze_reconciled`` reconciles the collected attempts again under the
whole log's plan instead of reading the inputs again: ``reconcile.undo`` takes a reconciled attempt back
to exactly what was parsed (its parsed plugin names and provenance, none of the numbers, hidden scores,
totals and discrepancies reconciling added), so reconciling under plan A and then B gives what reconciling
once under B gives. A fold (``fold``: flat memory) cannot hold the attempts, so it reads the inputs again
with the whole log's plan handed to the stream (``AttemptStream(plan=...)``): the workers reconcile under
it, as on the first read.
"""
