# Compile-fail runner: cmake -DSETTINGS=<compile_fail_settings.cmake> -DSOURCE=<snippet.cpp> -P run.cmake
#
# A snippet proves that a mistake is caught at compile time with one message a
# user can act on (exactly one "error: " in the output). Its head (the leading // comment lines) holds one or more
#     // expect: <text>
# lines; the snippet passes when compiling it FAILS and the compiler's output
# contains every <text> (whitespace runs compared as one space).
cmake_minimum_required(VERSION 3.21)

if(NOT SETTINGS OR NOT SOURCE)
  message(FATAL_ERROR "usage: cmake -DSETTINGS=<settings.cmake> -DSOURCE=<snippet.cpp> -P run.cmake")
endif()
include(${SETTINGS})

# --- the expectations, from the comment lines at the top of the snippet
file(STRINGS ${SOURCE} head_lines)
set(expectations)
foreach(line IN LISTS head_lines)
  if(NOT line MATCHES "^[ \t]*//")
    break()
  endif()
  if(line MATCHES "^[ \t]*//[ \t]*expect:[ \t]*(.*[^ \t])[ \t]*$")
    list(APPEND expectations "${CMAKE_MATCH_1}")
  endif()
endforeach()
list(LENGTH expectations expectation_count)
if(expectation_count EQUAL 0)
  message(FATAL_ERROR "${SOURCE}: no `// expect: <text>` line in the comment block at its top")
endif()

# --- compile it, as the suite would
set(command ${CF_COMPILER} ${CF_FLAGS})
foreach(dir IN LISTS CF_INCLUDE_DIRS)
  list(APPEND command "-I${dir}")
endforeach()
foreach(def IN LISTS CF_DEFINITIONS)
  list(APPEND command "-D${def}")
endforeach()
list(APPEND command ${SOURCE})
# LC_ALL=C: plain ASCII quotes in diagnostics, so expectations match on any locale.
execute_process(COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C ${command}
                RESULT_VARIABLE exit_code
                OUTPUT_VARIABLE compiler_stdout
                ERROR_VARIABLE compiler_stderr)
set(output "${compiler_stdout}${compiler_stderr}")
string(REPLACE ";" " " shown_command "${command}")

if(exit_code EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not.\ncommand: ${shown_command}\n${output}")
endif()

string(REGEX REPLACE "[ \t\r\n]+" " " flat_output "${output}")
foreach(expected IN LISTS expectations)
  string(REGEX REPLACE "[ \t\r\n]+" " " flat_expected "${expected}")
  string(FIND "${flat_output}" "${flat_expected}" position)
  if(position EQUAL -1)
    message(FATAL_ERROR
      "${SOURCE} failed to compile, but not with the expected message.\n"
      "expected to find: ${expected}\ncommand: ${shown_command}\ncompiler output:\n${output}")
  endif()
endforeach()
# One mistake, one message: a wrong policy must not bury its static_assert
# under a cascade of template errors.
string(REGEX MATCHALL "error: " error_lines "${output}")
list(LENGTH error_lines error_count)
if(NOT error_count EQUAL 1)
  message(FATAL_ERROR
    "${SOURCE} failed to compile with ${error_count} errors; it must give exactly one.\n"
    "command: ${shown_command}\ncompiler output:\n${output}")
endif()

message(STATUS "${SOURCE}: fails to compile as expected (${expectation_count} expectation(s) found)")
