// Compile-cost probe: one file that logs one line to a file with a preset,
// through the single header. tools/measure-compile.sh times it next to
// spdlog_one_line.cpp.
#include <inkwell.hpp>

int main() {
    inkwell::presets::jsonl_per_category log({.directory = "compile-cost-logs"});
    INKWELL_INFO(log, "GameEngine: started with {} entities", 42);
}
