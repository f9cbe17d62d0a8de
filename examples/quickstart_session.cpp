// quickstart_session — the session_file preset: one JSONL file per logger
// lifetime, named by its start time (UTC) and its session id.
//
//   quickstart_session [DIR]   writes into DIR; without DIR, into a new
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
// A session log that also keeps debug records (the preset starts at info).
struct verbose_session_config : inkwell::presets::session_file_config {
    static constexpr inkwell::level default_level = inkwell::level::debug;
};
using verbose_session = inkwell::basic_logger<verbose_session_config>;
// [docs:end]

namespace {

// Prints every file below `dir` with its lines; returns how many lines they hold.
std::size_t show_files(const fs::path& dir) {
    std::size_t lines = 0;
    const auto files = examples::sorted_files(dir);
    for (const auto& file : files) {
        std::printf("%s\n", fs::relative(file, dir).c_str());
        std::ifstream in(file);
        for (std::string line; std::getline(in, line); ++lines) std::printf("  %s\n", line.c_str());
    }
    return lines;
}

}  // namespace

int main(int argc, char** argv) {
    const examples::example_folder folder(argc, argv, "inkwell-quickstart");
    const fs::path& dir = folder.path();

    {
        // [docs:use]
        inkwell::presets::session_file log({.name = "app.services.mic_input", .directory = dir});
        log.classifier().map("app.services.mic_input", "mic");  // category "mic" instead of "mic_input"

        INKWELL_INFO(log, "listening on device {}", 2, inkwell::kv("sampleRate", 48000));
        INKWELL_WARN(log, "buffer underrun after {} ms", 1500);
        // [docs:end]
    }  // the file stays; the next logger starts a new session file

    {
        verbose_session log({.name = "app.services.speech", .directory = dir});
        INKWELL_DEBUG(log, "model loaded in {} ms", 350);  // kept: this config starts at debug
    }

    const std::size_t lines = show_files(dir);
    return lines == 5 ? 0 : 1;  // two "session started" records and the three above
}
