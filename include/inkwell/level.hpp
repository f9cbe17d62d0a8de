#pragma once
// Levels: the seven built-in ones and room for user-defined levels in between.
// A level is a number; a higher number is more severe.

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

#include "version.hpp"

INKWELL_BEGIN_NAMESPACE

enum class level : std::uint8_t {
    trace = 10,
    debug = 20,
    info = 30,
    perf = 35,  // execution timing, as rotating-text-logs.md's PERFORMANCE level
    warn = 40,
    error = 50,
    critical = 60,
    off = 255,
};

constexpr auto to_underlying(level l) noexcept { return static_cast<std::uint8_t>(l); }
constexpr bool operator<(level a, level b) noexcept { return to_underlying(a) < to_underlying(b); }
constexpr bool operator<=(level a, level b) noexcept { return to_underlying(a) <= to_underlying(b); }
constexpr bool operator>(level a, level b) noexcept { return to_underlying(a) > to_underlying(b); }
constexpr bool operator>=(level a, level b) noexcept { return to_underlying(a) >= to_underlying(b); }

namespace detail {
// Names of user-defined levels, indexed by the level's number. Written rarely
// (at start-up), read by formatters; each slot is an atomic pointer so a
// definition racing with a read never tears.
struct level_name_table {
    std::array<std::atomic<const char*>, 256> upper{};
    std::array<std::atomic<const char*>, 256> lower{};
};
inline level_name_table& custom_level_names() noexcept {
    static level_name_table table;
    return table;
}
}  // namespace detail

// Define a user level: `constexpr auto notice = inkwell::level{33};` then
// `inkwell::define_level(notice, "notice", "NOTICE");` once at start-up.
// The strings must outlive every logger (string literals do).
inline void define_level(level l, const char* lower_name, const char* upper_name) noexcept {
    auto& t = detail::custom_level_names();
    t.lower[to_underlying(l)].store(lower_name, std::memory_order_release);
    t.upper[to_underlying(l)].store(upper_name, std::memory_order_release);
}

// Lower-case name, as in JSON: "info", "perf", "warn".
constexpr std::string_view level_name(level l) noexcept {
    switch (l) {
        case level::trace: return "trace";
        case level::debug: return "debug";
        case level::info: return "info";
        case level::perf: return "perf";
        case level::warn: return "warn";
        case level::error: return "error";
        case level::critical: return "critical";
        case level::off: return "off";
    }
    if (std::is_constant_evaluated()) return "level";
    const char* custom = detail::custom_level_names().lower[to_underlying(l)].load(std::memory_order_acquire);
    return custom ? std::string_view{custom} : std::string_view{"level"};
}

// Upper-case name, as in text logs: "[INFO]", "[PERF]", "[WARNING]".
constexpr std::string_view level_label(level l) noexcept {
    switch (l) {
        case level::trace: return "TRACE";
        case level::debug: return "DEBUG";
        case level::info: return "INFO";
        case level::perf: return "PERF";
        case level::warn: return "WARNING";
        case level::error: return "ERROR";
        case level::critical: return "CRITICAL";
        case level::off: return "OFF";
    }
    if (std::is_constant_evaluated()) return "LEVEL";
    const char* custom = detail::custom_level_names().upper[to_underlying(l)].load(std::memory_order_acquire);
    return custom ? std::string_view{custom} : std::string_view{"LEVEL"};
}

// Parses "debug", "DEBUG", "warning", "err", or a number 0-255.
constexpr std::optional<level> parse_level(std::string_view text) noexcept {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    auto equals = [&](std::string_view word) {
        if (word.size() != text.size()) return false;
        for (std::size_t i = 0; i < word.size(); ++i)
            if (lower(text[i]) != word[i]) return false;
        return true;
    };
    struct alias { std::string_view word; level value; };
    constexpr alias aliases[] = {
        {"trace", level::trace},     {"debug", level::debug}, {"info", level::info},
        {"perf", level::perf},       {"performance", level::perf}, {"warn", level::warn},
        {"warning", level::warn},    {"error", level::error}, {"err", level::error},
        {"critical", level::critical}, {"fatal", level::critical}, {"off", level::off},
    };
    for (const auto& a : aliases)
        if (equals(a.word)) return a.value;
    if (text.empty() || text.size() > 3) return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 255) return std::nullopt;
    return static_cast<level>(value);
}

INKWELL_END_NAMESPACE
