#pragma once
// Helpers for tests that drive sinks directly, without a logger: a fixed
// record time, an error reporter whose events can be read back, and the
// sink_context a logger would build.

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

namespace sink_test_support {

// 2024-12-20T10:15:30.123Z, the day of the reference layout.
inline const inkwell::time_point fixed_time = std::chrono::sys_days{std::chrono::year{2024} / 12 / 20} +
                                              std::chrono::hours{10} + std::chrono::minutes{15} +
                                              std::chrono::seconds{30} + std::chrono::milliseconds{123};

struct captured_error {
    inkwell::error_kind kind;
    int system_error;
    std::string path;
};

// An error_reporter whose events the test can read back.
struct reporter {
    std::vector<captured_error> events;
    inkwell::error_reporter errors{[this](const inkwell::error_event& e) {
        events.push_back({e.kind, e.system_error, std::string(e.path)});
    }};
    inkwell::logger_stats stats() const { return errors.stats(); }
};

inline inkwell::sink_context context_for(const std::filesystem::path& dir, reporter& r) {
    inkwell::sink_context c;
    c.directory = dir;
    c.base_name = "app";
    c.session_id = "0b6f3c2e-8d4a-4f1e-9c77-2a5d1e0f9b31";
    c.start_time = fixed_time;
    c.errors = &r.errors;
    return c;
}

inline inkwell::record record_at(inkwell::time_point t, std::string_view category = {}) {
    inkwell::record r;
    r.time = t;
    r.category = category;
    r.message = "m";
    return r;
}

// The "n" of every JSONL line of a file ({"n":1} ...), in file order.
inline std::vector<int> numbers_in(const std::filesystem::path& p) {
    std::vector<int> out;
    for (const auto& j : test_support::read_jsonl(p)) out.push_back(j["n"].get<int>());
    return out;
}

// The whole numbers in [from, to).
inline std::vector<int> range(int from, int to) {
    std::vector<int> out;
    for (int i = from; i < to; ++i) out.push_back(i);
    return out;
}

}  // namespace sink_test_support
