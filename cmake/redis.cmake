# inkwell::redis — sink::redis (<inkwell/sink/redis.hpp>), with hiredis.
# Included (OPTIONAL) by the top-level CMakeLists.txt. Found by header and
# library (Debian: libhiredis-dev), with pkg-config's hint where it has one.
# The installed target links hiredis by name (-lhiredis), so a consumer's
# find_package(inkwell) needs nothing more than the library on its system.
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(INKWELL_PC_HIREDIS QUIET hiredis)
endif()
find_path(INKWELL_HIREDIS_INCLUDE_DIR hiredis/hiredis.h
          HINTS ${INKWELL_PC_HIREDIS_INCLUDEDIR} ${INKWELL_PC_HIREDIS_INCLUDE_DIRS})
find_library(INKWELL_HIREDIS_LIBRARY hiredis
             HINTS ${INKWELL_PC_HIREDIS_LIBDIR} ${INKWELL_PC_HIREDIS_LIBRARY_DIRS})
if(INKWELL_HIREDIS_INCLUDE_DIR AND INKWELL_HIREDIS_LIBRARY)
  add_library(inkwell_redis INTERFACE)
  add_library(inkwell::redis ALIAS inkwell_redis)
  set_target_properties(inkwell_redis PROPERTIES EXPORT_NAME redis)
  target_include_directories(inkwell_redis SYSTEM INTERFACE $<BUILD_INTERFACE:${INKWELL_HIREDIS_INCLUDE_DIR}>)
  target_link_libraries(inkwell_redis INTERFACE inkwell
      $<BUILD_INTERFACE:${INKWELL_HIREDIS_LIBRARY}> $<INSTALL_INTERFACE:hiredis>)
  list(APPEND INKWELL_ADDON_TARGETS inkwell_redis)
  message(STATUS "inkwell: hiredis found (${INKWELL_HIREDIS_LIBRARY}): inkwell::redis is available")
else()
  message(STATUS "inkwell: hiredis not found, so inkwell::redis is not offered (Debian: libhiredis-dev)")
endif()
