# End-to-end tests of the shim against a real Blender, labelled "blender".
# Each runs `bpyrace run -- blender -b --factory-startup --python SCRIPT` (one or more
# times) and checks the trace, the dump or the report.  See tests/blender/.
find_program(BPYRACE_BLENDER blender)
find_program(BPYRACE_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT BPYRACE_PYTHON3)
  find_program(BPYRACE_PYTHON3 python3)
endif()
if(NOT BPYRACE_BLENDER OR NOT BPYRACE_PYTHON3)
  message(STATUS "blender or python3 not found: the \"blender\" tests are not registered")
  return()
endif()

set(_bt ${CMAKE_CURRENT_LIST_DIR}/blender)
set(_bt_names)

# 1-2, 6. exact events of each access form, of a thread handing off through a lock and
# of scene.frame_set()'s host GIL release/acquire (`# EXPECT:` lines in the script)
file(GLOB _bt_access CONFIGURE_DEPENDS ${_bt}/access_*.py ${_bt}/dump_*.py)
foreach(_s ${_bt_access})
  get_filename_component(_n ${_s} NAME_WE)
  add_test(NAME blender_${_n}
           COMMAND ${BPYRACE_PYTHON3} ${_bt}/check_dump.py $<TARGET_FILE:bpyrace> ${_s})
  list(APPEND _bt_names blender_${_n})
endforeach()

# 3. synchronisation primitives order the threads' accesses, and registry calls race
# (`# RACES:` and `# SIDES:` lines)
file(GLOB _bt_sync CONFIGURE_DEPENDS ${_bt}/sync_*.py ${_bt}/registry_*.py ${_bt}/names_*.py ${_bt}/pool_*.py)
foreach(_s ${_bt_sync})
  get_filename_component(_n ${_s} NAME_WE)
  add_test(NAME blender_${_n}
           COMMAND ${BPYRACE_PYTHON3} ${_bt}/check_races.py $<TARGET_FILE:bpyrace> ${_s})
  list(APPEND _bt_names blender_${_n})
endforeach()

# 4. the corpus scripts print the same summary line with and without bpyrace
add_test(NAME blender_outputs_same
         COMMAND ${BPYRACE_PYTHON3} ${_bt}/outputs_same.py $<TARGET_FILE:bpyrace>
                 ${BPYRACE_CORPUS})
list(APPEND _bt_names blender_outputs_same)

# 5. SIGKILL of Blender midway: the trace still dumps, truncated
add_test(NAME blender_kill COMMAND sh ${_bt}/kill.sh $<TARGET_FILE:bpyrace>)
list(APPEND _bt_names blender_kill)

# 5b. the recorder's long-lived memory is not the program's heap (jemalloc's
# statistics; not in sanitizer builds, whose runtime replaces the allocator)
if(NOT BPYRACE_SANITIZE)
  add_test(NAME blender_heap
           COMMAND ${BPYRACE_PYTHON3} ${_bt}/check_heap.py $<TARGET_FILE:bpyrace>)
  list(APPEND _bt_names blender_heap)
endif()

# 5c. the recorder's hot tables share one 4 MiB region advised for huge pages,
# resident from the start (smaps of the recorded process against plain Blender's)
add_test(NAME blender_hot_region
         COMMAND ${BPYRACE_PYTHON3} ${_bt}/check_hot_region.py $<TARGET_FILE:bpyrace>)
list(APPEND _bt_names blender_hot_region)

# 5d. bench/recording_cost.py's switch (_bpyrace.bench_pause): only with
# BPYRACE_BENCH_PAUSE=1, nothing recorded while paused, idempotent
add_test(NAME blender_bench_pause
         COMMAND ${BPYRACE_PYTHON3} ${_bt}/check_bench_pause.py $<TARGET_FILE:bpyrace>)
list(APPEND _bt_names blender_bench_pause)

# 7. interpreter GIL switches are not recorded as acquire/release of the GIL's mutex
add_test(NAME blender_gil_locks
         COMMAND ${BPYRACE_PYTHON3} ${_bt}/check_gil_locks.py $<TARGET_FILE:bpyrace>)
list(APPEND _bt_names blender_gil_locks)

# 8. native window sites: the frame_set line on the corpus's data races, and
# Blender's phases outside Python (start-up, exit)
foreach(_c frame_set_thread handler_vs_thread)
  add_test(NAME blender_sites_${_c}
           COMMAND ${BPYRACE_PYTHON3} ${_bt}/check_sites.py $<TARGET_FILE:bpyrace>
                   ${BPYRACE_CORPUS}/${_c}.py Scene.frame_set)
  list(APPEND _bt_names blender_sites_${_c})
endforeach()
add_test(NAME blender_sites_phases
         COMMAND ${BPYRACE_PYTHON3} ${_bt}/check_sites.py $<TARGET_FILE:bpyrace> --phases
                 ${_bt}/phases_background.py)
list(APPEND _bt_names blender_sites_phases)

# 9. real time: the timeline's window slices last what the script measured
add_test(NAME blender_timeline_time
         COMMAND ${BPYRACE_PYTHON3} ${_bt}/timeline_time.py $<TARGET_FILE:bpyrace>)
list(APPEND _bt_names blender_timeline_time)

set_tests_properties(${_bt_names} PROPERTIES
  LABELS blender TIMEOUT 120
  ENVIRONMENT "BPYRACE=$<TARGET_FILE:bpyrace>")
# twenty Blender runs: under ASan on a busy 2-core machine it can pass 120 s
set_tests_properties(blender_outputs_same PROPERTIES TIMEOUT 400)
