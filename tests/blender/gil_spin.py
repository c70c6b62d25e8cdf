# Used by check_gil_locks.py: two Python threads spin in pure Python (no locks) while
# the GIL changes hands thousands of times: the interpreter's periodic switch (a tiny
# switch interval) and, so that the count does not depend on the machine's load, an
# explicit time.sleep(0) every DROP_EVERY steps (it releases and re-takes the GIL:
# drop_gil/take_gil lock the GIL's mutex every time).
# Each thread reads scene.frame_current just before and just after its spin (the
# markers the checker finds in the dump) and counts the hand-offs it sees (the other
# thread's counter moved since its own last step); the main thread prints the totals.
import bpy, sys, threading, time

sys.setswitchinterval(1e-5)
scene = bpy.context.scene
f = scene.frame_current
STEPS = 200000
DROP_EVERY = 20
counts = [0, 0]
seen = [0, 0]
drops = [0, 0]
barrier = threading.Barrier(2)

def spin(me):
    other = 1 - me
    barrier.wait()
    f = scene.frame_current  # SPIN START
    last = counts[other]
    for i in range(STEPS):
        counts[me] += 1
        if counts[other] != last:
            last = counts[other]
            seen[me] += 1
        if i % DROP_EVERY == 0:
            time.sleep(0)
            drops[me] += 1
    f = scene.frame_current  # SPIN END

threads = [threading.Thread(target=spin, args=(k,), name="spin-%d" % k) for k in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("gil_spin: handoffs=%d drops=%d" % (sum(seen), min(drops)), flush=True)
