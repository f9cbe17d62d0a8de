# The security suite (issue 7, point 8): hostile record data against the real
# formatters and file sinks (tests/test_security.cpp). Included OPTIONAL from
# tests/CMakeLists.txt; `ctest -L security` runs it.
if(TARGET test_security)
  set_tests_properties(test_security PROPERTIES LABELS "unit;security" TIMEOUT 300)
endif()
