# The public corpus (../shared/corpus beside the repository, or BPYRACE_CORPUS).
set(BPYRACE_CORPUS "${CMAKE_SOURCE_DIR}/../shared/corpus" CACHE PATH "the public corpus directory")
if(NOT EXISTS "${BPYRACE_CORPUS}/score" AND EXISTS "/work/shared/corpus/score")
  set(BPYRACE_CORPUS "/work/shared/corpus")
endif()
add_test(NAME corpus_score COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_corpus.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
set_tests_properties(corpus_score PROPERTIES LABELS "blender;corpus" SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME corpus_deterministic COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_corpus.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
set_tests_properties(corpus_deterministic PROPERTIES LABELS "blender;corpus" SKIP_RETURN_CODE 77 TIMEOUT 600
                     ENVIRONMENT "RUNS=5")
