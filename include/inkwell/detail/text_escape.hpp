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

// Appends `s` with every control escaped and invalid UTF-8 replaced by U+FFFD.
inline void append_text_escaped(line_buffer& out, std::string_view s) {
    append_escaped_utf8<false>(out, s, text_plain_byte,
                        [](line_buffer& o, unsigned char c) { append_text_control_escape(o, c); });
}

}  // namespace detail
INKWELL_END_NAMESPACE
