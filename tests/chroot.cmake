# Other Debian releases' Blender, in roots ci/setup makes and caches outside the
# clone (ci/chroot), run by the binaries built here (issue 12).  Needs root.
add_test(NAME chroot_trixie_unsupported_python
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/chroot/unsupported_python.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
set_tests_properties(chroot_trixie_unsupported_python PROPERTIES LABELS "blender;chroot" TIMEOUT 300
                     RESOURCE_LOCK chroot_trixie)
