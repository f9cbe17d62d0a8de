# libFuzzer targets (issue 7): tests/fuzz/fuzz_<name>.cpp, each checking the
# invariants its header promises and aborting when one does not hold:
#   fuzz_json_escape         detail/json_escape.hpp   valid UTF-8, one JSON string, no raw control byte
#   fuzz_text_escape         detail/text_escape.hpp   no C0/DEL/C1 control out, valid UTF-8
#   fuzz_category_name       detail/sanitize.hpp      one safe component that stays inside its folder
#   fuzz_generalize          detail/generalize.hpp    runs + placeholders, digits replaced, UTF-8 kept
#   fuzz_keyword_classifier  classify/keyword.hpp     the first matching rule, or the fallback
# Included (OPTIONAL) from tests/CMakeLists.txt. Only clang has libFuzzer
# (Debian: libclang-rt-14-dev); with another compiler nothing is added.
#
# Each target is one ctest, fuzz_<name>, label `fuzz`:
#   ctest -L fuzz
# It runs the fuzzer for INKWELL_FUZZ_SECONDS on its seed corpus
# tests/fuzz/corpus/<name>/ (read only: new inputs go to a fresh folder in the
# build tree, <build>/tests/fuzz-work/<name>/new) and fails on any crash,
# sanitizer report, broken invariant, leak or slow input (-timeout); the input
# is then saved as <build>/tests/fuzz-work/<name>/artifacts/crash-<sha1>.
# Keep such an input as a regression: copy it into tests/fuzz/corpus/<name>/
# (every run executes the whole seed corpus first).
#
# By hand, longer:  build/tests/fuzz_generalize -max_total_time=600 new/ tests/fuzz/corpus/generalize

option(INKWELL_FUZZ_TESTS "Build the libFuzzer targets and run each briefly (ctest label fuzz; clang only)" ON)
set(INKWELL_FUZZ_SECONDS 20 CACHE STRING "How long each fuzz_* ctest fuzzes (-max_total_time)")

set(INKWELL_HAVE_LIBFUZZER OFF)
if(INKWELL_FUZZ_TESTS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  include(CheckCXXSourceCompiles)
  include(CMakePushCheckState)
  cmake_push_check_state(RESET)
  set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer,address,undefined")
  set(CMAKE_REQUIRED_LINK_OPTIONS -fsanitize=fuzzer,address,undefined)
  check_cxx_source_compiles([[
    #include <cstddef>
    #include <cstdint>
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }
  ]] INKWELL_LIBFUZZER_LINKS)
  cmake_pop_check_state()
  if(INKWELL_LIBFUZZER_LINKS)
    set(INKWELL_HAVE_LIBFUZZER ON)
  else()
    message(STATUS "inkwell: ${CMAKE_CXX_COMPILER} cannot link -fsanitize=fuzzer "
                   "(Debian: libclang-rt-14-dev); no fuzz tests")
  endif()
endif()

if(INKWELL_HAVE_LIBFUZZER)
  set(inkwell_fuzz_flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  # name  -max_len: the generalizer's limit is 4096 bytes, so its inputs go past it.
  set(inkwell_fuzz_targets json_escape:4096 text_escape:4096 category_name:256 generalize:10000
      keyword_classifier:4096)
  foreach(entry IN LISTS inkwell_fuzz_targets)
    string(REPLACE ":" ";" entry "${entry}")
    list(GET entry 0 name)
    list(GET entry 1 max_len)
    set(target fuzz_${name})
    add_executable(${target} ${INKWELL_TESTS_DIR}/fuzz/${target}.cpp)
    target_compile_options(${target} PRIVATE ${INKWELL_WARNING_FLAGS} ${inkwell_fuzz_flags} -g -O1)
    target_link_options(${target} PRIVATE ${inkwell_fuzz_flags})
    # The targets test detail headers of include/ directly (also in a
    # single-header build: they include no umbrella).
    target_link_libraries(${target} PRIVATE inkwell::inkwell nlohmann_json::nlohmann_json)

    set(dict)
    if(EXISTS ${INKWELL_TESTS_DIR}/fuzz/${name}.dict)
      set(dict ${INKWELL_TESTS_DIR}/fuzz/${name}.dict)
    endif()
    add_test(NAME ${target}
             COMMAND ${CMAKE_COMMAND}
                     -DFUZZER=$<TARGET_FILE:${target}>
                     -DSEEDS=${INKWELL_TESTS_DIR}/fuzz/corpus/${name}
                     -DWORK=${CMAKE_CURRENT_BINARY_DIR}/fuzz-work/${name}
                     -DSECONDS=${INKWELL_FUZZ_SECONDS}
                     -DMAX_LEN=${max_len}
                     -DDICT=${dict}
                     -P ${INKWELL_TESTS_DIR}/fuzz/run.cmake)
    set_tests_properties(${target} PROPERTIES LABELS fuzz TIMEOUT 300
        ENVIRONMENT "ASAN_OPTIONS=halt_on_error=1:detect_leaks=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  endforeach()
endif()
