# The shim's core, linked into each test program below instead of preloading
# libbpyrace_shim.so (bpyrace_shim_linked, shim/CMakeLists.txt).

# The shim's sync and thread wrappers linked into a test program (no Blender);
# label tsan: CI runs it in the -DBPYRACE_SANITIZE=thread build too.
bpyrace_shim_linked(test_shim_sync ${CMAKE_CURRENT_LIST_DIR}/unit/test_shim_sync.c)
add_test(NAME shim_sync COMMAND test_shim_sync)
set_tests_properties(shim_sync PROPERTIES LABELS "shim;unit;tsan" TIMEOUT 120
  ENVIRONMENT "BPYRACE_TRACE=${CMAKE_CURRENT_BINARY_DIR}/shim_sync.trace")

# The pthread_t table over thousands of detached threads (a long session's
# Python threads), then joins: each still recorded.
bpyrace_shim_linked(test_shim_joins ${CMAKE_CURRENT_LIST_DIR}/unit/test_shim_joins.c)
add_test(NAME shim_joins COMMAND test_shim_joins)
set_tests_properties(shim_joins PROPERTIES LABELS "shim;unit;tsan" TIMEOUT 120
  ENVIRONMENT "BPYRACE_TRACE=${CMAKE_CURRENT_BINARY_DIR}/shim_joins.trace")

# A quiet library's mutex, condvar and semaphore calls bypass the wrappers
# (shim/quiet.c): a stand-in library whose name marks it quiet.
add_library(jemalloc_bprtest SHARED ${CMAKE_CURRENT_LIST_DIR}/unit/quiet_lib.c)
target_link_libraries(jemalloc_bprtest PRIVATE Threads::Threads)
bpyrace_shim_linked(test_quiet_bypass ${CMAKE_CURRENT_LIST_DIR}/unit/test_quiet_bypass.c)
add_test(NAME shim_quiet_bypass COMMAND test_quiet_bypass $<TARGET_FILE:jemalloc_bprtest>)
set_tests_properties(shim_quiet_bypass PROPERTIES LABELS "shim;unit;tsan" TIMEOUT 60
  ENVIRONMENT "BPYRACE_TRACE=${CMAKE_CURRENT_BINARY_DIR}/quiet_bypass.trace")

# Entry-point patching on hand-written prologues (shim/patch.c); dladdr1
# reads the functions' sizes through the exported symbols.
enable_language(ASM)
bpyrace_shim_linked(test_patch ${CMAKE_CURRENT_LIST_DIR}/unit/test_patch.c ${CMAKE_CURRENT_LIST_DIR}/unit/patch_cases.S)
add_test(NAME shim_patch COMMAND test_patch)
set_tests_properties(shim_patch PROPERTIES LABELS "shim;unit;tsan" TIMEOUT 60)

# The wrapper layouts of Blender 2.8 to 5.x (shim/py/pyshim.c), on wrappers
# built in memory: no Blender 4.4+ runs here yet.
file(GLOB _py_sources ${CMAKE_SOURCE_DIR}/shim/py/*.c)
add_executable(test_py_layout ${CMAKE_CURRENT_LIST_DIR}/unit/test_py_layout.c ${_py_sources} ${BPYRACE_SHIM_CORE})
target_include_directories(test_py_layout PRIVATE ${CMAKE_SOURCE_DIR}/shim/py ${CMAKE_SOURCE_DIR}/tracer)
target_link_libraries(test_py_layout PRIVATE bpyrace_trace Python3::Python PkgConfig::UNWIND bpyrace_capstone
  ${CMAKE_DL_LIBS} Threads::Threads)
add_test(NAME shim_py_layout COMMAND test_py_layout)
set_tests_properties(shim_py_layout PROPERTIES LABELS "shim;unit" TIMEOUT 60)

# The per-version internals table against each Python's own headers: the
# build host's, and the roots ci/setup makes (tests/chroot.cmake).
add_test(NAME shim_pyversion_table
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/unit/pyversion_check.sh ${CMAKE_SOURCE_DIR}
                 ${BPYRACE_CHROOTS}/trixie ${BPYRACE_CHROOTS}/sid)
set_tests_properties(shim_pyversion_table PROPERTIES LABELS "shim;unit" TIMEOUT 120)
