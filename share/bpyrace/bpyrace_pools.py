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

multiprocessing.pool.ThreadPool (once multiprocessing.pool is imported):
  ApplyResult.__init__, IMapIterator.__init__
                              a call (apply_async, map, imap, starmap...)
                              records one spawn, a family, for its jobs;
  apply_async, _map_async, imap, imap_unordered
                              hand the pool a _PoolJob: each call of it (each
                              item of a map) is a task of the family;
  _set of each result class   before a result is handed over (the waiter's
                              get(), the callbacks), the family's ended jobs
                              are ordered before it;
  join                        every job of the pool ended before it returns.
"""
import sys
import threading
import weakref

import _bpyrace

_MODULE = "concurrent.futures.thread"
_POOL_MODULE = "multiprocessing.pool"


class _Job:
    """fn as the pool sees it: calling it begins the task."""
    __slots__ = ("fn", "task")

    def __init__(self, fn, task):
        self.fn = fn
        self.task = task

    def __call__(self, *args, **kwargs):
        _bpyrace.task_begin(self.task)
        return self.fn(*args, **kwargs)


class _PoolJob:
    """func as a ThreadPool sees it: each call is one task of the family."""
    __slots__ = ("fn", "family")

    def __init__(self, fn):
        self.fn = fn
        self.family = 0

    def __call__(self, *args, **kwargs):
        task = _bpyrace.task_begin_family(self.family)
        try:
            return self.fn(*args, **kwargs)
        finally:
            _bpyrace.task_end(task)


_pools = weakref.WeakKeyDictionary()   # executor or pool -> (pool id, pool name)
_pool_count = 0
_thread_pool_count = 0


def _pool(executor):
    global _pool_count, _thread_pool_count
    pool = _pools.get(executor)
    if pool is None:
        _pool_count += 1
        name = getattr(executor, "_thread_name_prefix", None)
        if not name:
            name = "%s-%d" % (type(executor).__name__, _thread_pool_count)
            _thread_pool_count += 1
        pool = _pools[executor] = (_pool_count, name)
    return pool


def _wraps(wrapper, original):
    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(wrapper, attr, getattr(original, attr, None))
    wrapper.__wrapped__ = original
    return wrapper


def _job_of(item):
    """The fn a _WorkItem runs: its fn (up to 3.13), or the first of its task
    tuple (3.14: (fn, args, kwargs), made by WorkerContext.resolve_task)."""
    fn = getattr(item, "fn", None)
    if fn is None:
        task = getattr(item, "task", None)
        if isinstance(task, tuple) and task:
            fn = task[0]
    return fn


def _patch(module):
    executor, work_item = module.ThreadPoolExecutor, module._WorkItem
    submit0, run0, shutdown0 = executor.submit, work_item.run, executor.shutdown

    def submit(self, fn, /, *args, **kwargs):
        pool_id, name = _pool(self)
        return submit0(self, _Job(fn, _bpyrace.task_spawn(pool_id, name)), *args, **kwargs)

    def run(self, *args, **kwargs):   # 3.14 passes the worker's context
        job = _job_of(self)
        try:
            return run0(self, *args, **kwargs)
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


def _patch_thread_pool(module):
    thread_pool, apply_result, imap_iterator = module.ThreadPool, module.ApplyResult, module.IMapIterator
    pending = threading.local()   # the _PoolJob a call is handing over, for its result's __init__

    def handing(call0):
        def call(self, func, *args, **kwargs):
            job = pending.job = _PoolJob(func)
            try:
                return call0(self, job, *args, **kwargs)
            finally:
                pending.job = None
        return _wraps(call, call0)

    for name in ("apply_async", "_map_async", "imap", "imap_unordered"):
        setattr(thread_pool, name, handing(getattr(thread_pool, name)))

    def spawning(init0):
        def __init__(self, pool, *args, **kwargs):
            init0(self, pool, *args, **kwargs)
            job = getattr(pending, "job", None)
            if job is not None and isinstance(pool, thread_pool):
                pool_id, name = _pool(pool)
                job.family = self._bpyrace_family = _bpyrace.task_spawn(pool_id, name, True)
        return _wraps(__init__, init0)

    for cls in (apply_result, imap_iterator):
        cls.__init__ = spawning(cls.__init__)

    def handing_over(set0):
        def _set(self, i, obj):
            family = getattr(self, "_bpyrace_family", 0)
            if family:
                _bpyrace.family_join(family)
            set0(self, i, obj)
            if family and self._pool is None:   # the result is complete
                _bpyrace.family_join(family, True)
        return _wraps(_set, set0)

    for cls in (apply_result, module.MapResult, imap_iterator, module.IMapUnorderedIterator):
        if "_set" in vars(cls):
            cls._set = handing_over(vars(cls)["_set"])

    join0 = thread_pool.join

    def join(self):
        join0(self)
        _bpyrace.pool_join(_pool(self)[0])
    thread_pool.join = _wraps(join, join0)


_PATCHES = {_MODULE: _patch, _POOL_MODULE: _patch_thread_pool}


class _Finder:
    """Patches a pool module right after it is executed."""

    def find_spec(self, name, path=None, target=None):
        patch = _PATCHES.get(name)
        if patch is None:
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
                    patch(module)
                spec.loader.exec_module = exec_module
                return spec
        return None


for _name, _patcher in _PATCHES.items():
    if _name in sys.modules:
        _patcher(sys.modules[_name])
sys.meta_path.insert(0, _Finder())
