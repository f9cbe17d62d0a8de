// capture_existing_logs — an application that already prints to std::cerr
// and logs through spdlog gets all of it into one inkwell session file.
//
//   capture_existing_logs [DIR]   writes into DIR; without DIR, into a new
//                                 temporary folder that is removed at the end
//
// Built only where spdlog is installed (Debian: libspdlog-dev). The regions
// between `// [docs:NAME]` and `// [docs:end]` are shown in docs/capture.md.

#include <inkwell/inkwell.hpp>
#include <inkwell/capture/ostream.hpp>
#include <inkwell/capture/spdlog.hpp>

#include <spdlog/spdlog.h>

#include "support/example_folder.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    const examples::example_folder folder(argc, argv, "inkwell-capture");
    {
        inkwell::presets::session_file log({.name = "app", .directory = folder.path()});

        // [docs:streams]
        // Every line written to std::cerr becomes an error record, to std::clog an info record,
        // until the captures go out of scope (the streams get their own buffers back then).
        inkwell::capture::stream_capture cerr_lines(std::cerr, log, inkwell::level::error, "legacy.stderr");
        inkwell::capture::stream_capture clog_lines(std::clog, log, inkwell::level::info, "legacy.clog");
        std::cerr << "mixer: buffer underrun at frame " << 1234 << '\n';
        std::clog << "cache warmed in " << 12 << " ms\n";
        // [docs:end]

        // [docs:spdlog]
        // spdlog's messages go through an spdlog sink into the same logger; the spdlog
        // logger's name is the record's logger name (by_name maps it to a service).
        auto to_inkwell = std::make_shared<inkwell::capture::spdlog_sink_mt<inkwell::presets::session_file>>(log);
        auto mic = std::make_shared<spdlog::logger>("app.services.mic_input", to_inkwell);
        log.classifier().map("app.services.mic_input", "mic");
        mic->warn("device {} dropped {} frames", 2, 17);
        // [docs:end]
    }

    std::string all;
    for (const auto& entry : fs::recursive_directory_iterator(folder.path())) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path());
        for (std::string line; std::getline(in, line);) {
            std::printf("%s\n", line.c_str());
            all += line + '\n';
        }
    }
    // The three captured lines are in the session file.
    for (const char* expected : {"mixer: buffer underrun at frame 1234", "cache warmed in 12 ms",
                                 "device 2 dropped 17 frames"})
        if (all.find(expected) == std::string::npos) return 1;
    return 0;
}
