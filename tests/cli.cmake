# test_cli (label cli): the `inkwell` command (tools/inkwell) run as a child
# process on log folders written by real inkwell loggers. Included from
# tests/CMakeLists.txt; the command's target must exist (the top-level
# CMakeLists.txt adds tools/inkwell before tests/).
if(TARGET test_cli)
  if(TARGET inkwell_cli)
    target_compile_definitions(test_cli PRIVATE INKWELL_CLI_PATH="$<TARGET_FILE:inkwell_cli>")
    add_dependencies(test_cli inkwell_cli)
  else()
    message(WARNING "inkwell: test_cli without the inkwell command (INKWELL_BUILD_TOOLS is OFF): it will skip")
  endif()
  # A gzip-compressed rotated file is part of the folder it reads.
  find_package(ZLIB REQUIRED)
  target_link_libraries(test_cli PRIVATE ZLIB::ZLIB)
  target_include_directories(test_cli PRIVATE ${PROJECT_SOURCE_DIR}/include)
  set_tests_properties(test_cli PROPERTIES LABELS cli SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
