// expect: inkwell: async<Overflow>: Overflow is overflow::block, overflow::drop or overflow::grow<MaxBytes>
// An overflow policy inkwell does not know: one message names the three
// there are (with clang too, no second one about the buffer's engine).
#include <inkwell/inkwell.hpp>

struct discard_oldest {};

struct my_config : inkwell::presets::jsonl_per_category_config {
    using buffer = inkwell::buffer::async<discard_oldest>;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello {}", 1);
}
