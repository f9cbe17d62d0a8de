# inkwell::postgres  sink::postgres (<inkwell/sink/postgres.hpp>), with libpq.
# Included (OPTIONAL) by the top-level CMakeLists.txt. Found by header and
# library (Debian: libpq-dev); the installed target links libpq by name
# (-lpq), so a consumer's find_package needs nothing more.
find_path(INKWELL_LIBPQ_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql pgsql)
find_library(INKWELL_LIBPQ_LIBRARY pq)
if(INKWELL_LIBPQ_INCLUDE_DIR AND INKWELL_LIBPQ_LIBRARY)
  add_library(inkwell_postgres INTERFACE)
  add_library(inkwell::postgres ALIAS inkwell_postgres)
  set_target_properties(inkwell_postgres PROPERTIES EXPORT_NAME postgres)
  target_include_directories(inkwell_postgres SYSTEM INTERFACE
      $<BUILD_INTERFACE:${INKWELL_LIBPQ_INCLUDE_DIR}>)
  target_link_libraries(inkwell_postgres INTERFACE inkwell
      $<BUILD_INTERFACE:${INKWELL_LIBPQ_LIBRARY}> $<INSTALL_INTERFACE:pq>)
  list(APPEND INKWELL_ADDON_TARGETS inkwell_postgres)
else()
  message(STATUS "inkwell: libpq not found (Debian: libpq-dev), so inkwell::postgres is not defined")
endif()
