#pragma once
// JSON string escaping that always yields one valid line of UTF-8: every
// control character is escaped (so a message can never break a JSONL line),
// and invalid UTF-8 is repaired with U+FFFD (so every line parses).

#include <array>
#include <cstdint>
#include <string_view>

#include "../version.hpp"
#include "line_buffer.hpp"
#include "utf8.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// Bytes that are copied as they are: printable ASCII except '"' and '\'.
inline constexpr std::array<bool, 256> json_plain_byte = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x7F; ++c) plain[static_cast<std::size_t>(c)] = true;
    plain['"'] = false;
    plain['\\'] = false;
    return plain;
}();

inline void append_json_ascii_escape(line_buffer& out, unsigned char c) {
    const char* two = nullptr;
    switch (c) {
        case '"': two = "\\\""; break;
        case '\\': two = "\\\\"; break;
        case '\n': two = "\\n"; break;
        case '\r': two = "\\r"; break;
        case '\t': two = "\\t"; break;
        case '\b': two = "\\b"; break;
        case '\f': two = "\\f"; break;
        default: append_unicode_escape(out, c); return;  // other C0 controls and DEL
    }
    append(out, {two, 2});
}

// Appends `s` as the body of a JSON string (without the surrounding quotes).
inline void append_json_string(line_buffer& out, std::string_view s) {
    append_escaped_utf8<true>(out, s, json_plain_byte, [](line_buffer& o, unsigned char c) { append_json_ascii_escape(o, c); });
}

// Appends `s` as a complete JSON string, quotes included.
inline void append_json_quoted(line_buffer& out, std::string_view s) {
    out.push_back('"');
    append_json_string(out, s);
    out.push_back('"');
}

}  // namespace detail
INKWELL_END_NAMESPACE
