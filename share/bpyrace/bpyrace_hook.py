"""bpyrace test: marks each test's start, outcome and end in the trace.

Imported by bpyrace's shim when the interpreter starts under `bpyrace test`
(nothing to add to the tests).  It hooks unittest's TestResult, which every
unittest runner reports through; pytest runs are marked by the plugin in
bpyrace_pytest.py instead, which turns this hook off.  docs/testing.md.
"""
try:
    import _bpyrace   # registered by the shim; absent where it is inert (child processes)
except ImportError:
    _bpyrace = None

START, END, OUTCOME, MESSAGE = 1, 2, 3, 4
PASSED, FAILED, SKIPPED, ERROR = 1, 2, 3, 4

# Set by the pytest plugin: pytest reports unittest-style tests itself.
pytest_active = False


def mark(kind, test_id, value=0):
    if _bpyrace is None:
        return
    try:
        _bpyrace.mark(kind, str(test_id), value)
    except Exception:
        pass


def first_line(text):
    """The line a CI shows for a failure: the exception, e.g. 'AssertionError: 1 != 2'."""
    lines = [l for l in str(text).strip().splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""


def _install_unittest():
    import unittest.result as result

    TR = result.TestResult
    orig = {name: getattr(TR, name) for name in (
        "startTest", "stopTest", "addSuccess", "addFailure", "addError", "addSkip",
        "addExpectedFailure", "addUnexpectedSuccess", "addSubTest")}

    def _id(test):
        try:
            return test.id()
        except Exception:
            return repr(test)

    def _err_text(self, err, test):
        try:
            return first_line(self._exc_info_to_string(err, test))
        except Exception:
            return first_line(repr(err[1]))

    def startTest(self, test):
        if not pytest_active:
            mark(START, _id(test))
        return orig["startTest"](self, test)

    def stopTest(self, test):
        r = orig["stopTest"](self, test)
        if not pytest_active:
            mark(END, _id(test))
        return r

    def addSuccess(self, test):
        if not pytest_active:
            mark(OUTCOME, _id(test), PASSED)
        return orig["addSuccess"](self, test)

    def addFailure(self, test, err):
        if not pytest_active:
            mark(MESSAGE, _id(test), _err_text(self, err, test))
            mark(OUTCOME, _id(test), FAILED)
        return orig["addFailure"](self, test, err)

    def addError(self, test, err):
        if not pytest_active:
            mark(MESSAGE, _id(test), _err_text(self, err, test))
            mark(OUTCOME, _id(test), ERROR)
        return orig["addError"](self, test, err)

    def addSkip(self, test, reason):
        if not pytest_active:
            mark(MESSAGE, _id(test), str(reason))
            mark(OUTCOME, _id(test), SKIPPED)
        return orig["addSkip"](self, test, reason)

    def addExpectedFailure(self, test, err):
        if not pytest_active:
            mark(OUTCOME, _id(test), PASSED)
        return orig["addExpectedFailure"](self, test, err)

    def addUnexpectedSuccess(self, test):
        if not pytest_active:
            mark(MESSAGE, _id(test), "unexpected success")
            mark(OUTCOME, _id(test), FAILED)
        return orig["addUnexpectedSuccess"](self, test)

    def addSubTest(self, test, subtest, err):
        if not pytest_active and err is not None:
            failed = issubclass(err[0], test.failureException)
            mark(MESSAGE, _id(test), _err_text(self, err, test))
            mark(OUTCOME, _id(test), FAILED if failed else ERROR)
        return orig["addSubTest"](self, test, subtest, err)

    for name, fn in (("startTest", startTest), ("stopTest", stopTest), ("addSuccess", addSuccess),
                     ("addFailure", addFailure), ("addError", addError), ("addSkip", addSkip),
                     ("addExpectedFailure", addExpectedFailure),
                     ("addUnexpectedSuccess", addUnexpectedSuccess), ("addSubTest", addSubTest)):
        fn.__wrapped__ = orig[name]
        setattr(TR, name, fn)


_install_unittest()
