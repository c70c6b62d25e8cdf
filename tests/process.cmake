# Whole-process behaviour on real Blender: the corpus seed's dump, child processes.
add_test(NAME process_seed_dump COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/process/seed_dump.sh $<TARGET_FILE:bpyrace> ${BPYRACE_CORPUS})
add_test(NAME process_child_trace COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/process/child_trace.sh $<TARGET_FILE:bpyrace>)
set_tests_properties(process_seed_dump process_child_trace PROPERTIES LABELS "blender" SKIP_RETURN_CODE 77 TIMEOUT 180)
add_test(NAME process_behaviour_same COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/process/behaviour_same.sh $<TARGET_FILE:bpyrace>)
set_tests_properties(process_behaviour_same PROPERTIES LABELS "blender" TIMEOUT 120)
add_test(NAME process_private_trace
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/process/private_trace.sh $<TARGET_FILE:bpyrace>
                 ${CMAKE_SOURCE_DIR}/examples/lost_update.py)
set_tests_properties(process_private_trace PROPERTIES LABELS "blender" TIMEOUT 120)
add_test(NAME process_partial_run
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/process/partial_run.sh $<TARGET_FILE:bpyrace>)
set_tests_properties(process_partial_run PROPERTIES LABELS "blender" SKIP_RETURN_CODE 77 TIMEOUT 180)
# Hostile programs (issue 14): fork with threads, subprocess from threads, os._exit
# from a thread, SIGSEGV in a worker, closed or dup2()ed descriptors.
add_executable(hostile_fork_stress ${CMAKE_CURRENT_LIST_DIR}/process/hostile/fork_stress.c)
target_link_libraries(hostile_fork_stress PRIVATE Python3::Python Threads::Threads)
add_test(NAME process_hostile
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/process/hostile.py $<TARGET_FILE:bpyrace>)
set_tests_properties(process_hostile PROPERTIES LABELS "blender" SKIP_RETURN_CODE 77 TIMEOUT 600
                     ENVIRONMENT "HOSTILE_FORK_STRESS=$<TARGET_FILE:hostile_fork_stress>;HOSTILE_SANITIZER_RUNTIME=${_san_path}")
# The trace writer's helper thread has a descriptor table of its own holding the
# trace alone: the program's pipes close when the program closes them.
add_test(NAME process_helper_files
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/process/helper_files.py
                 $<TARGET_FILE:bpyrace_shim> $<TARGET_FILE:bpyrace>)
set_tests_properties(process_helper_files PROPERTIES LABELS "blender" TIMEOUT 180
                     ENVIRONMENT "HELPER_FILES_SANITIZER_RUNTIME=${_san_path}")
