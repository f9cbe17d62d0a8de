// live_subscribers — a session log that also keeps the last records in
// memory (sink::recent) and streams records live to subscribers (sink::live),
// e.g. a dashboard, without the subscribers ever slowing the logger.
//
//   live_subscribers [DIR]   writes into DIR; without DIR, into a new
//                            temporary folder that is removed at the end
//
// The regions between `// [docs:NAME]` and `// [docs:end]` are shown in
// docs/session.md (tools/docs_sync.py copies them there).

#include <inkwell/inkwell.hpp>

#include "support/example_folder.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

// [docs:config]
// presets::session_file already tees its file with sink::recent<1000> and
// sink::live. A session that keeps more records in memory changes one thing:
struct long_memory_session_config : inkwell::presets::session_file_config {
    using sink = inkwell::sink::tee<inkwell::sink::session_file,  //
                                    inkwell::sink::recent<5000>,  //
                                    inkwell::sink::live>;
};
using long_memory_session = inkwell::basic_logger<long_memory_session_config>;
// [docs:end]

// [docs:observer]
// An observer: any class with on_record(record, line) or on_record(record).
struct error_counter {
    std::atomic<int> errors{0};
    void on_record(const inkwell::record& r) {
        if (r.severity >= inkwell::level::error) errors.fetch_add(1);
    }
};
// [docs:end]

int main(int argc, char** argv) {
    const examples::example_folder folder(argc, argv, "inkwell-live");
    error_counter counter;
    std::atomic<int> warnings_seen{0};
    int failures = 0;

    {
        // [docs:find]
        long_memory_session log({.name = "app.services.mic_input", .directory = folder.path()});

        // Pointers to the two sinks inside the logger's tee: good for the
        // logger's lifetime, usable from any thread.
        auto* ring = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::recent<5000>>(s); });
        auto* live = log.with_sink([](auto& s) { return inkwell::sink::find<inkwell::sink::live>(s); });
        // [docs:end]

        // [docs:subscribe]
        // A callback for warnings and above, on a thread of its own with a
        // queue of 256 records: when it falls behind, records are dropped for
        // it alone and counted, the logger never waits.
        auto dashboard = live->subscribe(
            [&](const inkwell::record& r, std::string_view line) {
                warnings_seen.fetch_add(1);
                std::printf("dashboard <- [%s] %.*s", std::string(inkwell::level_name(r.severity)).c_str(),
                            static_cast<int>(line.size()), line.data());
            },
            inkwell::level::warn, 256);

        // An observer by pointer: it must outlive its subscription.
        auto errors = live->subscribe(&counter);
        // [docs:end]

        // [docs:log]
        INKWELL_INFO(log, "listening on device {}", 2, inkwell::kv("sampleRate", 48000));
        INKWELL_WARN(log, "buffer underrun after {} ms", 1500);
        INKWELL_ERROR(log, "device {} lost", 2);
        for (int frame = 0; frame < 5; ++frame) INKWELL_INFO(log, "frame {} captured", frame);
        // [docs:end]

        log.flush();
        live->wait_idle(std::chrono::seconds(10));  // only so that this example can count

        // [docs:query]
        // The newest 3 records of info and above whose message says "frame".
        for (const auto& e : ring->query({.min_level = inkwell::level::info, .text = "frame", .max_count = 3}))
            std::printf("ring: #%llu %s", static_cast<unsigned long long>(e.sequence), e.line.c_str());

        // Everything held, oldest first (for a crash report).
        const auto all = ring->snapshot();
        // [docs:end]
        std::printf("ring holds %zu records; the dashboard was handed %llu and dropped %llu\n", all.size(),
                    static_cast<unsigned long long>(dashboard.delivered()),
                    static_cast<unsigned long long>(dashboard.dropped()));
        if (all.size() != 9) ++failures;  // the session's "session started" record and the 8 above
        if (ring->query({.min_level = inkwell::level::info, .text = "frame", .max_count = 3}).size() != 3) ++failures;
        if (dashboard.delivered() != 2 || dashboard.dropped() != 0) ++failures;
        if (errors.delivered() != 8) ++failures;
    }  // subscriptions end first (declared last), then the logger: its sink delivers what is queued

    if (warnings_seen.load() != 2 || counter.errors.load() != 1) ++failures;
    std::printf("%s\n", failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
