"""bpyrace test: the pytest plugin that marks each test's start, outcome and
end in the trace.  Loaded by pytest from PYTEST_PLUGINS, which `bpyrace test`
sets (nothing to add to the tests or to conftest.py).  docs/testing.md.
"""
import bpyrace_hook as hook

hook.pytest_active = True


def pytest_runtest_logstart(nodeid, location):
    hook.mark(hook.START, nodeid)


def pytest_runtest_logreport(report):
    if report.failed:
        crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
        if crash is not None:   # "AssertionError: one is not two\nassert 1 == 2": the first line
            lines = [l for l in str(crash.message).strip().splitlines() if l.strip()]
            message = lines[0].strip() if lines else ""
        else:
            message = hook.first_line(report.longreprtext)
        hook.mark(hook.MESSAGE, report.nodeid, message)
        hook.mark(hook.OUTCOME, report.nodeid, hook.FAILED if report.when == "call" else hook.ERROR)
    elif report.skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else "skipped"
        if hasattr(report, "wasxfail"):
            reason = ("xfail: " + str(report.wasxfail)) if report.wasxfail else "xfail"
        hook.mark(hook.MESSAGE, report.nodeid, str(reason))
        hook.mark(hook.OUTCOME, report.nodeid, hook.SKIPPED)
    elif report.when == "call":
        hook.mark(hook.OUTCOME, report.nodeid, hook.PASSED)


def pytest_runtest_logfinish(nodeid, location):
    hook.mark(hook.END, nodeid)
