# The public corpus (BPYRACE_CORPUS, set in tests/CMakeLists.txt): score and determinism.
add_test(NAME corpus_score COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_corpus.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
set_tests_properties(corpus_score PROPERTIES LABELS "blender;corpus" SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME corpus_deterministic COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_corpus.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
set_tests_properties(corpus_deterministic PROPERTIES LABELS "blender;corpus" SKIP_RETURN_CODE 77 TIMEOUT 600
                     ENVIRONMENT "RUNS=5")
