# test_viewer (label viewer): the live viewer's server
# (include/inkwell/viewer/server.hpp) over real sockets, in-process and as
# the `inkwell serve` child process; `inkwell serve --redis` against the
# private Redis server when INKWELL_TEST_REDIS is set (tools/run-tests.sh),
# else that case says so and passes. Included from tests/CMakeLists.txt.
if(TARGET test_viewer)
  find_package(Boost 1.74 REQUIRED)  # Beast/Asio: header-only (libboost-dev)
  target_link_libraries(test_viewer PRIVATE Boost::headers)
  # The add-on header lives in include/ only (also for the single-header run).
  target_include_directories(test_viewer PRIVATE ${PROJECT_SOURCE_DIR}/include)
  if(TARGET inkwell_cli)
    target_compile_definitions(test_viewer PRIVATE INKWELL_CLI_PATH="$<TARGET_FILE:inkwell_cli>")
    add_dependencies(test_viewer inkwell_cli)
  else()
    message(WARNING "inkwell: test_viewer without the inkwell command (INKWELL_BUILD_TOOLS is OFF): its serve cases skip")
  endif()
  if(INKWELL_HIREDIS_INCLUDE_DIR AND INKWELL_HIREDIS_LIBRARY)
    target_link_libraries(test_viewer PRIVATE ${INKWELL_HIREDIS_LIBRARY})
    target_include_directories(test_viewer SYSTEM PRIVATE ${INKWELL_HIREDIS_INCLUDE_DIR})
    target_compile_definitions(test_viewer PRIVATE INKWELL_TEST_WITH_HIREDIS)
  endif()
  set_tests_properties(test_viewer PROPERTIES LABELS viewer SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
