# ThreadSanitizer builds of the async tests (issue 3) and of the live/recent sinks
# (issue 5): every tests/test_async*.cpp, test_live.cpp and test_recent.cpp
# once more, compiled with -fsanitize=thread, as <name>_tsan, one ctest each with
# the label `tsan`:
#   ctest -L tsan          only these
#   ctest -LE tsan         everything else
# Included from tests/CMakeLists.txt after INKWELL_UNDER_TEST and
# INKWELL_UNDER_TEST_DEFINITIONS are set, so it builds against the split headers
# or the single header, whichever the suite uses.
#
# Boost.Test, libfmt and libstdc++ are not instrumented; that is fine: the
# tests call Boost.Test from the main thread only, and what is checked for races
# is inkwell's code, which is all in headers and so compiled with the sanitizer.
#
# INKWELL_STRESS_SCALE shrinks the record and thread counts of the tests
# (TSan runs them 5-15x slower), so that all of them take well under 2 minutes
# on 2 cores.

option(INKWELL_TSAN_TESTS "Build the async tests a second time with ThreadSanitizer (ctest label tsan)" ON)
set(INKWELL_TSAN_STRESS_SCALE 0.05 CACHE STRING "INKWELL_STRESS_SCALE for the ThreadSanitizer tests")

if(INKWELL_TSAN_TESTS)
  include(CheckCXXSourceCompiles)
  include(CMakePushCheckState)
  cmake_push_check_state(RESET)
  set(CMAKE_REQUIRED_FLAGS -fsanitize=thread)
  set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=thread)
  check_cxx_source_compiles("int main() { return 0; }" INKWELL_HAVE_TSAN)
  cmake_pop_check_state()
  if(NOT INKWELL_HAVE_TSAN)
    message(STATUS "inkwell: ${CMAKE_CXX_COMPILER} cannot build with -fsanitize=thread; no tsan tests")
  endif()
endif()

if(INKWELL_TSAN_TESTS AND INKWELL_HAVE_TSAN)
  file(GLOB INKWELL_TSAN_TEST_SOURCES CONFIGURE_DEPENDS ${INKWELL_TESTS_DIR}/test_async*.cpp
       ${INKWELL_TESTS_DIR}/test_live.cpp ${INKWELL_TESTS_DIR}/test_recent.cpp)
  foreach(src IN LISTS INKWELL_TSAN_TEST_SOURCES)
    get_filename_component(name ${src} NAME_WE)
    set(target ${name}_tsan)
    add_executable(${target} ${src})
    # -O1 keeps TSan's reports readable and the run fast enough; -g for the stacks.
    target_compile_options(${target} PRIVATE ${INKWELL_WARNING_FLAGS} -fsanitize=thread -g -O1)
    target_link_options(${target} PRIVATE -fsanitize=thread)
    target_compile_definitions(${target} PRIVATE BOOST_TEST_DYN_LINK ${INKWELL_UNDER_TEST_DEFINITIONS})
    target_include_directories(${target} PRIVATE ${INKWELL_TESTS_DIR}/support)
    target_link_libraries(${target} PRIVATE
        ${INKWELL_UNDER_TEST} Boost::unit_test_framework nlohmann_json::nlohmann_json Threads::Threads)
    add_test(NAME ${target} COMMAND ${target} WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    # A race report fails the test (TSan's exit code 66) without stopping at the first one.
    set_tests_properties(${target} PROPERTIES
        LABELS tsan
        TIMEOUT 300
        ENVIRONMENT "INKWELL_STRESS_SCALE=${INKWELL_TSAN_STRESS_SCALE};TSAN_OPTIONS=halt_on_error=0 exitcode=66 second_deadlock_stack=1")
  endforeach()
endif()
