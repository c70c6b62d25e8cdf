"""Runs the add-on's pytest suite inside Blender:

    blender -b --factory-startup --python run_tests.py [-- PYTEST ARGS...]
    bpyrace test --junit report.xml -- blender -b --factory-startup --python run_tests.py

BPYRACE_SHARD=I/N (1-based) runs every N-th test starting at the I-th, for
splitting the suite across CI runners.  Exits with pytest's status.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)   # the add-on package


class Shard:
    """Keep only this runner's share of the tests (BPYRACE_SHARD=I/N)."""

    def __init__(self, spec):
        i, n = spec.split("/")
        self.i, self.n = int(i), int(n)

    def pytest_collection_modifyitems(self, config, items):
        keep = [t for k, t in enumerate(items) if k % self.n == self.i - 1]
        config.hook.pytest_deselected(items=[t for t in items if t not in keep])
        items[:] = keep


args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
plugins = [Shard(os.environ["BPYRACE_SHARD"])] if os.environ.get("BPYRACE_SHARD") else []
status = pytest.main([os.path.join(HERE, "tests"), "-q", "-p", "no:cacheprovider",
                      "--rootdir", HERE] + args, plugins=plugins)
sys.exit(int(status))
