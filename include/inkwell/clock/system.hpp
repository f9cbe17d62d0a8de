#pragma once
// clock::system — the wall clock (std::chrono::system_clock): every
// config's default. With it, the async buffer stamps a call with the CPU's
// time-stamp counter and converts on the writer thread (detail/tsc_clock.hpp);
// any other clock is read on the calling thread itself.

#include "../detail/chrono.hpp"

#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace clock {

struct system {
    static time_point now() noexcept { return clock_type::now(); }
};

}  // namespace clock
INKWELL_END_NAMESPACE
