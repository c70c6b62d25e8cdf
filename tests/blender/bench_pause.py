# bench_pause (bench/recording_cost.py's switch): 3 reads recorded, 4 made
# while paused (and a lock taken), 2 recorded after one resume of two
# pauses, 1 after a second resume (the switch is not a counter: 6 in all).
# Without BPYRACE_BENCH_PAUSE=1 the switch is absent and all 10 reads are
# recorded.
import threading

import bpy
import _bpyrace

cube = bpy.data.objects["Cube"]
present = hasattr(_bpyrace, "bench_pause")
pause = _bpyrace.bench_pause if present else (lambda paused: None)
print("bench_pause: present=%d" % present)
for _ in range(3):
    _ = cube.pass_index
pause(True)
pause(True)
for _ in range(4):
    _ = cube.pass_index
with threading.Lock():
    pass
pause(False)
for _ in range(2):
    _ = cube.pass_index
pause(False)
_ = cube.pass_index
