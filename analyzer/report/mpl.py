"""matplotlib with the Agg backend, imported by the functions that draw figures only: the HTML page draws none,
and importing matplotlib costs about 30 MB of memory."""

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

__all__ = ["Figure", "Patch", "rc_context"]
