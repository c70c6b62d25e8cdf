# The public corpus (BPYRACE_CORPUS, set in tests/CMakeLists.txt): score and determinism.
add_test(NAME corpus_score COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_corpus.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
set_tests_properties(corpus_score PROPERTIES LABELS "blender;corpus" SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME corpus_deterministic COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_corpus.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
set_tests_properties(corpus_deterministic PROPERTIES LABELS "blender;corpus" SKIP_RETURN_CODE 77 TIMEOUT 600
                     ENVIRONMENT "RUNS=5")
# The same corpus with the GIL API hooked by patching libpython's entry points,
# as it must be on blender.org builds (docs/design.md, "Entry-point patching").
add_test(NAME corpus_patched COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_corpus.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
set_tests_properties(corpus_patched PROPERTIES LABELS "blender;corpus" SKIP_RETURN_CODE 77 TIMEOUT 300
                     ENVIRONMENT "BPYRACE_OPTIONS=patch_entry_points")

# Cases of work in progress (BPYRACE_CORPUS_NEXT) that bpyrace already gets
# right: each must give exactly its label in 5 runs of 5.  They stay out of the
# must-pass corpus above until they move into ../shared/corpus.
foreach(_n timer_from_thread pool_counter)
  add_test(NAME corpus_next_${_n}
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_next.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS_NEXT} ${_n})
  set_tests_properties(corpus_next_${_n} PROPERTIES LABELS "blender;corpus" SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
