#pragma once
// Doubles with few decimals ("12345.25", "0.001", "-3.5"): prices, ratios,
// durations in milliseconds, most of what applications log. Their shortest
// round-trip text takes a multiplication, a division and a compare here,
// instead of a shortest-digits search (std::to_chars costs ~700
// instructions a value, most of the writer's time for a typical record).

#include <cstdint>

#include "../version.hpp"
#include "integer_text.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// Writes the shortest text that reads back as `v` when that text has one to
// six digits after the point and {fmt} writes it without an exponent
// (1e-4 <= |v|), as {fmt} and std::to_chars both would. Returns the end of
// the text, or nullptr when `v` is whole, out of range or needs more digits
// (the caller then uses the general algorithm). `out` holds 32 chars.
//
// Why it is exact: below 2^52 / 10^6 two numbers with six decimals lie
// further apart than the interval of reals that round to `v`, so at most
// one of them reads back as `v`; if m / 10^6 (a correctly rounded division
// of two exact values) is `v`, that number is the one, and any shorter
// text would be another such number.
inline char* write_short_decimal(char* out, double v) noexcept {
    const double magnitude = v < 0 ? -v : v;
    if (!(magnitude >= 1e-4 && magnitude < 4503599627.0)) return nullptr;  // 2^52 / 10^6
    const auto scaled = static_cast<std::uint64_t>(magnitude * 1e6 + 0.5);
    if (static_cast<double>(scaled) / 1e6 != magnitude) return nullptr;
    const std::uint64_t whole = scaled / 1'000'000;
    const auto fraction = static_cast<unsigned>(scaled - whole * 1'000'000);
    if (fraction == 0) return nullptr;  // whole numbers have their own, shorter path
    if (v < 0) *out++ = '-';
    out = write_decimal(out, whole);
    *out++ = '.';
    // Six digits in three pairs, then the trailing zeros cut off.
    const unsigned pairs[3] = {fraction / 10000, fraction / 100 % 100, fraction % 100};
    for (unsigned pair : pairs) {
        *out++ = static_cast<char>('0' + pair / 10);
        *out++ = static_cast<char>('0' + pair % 10);
    }
    while (out[-1] == '0') --out;  // the fraction is not 0: a digit other than '0' stops it
    return out;
}

}  // namespace detail
INKWELL_END_NAMESPACE
