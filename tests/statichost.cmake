# A static-Python test host, linked the way blender.org builds are
# (libpython3.11.a inside a -no-pie executable exporting Py*/_Py* with a
# version script), and its twin linked with libpython3.11.so: bpyrace must see
# the same events in both (tests/statichost/same_events.py).
find_file(BPYRACE_LIBPYTHON_STATIC NAMES libpython${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}.a
          PATHS ${Python3_LIBRARY_DIRS} /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}
          DOC "CPython's static library, for the static-Python test host")
set(_host_src ${CMAKE_CURRENT_LIST_DIR}/statichost/host.c)
# The hosts stand in for Blender, which is not sanitizer-built.
set(_no_san $<$<BOOL:${BPYRACE_SANITIZE}>:-fno-sanitize=all>)

add_executable(bpr_shared_host ${_host_src})
target_link_libraries(bpr_shared_host PRIVATE Python3::Python Threads::Threads)
target_compile_options(bpr_shared_host PRIVATE ${_no_san})
target_link_options(bpr_shared_host PRIVATE ${_no_san})

if(BPYRACE_LIBPYTHON_STATIC)
  add_executable(bpr_static_host ${_host_src})
  target_include_directories(bpr_static_host PRIVATE ${Python3_INCLUDE_DIRS})
  target_compile_options(bpr_static_host PRIVATE -fno-pie ${_no_san})
  target_link_options(bpr_static_host PRIVATE -no-pie -Wl,--export-dynamic
    -Wl,--version-script=${CMAKE_CURRENT_LIST_DIR}/statichost/exports.map ${_no_san})
  # whole archive: extension modules loaded at run time need all of the API
  target_link_libraries(bpr_static_host PRIVATE
    -Wl,--whole-archive ${BPYRACE_LIBPYTHON_STATIC} -Wl,--no-whole-archive
    expat z m ${CMAKE_DL_LIBS} util Threads::Threads)
  add_test(NAME statichost_same_events
           COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/statichost/same_events.py $<TARGET_FILE:bpyrace>
                   $<TARGET_FILE:bpr_static_host> $<TARGET_FILE:bpr_shared_host>
                   ${CMAKE_CURRENT_LIST_DIR}/statichost/threads.py ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(statichost_same_events PROPERTIES LABELS "shim;statichost;tsan" TIMEOUT 300)
else()
  message(SEND_ERROR "libpython${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}.a not found "
                     "(Debian: libpython3.11-dev): the static-Python test host cannot be built")
endif()
