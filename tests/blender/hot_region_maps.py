# Workload of check_hot_region.py: record a few accesses (so the recorder's
# tables are in use), then print this process's anonymous mappings of 4 MiB
# that start on a 2 MiB boundary, with their resident size, huge pages and
# whether they were advised for huge pages (VmFlags "hg").
import re

import bpy

ob = bpy.data.objects.new("hot_region_object", None)
ob.location = (1.0, 2.0, 3.0)
_ = ob.location.x, ob.name

regions = []
cur = None
with open("/proc/self/smaps") as smaps:
    for line in smaps:
        m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$", line)
        if m:
            cur = {"start": int(m.group(1), 16), "end": int(m.group(2), 16), "name": m.group(3)}
            regions.append(cur)
            continue
        key, _, value = line.partition(":")
        if key in ("Rss", "AnonHugePages"):
            cur[key] = int(value.split()[0])
        elif key == "VmFlags":
            cur["advised"] = "hg" in value.split()
for r in regions:
    if r["end"] - r["start"] == 4 << 20 and not r["name"] and r["start"] % (2 << 20) == 0:
        print("hot_region_maps: region rss=%d huge=%d advised=%d"
              % (r.get("Rss", 0), r.get("AnonHugePages", 0), r.get("advised", False)))
print("hot_region_maps: done")
