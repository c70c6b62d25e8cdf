# Other Debian releases' Blender, in roots ci/setup makes and caches outside the
# clone (ci/chroot), run by the binaries built here (issue 12).  Needs root.
# One root at a time: ci/chroot mounts and unmounts /proc and /dev in it.
set(BPYRACE_CHROOTS "/var/cache/bpyrace/chroots" CACHE PATH "where ci/chroot keeps its Debian roots")
set(_chroot env BPYRACE_CHROOTS=${BPYRACE_CHROOTS} sh ${CMAKE_SOURCE_DIR}/ci/chroot)
foreach(_root trixie sid)
  add_test(NAME chroot_${_root}_blender
           COMMAND ${_chroot} run ${_root} "${CMAKE_SOURCE_DIR}:${CMAKE_BINARY_DIR}:${BPYRACE_SHARED}"
                   sh ${CMAKE_CURRENT_LIST_DIR}/chroot/blender_tests.sh $<TARGET_FILE:bpyrace> ${CMAKE_CURRENT_LIST_DIR}/blender)
  set_tests_properties(chroot_${_root}_blender PROPERTIES LABELS "blender;chroot" TIMEOUT 900
                       RESOURCE_LOCK chroot_${_root})
endforeach()
# bpyrace test on examples/addon: the same JUnit verdicts as on Debian 12's Blender
foreach(_root trixie sid)
  foreach(_m pytest unittest)
    add_test(NAME chroot_${_root}_testcmd_${_m}
             COMMAND ${_chroot} run ${_root} "${CMAKE_SOURCE_DIR}:${CMAKE_BINARY_DIR}:${BPYRACE_SHARED}"
                     python3 ${CMAKE_CURRENT_LIST_DIR}/testcmd/check_testcmd.py $<TARGET_FILE:bpyrace> ${_m})
    set_tests_properties(chroot_${_root}_testcmd_${_m} PROPERTIES LABELS "blender;chroot;testcmd" TIMEOUT 300
                         RESOURCE_LOCK chroot_${_root})
  endforeach()
endforeach()
add_test(NAME chroot_trixie_corpus
         COMMAND ${_chroot} run trixie "${CMAKE_SOURCE_DIR}:${CMAKE_BINARY_DIR}:${BPYRACE_SHARED}"
                 env RUNS=3 sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_corpus.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
foreach(_n timer_from_thread pool_counter)
  add_test(NAME chroot_trixie_next_${_n}
           COMMAND ${_chroot} run trixie "${CMAKE_SOURCE_DIR}:${CMAKE_BINARY_DIR}:${BPYRACE_SHARED}"
                   sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_next.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS_NEXT} ${_n})
endforeach()
add_test(NAME chroot_sid_corpus
         COMMAND ${_chroot} run sid "${CMAKE_SOURCE_DIR}:${CMAKE_BINARY_DIR}:${BPYRACE_SHARED}"
                 env RUNS=3 sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_corpus.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
foreach(_n timer_from_thread pool_counter)
  add_test(NAME chroot_sid_next_${_n}
           COMMAND ${_chroot} run sid "${CMAKE_SOURCE_DIR}:${CMAKE_BINARY_DIR}:${BPYRACE_SHARED}"
                   sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_next.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS_NEXT} ${_n})
endforeach()
set_tests_properties(chroot_trixie_corpus chroot_trixie_next_timer_from_thread chroot_trixie_next_pool_counter
                     PROPERTIES LABELS "blender;chroot;corpus" TIMEOUT 600 RESOURCE_LOCK chroot_trixie
                     SKIP_RETURN_CODE 77)
set_tests_properties(chroot_sid_corpus chroot_sid_next_timer_from_thread chroot_sid_next_pool_counter
                     PROPERTIES LABELS "blender;chroot;corpus" TIMEOUT 600 RESOURCE_LOCK chroot_sid
                     SKIP_RETURN_CODE 77)
