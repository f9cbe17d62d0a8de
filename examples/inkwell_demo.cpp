// inkwell_demo — replays an application's start-up surge through a preset and
// says what it wrote.
//
//   inkwell_demo --preset jsonl|session|rotating [--records N] [--threads T]
//                [--categories C] [--dir DIR] [--sync|--async]
//                [--retention-days D] [--max-file-size BYTES] [--compress gzip|zstd|none]
//   inkwell_demo --preset platform --postgres CONNINFO --redis HOST:PORT [--records N] [--threads T] [--dir DIR]
//
// --sync and --async choose the buffer: the preset's own (the default: jsonl
// and session are async, rotating is sync), or the other kind, a one-line
// change of the preset's config.
// --retention-days D deletes the preset's own files older than D days (0:
// keeps every file); --max-file-size rotates each file at BYTES; --compress
// compresses rotated files and finished day folders (gzip: zlib, zstd:
// libzstd; only when the demo was built with the library, else exit code 2).
// Without these flags the preset's own policies apply. Configs are types, so
// the compression is picked among three instantiations; the retention days
// and the size are run-time values of the policies.
//
// The surge is modelled on jsonl-per-category-storage.md: ~13,000 records over
// the engine/ui/ecs/ai/... categories from several threads, with the repeated
// lines and the bursts a real start-up has (an entity factory logging
// hundreds of creations back to back, the same warning many times).
//
// --preset session replays the same surge with the repeats a session log is
// for: a retry loop that says the same thing hundreds of times and
// "user N failed" lines for a few dozen users. The preset's
// dedup::time_window<30> writes each of them once a window and counts the
// rest; at the end the demo says what was logged, written, deduplicated,
// summarised and dropped, checks that they add up (written - summaries +
// deduplicated + dropped == logged + 1, the session's first record) against
// the file read back, and exits 1 when they do not.
// --preset platform (presets::platform, when the demo was built with libpq
// and hiredis) replays the surge inside request scopes (tenant, user,
// request, trace: context.hpp) into JSONL files, a PostgreSQL table
// (--postgres, a libpq conninfo) and a Redis stream (--redis); at the end it
// says what each server acknowledged, shows the largest error groups of the
// in-memory aggregator, and exits 1 unless every record reached both.
// Every preset's run ends with the process's peak memory (getrusage
// ru_maxrss and /proc/self/status VmHWM).

#include <inkwell/inkwell.hpp>

#include <sys/resource.h>

// Set by CMake when the demo links libpq and hiredis (inkwell::postgres, inkwell::redis).
#if defined(INKWELL_DEMO_WITH_PLATFORM)
#include <inkwell/presets/platform.hpp>
#endif

// Set by CMake when the demo links the add-on (inkwell::gzip, inkwell::zstd).
#if defined(INKWELL_DEMO_WITH_GZIP)
#include <inkwell/compress/gzip.hpp>
#endif
#if defined(INKWELL_DEMO_WITH_ZSTD)
#include <inkwell/compress/zstd.hpp>
#endif

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

struct demo_options {
    std::string preset = "jsonl";
    std::string mode;  // "", "sync" or "async"
    long records = 13000;
    int threads = 4;
    int extra_categories = 0;
    std::filesystem::path dir;
    std::optional<long> retention_days;           // unset: the preset's own retention
    std::optional<std::uint64_t> max_file_bytes;  // unset: the preset's own rotation
    std::string compress = "none";
    std::string postgres, redis;  // --preset platform: the servers
};

// The run-time values of the policies below: a policy is default-constructed
// by its sink, so it reads them from here (set once, before any logger).
demo_options settings;

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "inkwell_demo: %s\n"
                 "usage: inkwell_demo [--preset jsonl|session|rotating] [--records N] [--threads T]\n"
                 "                    [--categories C] [--dir DIR] [--sync|--async]\n"
                 "                    [--retention-days D] [--max-file-size BYTES] [--compress gzip|zstd|none]\n"
                 "       inkwell_demo --preset platform --postgres CONNINFO --redis HOST:PORT [--records N]\n"
                 "                    [--threads T] [--dir DIR]\n",
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
        else if (a == "--retention-days") o.retention_days = number(0, 100'000);
        else if (a == "--max-file-size") o.max_file_bytes = static_cast<std::uint64_t>(number(1, 1L << 40));
        else if (a == "--compress") o.compress = value();
        else if (a == "--postgres") o.postgres = value();
        else if (a == "--redis") o.redis = value();
        else if (a == "--sync") o.mode = "sync";
        else if (a == "--async") o.mode = "async";
        else if (a == "--help" || a == "-h") usage("help");
        else usage("unknown flag");
    }
    if (o.preset != "jsonl" && o.preset != "session" && o.preset != "rotating" && o.preset != "platform")
        usage("unknown preset");
    if (o.preset == "platform" && (o.postgres.empty() || o.redis.empty()))
        usage("--preset platform needs --postgres CONNINFO and --redis HOST:PORT");
    if (o.preset != "platform" && (!o.postgres.empty() || !o.redis.empty()))
        usage("--postgres and --redis go with --preset platform");
    if (o.compress != "gzip" && o.compress != "zstd" && o.compress != "none") usage("--compress takes gzip, zstd or none");
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
// With `repeats` (the session preset), a fifth of the burst becomes what a
// failing start-up logs over and over: a retry loop's one line, and
// authentication failures of 40 users, each user's line many times.
template <class Logger>
void surge(Logger& log, long first, long count, int extra_categories, bool repeats) {
    for (long i = first; i < first + count; ++i) {
        const long phase = i % 100;
        if (repeats && phase < 12) {
            INKWELL_WARN(log, "connection to cache at 127.0.0.1:6379 refused, retrying in 100 ms");
        } else if (repeats && phase < 20) {
            INKWELL_ERROR(log, "user {} failed to authenticate: token expired", i % 40, inkwell::kv("attempt", 1));
        } else if (phase < 30) {  // a burst: the entity factory at start-up
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
    std::uintmax_t compressed_files = 0, compressed_bytes = 0;  // *.gz, *.zst
};

totals measure_folder(const std::filesystem::path& dir) {
    totals t;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
            const std::uintmax_t size = it->file_size(ec);
            ++t.files;
            t.bytes += size;
            const auto ext = it->path().extension();
            if (ext == ".gz" || ext == ".zst") {
                ++t.compressed_files;
                t.compressed_bytes += size;
            }
        }
    }
    return t;
}

// --max-file-size: size rotation at the given bytes, keeping as many backups
// as the preset's own rotation does; without the flag, the preset's rotation.
template <class PresetRotation>
class demo_rotation {
public:
    demo_rotation() : size_(settings.max_file_bytes.value_or(0), backups_of(preset_)) {}

    bool due(const inkwell::rotate::file_state& f, inkwell::time_point t, std::size_t incoming) {
        return settings.max_file_bytes ? size_.due(f, t, incoming) : preset_.due(f, t, incoming);
    }
    inkwell::rotate::outcome rotate(const inkwell::rotate::file_state& f) {
        return settings.max_file_bytes ? size_.rotate(f) : preset_.rotate(f);
    }

    static unsigned backups_of(const PresetRotation& r) {
        if constexpr (requires { r.backups(); }) return r.backups();
        else if constexpr (requires { r.size_policy().backups(); }) return r.size_policy().backups();  // from_env
        else return 5;
    }
    unsigned backups() const { return size_.backups(); }

private:
    PresetRotation preset_;  // first: size_ takes its backup count
    inkwell::rotate::by_size<> size_;
};

// --retention-days D: files older than D days go (0: every file stays);
// without the flag, the preset's own retention.
template <class PresetRetention>
class demo_retention {
public:
    demo_retention() : age_(std::chrono::days{settings.retention_days.value_or(0)}) {}

    void select(inkwell::retain::listing& files, inkwell::time_point now) {
        if (settings.retention_days) age_.select(files, now);
        else preset_.select(files, now);
    }

private:
    PresetRetention preset_;
    inkwell::retain::max_age<> age_;
};

// The process's peak memory so far, in kB: what getrusage() says
// (ru_maxrss) and what /proc/self/status says (VmHWM; -1 without /proc).
struct peak_memory {
    long maxrss_kb = -1;
    long vmhwm_kb = -1;
};

peak_memory measure_peak_memory() {
    peak_memory m;
    rusage usage{};
    if (::getrusage(RUSAGE_SELF, &usage) == 0) m.maxrss_kb = usage.ru_maxrss;
    if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        while (std::fgets(line, sizeof line, f))
            if (std::strncmp(line, "VmHWM:", 6) == 0) m.vmhwm_kb = std::strtol(line + 6, nullptr, 10);
        std::fclose(f);
    }
    return m;
}

// Lines of the files below `dir` whose name ends in `extension`.
std::uintmax_t count_lines(const std::filesystem::path& dir, std::string_view extension) {
    std::uintmax_t lines = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec) || it->path().extension() != extension) continue;
        if (std::FILE* f = std::fopen(it->path().c_str(), "rb")) {
            char chunk[1 << 16];
            std::size_t n = 0;
            while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0)
                for (std::size_t k = 0; k < n; ++k) lines += chunk[k] == '\n';
            std::fclose(f);
        }
    }
    return lines;
}

// Every config has one (default_config: retain::never).
template <class Config>
using retention_of = typename Config::retention;

// The preset with the demo's policies bound in.
template <class Config, class Compression>
struct with_demo_policies : Config {
    using rotation = demo_rotation<typename Config::rotation>;
    using retention = demo_retention<retention_of<Config>>;
    using compression = Compression;
};

// What the preset's own policies are, for the summary.
template <class Config>
std::string preset_rotation_text() {
    using R = typename Config::rotation;
    if constexpr (requires { R::default_max_bytes; })
        return "preset's: at " + std::to_string(R{}.max_bytes()) + " bytes, " + std::to_string(R{}.backups()) +
               " backups";
    else if constexpr (requires { R{}.size_policy(); })
        return R{}.is_daily() ? "preset's: daily (INKWELL_LOG_ROTATION_TYPE=time)"
                              : "preset's: at " + std::to_string(R{}.size_policy().max_bytes()) + " bytes, " +
                                    std::to_string(R{}.size_policy().backups()) + " backups";
    else
        return "preset's: none";
}

template <class Config>
std::string preset_retention_text() {
    using R = retention_of<Config>;
    if constexpr (requires { R{}.age(); }) return "preset's: files older than " + std::to_string(R{}.age().count()) + " days deleted";
    else if constexpr (std::is_same_v<R, inkwell::retain::never>) return "preset's: every file kept";
    else return "preset's";
}

// The session preset's books: every record logged is written, left out as
// a repeat (and then counted in exactly one "repeated N times" summary,
// itself a line of the file), or counted as dropped. The logger adds one
// record of its own, "session started". The file is read back: its lines
// must be the lines the logger counted as written.
bool session_accounting(const demo_options& o, const inkwell::logger_stats& stats, const totals& folder) {
    const auto logged = static_cast<std::uint64_t>(o.records) + 1;  // + "session started"
    const std::uint64_t accounted = stats.records - stats.summaries + stats.deduplicated + stats.dropped;
    const std::uintmax_t lines = count_lines(o.dir, ".jsonl");
    std::printf("logged        %ld by the surge + 1 \"session started\" = %llu\n", o.records,
                static_cast<unsigned long long>(logged));
    std::printf("written       %llu records (stats().records; %ju lines in the session file)\n",
                static_cast<unsigned long long>(stats.records), lines);
    std::printf("deduplicated  %llu repeats left out (stats().deduplicated)\n",
                static_cast<unsigned long long>(stats.deduplicated));
    std::printf("summaries     %llu \"repeated N times\" records among those written (stats().summaries)\n",
                static_cast<unsigned long long>(stats.summaries));
    std::printf("dropped       %llu (stats().dropped)\n", static_cast<unsigned long long>(stats.dropped));
    std::printf("errors        %llu reported, %llu records to stderr instead of the file\n",
                static_cast<unsigned long long>(stats.errors), static_cast<unsigned long long>(stats.fallback_records));
    const bool balanced = accounted == logged;
    const bool read_back = lines == stats.records && folder.files == 1;
    const bool clean = stats.errors == 0 && stats.fallback_records == 0;
    std::printf("accounting    written - summaries + deduplicated + dropped = %llu - %llu + %llu + %llu = %llu, "
                "logged %llu: %s\n",
                static_cast<unsigned long long>(stats.records), static_cast<unsigned long long>(stats.summaries),
                static_cast<unsigned long long>(stats.deduplicated), static_cast<unsigned long long>(stats.dropped),
                static_cast<unsigned long long>(accounted), static_cast<unsigned long long>(logged),
                balanced ? "balanced" : "MISMATCH");
    if (!read_back)
        std::printf("read back     MISMATCH: %ju line(s) in %ju file(s), %llu counted as written\n", lines, folder.files,
                    static_cast<unsigned long long>(stats.records));
    if (!clean) std::printf("errors        MISMATCH: the run counted errors or stderr fallbacks\n");
    return balanced && read_back && clean;
}

template <class Logger, class PresetConfig>
int run(const demo_options& o) {
    inkwell::logger_options opts;
    opts.name = "demo";
    opts.directory = o.dir;
    opts.initial_level = inkwell::level::trace;  // the surge is mostly debug records: keep them
    std::optional<Logger> maybe_log(std::in_place, opts);
    Logger& log = *maybe_log;

    if constexpr (requires { log.classifier().add_category(std::string{}, std::vector<std::string>{}); }) {
        for (int c = 0; c < o.extra_categories; ++c)
            log.classifier().add_category("plugin_" + std::to_string(c), {"plugin_" + std::to_string(c) + ":"});
    }

    // The session preset's surge carries the repeats its dedup is for.
    constexpr bool session = std::is_same_v<PresetConfig, inkwell::presets::session_file_config>;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    const long share = o.records / o.threads, rest = o.records % o.threads;
    long next = 0;
    for (int t = 0; t < o.threads; ++t) {
        const long count = share + (t < rest ? 1 : 0);
        workers.emplace_back([&log, next, count, &o] { surge(log, next, count, o.extra_categories, session); });
        next += count;
    }
    for (auto& w : workers) w.join();
    log.flush();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const auto stats = log.stats();
    maybe_log.reset();  // its sinks finish compressing what they handed over before it goes
    const peak_memory memory = measure_peak_memory();
    const auto folder = measure_folder(o.dir);
    std::printf("preset        %s, %s buffer\n", o.preset.c_str(),
                requires { Logger::buffer_type::defers_formatting; } ? "async" : "synchronous");
    std::printf("folder        %s\n", o.dir.c_str());
    std::printf("records       %ld logged by %d threads\n", o.records, o.threads);
    std::printf("lines         %llu written (a record teed to two files counts twice), %llu dropped, %llu to stderr\n",
                static_cast<unsigned long long>(stats.records), static_cast<unsigned long long>(stats.dropped),
                static_cast<unsigned long long>(stats.fallback_records));
    using compression = typename Logger::config::compression;
    if (o.max_file_bytes)
        std::printf("rotation      at %llu bytes per file, %u backups kept (--max-file-size)\n",
                    static_cast<unsigned long long>(*o.max_file_bytes),
                    demo_rotation<typename PresetConfig::rotation>{}.backups());
    else
        std::printf("rotation      %s\n", preset_rotation_text<PresetConfig>().c_str());
    if (!o.retention_days)
        std::printf("retention     %s\n", preset_retention_text<PresetConfig>().c_str());
    else if (*o.retention_days == 0)
        std::printf("retention     every file kept (--retention-days 0)\n");
    else
        std::printf("retention     the preset's own files older than %ld days deleted by its clean-up (--retention-days)\n",
                    *o.retention_days);
    if constexpr (inkwell::policy::compresses<compression>)
        std::printf("compression   %s: rotated files and finished day folders become *%.*s, off the logging threads; "
                    "%ju compressed file(s), %ju bytes\n",
                    o.compress.c_str(), static_cast<int>(compression::extension.size()), compression::extension.data(),
                    folder.compressed_files, folder.compressed_bytes);
    else
        std::printf("compression   none\n");
    std::printf("files         %ju\n", folder.files);
    std::printf("bytes         %ju\n", folder.bytes);
    std::printf("seconds       %.3f\n", seconds);
    std::printf("records/s     %.0f\n", static_cast<double>(o.records) / seconds);
    std::printf("peak memory   %ld kB (getrusage ru_maxrss), %ld kB (/proc/self/status VmHWM)\n", memory.maxrss_kb,
                memory.vmhwm_kb);
    if constexpr (session) return session_accounting(o, stats, folder) ? 0 : 1;
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

template <class Config, class Compression>
int run_buffers(const demo_options& o) {
    using demo_config = with_demo_policies<Config, Compression>;
    if (o.mode == "sync") return run<inkwell::basic_logger<with_sync_buffer<demo_config>>, Config>(o);
    if (o.mode == "async") return run<inkwell::basic_logger<with_async_buffer<demo_config>>, Config>(o);
    return run<inkwell::basic_logger<demo_config>, Config>(o);
}

[[noreturn]] void refuse(const std::string& why) {
    std::fprintf(stderr, "inkwell_demo: %s\n", why.c_str());
    std::exit(2);
}

template <class Config>
int run_config(const demo_options& o) {
    using sink = typename Config::sink;
    // A flag the preset's files cannot honour is refused, not ignored.
    if (o.max_file_bytes && !inkwell::policy::sink_takes_rotation<sink>)
        refuse("--max-file-size: the " + o.preset + " preset writes one file per run and never rotates it");
    if (o.retention_days && !inkwell::policy::sink_takes_retention<sink>)
        refuse("--retention-days: the " + o.preset + " preset's sink deletes no old files");
    if (o.compress != "none" && !inkwell::policy::sink_takes_compression<sink>)
        refuse("--compress: the " + o.preset + " preset's sink never finishes a file to compress (it does not rotate)");
    if (o.compress == "gzip") {
#if defined(INKWELL_DEMO_WITH_GZIP)
        return run_buffers<Config, inkwell::compress::gzip<>>(o);
#else
        refuse("--compress gzip: this inkwell_demo was built without zlib (install zlib1g-dev and rebuild; "
               "CMake links inkwell::gzip when it finds zlib)");
#endif
    }
    if (o.compress == "zstd") {
#if defined(INKWELL_DEMO_WITH_ZSTD)
        return run_buffers<Config, inkwell::compress::zstd<>>(o);
#else
        refuse("--compress zstd: this inkwell_demo was built without libzstd (install libzstd-dev and rebuild; "
               "CMake links inkwell::zstd when it finds libzstd)");
#endif
    }
    return run_buffers<Config, inkwell::compress::none>(o);
}

}  // namespace

#if defined(INKWELL_DEMO_WITH_PLATFORM)
// The platform preset: the surge inside request scopes, into files, a
// PostgreSQL table and a Redis stream; every record must reach both servers.
int run_platform(const demo_options& o) {
    if (!o.mode.empty() || o.retention_days || o.max_file_bytes || o.compress != "none")
        refuse("--preset platform takes only --postgres, --redis, --records, --threads and --dir");
    inkwell::logger_options opts;
    opts.name = "demo";
    opts.directory = o.dir.string();
    opts.initial_level = inkwell::level::trace;
    opts.settings = {{"postgres", o.postgres}, {"redis", o.redis}, {"redis.stream", "inkwell:demo"}};
    std::optional<inkwell::presets::platform> maybe_log(std::in_place, opts);
    auto& log = *maybe_log;
    log.set_context(inkwell::kv("service", "demo"), inkwell::kv("environment", "demo"),
                    inkwell::kv("version", inkwell::version_string));

    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    const long share = o.records / o.threads, rest = o.records % o.threads;
    long next = 0;
    for (int t = 0; t < o.threads; ++t) {
        const long count = share + (t < rest ? 1 : 0);
        workers.emplace_back([&log, next, count, t] {
            // Each worker serves requests of one tenant, 100 records a request.
            for (long done = 0; done < count;) {
                const long batch = std::min(100L, count - done);
                inkwell::scoped_context request{
                    inkwell::kv("tenantId", "tenant-" + std::to_string(t)), inkwell::kv("userId", "user-" + std::to_string(done % 7)),
                    inkwell::kv("requestId", "req-" + std::to_string(t) + "-" + std::to_string(done)),
                    inkwell::kv("traceId", std::to_string(next + done))};
                surge(log, next + done, batch, 0, false);
                done += batch;
            }
        });
        next += count;
    }
    for (auto& w : workers) w.join();
    log.flush();  // the files, and both servers' acknowledgements (within the sinks' flush timeouts)
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const auto stats = log.stats();
    inkwell::postgres_stats pg{};
    inkwell::sink::redis_stats rs{};
    std::string groups;
    log.with_sink([&](auto& tee) {
        pg = inkwell::sink::find<inkwell::sink::postgres>(tee)->stats();
        rs = inkwell::sink::find<inkwell::sink::redis>(tee)->stats();
        for (const auto& g : inkwell::sink::find<inkwell::sink::error_aggregator>(tee)->snapshot({}))
            if (groups.size() < 1200)
                groups += "  " + std::to_string(g.count) + " x " + g.pattern + "\n";
    });
    maybe_log.reset();
    const peak_memory memory = measure_peak_memory();
    std::printf("preset        platform: JSONL files + PostgreSQL + Redis stream, async buffer\n");
    std::printf("folder        %s\n", o.dir.c_str());
    std::printf("records       %ld logged by %d threads, in request scopes (tenantId, userId, requestId, traceId)\n",
                o.records, o.threads);
    std::printf("files         %llu lines written, %llu dropped\n", static_cast<unsigned long long>(stats.records),
                static_cast<unsigned long long>(stats.dropped));
    std::printf("postgres      %llu rows acknowledged, %llu dropped, %llu reconnects\n",
                static_cast<unsigned long long>(pg.sent), static_cast<unsigned long long>(pg.dropped),
                static_cast<unsigned long long>(pg.reconnects));
    std::printf("redis         %llu entries acknowledged, %llu dropped, %llu reconnects (stream inkwell:demo)\n",
                static_cast<unsigned long long>(rs.sent), static_cast<unsigned long long>(rs.dropped),
                static_cast<unsigned long long>(rs.reconnects));
    std::printf("error groups  (the in-memory aggregator, largest first)\n%s", groups.c_str());
    std::printf("seconds       %.3f\n", seconds);
    std::printf("records/s     %.0f\n", static_cast<double>(o.records) / seconds);
    std::printf("peak memory   %ld kB (getrusage ru_maxrss)\n", memory.maxrss_kb);
    const auto logged = static_cast<std::uint64_t>(o.records);
    const bool complete = pg.sent >= logged && rs.sent >= logged && pg.dropped == 0 && rs.dropped == 0 &&
                          stats.dropped == 0 && stats.records >= logged;
    if (!complete) std::printf("RESULT        INCOMPLETE: not every record reached both servers\n");
    return complete ? 0 : 1;
}
#endif

int main(int argc, char** argv) {
    settings = parse(argc, argv);
    const demo_options& o = settings;
    if (o.preset == "platform") {
#if defined(INKWELL_DEMO_WITH_PLATFORM)
        return run_platform(o);
#else
        refuse("--preset platform: this inkwell_demo was built without libpq and hiredis (install libpq-dev and "
               "libhiredis-dev and rebuild; CMake links inkwell::postgres and inkwell::redis when it finds them)");
#endif
    }
    if (o.preset == "jsonl") return run_config<inkwell::presets::jsonl_per_category_config>(o);
    if (o.preset == "session") return run_config<inkwell::presets::session_file_config>(o);
    return run_config<quiet_rotating_text>(o);
}
