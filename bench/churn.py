# Thread churn (issue 13): N short threads, one at a time (start; join), each
# touching bpy once.  N from the environment (CHURN_N, default 10000).
import os
import threading
import time

import bpy

N = int(os.environ.get("CHURN_N", "10000"))


def touch():
    bpy.context.scene.frame_current


t0 = time.perf_counter()
for _ in range(N):
    t = threading.Thread(target=touch)
    t.start()
    t.join()
print("churn: %d threads in %.2f s" % (N, time.perf_counter() - t0))
