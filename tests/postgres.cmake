# test_postgres: sink::postgres against a real server (label postgres).
# Included (OPTIONAL) at the end of tests/CMakeLists.txt. tools/run-tests.sh
# starts a private server (tools/private-postgres.sh) and exports
# INKWELL_TEST_POSTGRES (and INKWELL_TEST_POSTGRES_CTL for the restart test);
# without them the test exits 77: skipped.
if(TARGET test_postgres)
  if(NOT TARGET inkwell::postgres)
    message(FATAL_ERROR "inkwell: test_postgres needs libpq (tools/run-tests.sh installs libpq-dev)")
  endif()
  # libpq itself, not inkwell::postgres (which brings inkwell's include/ with
  # it): the suite may compile against the single header.
  target_link_libraries(test_postgres PRIVATE ${INKWELL_LIBPQ_LIBRARY})
  target_include_directories(test_postgres SYSTEM PRIVATE ${INKWELL_LIBPQ_INCLUDE_DIR})
  # Add-on headers live in include/ only (like the compressors).
  target_include_directories(test_postgres PRIVATE ${PROJECT_SOURCE_DIR}/include)
  set_tests_properties(test_postgres PROPERTIES LABELS postgres SKIP_RETURN_CODE 77 TIMEOUT 900)
endif()
