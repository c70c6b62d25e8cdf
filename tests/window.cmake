# Blender with a real window (Xvfb, Mesa's software OpenGL), labelled "window":
# the event loop, its timers and modal operators only exist there.  Each script
# quits Blender itself; `# WINDOW`, `# RUNS:`, `# RACES:` and `# SIDES:` lines
# are read by tests/blender/check_races.py.
find_program(BPYRACE_XVFB_RUN xvfb-run)
if(NOT BPYRACE_BLENDER OR NOT BPYRACE_PYTHON3 OR NOT BPYRACE_XVFB_RUN)
  message(STATUS "blender, python3 or xvfb-run not found: the \"window\" tests are not registered")
  return()
endif()
file(GLOB _wt CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/window/window_*.py)
foreach(_s ${_wt})
  get_filename_component(_n ${_s} NAME_WE)
  add_test(NAME ${_n}
           COMMAND ${BPYRACE_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/blender/check_races.py
                   $<TARGET_FILE:bpyrace> ${_s})
  set_tests_properties(${_n} PROPERTIES LABELS "blender;window" TIMEOUT 400)
endforeach()

# Blender's phases outside Python with a window: start-up, event loop, exit
add_test(NAME window_phases
         COMMAND ${BPYRACE_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/blender/check_sites.py
                 $<TARGET_FILE:bpyrace> --phases --window ${CMAKE_CURRENT_LIST_DIR}/window/phases_window.py)
set_tests_properties(window_phases PROPERTIES LABELS "blender;window" TIMEOUT 120)

# The graphics stack's locks are not recorded; Blender's and Python's still are
add_test(NAME window_quiet_graphics
         COMMAND ${BPYRACE_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/blender/check_quiet.py
                 $<TARGET_FILE:bpyrace> ${CMAKE_CURRENT_LIST_DIR}/window/quiet_window.py)
set_tests_properties(window_quiet_graphics PROPERTIES LABELS "blender;window" TIMEOUT 240)
