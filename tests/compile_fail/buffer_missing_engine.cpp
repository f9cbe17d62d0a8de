// expect: inkwell: the buffer policy has no nested `template <class Backend> class engine`; see inkwell/policy/buffer.hpp
#include <inkwell/inkwell.hpp>

struct my_buffer {
    void submit(const inkwell::record&) {}
};

struct my_config : inkwell::default_config {
    using buffer = my_buffer;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello");
}
