# test_redis (label redis): sink::redis against a real redis-server.
# tools/private-redis.sh starts a private one and prints
# INKWELL_TEST_REDIS=127.0.0.1:<port>; without that variable the test says
# why and exits 77 (ctest: skipped).
if(TARGET test_redis)
  if(NOT INKWELL_HIREDIS_INCLUDE_DIR OR NOT INKWELL_HIREDIS_LIBRARY)
    message(FATAL_ERROR "inkwell: test_redis needs hiredis (tools/run-tests.sh installs libhiredis-dev)")
  endif()
  # hiredis itself, not inkwell::redis (which brings inkwell's include/ with
  # it): the suite may compile against the single header.
  target_link_libraries(test_redis PRIVATE ${INKWELL_HIREDIS_LIBRARY})
  target_include_directories(test_redis SYSTEM PRIVATE ${INKWELL_HIREDIS_INCLUDE_DIR})
  target_include_directories(test_redis PRIVATE ${PROJECT_SOURCE_DIR}/include)
  set_tests_properties(test_redis PROPERTIES LABELS redis SKIP_RETURN_CODE 77 TIMEOUT 600)
endif()
