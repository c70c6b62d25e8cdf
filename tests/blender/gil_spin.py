# Used by check_gil_locks.py: two Python threads spin in pure Python (no locks, no bpy)
# while the interpreter hands the GIL back and forth between them thousands of times.
# Each thread reads scene.frame_current just before and just after its spin (the
# markers the checker finds in the dump), and counts the hand-offs it sees (the other
# thread's counter moved since its own last step); the main thread prints the total.
import bpy, sys, threading

sys.setswitchinterval(1e-5)
scene = bpy.context.scene
f = scene.frame_current
counts = [0, 0]
seen = [0, 0]
STEPS = 4000000
barrier = threading.Barrier(2)

def spin(me):
    other = 1 - me
    barrier.wait()
    f = scene.frame_current  # SPIN START
    last = counts[other]
    for _ in range(STEPS):
        counts[me] += 1
        if counts[other] != last:
            last = counts[other]
            seen[me] += 1
    f = scene.frame_current  # SPIN END

threads = [threading.Thread(target=spin, args=(k,), name="spin-%d" % k) for k in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("gil_spin: handoffs=%d" % sum(seen), flush=True)
