# The live viewer in a real browser (issue 8, point 3): ctest browser.viewer,
# label browser. tools/browser-test.sh installs Debian's chromium (and Node.js
# + npm only when missing), `npm ci`s tests/browser (playwright-core) into
# <build>/tests/browser/node-cache and runs tests/browser/viewer.test.mjs:
# `inkwell serve` on folders that log_writer fills, the page driven in
# headless Chromium; screenshots in <build>/tests/browser/.
#
# Included (OPTIONAL) from tests/CMakeLists.txt. One CI run is enough (the
# page and the server are the same in every run, and the set-up and the test
# take about a minute): only the g++ build against include/, not clang's
# (tools/run-tests.sh's clang run) nor the single header's.
#     -DINKWELL_BROWSER_TESTS=OFF   leaves it out

option(INKWELL_BROWSER_TESTS "The live viewer's browser test (label browser: Chromium, Node.js, npm)" ON)

if(INKWELL_BROWSER_TESTS AND NOT INKWELL_TEST_SINGLE_HEADER AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  if(NOT TARGET inkwell_cli)
    message(WARNING "inkwell: no browser test without the inkwell command (INKWELL_BUILD_TOOLS is OFF)")
  else()
    # Writes records on command (stdin), so the test can log while the page is open.
    add_executable(inkwell_browser_log_writer ${INKWELL_TESTS_DIR}/browser/log_writer.cpp)
    set_target_properties(inkwell_browser_log_writer PROPERTIES OUTPUT_NAME log_writer
                          RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/browser)
    target_compile_options(inkwell_browser_log_writer PRIVATE ${INKWELL_WARNING_FLAGS})
    target_link_libraries(inkwell_browser_log_writer PRIVATE ${INKWELL_UNDER_TEST} Threads::Threads)

    add_test(NAME browser.viewer
             COMMAND bash ${PROJECT_SOURCE_DIR}/tools/browser-test.sh
                     $<TARGET_FILE:inkwell_cli> $<TARGET_FILE:inkwell_browser_log_writer>
                     ${CMAKE_CURRENT_BINARY_DIR}/browser)
    set_tests_properties(browser.viewer PROPERTIES LABELS browser TIMEOUT 600 SKIP_RETURN_CODE 77)
  endif()
endif()
