#pragma once
// Escaping for text files and terminals: no control byte from record data
// ever reaches the output, so a message cannot forge a log line, move the
// cursor, retitle the terminal or recolour it. Printable text (including any
// valid UTF-8 beyond the controls) is kept as it is, backslashes included.

#include <array>
#include <cstdint>
#include <string_view>

#include "../version.hpp"
#include "line_buffer.hpp"
#include "utf8.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// Printable ASCII, copied as it is.
inline constexpr std::array<bool, 256> text_plain_byte = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x7F; ++c) plain[static_cast<std::size_t>(c)] = true;
    return plain;
}();

// C0 controls and DEL: `\n`, `\r`, `\t`, and `\xHH` for the rest (ESC is `\x1b`).
inline void append_text_control_escape(line_buffer& out, unsigned char c) {
    switch (c) {
        case '\n': append(out, "\\n"); return;
        case '\r': append(out, "\\r"); return;
        case '\t': append(out, "\\t"); return;
        default: break;
    }
    const char escape[4] = {'\\', 'x', lower_hex_digits[c >> 4], lower_hex_digits[c & 0xF]};
    append(out, {escape, 4});
}

// `\uXXXX` for C1 controls (U+0080–U+009F: terminals take U+009B as CSI)
// and for U+2028/U+2029 (line breaks to some viewers).
constexpr bool text_escapes_code_point(std::uint32_t code_point) noexcept {
    return (code_point >= 0x80 && code_point <= 0x9F) || code_point == 0x2028 || code_point == 0x2029;
}

// Appends `s` with every control escaped and invalid UTF-8 replaced by U+FFFD.
inline void append_text_escaped(line_buffer& out, std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* const end = p + s.size();
    const auto* run = p;  // start of the bytes not yet appended; copied in one go
    auto flush_run = [&](const unsigned char* upto) {
        append(out, {reinterpret_cast<const char*>(run), static_cast<std::size_t>(upto - run)});
    };
    while (p < end) {
        const unsigned char c = *p;
        if (text_plain_byte[c]) {
            ++p;
            continue;
        }
        if (c < 0x80) {
            flush_run(p);
            append_text_control_escape(out, c);
            run = ++p;
            continue;
        }
        const utf8_sequence seq = decode_utf8(p, end);
        if (seq.valid && !text_escapes_code_point(seq.code_point)) {
            p += seq.length;
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

}  // namespace detail
INKWELL_END_NAMESPACE
