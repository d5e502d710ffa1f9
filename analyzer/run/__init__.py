"""The execution core: how a run goes (draft; see the design note as it grows)."""
