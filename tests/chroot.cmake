# Other Debian releases' Blender, in roots ci/setup makes and caches outside the
# clone (ci/chroot), run by the binaries built here (issue 12).  Needs root.
# One root at a time: ci/chroot mounts and unmounts /proc and /dev in it.
set(_chroot env BPYRACE_CHROOTS=${BPYRACE_CHROOTS} sh ${CMAKE_SOURCE_DIR}/ci/chroot)
set(_chroot_dirs "${CMAKE_SOURCE_DIR}:${CMAKE_BINARY_DIR}:${BPYRACE_SHARED}")   # bind-mounted
foreach(_root trixie sid)
  # every tests/blender race and event check
  add_test(NAME chroot_${_root}_blender
           COMMAND ${_chroot} run ${_root} ${_chroot_dirs}
                   sh ${CMAKE_CURRENT_LIST_DIR}/chroot/blender_tests.sh $<TARGET_FILE:bpyrace> ${CMAKE_CURRENT_LIST_DIR}/blender)
  set_tests_properties(chroot_${_root}_blender PROPERTIES LABELS "blender;chroot" TIMEOUT 900
                       RESOURCE_LOCK chroot_${_root})

  # bpyrace test on examples/addon: the same JUnit verdicts as on Debian 12's Blender
  foreach(_m pytest unittest)
    add_test(NAME chroot_${_root}_testcmd_${_m}
             COMMAND ${_chroot} run ${_root} ${_chroot_dirs}
                     python3 ${CMAKE_CURRENT_LIST_DIR}/testcmd/check_testcmd.py $<TARGET_FILE:bpyrace> ${_m})
    set_tests_properties(chroot_${_root}_testcmd_${_m} PROPERTIES LABELS "blender;chroot;testcmd" TIMEOUT 300
                         RESOURCE_LOCK chroot_${_root})
  endforeach()

  # the public corpus (3 runs, identical verdicts) and corpus-next
  add_test(NAME chroot_${_root}_corpus
           COMMAND ${_chroot} run ${_root} ${_chroot_dirs}
                   env RUNS=3 sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_corpus.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
  set(_corpus_tests chroot_${_root}_corpus)
  foreach(_n timer_from_thread pool_counter)
    add_test(NAME chroot_${_root}_next_${_n}
             COMMAND ${_chroot} run ${_root} ${_chroot_dirs}
                     sh ${CMAKE_CURRENT_LIST_DIR}/corpus/run_next.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS_NEXT} ${_n})
    list(APPEND _corpus_tests chroot_${_root}_next_${_n})
  endforeach()
  set_tests_properties(${_corpus_tests} PROPERTIES LABELS "blender;chroot;corpus" TIMEOUT 600
                       RESOURCE_LOCK chroot_${_root} SKIP_RETURN_CODE 77)
endforeach()
