// expect: inkwell: the compression policy does not satisfy inkwell::policy::compression
// expect: see inkwell/policy/compression.hpp
// A compression policy without its file name extension: one message names
// the policy kind and the header, with no cascade from the sink.
#include <inkwell/inkwell.hpp>

struct my_compression {
    static inkwell::compress::result compress_file(int, int) noexcept { return {}; }
};

struct my_config : inkwell::presets::rotating_text_config {
    using compression = my_compression;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello {}", 1);
}
