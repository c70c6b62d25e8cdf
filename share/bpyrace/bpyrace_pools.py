"""Thread-pool jobs as tasks (bpyrace; docs/race-model.md, "Tasks").

bpyrace's shim loads this file when Python starts, before any program code.
A job handed to a ThreadPoolExecutor is a logical thread of its own, whichever
worker runs it: its begin is ordered after its submit, its end before whatever
observes it, and nothing else, so the worker's program order from one job to
the next and the pool's bookkeeping (its work queue, idle semaphore, shutdown
lock) order no two jobs.  Once concurrent.futures.thread is imported (a finder
on sys.meta_path sees the import and changes nothing else), three methods are
wrapped:

  ThreadPoolExecutor.submit   records the spawn (pool, submitting stack), then
                              hands the pool a _Job wrapping fn; map and
                              asyncio's run_in_executor go through submit;
  _WorkItem.run               the task begins when fn is called and ends once
                              the future is set and its done-callbacks have run,
                              so result(), wait(), as_completed() and the
                              callbacks are ordered after it by the future's
                              own locks;
  ThreadPoolExecutor.shutdown with wait=True (and so the end of a with block):
                              every task of the pool ended before it returns.
"""
import sys
import weakref

import _bpyrace

_MODULE = "concurrent.futures.thread"


class _Job:
    """fn as the pool sees it: calling it begins the task."""
    __slots__ = ("fn", "task")

    def __init__(self, fn, task):
        self.fn = fn
        self.task = task

    def __call__(self, *args, **kwargs):
        _bpyrace.task_begin(self.task)
        return self.fn(*args, **kwargs)


_pools = weakref.WeakKeyDictionary()   # executor -> (pool id, pool name)
_pool_count = 0


def _pool(executor):
    global _pool_count
    pool = _pools.get(executor)
    if pool is None:
        _pool_count += 1
        name = getattr(executor, "_thread_name_prefix", None) or type(executor).__name__
        pool = _pools[executor] = (_pool_count, name)
    return pool


def _wraps(wrapper, original):
    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(wrapper, attr, getattr(original, attr, None))
    wrapper.__wrapped__ = original
    return wrapper


def _patch(module):
    executor, work_item = module.ThreadPoolExecutor, module._WorkItem
    submit0, run0, shutdown0 = executor.submit, work_item.run, executor.shutdown

    def submit(self, fn, /, *args, **kwargs):
        pool_id, name = _pool(self)
        return submit0(self, _Job(fn, _bpyrace.task_spawn(pool_id, name)), *args, **kwargs)

    def run(self):
        job = self.fn
        try:
            run0(self)
        finally:
            if type(job) is _Job:
                _bpyrace.task_end(job.task)

    def shutdown(self, wait=True, *args, **kwargs):
        result = shutdown0(self, wait, *args, **kwargs)
        if wait:
            _bpyrace.pool_join(_pool(self)[0])
        return result

    executor.submit = _wraps(submit, submit0)
    work_item.run = _wraps(run, run0)
    executor.shutdown = _wraps(shutdown, shutdown0)


class _Finder:
    """Patches concurrent.futures.thread right after it is executed."""

    def find_spec(self, name, path=None, target=None):
        if name != _MODULE:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None and spec.loader is not None:
                exec0 = spec.loader.exec_module

                def exec_module(module):
                    exec0(module)
                    _patch(module)
                spec.loader.exec_module = exec_module
                return spec
        return None


if _MODULE in sys.modules:
    _patch(sys.modules[_MODULE])
else:
    sys.meta_path.insert(0, _Finder())
