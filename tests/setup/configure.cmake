# Set-up configure test (run by ctest as `cmake -P`):
#   -DINKWELL_SOURCE_DIR=... -DWORK_DIR=... -DCXX_COMPILER=... -DGENERATOR=...
# tools/run-demo.sh and tools/run-bench.sh install only the packages their
# builds need, so on a bare machine the configure they run must not reach for
# the test suite's packages. This configures the source tree with the -D
# options read from each script's own cmake line, while the packages the
# script does not install are hidden from find_package; and once with the
# defaults (tests off) without nlohmann_json, where the inkwell command is
# left out with a warning instead of failing the configure.
cmake_minimum_required(VERSION 3.21)

foreach(required IN ITEMS INKWELL_SOURCE_DIR WORK_DIR CXX_COMPILER GENERATOR)
  if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
    message(FATAL_ERROR "setup/configure.cmake: -D${required}=... is required")
  endif()
endforeach()

# The -DNAME=VALUE options of the `cmake -S . -B ...` command in `script`.
function(script_options script out)
  file(READ ${INKWELL_SOURCE_DIR}/tools/${script} text)
  # The command and its continuation lines (each ending in a backslash).
  string(REGEX MATCH "cmake -S \\. -B ([^\n\\\\]|\\\\\n)*" command "${text}")
  if(command STREQUAL "")
    message(FATAL_ERROR "setup: no `cmake -S . -B` line in tools/${script}")
  endif()
  string(REGEX MATCHALL "-D[A-Z_]+=[A-Za-z0-9+_]+" options "${command}")
  set(${out} ${options} PARENT_SCOPE)
endfunction()

function(configure description expect_warning)
  set(build ${WORK_DIR}/build)
  file(REMOVE_RECURSE ${build})
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${INKWELL_SOURCE_DIR} -B ${build} -G ${GENERATOR}
                          -DCMAKE_CXX_COMPILER=${CXX_COMPILER} ${ARGN}
                  RESULT_VARIABLE exit_code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REPLACE ";" " " shown "${ARGN}")
  if(NOT exit_code EQUAL 0)
    message(FATAL_ERROR "setup: ${description}: the configure failed (${exit_code})\n"
                        "options: ${shown}\n${out}\n${err}")
  endif()
  string(FIND "${err}" "the inkwell command is not built" at)
  if(expect_warning AND at EQUAL -1)
    message(FATAL_ERROR "setup: ${description}: no warning that the inkwell command is left out\n${err}")
  endif()
  if(NOT expect_warning AND NOT at EQUAL -1)
    message(FATAL_ERROR "setup: ${description}: warns about the inkwell command it was told to leave out\n${err}")
  endif()
  message(STATUS "setup: ${description}: configures (${shown})")
  file(REMOVE_RECURSE ${build})
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# run-demo.sh installs neither nlohmann-json3-dev nor libspdlog-dev nor Boost.Test.
script_options(run-demo.sh demo)
configure("tools/run-demo.sh's configure" FALSE ${demo}
          -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON -DCMAKE_DISABLE_FIND_PACKAGE_spdlog=ON)
# run-bench.sh installs libspdlog-dev, not nlohmann-json3-dev.
script_options(run-bench.sh bench)
configure("tools/run-bench.sh's configure" FALSE ${bench} -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON)
# A user's plain configure, tests off, without nlohmann_json.
configure("the default configure without nlohmann_json" TRUE
          -DINKWELL_BUILD_TESTS=OFF -DINKWELL_BUILD_BENCH=OFF -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON)
file(REMOVE_RECURSE ${WORK_DIR})
