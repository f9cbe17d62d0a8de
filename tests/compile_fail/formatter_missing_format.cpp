// expect: inkwell: the formatter policy has no `void format(const inkwell::record&, inkwell::detail::line_buffer&)`; see inkwell/policy/formatter.hpp
#include <inkwell/inkwell.hpp>

struct my_formatter {
    std::string render(const inkwell::record&) { return {}; }
};

struct my_config : inkwell::default_config {
    using formatter = my_formatter;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello");
}
