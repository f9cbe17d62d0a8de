#pragma once
// What the libFuzzer targets of tests/fuzz/ share: a failed check that stops
// the run (libFuzzer then saves the input as crash-<sha1>), and an
// independent UTF-8 checker written from the Unicode standard's table of
// well-formed byte sequences (Table 3-7), not from inkwell's decoder, so a
// bug in the decoder cannot hide itself.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace fuzz_support {

[[noreturn]] inline void fail(const char* file, int line, const char* what) {
    std::fprintf(stderr, "\nfuzz invariant broken at %s:%d: %s\n", file, line, what);
    std::fflush(stderr);
    std::abort();
}

#define FUZZ_CHECK(condition)                                                              \
    do {                                                                                   \
        if (!(condition)) ::fuzz_support::fail(__FILE__, __LINE__, "FUZZ_CHECK(" #condition ")"); \
    } while (0)

// Table 3-7 of the Unicode standard: the well-formed UTF-8 byte sequences,
// by lead byte and the allowed range of the second byte (the others are
// always 80..BF).
struct utf8_row {
    unsigned char lead_low, lead_high;
    unsigned char second_low, second_high;
    std::size_t length;
};
inline constexpr utf8_row utf8_table[] = {
    {0x00, 0x7F, 0, 0, 1},       {0xC2, 0xDF, 0x80, 0xBF, 2}, {0xE0, 0xE0, 0xA0, 0xBF, 3},
    {0xE1, 0xEC, 0x80, 0xBF, 3}, {0xED, 0xED, 0x80, 0x9F, 3}, {0xEE, 0xEF, 0x80, 0xBF, 3},
    {0xF0, 0xF0, 0x90, 0xBF, 4}, {0xF1, 0xF3, 0x80, 0xBF, 4}, {0xF4, 0xF4, 0x80, 0x8F, 4},
};

// How many bytes from s[i] on (at most the row's length) fit the row.
inline std::size_t fitting_bytes(std::string_view s, std::size_t i, const utf8_row& r) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    if (byte(i) < r.lead_low || byte(i) > r.lead_high) return 0;
    std::size_t n = 1;
    for (; n < r.length && i + n < s.size(); ++n) {
        const unsigned char low = n == 1 ? r.second_low : 0x80, high = n == 1 ? r.second_high : 0xBF;
        if (byte(i + n) < low || byte(i + n) > high) break;
    }
    return n;
}

// The well-formed sequence that starts at s[i]: its length (1-4), or 0 when none does.
inline std::size_t well_formed_length(std::string_view s, std::size_t i) {
    for (const utf8_row& r : utf8_table)
        if (const std::size_t n = fitting_bytes(s, i, r); n != 0) return n == r.length ? n : 0;
    return 0;
}

// The maximal subpart at s[i] (Unicode 3.9, U+FFFD substitution): the longest
// prefix of a well-formed sequence found there, at least one byte (a byte
// that starts no sequence is a subpart of its own).
inline std::size_t maximal_subpart_length(std::string_view s, std::size_t i) {
    for (const utf8_row& r : utf8_table)
        if (const std::size_t n = fitting_bytes(s, i, r); n != 0) return n;
    return 1;
}

inline bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = well_formed_length(s, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

// The code point of the well-formed sequence s[i, i+n).
inline std::uint32_t code_point_at(std::string_view s, std::size_t i, std::size_t n) {
    const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[k])); };
    if (n == 1) return byte(i);
    std::uint32_t cp = byte(i) & (0x7Fu >> n);
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (byte(i + k) & 0x3Fu);
    return cp;
}

// Calls f(code_point) for each character of a valid UTF-8 string.
template <class F>
void for_each_code_point(std::string_view s, F&& f) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = well_formed_length(s, i);
        FUZZ_CHECK(n != 0);
        f(code_point_at(s, i, n));
        i += n;
    }
}

// `s` with every maximal subpart of ill-formed UTF-8 replaced by one U+FFFD:
// what inkwell's escapers promise to make of invalid input.
inline std::string repaired_utf8(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (const std::size_t n = well_formed_length(s, i); n != 0) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out.append("\xEF\xBF\xBD");
            i += maximal_subpart_length(s, i);
        }
    }
    return out;
}

}  // namespace fuzz_support
