# The static host's script: Python threads that sleep and take locks (the
# GIL released by CPython itself), beside the host's callbacks.
import threading
import time

counter_lock = threading.Lock()
counts = {"main": 0, "native": 0}
stop = threading.Event()


def worker(n):
    lock = threading.Lock()
    for _ in range(n):
        with lock:
            time.sleep(0.001)
    with counter_lock:
        counts[threading.current_thread().name] = n


def main_tick(i):
    counts["main"] += 1


def native_tick(i):
    counts["native"] += 1


workers = [threading.Thread(target=worker, args=(5,), name="sleeper-%d" % i) for i in range(2)]
for w in workers:
    w.start()


def finish():
    for w in workers:
        w.join()
    print("host: main %d native %d sleepers %d" % (counts["main"], counts["native"],
                                                     sum(counts.get("sleeper-%d" % i, 0) for i in range(2))))
