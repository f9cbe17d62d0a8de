// expect: inkwell: key/value fields (inkwell::kv) must come after all format arguments
#include <inkwell/inkwell.hpp>

int main() {
    inkwell::basic_logger<inkwell::default_config> log;
    INKWELL_INFO(log, "entity {}", inkwell::kv("id", 1), 42);
}
