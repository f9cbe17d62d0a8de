// expect: inkwell: the retention policy does not satisfy inkwell::policy::retention
// A config names a retention policy that is not one: caught even when its
// sink deletes nothing (the config says what it means).
#include <inkwell/inkwell.hpp>

struct my_config : inkwell::default_config {
    using retention = int;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello {}", 1);
}
