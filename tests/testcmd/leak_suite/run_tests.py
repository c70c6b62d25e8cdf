"""A suite whose first test leaves a thread running into the second."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.exit(int(pytest.main([os.path.join(HERE, "tests"), "-q", "-p", "no:cacheprovider",
                          "--rootdir", HERE])))
