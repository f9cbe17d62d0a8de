// expect: inkwell: async<..., Idle>: Idle is idle::sleep or idle::spin
// A writer-idle policy inkwell does not know (a duration, as a user of
// quill's sleep_duration might try): one message names the two there are.
#include <inkwell/inkwell.hpp>

#include <chrono>

struct my_config : inkwell::presets::jsonl_per_category_config {
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 1024 * 1024, 32 * 1024 * 1024,
                                          std::chrono::microseconds>;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello {}", 1);
}
