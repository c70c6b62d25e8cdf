# bpyrace test, --junit, --sarif and report --merge end to end on real Blender
# (tests/testcmd/check_testcmd.py; docs/testing.md).  Needs blender, and
# python3 with pytest and jsonschema (Debian's python3-pytest and
# python3-jsonschema, which ci/setup installs).
# Attribution and the JUnit/SARIF printers on written traces (no Blender).
add_executable(test_hb_tests ${CMAKE_CURRENT_LIST_DIR}/testcmd/test_hb_tests.c)
target_link_libraries(test_hb_tests PRIVATE bpyrace_reports bpyrace_trace_build)
add_test(NAME testcmd_attribution COMMAND test_hb_tests)
set_tests_properties(testcmd_attribution PROPERTIES LABELS "unit;testcmd")

find_program(BPYRACE_BLENDER blender)
find_program(BPYRACE_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT BPYRACE_PYTHON3)
  find_program(BPYRACE_PYTHON3 python3)
endif()
if(NOT BPYRACE_BLENDER OR NOT BPYRACE_PYTHON3)
  message(STATUS "blender or python3 not found: the \"testcmd\" tests are not registered")
  return()
endif()

set(_tc_names)
foreach(_m pytest unittest crash merge leak)
  add_test(NAME testcmd_${_m}
           COMMAND ${BPYRACE_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/testcmd/check_testcmd.py
                   $<TARGET_FILE:bpyrace> ${_m})
  list(APPEND _tc_names testcmd_${_m})
endforeach()
set_tests_properties(${_tc_names} PROPERTIES LABELS "blender;testcmd" TIMEOUT 300)
