// expect: inkwell: the sink policy has no `void flush()`; see inkwell/policy/sink.hpp
// A custom sink that forgot flush(): one message names the member and the header.
#include <inkwell/inkwell.hpp>

struct my_sink {
    explicit my_sink(const inkwell::sink_context&) {}
    void write(const inkwell::record&, std::string_view) {}
};

struct my_config : inkwell::default_config {
    using sink = my_sink;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello {}", 1);
}
