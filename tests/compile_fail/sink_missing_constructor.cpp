// expect: inkwell: the sink policy has no constructor from `const inkwell::sink_context&`; see inkwell/policy/sink.hpp
#include <inkwell/inkwell.hpp>

struct my_sink {
    explicit my_sink(int) {}
    void write(const inkwell::record&, std::string_view) {}
    void flush() {}
};

struct my_config : inkwell::default_config {
    using sink = my_sink;
};

int main() { inkwell::basic_logger<my_config> log; }
