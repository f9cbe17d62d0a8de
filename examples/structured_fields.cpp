// structured_fields — call sites: key/value fields, a user-defined level,
// the run-time level (from INKWELL_LEVEL), compile-time stripping and the
// function API. Records go to standard output as JSON lines.
//
//   structured_fields                      the level starts at info
//   INKWELL_LEVEL=debug structured_fields  the debug record shows too
//
// The regions between `// [docs:NAME]` and `// [docs:end]` are shown in
// docs/ and README.md (tools/docs_sync.py copies them there).

#include <inkwell/inkwell.hpp>

#include <cstdio>
#include <string>

// [docs:config]
// JSON lines on standard output; trace statements compiled out.
struct json_stdout_config : inkwell::default_config {
    using formatter = inkwell::format::jsonl;
    static constexpr inkwell::level min_level = inkwell::level::debug;  // below: no code at all
    static constexpr inkwell::level default_level = inkwell::level::info;
};
using json_stdout = inkwell::basic_logger<json_stdout_config>;
// [docs:end]

// [docs:user_level]
// A level between info (30) and perf (35); named once, at start-up.
constexpr inkwell::level notice{33};
// [docs:end]

namespace {
int evaluations = 0;
int expensive() { return ++evaluations; }
}  // namespace

int main() {
    // [docs:define_level]
    inkwell::define_level(notice, "notice", "NOTICE");  // JSON "notice", text [NOTICE]
    // [docs:end]

    // [docs:runtime_level]
    json_stdout log;  // the level: $INKWELL_LEVEL when it names a level, else default_level
    json_stdout quiet({.initial_level = inkwell::level::warn});  // fixed in code, the environment ignored
    INKWELL_INFO(log, "debug records are {}", log.should_log(inkwell::level::debug) ? "on" : "off");
    quiet.set_level(inkwell::level::error);  // any time, from any thread
    // [docs:end]

    // [docs:fields]
    const std::string order = "A-1017";
    INKWELL_INFO(log, "order {} shipped", order,  // format arguments first, then the fields
                 inkwell::kv("orderId", order), inkwell::kv("weightKg", 2.5), inkwell::kv("express", true),
                 inkwell::kv("items", 3), inkwell::kv("coupon", nullptr));
    // {"level":"info","message":"order A-1017 shipped",...,
    //  "metadata":{"orderId":"A-1017","weightKg":2.5,"express":true,"items":3,"coupon":null}}
    // [docs:end]

    // [docs:log_user_level]
    INKWELL_LOG(log, notice, "maintenance window starts in {} minutes", 10);
    // [docs:end]

    // [docs:stripped]
    INKWELL_TRACE(log, "never compiled: {}", expensive());  // below min_level: expensive() never runs
    INKWELL_DEBUG(log, "cache size {}", expensive());       // compiled in; runs only when the level allows
    // [docs:end]

    // [docs:function_api]
    log.warn("disk {} at {}%", "/var", 91);                  // no source location, category at run time
    log.log(inkwell::level::error, "giving up after {} tries", 3);
    // [docs:end]

    INKWELL_ERROR(quiet, "shown: quiet is at error");
    log.flush();
    std::fflush(stdout);
    return 0;
}
