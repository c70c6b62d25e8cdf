"""A suite whose second test crashes Blender (SIGSEGV); the third never runs."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.exit(int(pytest.main([os.path.join(HERE, "tests"), "-q", "-p", "no:cacheprovider",
                          "--rootdir", HERE])))
