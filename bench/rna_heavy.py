# One million RNA property accesses on one thread: 500,000 reads and
# 500,000 writes of Object.pass_index, the recorder's hot path.
import time
import bpy

N = 500_000
cube = bpy.data.objects["Cube"]
t0 = time.perf_counter()
for i in range(N):
    v = cube.pass_index
    cube.pass_index = (v + 1) & 0xFFFF
dt = time.perf_counter() - t0
print(f"rna_heavy: accesses={2 * N} loop_seconds={dt:.3f} pass_index={cube.pass_index}")
