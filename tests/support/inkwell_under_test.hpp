#pragma once
// The tests include inkwell through this header, so that the whole suite can
// run against the generated single header (CMake option INKWELL_TEST_SINGLE_HEADER).
#ifdef INKWELL_TEST_SINGLE_HEADER
#include <inkwell.hpp>
#else
#include <inkwell/inkwell.hpp>
#endif
