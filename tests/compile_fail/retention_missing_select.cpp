// expect: inkwell: the retention policy does not satisfy inkwell::policy::retention
// expect: see inkwell/policy/retention.hpp
// A retention policy that forgot select(listing&, time_point): one message
// names the policy kind and the header, with no cascade from the sink.
#include <inkwell/inkwell.hpp>

struct keep_a_week {
    int days = 7;
};

struct my_config : inkwell::presets::jsonl_per_category_config {
    using retention = keep_a_week;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello {}", 1);
}
