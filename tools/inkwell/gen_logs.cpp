// inkwell_gen_logs DIR [MB] — writes about MB megabytes (default 1024) of
// JSONL logs into DIR with presets::jsonl_per_category (its own layout: day
// folders, one file per category, 10 MB rotation, every backup kept), spread over three days
// on a manual clock, for measuring `inkwell query` (docs/tools.md). Not installed.
//
// The records: 9 categories' worth of messages (the keyword classifier picks
// them), a request context (tenantId, requestId) on most, fields on all;
// about 1 in 50 at warn, 1 in 200 an error of a few signatures, and one
// record in 100,000 carries the word "needle" (a rare text to search for).

#include <inkwell/inkwell.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

// 10 MB files as the preset has them, but every backup kept (the preset keeps 5 a day).
struct keep_all_rotation : inkwell::rotate::by_size<10 * 1024 * 1024, 10000> {
    keep_all_rotation() noexcept : by_size(10 * 1024 * 1024, 10000) {}
};
struct config : inkwell::presets::jsonl_per_category_config {
    using clock = inkwell::clock::manual;
    using rotation = keep_all_rotation;
    using retention = inkwell::retain::never;
};

std::uint64_t folder_bytes(const std::filesystem::path& dir) {
    std::uint64_t total = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file()) total += e.file_size();
    return total;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: inkwell_gen_logs DIR [MB]\n");
        return 2;
    }
    const std::string dir = argv[1];
    const std::uint64_t megabytes = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1024;
    const std::uint64_t target = megabytes * 1000 * 1000;
    // ~290 bytes a line with the warnings and errors: records for the target, spread over three days.
    const std::uint64_t records = target / 290;
    const auto step = std::chrono::microseconds(3LL * 86400 * 1000000 / static_cast<long long>(records ? records : 1));
    inkwell::clock::manual::set(inkwell::time_point(std::chrono::seconds{1734480000}));  // 2024-12-18T00:00:00Z
    {
        inkwell::logger_options o;
        o.directory = dir;
        o.read_environment = false;
        inkwell::basic_logger<config> log(o);
        static const char* tenants[] = {"acme", "globex", "initech", "umbrella", "hooli"};
        for (std::uint64_t i = 0; i < records; ++i) {
            inkwell::clock::manual::advance(step);
            inkwell::scoped_context ctx{inkwell::kv("tenantId", std::string_view{tenants[i % 5]}),
                                        inkwell::kv("requestId", i / 7)};
            switch (i % 9) {
                case 0: INKWELL_INFO(log, "GameEngine: frame {} rendered in {} ms", i, i % 17, inkwell::kv("fps", 60)); break;
                case 1: INKWELL_INFO(log, "Network: packet {} sent to peer {}", i, i % 31, inkwell::kv("bytes", i % 1500)); break;
                case 2: INKWELL_INFO(log, "Database: query {} returned {} rows", i, i % 100, inkwell::kv("table", "orders")); break;
                case 3: INKWELL_INFO(log, "UI: button {} clicked on screen {}", i % 12, i % 5, inkwell::kv("user", i % 997)); break;
                case 4: INKWELL_INFO(log, "Audio: stream {} buffered {} samples", i % 8, i % 4096, inkwell::kv("rate", 48000)); break;
                case 5: INKWELL_INFO(log, "Auth: user {} logged in from 10.0.{}.{}", i % 997, i % 255, i % 253, inkwell::kv("method", "password")); break;
                case 6: INKWELL_INFO(log, "Payment: invoice {} paid, {} cents", i, i % 100000, inkwell::kv("currency", "EUR")); break;
                case 7: INKWELL_INFO(log, "Physics: step {} with {} bodies", i, i % 300, inkwell::kv("dt", 0.016)); break;
                default: INKWELL_INFO(log, "Scheduler: job {} queued at position {}", i, i % 40, inkwell::kv("queue", "default")); break;
            }
            if (i % 50 == 7) INKWELL_WARN(log, "Network: latency {} ms to peer {}", 100 + i % 400, i % 31);
            if (i % 200 == 13) {
                switch (i % 3) {
                    case 0: INKWELL_ERROR(log, "Database: connection {} refused", i % 64, inkwell::kv("errorType", "ConnErr")); break;
                    case 1: INKWELL_ERROR(log, "Payment: card for order {} declined", i, inkwell::kv("errorType", "Declined")); break;
                    default: INKWELL_ERROR(log, "Auth: token {} expired", i, inkwell::kv("errorType", "AuthErr")); break;
                }
            }
            if (i % 100000 == 99) INKWELL_WARN(log, "Scheduler: needle found in job {}", i);
        }
        log.flush();
    }
    std::printf("%s: %llu bytes\n", dir.c_str(), static_cast<unsigned long long>(folder_bytes(dir)));
    return 0;
}
