#pragma once
// std::chrono's clocks, durations and time points without the rest of
// C++20's <chrono> (calendars, time zones, formatting and parsing, which
// pull in <sstream> and cost every file that includes inkwell ~7 MB of
// compiler memory). libstdc++ keeps those basics in <bits/chrono.h>; every
// other library gets <chrono>. inkwell itself needs only the basics.

#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#else
#include <chrono>
#endif
