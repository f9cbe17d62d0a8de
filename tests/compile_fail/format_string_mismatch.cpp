// expect: basic_format_string<char
// The format string is checked at compile time: one placeholder, two arguments
// is fine at run time for printf but not here; {:d} with a string neither.
#include <inkwell/inkwell.hpp>

int main() {
    inkwell::basic_logger<inkwell::default_config> log;
    INKWELL_INFO(log, "entity {:d}", std::string("actor_1"));
}
