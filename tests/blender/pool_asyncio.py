# RUNS: 5
# asyncio's run_in_executor hands jobs to the default ThreadPoolExecutor: two
# jobs, both let go by one Event once both are submitted, bump one custom
# property (a GIL race between the tasks); the coroutine reads it only after
# awaiting them (the result comes back through each job's future, whose lock
# orders it) and awaits a third job before reading what that one wrote.
import bpy, asyncio, threading

obj = bpy.data.objects["Cube"]
obj["count"] = 0
go = threading.Event()

def bump():
    go.wait()
    obj["count"] = obj["count"] + 1

def fill():
    obj["filled"] = obj["count"] * 10

async def main():
    loop = asyncio.get_running_loop()
    jobs = [loop.run_in_executor(None, bump), loop.run_in_executor(None, bump)]
    go.set()
    await asyncio.gather(*jobs)
    count = obj["count"]
    await loop.run_in_executor(None, fill)
    return count, obj["filled"]

print("SCRIPT DONE %s" % (asyncio.run(main()),))
# RACES: gil bpy.data.objects["Cube"]["count"]
# SIDES: gil bpy.data.objects["Cube"]["count"]: read line=15 / write line=15
