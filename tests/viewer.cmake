# The report viewer (viewer/) and the timeline (reports/timeline.c).
# view_*.sh drive the real viewer in tmux on the checked-in fixture and
# compare whole screens with tests/viewer/golden (label viewer);
# corpus_*.sh run Blender on the corpus first (label blender).
# Exit codes: 0 pass, 1 fail, 77 skip, 99 harness broken.
set(_vw ${CMAKE_CURRENT_LIST_DIR}/viewer)
file(GLOB _vw_tests RELATIVE ${_vw} ${_vw}/view_*.sh ${_vw}/corpus_*.sh)
foreach(_s IN LISTS _vw_tests)
  string(REGEX REPLACE "\\.sh$" "" _n ${_s})
  add_test(NAME viewer_${_n} COMMAND sh ${_vw}/${_s})
  if(_n MATCHES "^corpus_")
    set(_labels "blender;viewer-blender")
  else()
    set(_labels "viewer")
  endif()
  set_tests_properties(viewer_${_n} PROPERTIES LABELS "${_labels}" SKIP_RETURN_CODE 77 TIMEOUT 300
    ENVIRONMENT "BPYRACE=$<TARGET_FILE:bpyrace>;SOURCE_DIR=${CMAKE_SOURCE_DIR};CORPUS=${BPYRACE_CORPUS}")
endforeach()
