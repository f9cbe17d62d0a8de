# Crash, exit, kill -9, several processes on one file (label crash) and fork
# (label fork): issue 7 points 1-5. Included OPTIONAL from tests/CMakeLists.txt.
# Each test starts child processes of its own (fork, or the test binary again
# with --child ...); none needs a server.
#   ctest -L crash      test_crash test_exit test_kill9 test_multiprocess
#   ctest -L fork       test_fork
foreach(crash_test IN ITEMS test_crash test_exit test_kill9 test_multiprocess)
  if(TARGET ${crash_test})
    # crash.hpp is an add-on header (not in the umbrella): include/ is needed
    # also when the suite compiles against the single header.
    target_include_directories(${crash_test} PRIVATE ${PROJECT_SOURCE_DIR}/include)
    set_tests_properties(${crash_test} PROPERTIES LABELS "unit;crash" TIMEOUT 300)
  endif()
endforeach()
if(TARGET test_fork)
  target_include_directories(test_fork PRIVATE ${PROJECT_SOURCE_DIR}/include)
  set_tests_properties(test_fork PROPERTIES LABELS "unit;fork" TIMEOUT 300)
endif()
