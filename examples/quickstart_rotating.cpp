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

// The folder to log into: argv[1], or a new temporary one.
fs::path log_folder(int argc, char** argv, bool& temporary) {
    temporary = argc < 2;
    if (!temporary) return argv[1];
    std::string pattern = (fs::temp_directory_path() / "inkwell-quickstart-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        std::perror("mkdtemp");
        std::exit(1);
    }
    return pattern;
}

// Prints every file in `dir` with its line count; returns how many files there are.
std::size_t show_files(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
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
    bool temporary = false;
    const fs::path dir = log_folder(argc, argv, temporary);

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
    if (temporary) {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }
    return files == 4 ? 0 : 1;
}
