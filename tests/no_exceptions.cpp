// Built with -fno-exceptions -fno-rtti -Wall -Wextra -Wpedantic -Werror (see
// tests/CMakeLists.txt) and run by the ctest `no_exceptions_no_rtti`: game
// engines build that way, so the whole library must compile and work there.
// Exit code 0 means every check held; each failed check prints a line.

#include "inkwell_under_test.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#error "this file must be compiled with -fno-exceptions"
#endif
#if defined(__GXX_RTTI) || defined(__cpp_rtti)
#error "this file must be compiled with -fno-rtti"
#endif

#ifdef INKWELL_HAS_EXCEPTIONS
static_assert(INKWELL_HAS_EXCEPTIONS == 0, "inkwell's platform switch must see -fno-exceptions");
#endif

namespace {

int failures = 0;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "no_exceptions: FAILED: %s\n", what);
        ++failures;
    }
}

}  // namespace

int main() {
    check(std::string_view{inkwell::version_string} == INKWELL_VERSION_STRING, "version_string");
    check(inkwell::level_name(inkwell::level::warn) == "warn", "level_name(warn)");

    // The error path works without exceptions: a handler sees the event and
    // the counters move.
    int handled = 0;
    inkwell::error_reporter reporter{[&handled](const inkwell::error_event&) { ++handled; }};
    reporter.report(inkwell::error_event{inkwell::error_kind::write, 28, "app.log", "no space left"});
    check(handled == 1, "error handler called once");
    check(reporter.stats().errors == 1, "error counter");

    // The three presets, for real, into a temporary folder.
    char folder[] = "/tmp/inkwell-noexcept-XXXXXX";
    check(::mkdtemp(folder) != nullptr, "mkdtemp");
    std::uint64_t written = 0;
    {
        inkwell::presets::jsonl_per_category jsonl({.directory = folder});
        inkwell::presets::session_file session({.directory = folder});
        INKWELL_INFO(jsonl, "GameEngine: started {} systems", 3, inkwell::kv("fast", true));
        INKWELL_ERROR(session, "an error in {}", "session");
        jsonl.flush();
        session.flush();
        written = jsonl.stats().records + session.stats().records;
    }
    check(written == 3, "three records written by the presets (the session's first says it started)");
    const std::string engine_day = std::string(folder);
    char command[256];
    std::snprintf(command, sizeof command, "grep -rl 'GameEngine: started 3 systems' %s >/dev/null", folder);
    check(std::system(command) == 0, "the jsonl record is on disk");
    std::snprintf(command, sizeof command, "rm -rf %s", folder);
    check(std::system(command) == 0, "clean up");

    if (failures == 0) std::puts("no_exceptions: all checks passed (built with -fno-exceptions -fno-rtti)");
    return failures == 0 ? 0 : 1;
}
