# Tests of the analyzer and the reports (reports/), labelled "unit".
add_library(bpyrace_trace_build STATIC ${CMAKE_CURRENT_LIST_DIR}/unit/trace_build.c)
target_link_libraries(bpyrace_trace_build PUBLIC bpyrace_trace)
target_include_directories(bpyrace_trace_build PUBLIC ${CMAKE_CURRENT_LIST_DIR}/unit)

add_executable(test_hb ${CMAKE_CURRENT_LIST_DIR}/unit/test_hb.c)
target_link_libraries(test_hb PRIVATE bpyrace_reports bpyrace_trace_build)
add_test(NAME hb COMMAND test_hb)

add_executable(test_report_golden ${CMAKE_CURRENT_LIST_DIR}/unit/test_report_golden.c)
target_link_libraries(test_report_golden PRIVATE bpyrace_reports bpyrace_trace_build)
target_compile_definitions(test_report_golden PRIVATE
  BPYRACE_GOLDEN_DIR="${CMAKE_CURRENT_LIST_DIR}/golden")
add_test(NAME report_golden COMMAND test_report_golden)

set_tests_properties(hb report_golden PROPERTIES LABELS unit)
