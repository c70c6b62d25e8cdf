# Fuzzing (docs/fuzzing.md).  Always: the suite's corruption check on a
# generated trace, and the replay of every saved fuzz input (seeds and
# regressions) through the harnesses' entry points, built with a plain main.
# With -DBPYRACE_FUZZ=ON (clang): the libFuzzer harnesses fuzz_trace and
# fuzz_report_json, the whole build instrumented for coverage (CMakeLists.txt).
set(_fz ${CMAKE_CURRENT_LIST_DIR}/fuzz)

add_executable(trace_gen ${_fz}/trace_gen.c)
target_link_libraries(trace_gen PRIVATE bpyrace_trace_build)

# The harnesses' code, shared by the replay drivers and the fuzzers.
add_library(bpyrace_fuzz_trace STATIC ${_fz}/fuzz_trace.c ${_fz}/fuzz_io.c
            ${CMAKE_SOURCE_DIR}/tracer/dump.c ${CMAKE_SOURCE_DIR}/tracer/cli_error.c)
target_include_directories(bpyrace_fuzz_trace PRIVATE ${CMAKE_SOURCE_DIR}/tracer)
target_link_libraries(bpyrace_fuzz_trace PUBLIC bpyrace_reports bpyrace_trace)
add_library(bpyrace_fuzz_report_json STATIC ${_fz}/fuzz_report_json.c ${_fz}/fuzz_io.c)
target_link_libraries(bpyrace_fuzz_report_json PUBLIC bpyrace_viewer bpyrace_reports)

add_executable(fuzz_replay_trace ${_fz}/replay_main.c)
target_link_libraries(fuzz_replay_trace PRIVATE bpyrace_fuzz_trace)
add_executable(fuzz_replay_json ${_fz}/replay_main.c)
target_link_libraries(fuzz_replay_json PRIVATE bpyrace_fuzz_report_json)

add_test(NAME fuzz_replay_trace
         COMMAND fuzz_replay_trace ${_fz}/corpus-trace ${_fz}/regressions-trace)
add_test(NAME fuzz_replay_json
         COMMAND fuzz_replay_json ${_fz}/corpus-json ${_fz}/regressions-json)
# The issue's corruption check, on a trace the suite generates.
add_test(NAME fuzz_corrupt_check
         COMMAND sh -c "\"$1\" \"$2/gen.trace\" && exec python3 \"$3\" \"$4\" \"$2/gen.trace\" 360 14"
                 sh $<TARGET_FILE:trace_gen> ${CMAKE_CURRENT_BINARY_DIR}
                 ${_fz}/corrupt_check.py $<TARGET_FILE:bpyrace>)
set_tests_properties(fuzz_replay_trace fuzz_replay_json fuzz_corrupt_check PROPERTIES
                     LABELS "fuzz;asan" TIMEOUT 900)

if(BPYRACE_FUZZ)
  foreach(_h trace report_json)
    add_executable(fuzz_${_h} ${_fz}/fuzz_${_h}.c)
    target_link_libraries(fuzz_${_h} PRIVATE bpyrace_fuzz_${_h})
    target_link_options(fuzz_${_h} PRIVATE -fsanitize=fuzzer)
  endforeach()
endif()
