// inkwell_demo — replays an application's start-up surge through a preset and
// says what it wrote.
//
//   inkwell_demo --preset jsonl|session|rotating [--records N] [--threads T]
//                [--categories C] [--dir DIR] [--sync|--async]
//
// --sync and --async choose the buffer: the preset's own (the default: jsonl
// and session are async, rotating is sync), or the other kind, a one-line
// change of the preset's config.
//
// The surge is modelled on jsonl-per-category-storage.md: ~13,000 records over
// the engine/ui/ecs/ai/... categories from several threads, with the repeated
// lines and the bursts a real start-up has (an entity factory logging
// hundreds of creations back to back, the same warning many times).

#include <inkwell/inkwell.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace {

struct demo_options {
    std::string preset = "jsonl";
    std::string mode;  // "", "sync" or "async"
    long records = 13000;
    int threads = 4;
    int extra_categories = 0;
    std::filesystem::path dir;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "inkwell_demo: %s\n"
                 "usage: inkwell_demo [--preset jsonl|session|rotating] [--records N] [--threads T]\n"
                 "                    [--categories C] [--dir DIR] [--sync|--async]\n",
                 why);
    std::exit(2);
}

demo_options parse(int argc, char** argv) {
    demo_options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage("a flag lacks its value");
            return argv[++i];
        };
        auto number = [&](long low, long high) {
            const char* v = value();
            char* end = nullptr;
            long n = std::strtol(v, &end, 10);
            if (!end || *end || n < low || n > high) usage("a number is out of range");
            return n;
        };
        if (a == "--preset") o.preset = value();
        else if (a == "--records") o.records = number(1, 1'000'000'000);
        else if (a == "--threads") o.threads = static_cast<int>(number(1, 256));
        else if (a == "--categories") o.extra_categories = static_cast<int>(number(0, 100'000));
        else if (a == "--dir") o.dir = value();
        else if (a == "--sync") o.mode = "sync";
        else if (a == "--async") o.mode = "async";
        else if (a == "--help" || a == "-h") usage("help");
        else usage("unknown flag");
    }
    if (o.preset != "jsonl" && o.preset != "session" && o.preset != "rotating") usage("unknown preset");
    if (o.dir.empty()) {
        std::string pattern = (std::filesystem::temp_directory_path() / "inkwell-demo-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) usage("cannot make a temporary folder");
        o.dir = pattern;
    }
    return o;
}

// One worker's share of the surge. The mix: bursts of entity creation, the
// same warning repeated, a few errors, and everything else spread over the
// categories of the keyword table.
template <class Logger>
void surge(Logger& log, long first, long count, int extra_categories) {
    for (long i = first; i < first + count; ++i) {
        const long phase = i % 100;
        if (phase < 30) {  // a burst: the entity factory at start-up
            INKWELL_DEBUG(log, "EntityManager: Creating entity {}", "actor_" + std::to_string(i),
                          inkwell::kv("entityId", i), inkwell::kv("components", 7));
        } else if (phase < 38) {
            INKWELL_DEBUG(log, "GameEngine: initialising subsystem {} of 8", phase - 29);
        } else if (phase < 46) {
            INKWELL_DEBUG(log, "UI Renderer: mounting panel {}", phase);
        } else if (phase < 54) {
            INKWELL_INFO(log, "LLM prompt prepared ({} tokens)", 100 + phase * 3, inkwell::kv("model", "local-7b"));
        } else if (phase < 60) {
            INKWELL_DEBUG(log, "Loading save slot {} from storage", phase % 3);
        } else if (phase < 66) {
            INKWELL_DEBUG(log, "anatomy: body part descriptor {} resolved", phase);
        } else if (phase < 72) {
            INKWELL_DEBUG(log, "action target resolution for actor_{}", i % 50);
        } else if (phase < 78) {
            INKWELL_DEBUG(log, "turn {} begins a new round", i / 100);
        } else if (phase < 86) {
            INKWELL_DEBUG(log, "event dispatch: {} listeners notified", phase % 5 + 1);
        } else if (phase < 90) {
            INKWELL_WARN(log, "validate: schema for 'mod.json' has an unknown key");  // the same line, many times
        } else if (phase < 97) {
            if (extra_categories > 0)
                INKWELL_INFO(log, "plugin_{}: heartbeat {}", i % extra_categories, i);
            else
                INKWELL_INFO(log, "Startup step {} finished", i);
        } else if (phase == 97) {
            INKWELL_ERROR(log, "Failed to load texture {} (file not found)", i, inkwell::kv("path", "assets/t.png"));
        } else {
            INKWELL_PERF(log, "process_player_input completed (duration: {:.2f}s)", 0.01 * static_cast<double>(phase));
        }
    }
}

struct totals {
    std::uintmax_t files = 0, bytes = 0;
};

totals measure_folder(const std::filesystem::path& dir) {
    totals t;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
            ++t.files;
            t.bytes += it->file_size(ec);
        }
    }
    return t;
}

template <class Logger>
int run(const demo_options& o) {
    inkwell::logger_options opts;
    opts.name = "demo";
    opts.directory = o.dir;
    opts.initial_level = inkwell::level::trace;  // the surge is mostly debug records: keep them
    Logger log(opts);

    if constexpr (requires { log.classifier().add_category(std::string{}, std::vector<std::string>{}); }) {
        for (int c = 0; c < o.extra_categories; ++c)
            log.classifier().add_category("plugin_" + std::to_string(c), {"plugin_" + std::to_string(c) + ":"});
    }

    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    const long share = o.records / o.threads, rest = o.records % o.threads;
    long next = 0;
    for (int t = 0; t < o.threads; ++t) {
        const long count = share + (t < rest ? 1 : 0);
        workers.emplace_back([&log, next, count, &o] { surge(log, next, count, o.extra_categories); });
        next += count;
    }
    for (auto& w : workers) w.join();
    log.flush();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const auto stats = log.stats();
    const auto folder = measure_folder(o.dir);
    std::printf("preset        %s, %s buffer\n", o.preset.c_str(),
                requires { Logger::buffer_type::defers_formatting; } ? "async" : "synchronous");
    std::printf("folder        %s\n", o.dir.c_str());
    std::printf("records       %ld logged by %d threads\n", o.records, o.threads);
    std::printf("lines         %llu written (a record teed to two files counts twice), %llu dropped, %llu to stderr\n",
                static_cast<unsigned long long>(stats.records), static_cast<unsigned long long>(stats.dropped),
                static_cast<unsigned long long>(stats.fallback_records));
    std::printf("files         %ju\n", folder.files);
    std::printf("bytes         %ju\n", folder.bytes);
    std::printf("seconds       %.3f\n", seconds);
    std::printf("records/s     %.0f\n", static_cast<double>(o.records) / seconds);
    const bool complete = stats.records >= static_cast<std::uint64_t>(o.records) && stats.dropped == 0 &&
                          stats.fallback_records == 0 && stats.errors == 0;
    return complete ? 0 : 1;
}

// The rotating preset writes to the console too; the demo keeps its files
// only, so 13,000 lines do not scroll past — a one-line change to a preset.
struct quiet_rotating_text : inkwell::presets::rotating_text_config {
    using sink = inkwell::presets::rotating_text_files;
};


// The same preset with the other kind of buffer.
template <class Config>
struct with_sync_buffer : Config {
    using buffer = inkwell::buffer::immediate;
};
template <class Config>
struct with_async_buffer : Config {
    using buffer = inkwell::buffer::async<>;
};

template <class Config>
int run_config(const demo_options& o) {
    if (o.mode == "sync") return run<inkwell::basic_logger<with_sync_buffer<Config>>>(o);
    if (o.mode == "async") return run<inkwell::basic_logger<with_async_buffer<Config>>>(o);
    return run<inkwell::basic_logger<Config>>(o);
}

}  // namespace

int main(int argc, char** argv) {
    const demo_options o = parse(argc, argv);
    if (o.preset == "jsonl") return run_config<inkwell::presets::jsonl_per_category_config>(o);
    if (o.preset == "session") return run_config<inkwell::presets::session_file_config>(o);
    return run_config<quiet_rotating_text>(o);
}
