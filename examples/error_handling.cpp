// error_handling — what a logger does when it cannot write: the error
// handler hears of it, the line goes to standard error instead, stats()
// counts both, and writing resumes when the cause goes away.
//
//   error_handling [DIR]       works in DIR; without DIR, in a new temporary
//                              folder that is removed at the end
//
// The regions between `// [docs:NAME]` and `// [docs:end]` are shown in
// docs/ and README.md (tools/docs_sync.py copies them there).

#include <inkwell/inkwell.hpp>

#include "support/example_folder.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct file_config : inkwell::default_config {
    using sink = inkwell::sink::file;  // <directory>/app.log, never rotated
};

}  // namespace

int main(int argc, char** argv) {
    const examples::example_folder folder(argc, argv, "inkwell-errors");
    const fs::path& dir = folder.path();
    const fs::path blocked = dir / "blocked";
    std::ofstream(blocked) << "a file where the log folder should be\n";  // so the folder cannot be made

    // [docs:handler]
    std::vector<std::string> problems;  // the handler runs on the thread that writes, under the logger's lock
    inkwell::basic_logger<file_config> log({
        .directory = blocked / "logs",
        .on_error = [&problems](const inkwell::error_event& e) {
            problems.push_back(std::string(inkwell::error_kind_name(e.kind)) + " " + std::string(e.path) + ": " +
                               std::string(e.detail));
        },
    });
    INKWELL_ERROR(log, "payment service unreachable");  // cannot reach app.log: this line goes to stderr
    // [docs:end]

    // [docs:stats]
    inkwell::logger_stats stats = log.stats();
    std::printf("records %llu, errors %llu, to stderr %llu, dropped %llu\n",
                static_cast<unsigned long long>(stats.records), static_cast<unsigned long long>(stats.errors),
                static_cast<unsigned long long>(stats.fallback_records),
                static_cast<unsigned long long>(stats.dropped));
    // [docs:end]
    for (const auto& p : problems) std::printf("handler: %s\n", p.c_str());
    const bool failed_as_expected = stats.errors == 1 && stats.fallback_records == 1 && stats.records == 0;

    // The cause goes away: the next record opens the file.
    fs::remove(blocked);
    INKWELL_INFO(log, "payment service back");
    log.flush();
    stats = log.stats();
    std::printf("after the fix: records %llu, errors %llu; %s exists: %s\n",
                static_cast<unsigned long long>(stats.records), static_cast<unsigned long long>(stats.errors),
                (blocked / "logs" / "app.log").c_str(), fs::exists(blocked / "logs" / "app.log") ? "yes" : "no");
    const bool recovered = stats.records == 1 && fs::exists(blocked / "logs" / "app.log");

    return failed_as_expected && recovered ? 0 : 1;
}
