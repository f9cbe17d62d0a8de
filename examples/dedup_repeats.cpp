// dedup_repeats — a session log that writes a repeated message once, then one
// summary of its repeats: dedup::time_window and dedup::signature.
//
//   dedup_repeats [DIR]   writes into DIR; without DIR, into a new
//                         temporary folder that is removed at the end
//
// The regions between `// [docs:NAME]` and `// [docs:end]` are shown in
// docs/ and README.md (tools/docs_sync.py copies them there).

#include <inkwell/inkwell.hpp>

#include "support/example_folder.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

// [docs:config]
// The session file, with repeats of a message within 30 s written once.
struct quiet_session_config : inkwell::presets::session_file_config {
    using dedup = inkwell::dedup::time_window<30>;
};

// The same, but "user 42 failed" and "user 97 failed" count as one message.
struct grouping_session_config : inkwell::presets::session_file_config {
    using dedup = inkwell::dedup::signature<30>;
};
// [docs:end]

namespace {

// Prints every line below `dir`; returns how many lines hold `text`.
std::size_t show_files(const fs::path& dir, const std::string& text) {
    std::size_t matching = 0;
    for (const auto& file : examples::sorted_files(dir)) {
        std::printf("%s\n", fs::relative(file, dir).c_str());
        std::ifstream in(file);
        for (std::string line; std::getline(in, line);) {
            std::printf("  %s\n", line.c_str());
            if (line.find(text) != std::string::npos) ++matching;
        }
    }
    return matching;
}

}  // namespace

int main(int argc, char** argv) {
    const examples::example_folder folder(argc, argv, "inkwell-dedup");
    const fs::path dir = folder.path() / "exact";
    const fs::path grouped_dir = folder.path() / "grouped";

    {
        // [docs:use]
        inkwell::basic_logger<quiet_session_config> log({.name = "app.net", .directory = dir});
        for (int attempt = 0; attempt < 500; ++attempt) {
            INKWELL_WARN(log, "connection refused, retrying");  // written once
            INKWELL_INFO(log, "cache miss");                     // written once
        }
        INKWELL_INFO(log, "connected");
        // At the end of each window, at log.flush() and at shutdown, one summary per message:
        //   "connection refused, retrying (repeated 499 times)"
        //   with metadata {"repeated":499,"firstRepeat":"…","lastRepeat":"…"}
        // [docs:end]
    }
    {
        // [docs:signature]
        inkwell::basic_logger<grouping_session_config> log({.name = "app.auth", .directory = grouped_dir});
        for (int user = 1; user <= 100; ++user) INKWELL_WARN(log, "login failed for user {} from 10.0.0.{}", user, user);
        // "login failed for user 1 from 10.0.0.1", then
        // "login failed for user 1 from 10.0.0.1 (similar messages repeated 99 times)"
        // with metadata {"repeated":99,…,"signature":"login failed for user <num> from <ip>"}
        // [docs:end]
    }

    const std::size_t exact = show_files(dir, "(repeated 499 times)");
    const std::size_t grouped = show_files(grouped_dir, "(similar messages repeated 99 times)");
    return exact == 2 && grouped == 1 ? 0 : 1;
}
