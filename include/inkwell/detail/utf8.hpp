#pragma once
// UTF-8 decoding shared by the JSON and text escapers. Invalid input is cut
// into "maximal subparts" (the Unicode recommendation also used by browsers
// and Python): each one becomes exactly one U+FFFD, so repairing a line never
// swallows the valid text that follows a bad byte.

#include <cstddef>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../version.hpp"
#include "bytes16.hpp"
#include "line_buffer.hpp"
#include "platform.hpp"

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

// Valid characters that both escapers still write as \uXXXX: C1 controls
// (U+0080-U+009F; a terminal showing the file may act on U+009B as CSI) and
// U+2028/U+2029, which JavaScript and some viewers treat as line breaks. The
// escaped form parses to the very same string, so nothing is lost.
constexpr bool escaped_code_point(std::uint32_t code_point) noexcept {
    return (code_point >= 0x80 && code_point <= 0x9F) || code_point == 0x2028 || code_point == 0x2029;
}

// True when all 8 bytes of `w` are printable ASCII (0x20-0x7E) and, with
// QuoteAndBackslash, none is '"' or '\\': the common case, checked a word at a time.
template <bool QuoteAndBackslash>
constexpr bool plain_word(std::uint64_t w) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const std::uint64_t below_space = (w - ones * 0x20) & ~w & highs;  // a byte < 0x20
    const std::uint64_t above_tilde = ((w + ones * (127 - 0x7E)) | w) & highs;  // a byte > 0x7E
    std::uint64_t special = below_space | above_tilde;
    if constexpr (QuoteAndBackslash) {
        const std::uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        special |= ((q - ones) & ~q & highs) | ((b - ones) & ~b & highs);
    }
    return special == 0;
}

#if defined(INKWELL_HAS_BYTES16)
// 16 bytes at a time: the same test as plain_word, a quarter of the instructions.
template <bool QuoteAndBackslash>
INKWELL_ALWAYS_INLINE bool plain_bytes16(bytes16 v) noexcept {
    auto special = (v < 0x20) | (v == 0x7F);
    if constexpr (QuoteAndBackslash) special |= (v == '"') | (v == '\\');
    return !byte_mask16(special).any();
}
// Copies 16 bytes and tells whether they were all plain: one load serves
// both the check and the copy.
template <bool QuoteAndBackslash>
INKWELL_ALWAYS_INLINE bool copy_plain_16_bytes(char* to, const char* from) noexcept {
    const bytes16 v = load_bytes16(from);
    std::memcpy(to, &v, sizeof v);
    return plain_bytes16<QuoteAndBackslash>(v);
}
#endif

// True when every byte of `s` is plain in the sense of plain_word: the
// common case, decided in whole words (the last one overlapping the one
// before, a short text padded with plain bytes) without a byte loop. With
// 16-byte vectors it sees only texts under 16 bytes (append_escaped_utf8).
template <bool QuoteAndBackslash>
inline bool all_plain(std::string_view s) noexcept {
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t w;
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8) {
            std::memcpy(&w, p + i, sizeof w);
            if (!plain_word<QuoteAndBackslash>(w)) return false;
        }
        std::memcpy(&w, p + n - 8, sizeof w);
    } else if (n >= 4) {
        std::uint32_t first, last;
        std::memcpy(&first, p, sizeof first);
        std::memcpy(&last, p + n - 4, sizeof last);
        w = first | (std::uint64_t{last} << 32);
    } else {
        w = 0x6161616161616161ull;  // "aaaaaaaa"
        for (std::size_t i = 0; i < n; ++i)
            w = (w & ~(std::uint64_t{0xFF} << (8 * i))) | (std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i));
    }
    return plain_word<QuoteAndBackslash>(w);
}

// The walk the JSON and text escapers share: runs of `plain` bytes are copied
// in one append, other ASCII bytes go to `escape_ascii(out, byte)`, valid
// multi-byte characters are kept (escaped_code_point ones become \uXXXX),
// and invalid UTF-8 becomes U+FFFD per maximal subpart.
template <bool QuoteAndBackslash, class EscapeAscii>
INKWELL_NOINLINE void append_escaped_utf8_walk(line_buffer& out, std::string_view s, const std::array<bool, 256>& plain,
                                               EscapeAscii escape_ascii);

// Copies `s` to `at` and returns the end of the copy when every byte is
// plain; returns nullptr when one is not (the bytes copied meanwhile do not
// count). `at` has room for s.size() bytes. Texts of 16 bytes and more are
// checked while copied, one pass (the last chunk overlapping the one before).
template <bool QuoteAndBackslash>
INKWELL_ALWAYS_INLINE char* put_if_plain(char* at, std::string_view s) noexcept {
    const std::size_t n = s.size();
    const char* const from = s.data();
#if defined(INKWELL_HAS_BYTES16)
    if (n >= 16) {
        bool all = true;
        for (std::size_t i = 0; all && i + 16 < n; i += 16) all = copy_plain_16_bytes<QuoteAndBackslash>(at + i, from + i);
        if (INKWELL_LIKELY(all && copy_plain_16_bytes<QuoteAndBackslash>(at + n - 16, from + n - 16))) return at + n;
        return nullptr;
    }
#endif
    if (INKWELL_UNLIKELY(!all_plain<QuoteAndBackslash>(s))) return nullptr;
    if (INKWELL_LIKELY(n <= 16))
        copy_up_to_16(at, from, n);
    else
        std::memcpy(at, from, n);
    return at + n;
}

// Text that needs no escaping (nearly all of it) is one check and one copy,
// inline, after the buffer has grown to hold it; the byte walk is out of line.
template <bool QuoteAndBackslash, class EscapeAscii>
INKWELL_ALWAYS_INLINE void append_escaped_utf8(line_buffer& out, std::string_view s, const std::array<bool, 256>& plain,
                                               EscapeAscii escape_ascii) {
    const std::size_t used = out.size(), n = s.size();
    if (INKWELL_UNLIKELY(out.capacity() - used < n)) out.reserve(used + n);
    if (INKWELL_LIKELY(put_if_plain<QuoteAndBackslash>(out.data() + used, s) != nullptr)) {
        out.resize(used + n);
        return;
    }
    append_escaped_utf8_walk<QuoteAndBackslash>(out, s, plain, escape_ascii);
}

template <bool QuoteAndBackslash, class EscapeAscii>
INKWELL_NOINLINE void append_escaped_utf8_walk(line_buffer& out, std::string_view s, const std::array<bool, 256>& plain,
                                               EscapeAscii escape_ascii) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* const end = p + s.size();
    const auto* run = p;  // start of the bytes not yet appended
    auto flush_run = [&](const unsigned char* upto) {
        append(out, {reinterpret_cast<const char*>(run), static_cast<std::size_t>(upto - run)});
    };
    while (p < end) {
        for (std::uint64_t w; end - p >= 8; p += 8) {  // skip plain text 8 bytes at a time
            std::memcpy(&w, p, sizeof w);
            if (!plain_word<QuoteAndBackslash>(w)) break;
        }
        if (p >= end) break;
        const unsigned char c = *p;
        if (plain[c]) {
            ++p;
            continue;
        }
        if (c < 0x80) {
            flush_run(p);
            escape_ascii(out, c);
            run = ++p;
            continue;
        }
        const utf8_sequence seq = decode_utf8(p, end);
        if (seq.valid && !escaped_code_point(seq.code_point)) {
            p += seq.length;  // an ordinary multi-byte character stays in the run
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
