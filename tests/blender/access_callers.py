# One function's accesses from several callers: each access's stack names the
# line that called it.  The callee's frame is at the same address and stops at
# the same instruction every time, so only its callers tell the stacks apart
# (the recorder's cache of recent stacks must check them; docs/performance.md).
# CALLERS
import bpy

ob = bpy.data.objects["Cube"]


def touch():
    return ob.pass_index


def via():
    return touch()


for i in range(2):
    touch()
    touch()
    via()
    if i:
        touch()

# EXPECT: read bpy.data.objects tid=T1 gil=true line=8
# EXPECT: read bpy.data.objects tid=T1 gil=true line=8
# EXPECT: read bpy.data.objects["Cube"].pass_index tid=T1 gil=true line=12<20
# EXPECT: read bpy.data.objects["Cube"].pass_index tid=T1 gil=true line=12<21
# EXPECT: read bpy.data.objects["Cube"].pass_index tid=T1 gil=true line=12<16<22
# EXPECT: read bpy.data.objects["Cube"].pass_index tid=T1 gil=true line=12<20
# EXPECT: read bpy.data.objects["Cube"].pass_index tid=T1 gil=true line=12<21
# EXPECT: read bpy.data.objects["Cube"].pass_index tid=T1 gil=true line=12<16<22
# EXPECT: read bpy.data.objects["Cube"].pass_index tid=T1 gil=true line=12<24
