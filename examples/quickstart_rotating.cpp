// quickstart_rotating — the rotating_text preset: `[time] [LEVEL] [module]
// message` lines in <base>.log (rotated), errors also in <base>_errors.log,
// and every line on the console.
//
//   quickstart_rotating [DIR]  writes into DIR; without DIR, into a new
//                              temporary folder that is removed at the end
//
// The regions between `// [docs:NAME]` and `// [docs:end]` are shown in
// docs/ and README.md (tools/docs_sync.py copies them there).

#include <inkwell/inkwell.hpp>

#include "support/example_folder.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

// [docs:derive]
// Daily files (storyos.log.YYYYMMDD) whatever INKWELL_LOG_ROTATION_TYPE says;
// the error file keeps its own size rotation.
struct daily_text_config : inkwell::presets::rotating_text_config {
    using rotation = inkwell::rotate::daily<>;
};
using daily_text = inkwell::basic_logger<daily_text_config>;
// [docs:end]

namespace {

// Prints every file in `dir` with its line count; returns how many files there are.
std::size_t show_files(const fs::path& dir) {
    const auto files = examples::sorted_files(dir, false);
    for (const auto& file : files) {
        std::ifstream in(file);
        std::size_t count = 0;
        for (std::string line; std::getline(in, line);) ++count;
        std::printf("%s (%zu lines)\n", file.filename().c_str(), count);
    }
    return files.size();
}

}  // namespace

int main(int argc, char** argv) {
    const examples::example_folder folder(argc, argv, "inkwell-quickstart");
    const fs::path& dir = folder.path();

    {
        // [docs:use]
        inkwell::presets::rotating_text log({.name = "storyos.auth", .directory = dir, .base_name = "storyos"});

        INKWELL_INFO(log, "User {} logged in successfully", "alice");  // storyos.log + console
        INKWELL_ERROR(log, "Database query failed: {}", "timeout");     // also storyos_errors.log
        // [docs:end]
    }

    {
        daily_text log({.name = "storyos.game", .directory = dir, .base_name = "storyos"});
        INKWELL_PERF(log, "turn completed (duration: {:.2f}s)", 2.34);
        // [docs:rotate]
        // Rotates every file of the logger now: storyos.log → storyos.log.YYYYMMDD (daily) and
        // storyos_errors.log → storyos_errors.log.1 (the error file's own size policy).
        log.rotate();
        // [docs:end]
        INKWELL_INFO(log, "after the rotation");
    }

    // storyos.log, storyos.log.YYYYMMDD, storyos_errors.log (empty) and storyos_errors.log.1
    const std::size_t files = show_files(dir);
    return files == 4 ? 0 : 1;
}
