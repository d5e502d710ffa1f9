"""The one switch for the hot path's memos (``reconstruct/shared.py``, ``reconcile/memo.py``).

On by default. ``SCHEDLOG_MEMO=off`` (or ``set_enabled(False)``) builds and completes every score afresh,
line by line: the reference the tests compare the memos with (``tests/test_memo.py``).
"""

from __future__ import annotations

from .switch import Switch

ENV_VAR = "SCHEDLOG_MEMO"
_switch = Switch(ENV_VAR, ("off",))
enabled = _switch.enabled  # whether equal scores are shared and completed once
set_enabled = _switch.set_enabled  # objects made before keep their setting
memo_off = _switch.off  # every score built and completed afresh inside the block
