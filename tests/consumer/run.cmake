# Consumer test driver (run by ctest as `cmake -P`):
#   -DMODE=find_package|add_subdirectory -DINKWELL_SOURCE_DIR=... -DINKWELL_BINARY_DIR=...
#   -DWORK_DIR=... -DCXX_COMPILER=... -DGENERATOR=... [-DBUILD_TYPE=...]
# find_package: installs this build of inkwell into WORK_DIR/prefix, then
# configures, builds and runs tests/consumer against that prefix only.
# add_subdirectory: configures, builds and runs tests/consumer with the source tree.
cmake_minimum_required(VERSION 3.21)

foreach(required IN ITEMS MODE INKWELL_SOURCE_DIR INKWELL_BINARY_DIR WORK_DIR CXX_COMPILER GENERATOR)
  if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
    message(FATAL_ERROR "consumer/run.cmake: -D${required}=... is required")
  endif()
endforeach()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()

function(run_step description)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE exit_code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT exit_code EQUAL 0)
    string(REPLACE ";" " " shown "${ARGN}")
    message(FATAL_ERROR "consumer (${MODE}): ${description} failed (${exit_code})\n"
                        "command: ${shown}\n${out}\n${err}")
  endif()
  message(STATUS "consumer (${MODE}): ${description}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(consumer_source ${INKWELL_SOURCE_DIR}/tests/consumer)
set(consumer_build ${WORK_DIR}/build)
set(configure_args
    -S ${consumer_source} -B ${consumer_build} -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DINKWELL_CONSUMER_MODE=${MODE})

if(MODE STREQUAL "find_package")
  set(prefix ${WORK_DIR}/prefix)
  run_step("cmake --install into ${prefix}" ${CMAKE_COMMAND} --install ${INKWELL_BINARY_DIR} --prefix ${prefix})
  foreach(installed IN ITEMS include/inkwell/inkwell.hpp include/inkwell/version.hpp
                             share/cmake/inkwell/inkwellConfig.cmake
                             share/cmake/inkwell/inkwellConfigVersion.cmake)
    if(NOT EXISTS ${prefix}/${installed})
      message(FATAL_ERROR "consumer (${MODE}): the install lacks ${installed}")
    endif()
  endforeach()
  # Only the temporary prefix: the consumer must not see the source tree.
  list(APPEND configure_args -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
elseif(MODE STREQUAL "add_subdirectory")
  list(APPEND configure_args -DINKWELL_SOURCE_DIR=${INKWELL_SOURCE_DIR})
else()
  message(FATAL_ERROR "consumer/run.cmake: unknown MODE ${MODE}")
endif()

run_step("configure" ${CMAKE_COMMAND} ${configure_args})
run_step("build" ${CMAKE_COMMAND} --build ${consumer_build})
run_step("run" ${consumer_build}/consumer)
message(STATUS "consumer (${MODE}): ${step_output}")
