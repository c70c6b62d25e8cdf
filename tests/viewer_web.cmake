# The --timeline of a real Blender run in a real trace viewer: speedscope (from
# npm) in headless Chromium (from Debian), driven over the DevTools protocol by
# tests/viewer_web/timeline_speedscope.py (labels blender, viewer-web).  Both are
# installed outside the checkout by ci/setup; when either is missing the test
# FAILS (it is not skipped), saying what to install or which option to set.
# ci/setup's BPYRACE_WEB_DIR, when set in the environment, is the default here too.
if(DEFINED ENV{BPYRACE_WEB_DIR})
  set(_web_default "$ENV{BPYRACE_WEB_DIR}")
else()
  set(_web_default "/var/cache/bpyrace/web")
endif()
set(BPYRACE_WEB_DIR "${_web_default}" CACHE PATH
    "directory holding node_modules/speedscope (ci/setup installs it there)")
find_program(BPYRACE_CHROMIUM NAMES chromium-headless-shell chromium
             DOC "headless Chromium for the viewer_web test (ci/setup installs chromium-headless-shell)")
if(NOT BPYRACE_BLENDER OR NOT BPYRACE_PYTHON3)
  return()   # no Blender: the "blender" tests are not registered (shim.cmake says so)
endif()
if(NOT BPYRACE_CHROMIUM)
  message(WARNING "no chromium-headless-shell or chromium: viewer_web_speedscope will fail (run ci/setup)")
endif()
if(NOT EXISTS "${BPYRACE_WEB_DIR}/node_modules/speedscope/dist/release/index.html")
  message(WARNING "no speedscope in ${BPYRACE_WEB_DIR}: viewer_web_speedscope will fail "
                  "(run ci/setup, or set -DBPYRACE_WEB_DIR=DIR)")
endif()
add_test(NAME viewer_web_speedscope
         COMMAND ${BPYRACE_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/viewer_web/timeline_speedscope.py
                 $<TARGET_FILE:bpyrace> ${BPYRACE_CHROMIUM} ${BPYRACE_WEB_DIR})
set_tests_properties(viewer_web_speedscope PROPERTIES LABELS "blender;viewer-web" TIMEOUT 300)
