// expect: inkwell: the sink policy has no `void write(const inkwell::record&, std::string_view line)`; see inkwell/policy/sink.hpp
// A custom sink with the wrong write signature.
#include <inkwell/inkwell.hpp>

struct my_sink {
    explicit my_sink(const inkwell::sink_context&) {}
    void write(std::string_view) {}
    void flush() {}
};

struct my_config : inkwell::default_config {
    using sink = my_sink;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello");
}
