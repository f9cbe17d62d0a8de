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

// Valid characters that are still escaped: C1 controls (U+0080–U+009F; a
// terminal showing the file may act on U+009B as CSI) and U+2028/U+2029,
// which JavaScript treats as line breaks. The escaped form parses to the
// very same string, so nothing is lost.
constexpr bool json_escapes_code_point(std::uint32_t code_point) noexcept {
    return (code_point >= 0x80 && code_point <= 0x9F) || code_point == 0x2028 || code_point == 0x2029;
}

// Appends `s` as the body of a JSON string (without the surrounding quotes).
inline void append_json_string(line_buffer& out, std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* const end = p + s.size();
    const auto* run = p;  // start of the bytes not yet appended; copied in one go
    auto flush_run = [&](const unsigned char* upto) {
        append(out, {reinterpret_cast<const char*>(run), static_cast<std::size_t>(upto - run)});
    };
    while (p < end) {
        const unsigned char c = *p;
        if (json_plain_byte[c]) {
            ++p;
            continue;
        }
        if (c < 0x80) {
            flush_run(p);
            append_json_ascii_escape(out, c);
            run = ++p;
            continue;
        }
        const utf8_sequence seq = decode_utf8(p, end);
        if (seq.valid && !json_escapes_code_point(seq.code_point)) {
            p += seq.length;  // ordinary multi-byte character: stays in the run
            continue;
        }
        flush_run(p);
        if (seq.valid)
            append_unicode_escape(out, seq.code_point);
        else
            append(out, {utf8_replacement, 3});
        p += seq.length;
        run = p;
    }
    flush_run(end);
}

// Appends `s` as a complete JSON string, quotes included.
inline void append_json_quoted(line_buffer& out, std::string_view s) {
    out.push_back('"');
    append_json_string(out, s);
    out.push_back('"');
}

}  // namespace detail
INKWELL_END_NAMESPACE
