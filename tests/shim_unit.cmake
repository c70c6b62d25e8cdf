# The shim's sync and thread wrappers linked into a test program (no Blender);
# label tsan: CI runs it in the -DBPYRACE_SANITIZE=thread build too.
add_executable(test_shim_sync ${CMAKE_CURRENT_LIST_DIR}/unit/test_shim_sync.c
  ${CMAKE_SOURCE_DIR}/shim/core.c ${CMAKE_SOURCE_DIR}/shim/sync.c ${CMAKE_SOURCE_DIR}/shim/thread.c
  ${CMAKE_SOURCE_DIR}/shim/gil.c ${CMAKE_SOURCE_DIR}/shim/patch.c)
target_include_directories(test_shim_sync PRIVATE ${CMAKE_SOURCE_DIR}/tracer)
target_link_libraries(test_shim_sync PRIVATE bpyrace_trace PkgConfig::UNWIND PkgConfig::CAPSTONE ${CMAKE_DL_LIBS} Threads::Threads)
target_link_options(test_shim_sync PRIVATE -rdynamic)
add_test(NAME shim_sync COMMAND test_shim_sync)
set_tests_properties(shim_sync PROPERTIES LABELS "shim;unit;tsan" TIMEOUT 120
  ENVIRONMENT "BPYRACE_TRACE=${CMAKE_CURRENT_BINARY_DIR}/shim_sync.trace")
