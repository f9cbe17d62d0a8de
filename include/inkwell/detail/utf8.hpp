#pragma once
// UTF-8 decoding shared by the JSON and text escapers. Invalid input is cut
// into "maximal subparts" (the Unicode recommendation also used by browsers
// and Python): each one becomes exactly one U+FFFD, so repairing a line never
// swallows the valid text that follows a bad byte.

#include <cstddef>
#include <cstdint>

#include "../version.hpp"
#include "line_buffer.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// The three bytes of U+FFFD REPLACEMENT CHARACTER.
inline constexpr char utf8_replacement[] = "\xEF\xBF\xBD";

struct utf8_sequence {
    std::uint32_t code_point;  // meaningful only when valid
    std::uint32_t length;      // bytes consumed, at least 1
    bool valid;
};

// Decodes the sequence that starts at `p` (p < end). When it is invalid,
// `length` covers the maximal subpart: the lead byte plus the continuation
// bytes that could still have belonged to it.
inline utf8_sequence decode_utf8(const unsigned char* p, const unsigned char* end) noexcept {
    const unsigned char lead = *p;
    if (lead < 0x80) return {lead, 1, true};

    std::uint32_t code_point = 0;
    std::uint32_t continuation_bytes = 0;
    // The allowed range of the first continuation byte. Narrowing it for
    // E0/ED/F0/F4 is what rejects overlong forms, surrogates and code points
    // above U+10FFFF without a separate check after decoding.
    unsigned char first_low = 0x80, first_high = 0xBF;
    if (lead < 0xC2) {
        return {0, 1, false};  // stray continuation byte, or overlong C0/C1
    } else if (lead < 0xE0) {
        continuation_bytes = 1;
        code_point = lead & 0x1Fu;
    } else if (lead < 0xF0) {
        continuation_bytes = 2;
        code_point = lead & 0x0Fu;
        if (lead == 0xE0) first_low = 0xA0;   // below would be overlong
        if (lead == 0xED) first_high = 0x9F;  // above would be a surrogate
    } else if (lead < 0xF5) {
        continuation_bytes = 3;
        code_point = lead & 0x07u;
        if (lead == 0xF0) first_low = 0x90;   // below would be overlong
        if (lead == 0xF4) first_high = 0x8F;  // above would exceed U+10FFFF
    } else {
        return {0, 1, false};  // F5..FF never occur in UTF-8
    }

    unsigned char low = first_low, high = first_high;
    for (std::uint32_t i = 1; i <= continuation_bytes; ++i) {
        if (p + i == end) return {0, i, false};  // truncated at the end of the input
        const unsigned char c = p[i];
        if (c < low || c > high) return {0, i, false};
        code_point = (code_point << 6) | (c & 0x3Fu);
        low = 0x80;
        high = 0xBF;
    }
    return {code_point, continuation_bytes + 1, true};
}

inline constexpr char lower_hex_digits[] = "0123456789abcdef";

// Appends `\uXXXX` (lower-case hex) for a code point of the Basic Multilingual
// Plane; both escapers use this form for the characters they must not pass on.
inline void append_unicode_escape(line_buffer& out, std::uint32_t code_point) {
    const char escape[6] = {'\\',
                            'u',
                            lower_hex_digits[(code_point >> 12) & 0xF],
                            lower_hex_digits[(code_point >> 8) & 0xF],
                            lower_hex_digits[(code_point >> 4) & 0xF],
                            lower_hex_digits[code_point & 0xF]};
    append(out, {escape, 6});
}

}  // namespace detail
INKWELL_END_NAMESPACE
