#pragma once
// clock::manual — a clock that stands still until it is told otherwise:
// tests drive a logger across midnight, daylight-saving changes and clock
// jumps without waiting or touching the machine's clock.
//
//   struct test_config : inkwell::presets::jsonl_per_category_config {
//       using clock = inkwell::clock::manual;
//   };
//   inkwell::clock::manual::set(std::chrono::sys_days{2024y / 3 / 31} + 23h);
//   ...log...
//   inkwell::clock::manual::advance(2h);    // or a negative duration: the clock jumps back
//
// Its time is one atomic per tag, shared by every logger that uses it and
// safe to read and change from any thread. basic_manual<Tag> with a tag of
// your own gives an independent clock. It starts at the Unix epoch: set it
// before logging.

#include <atomic>
#include "../detail/chrono.hpp"

#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace clock {

template <class Tag = void>
class basic_manual {
public:
    static time_point now() noexcept {
        return time_point{time_point::duration{ticks_.load(std::memory_order_acquire)}};
    }
    static void set(time_point t) noexcept { ticks_.store(t.time_since_epoch().count(), std::memory_order_release); }
    // Moves the clock by `d`, forwards or (negative) backwards.
    template <class Rep, class Period>
    static void advance(std::chrono::duration<Rep, Period> d) noexcept {
        ticks_.fetch_add(std::chrono::duration_cast<time_point::duration>(d).count(), std::memory_order_acq_rel);
    }

private:
    static inline std::atomic<time_point::rep> ticks_{0};
};

using manual = basic_manual<>;

}  // namespace clock
INKWELL_END_NAMESPACE
