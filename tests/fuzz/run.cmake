# Runs one libFuzzer target for a short time (tests/fuzz.cmake):
#   cmake -DFUZZER=<exe> -DSEEDS=<seed corpus> -DWORK=<folder> -DSECONDS=<n>
#         -DMAX_LEN=<n> [-DDICT=<file>] -P run.cmake
# The seed corpus is only read; new inputs go to WORK/new, a crashing input to
# WORK/artifacts/. Fails when the fuzzer reports anything.

foreach(variable IN ITEMS FUZZER SEEDS WORK SECONDS MAX_LEN)
  if(NOT DEFINED ${variable} OR "${${variable}}" STREQUAL "")
    message(FATAL_ERROR "run.cmake: -D${variable}=... is missing")
  endif()
endforeach()
if(NOT IS_DIRECTORY "${SEEDS}")
  message(FATAL_ERROR "run.cmake: no seed corpus at ${SEEDS}")
endif()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/new" "${WORK}/artifacts")

set(options
    -max_total_time=${SECONDS}
    -max_len=${MAX_LEN}
    -timeout=10           # one input taking 10 s is a failure (the code promises linear time)
    -rss_limit_mb=2048
    -malloc_limit_mb=512
    -print_final_stats=1
    -artifact_prefix=${WORK}/artifacts/)
if(DICT)
  list(APPEND options -dict=${DICT})
endif()

execute_process(COMMAND "${FUZZER}" ${options} "${WORK}/new" "${SEEDS}"
                RESULT_VARIABLE result)

file(GLOB artifacts "${WORK}/artifacts/*")
if(NOT result EQUAL 0 OR artifacts)
  message(FATAL_ERROR "fuzzer ${FUZZER} failed (exit ${result}); input(s) saved: ${artifacts}\n"
                      "Keep a crashing input as a regression in ${SEEDS}/ once it is fixed.")
endif()
