// quickstart_jsonl — the jsonl_per_category preset: one JSONL file per
// category, in a folder per UTC day.
//
//   quickstart_jsonl [DIR]     writes below DIR; without DIR, into a new
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
// The same layout, but every record goes to its file before the call returns.
struct jsonl_unbuffered_config : inkwell::presets::jsonl_per_category_config {
    using buffer = inkwell::buffer::immediate;
};
using jsonl_unbuffered = inkwell::basic_logger<jsonl_unbuffered_config>;
// [docs:end]

// [docs:spin]
// The same layout for the latency-minded: the writer thread never sleeps while
// this logger lives (it keeps a core busy), so no record waits for it to wake.
struct jsonl_spinning_config : inkwell::presets::jsonl_per_category_config {
    using buffer = inkwell::buffer::async<inkwell::buffer::overflow::block, 1024 * 1024, 32 * 1024 * 1024,
                                          inkwell::buffer::idle::spin>;
};
using jsonl_spinning = inkwell::basic_logger<jsonl_spinning_config>;
// [docs:end]

namespace {

// Prints every file below `dir` with its first line; returns how many lines they hold.
std::size_t show_files(const fs::path& dir) {
    std::size_t lines = 0;
    const auto files = examples::sorted_files(dir);
    for (const auto& file : files) {
        std::ifstream in(file);
        std::string line, first;
        std::size_t count = 0;
        while (std::getline(in, line))
            if (count++ == 0) first = line;
        lines += count;
        std::printf("%s (%zu lines)\n  %s\n", fs::relative(file, dir).c_str(), count, first.c_str());
    }
    return lines;
}

}  // namespace

int main(int argc, char** argv) {
    const examples::example_folder folder(argc, argv, "inkwell-quickstart");
    const fs::path& dir = folder.path();

    {
        // [docs:use]
        inkwell::presets::jsonl_per_category log({.directory = dir});  // default folder: "logs"

        INKWELL_INFO(log, "GameEngine: Constructor called");                   // → engine.jsonl
        INKWELL_DEBUG(log, "EntityManager: Creating entity {}", "actor_1234",  // → ecs.jsonl
                      inkwell::kv("entityId", "actor_1234"));
        INKWELL_WARN(log, "disk {} is almost full", "/dev/sda1");              // → general.jsonl
        // [docs:end]
    }  // the logger's destructor writes what its batch still holds

    {
        jsonl_unbuffered log({.directory = dir});
        INKWELL_INFO(log, "Renderer: first frame after {} ms", 42);  // in ui.jsonl as this returns
    }

    {
        jsonl_spinning log({.directory = dir});
        INKWELL_INFO(log, "turn {} resolved in {} us", 7, 180);  // → turns.jsonl
    }

    const std::size_t lines = show_files(dir);
    return lines == 5 ? 0 : 1;
}
