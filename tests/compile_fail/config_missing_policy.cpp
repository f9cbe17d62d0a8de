// expect: inkwell: the config lacks a policy type
// expect: derive it from inkwell::default_config (see inkwell/config.hpp)
// A config written from scratch that forgot the dedup policy.
#include <inkwell/inkwell.hpp>

struct my_config {
    using sink = inkwell::sink::console;
    using formatter = inkwell::format::text;
    using classifier = inkwell::classify::fixed<"general">;
    using buffer = inkwell::buffer::immediate;
    using rotation = inkwell::rotate::never;
    static constexpr inkwell::level min_level = inkwell::level::trace;
    static constexpr inkwell::level default_level = inkwell::level::info;
    static constexpr std::string_view level_env = "INKWELL_LEVEL";
    static constexpr std::string_view directory = "logs";
    static constexpr std::string_view base_name = "app";
    static constexpr unsigned file_mode = 0644;
    static constexpr unsigned directory_mode = 0755;
    static constexpr std::size_t max_message_bytes = 1024;
};

int main() {
    inkwell::basic_logger<my_config> log;
    INKWELL_INFO(log, "hello");
}
