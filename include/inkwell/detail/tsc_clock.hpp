#pragma once
// The call site's clock: the CPU's time-stamp counter where it ticks at a
// constant rate on every core (one instruction, no system call), converted
// to wall-clock time on the writer thread. Elsewhere, or with INKWELL_NO_TSC
// set, CLOCK_REALTIME.

#include <time.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

inline std::int64_t realtime_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
inline std::int64_t monotonic_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// True when the counter is usable: x86-64 with an invariant TSC (the kernel
// lists constant_tsc and nonstop_tsc), and the environment does not turn it
// off (INKWELL_NO_TSC set to anything but "" or "0": a machine whose counter
// is not trusted, and the tests of the clock_gettime path). Read once.
inline bool tsc_usable() noexcept {
#if defined(__x86_64__)
    static const bool usable = [] {
        if (const char* off = std::getenv("INKWELL_NO_TSC"); off && *off && std::strcmp(off, "0") != 0) return false;
        std::FILE* f = std::fopen("/proc/cpuinfo", "r");
        if (!f) return false;
        char line[4096];
        bool constant = false, nonstop = false;
        while (std::fgets(line, sizeof line, f)) {
            if (std::strncmp(line, "flags", 5) != 0) continue;
            constant = std::strstr(line, " constant_tsc") != nullptr;
            nonstop = std::strstr(line, " nonstop_tsc") != nullptr;
            break;
        }
        std::fclose(f);
        return constant && nonstop;
    }();
    return usable;
#else
    return false;
#endif
}

// What the call site stores: counter ticks, or nanoseconds since the epoch
// when there is no usable counter.
inline std::uint64_t call_site_ticks(bool use_tsc) noexcept {
#if defined(__x86_64__)
    if (use_tsc) return __builtin_ia32_rdtsc();
#endif
    return static_cast<std::uint64_t>(realtime_ns());
}

// Turns ticks into wall-clock time. Owned by the writer thread: it re-anchors
// (a fresh counter/clock pair) now and then, and the rate is measured over
// the whole life of the converter, so the error shrinks as time passes and
// never accumulates into drift.
class tick_converter {
public:
    explicit tick_converter(bool use_tsc) noexcept : use_tsc_(use_tsc) {
        if (!use_tsc_) return;
        first_ticks_ = call_site_ticks(true);
        first_mono_ = monotonic_ns();
        // A first rate from a short wait; refined by every anchor() after.
        std::int64_t until = first_mono_ + 2'000'000;
        while (monotonic_ns() < until) {
        }
        anchor();
    }

    // Takes a new (ticks, wall clock) pair and refines the rate.
    void anchor() noexcept {
        if (!use_tsc_) return;
        const std::uint64_t t = call_site_ticks(true);
        const std::int64_t mono = monotonic_ns();
        const std::int64_t real = realtime_ns();
        if (t > first_ticks_ && mono > first_mono_)
            ns_per_tick_ = static_cast<double>(mono - first_mono_) / static_cast<double>(t - first_ticks_);
        anchor_ticks_ = t;
        anchor_real_ = real;
    }

    time_point to_time(std::uint64_t ticks) const noexcept {
        std::int64_t ns;
        if (!use_tsc_) {
            ns = static_cast<std::int64_t>(ticks);
        } else {
            const double delta = ticks >= anchor_ticks_ ? static_cast<double>(ticks - anchor_ticks_)
                                                        : -static_cast<double>(anchor_ticks_ - ticks);
            ns = anchor_real_ + static_cast<std::int64_t>(delta * ns_per_tick_);
        }
        return time_point{std::chrono::duration_cast<clock_type::duration>(std::chrono::nanoseconds{ns})};
    }

private:
    bool use_tsc_;
    std::uint64_t first_ticks_ = 0, anchor_ticks_ = 0;
    std::int64_t first_mono_ = 0, anchor_real_ = 0;
    double ns_per_tick_ = 1.0;
};

}  // namespace detail
INKWELL_END_NAMESPACE
