"""Runs the add-on's unittest suite inside Blender:

    blender -b --factory-startup --python run_unittest.py
    bpyrace test --junit report.xml -- blender -b --factory-startup --python run_unittest.py
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "tests"))

suite = unittest.defaultTestLoader.loadTestsFromName("unittest_nudger")
result = unittest.TextTestRunner(verbosity=2).run(suite)
sys.exit(0 if result.wasSuccessful() else 1)
