# Tracer tests: trace writer/reader unit tests and the bpyrace CLI.
# Labels: tracer (all), unit, cli; tsan = run in the -DBPYRACE_SANITIZE=thread
# build (ctest -L tsan); asan = meant for the address-sanitizer build.
# Exit codes: 0 pass, 1 fail, 77 skip, 99 harness broken.
set(_tr ${CMAKE_CURRENT_LIST_DIR})

add_executable(test_trace_writer ${_tr}/unit/test_trace_writer.c)
target_link_libraries(test_trace_writer PRIVATE bpyrace_trace Threads::Threads)
add_test(NAME tracer_writer COMMAND test_trace_writer)
set_tests_properties(tracer_writer PROPERTIES LABELS "tracer;unit;tsan"
                     SKIP_RETURN_CODE 77 TIMEOUT 300)

add_executable(test_trace_reader ${_tr}/unit/test_trace_reader.c)
target_link_libraries(test_trace_reader PRIVATE bpyrace_trace)
target_include_directories(test_trace_reader PRIVATE ${_tr}/../bench)
add_test(NAME tracer_reader COMMAND test_trace_reader)
set_tests_properties(tracer_reader PROPERTIES LABELS "tracer;unit;asan"
                     SKIP_RETURN_CODE 77 TIMEOUT 300)

# CLI tests: one script each, strace style (tests/cli/init.sh).
file(GLOB _tr_cli RELATIVE ${_tr}/cli ${_tr}/cli/*.sh)
list(REMOVE_ITEM _tr_cli init.sh)
foreach(_s IN LISTS _tr_cli)
  string(REGEX REPLACE "\\.sh$" "" _n ${_s})
  add_test(NAME cli_${_n} COMMAND sh ${_tr}/cli/${_s})
  set_tests_properties(cli_${_n} PROPERTIES LABELS "tracer;cli" SKIP_RETURN_CODE 77
    ENVIRONMENT "BPYRACE=$<TARGET_FILE:bpyrace>;TRACE_BUILDER=$<TARGET_FILE:test_trace_reader>;TESTS_DIR=${_tr};SOURCE_DIR=${_tr}/..")
endforeach()
