# Background Blender: start-up, this script (a frame change, a native window
# with a Python site), then exit.  Outside Python the main thread's windows are
# named startup before the script and exit after it.
import bpy

bpy.context.scene.frame_set(2)
print("SCRIPT DONE")
