// Compile-cost reference for tools/measure-compile.sh: one line logged to a
// file with spdlog (Debian's libspdlog-dev, header-only, external {fmt}).
// Built with -DSPDLOG_HEADER_ONLY -DSPDLOG_FMT_EXTERNAL; only compiled, never run.
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

int main() {
    auto log = spdlog::basic_logger_mt("app", "logs/app.log");
    log->info("Creating entity {}", 42);
}
