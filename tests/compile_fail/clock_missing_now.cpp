// expect: inkwell: the clock policy has no `static inkwell::time_point now() noexcept`
// expect: see inkwell/policy/clock.hpp
// A clock whose now() is a member (not static) and may throw: one message
// names the policy kind and the header, with no cascade from the logger.
#include <inkwell/inkwell.hpp>

struct wall_clock {
    inkwell::time_point now() { return inkwell::clock_type::now(); }
};

struct my_config : inkwell::presets::jsonl_per_category_config {
    using clock = wall_clock;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello {}", 1);
}
