#pragma once
// ANSI colour (SGR) sequences for the console. Only formatters and the
// console sink emit these; record data is always escaped before it gets near
// them, so every ESC byte in a line was put there on purpose.

#include <cstring>
#include <string_view>

#include "../level.hpp"
#include "../version.hpp"
#include "line_buffer.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail::ansi {

inline constexpr std::string_view reset = "\x1b[0m";

// trace grey, debug cyan, info green, perf blue, warn yellow, error red,
// critical bold white on red. A user-defined level takes the colour of the
// nearest built-in level below it; `off` has none.
constexpr std::string_view colour_for(level severity) noexcept {
    if (severity == level::off) return {};
    if (severity >= level::critical) return "\x1b[1;37;41m";
    if (severity >= level::error) return "\x1b[31m";
    if (severity >= level::warn) return "\x1b[33m";
    if (severity >= level::perf) return "\x1b[34m";
    if (severity >= level::info) return "\x1b[32m";
    if (severity >= level::debug) return "\x1b[36m";
    return "\x1b[90m";
}

// Appends `line` without its SGR sequences (ESC '[' digits/';' 'm'), for a
// pre-coloured line that is going somewhere colour is not wanted. Any other
// ESC is dropped too, so no escape byte survives.
inline void append_without_sgr(line_buffer& out, std::string_view line) {
    while (!line.empty()) {
        const std::size_t esc = line.find('\x1b');
        append(out, line.substr(0, esc));
        if (esc == std::string_view::npos) return;
        std::size_t after = esc + 1;
        if (after < line.size() && line[after] == '[') {
            std::size_t i = after + 1;
            while (i < line.size() && ((line[i] >= '0' && line[i] <= '9') || line[i] == ';')) ++i;
            if (i < line.size() && line[i] == 'm') after = i + 1;
        }
        line.remove_prefix(after);
    }
}

}  // namespace detail::ansi
INKWELL_END_NAMESPACE
