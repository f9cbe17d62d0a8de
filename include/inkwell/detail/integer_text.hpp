#pragma once
// Integers as decimal text, the writer's most frequent conversion (the
// numbers of a message, the line of a source location, the whole part of a
// short decimal). std::to_chars counts the digits first in a loop of
// divisions, then writes them; here the count is one compare against a
// power of ten, and the digits come two at a time from a table.

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../version.hpp"
#include "platform.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

struct decimal_tables {
    char pairs[200];  // "00" "01" ... "99"
    std::uint64_t powers[20];  // 10^0 ... 10^19
};

inline constexpr decimal_tables decimal_table = [] {
    decimal_tables t{};
    for (int i = 0; i < 100; ++i) {
        t.pairs[2 * i] = static_cast<char>('0' + i / 10);
        t.pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
    std::uint64_t power = 1;
    for (int i = 0; i < 20; ++i, power *= 10) t.powers[i] = power;
    return t;
}();

// The number of decimal digits of `v` (1 for 0).
inline unsigned decimal_length(std::uint64_t v) noexcept {
    // bits * log10(2), rounded down: the digit count or one less.
    const unsigned bits = 64u - static_cast<unsigned>(__builtin_clzll(v | 1));
    const unsigned guess = (bits * 1233u) >> 12;
    return guess + (v >= decimal_table.powers[guess] ? 1u : 0u) + (v == 0 ? 1u : 0u);
}

// The digits of `v`, ending at `end`, from the last pair to the first.
template <class Unsigned>
INKWELL_ALWAYS_INLINE void write_digits_backwards(char* end, Unsigned v) noexcept {
    while (v >= 100) {
        const auto pair = static_cast<unsigned>(v % 100);
        v /= 100;
        end -= 2;
        std::memcpy(end, decimal_table.pairs + 2 * pair, 2);
    }
    if (v >= 10)
        std::memcpy(end - 2, decimal_table.pairs + 2 * v, 2);
    else
        end[-1] = static_cast<char>('0' + v);
}

// Writes `v` at `out` (room for 20 chars) and returns the end.
inline char* write_decimal(char* out, std::uint64_t v) noexcept {
    char* const end = out + decimal_length(v);
    if (v <= 0xFFFFFFFFu)  // most numbers: 32-bit divisions are the cheaper ones
        write_digits_backwards(end, static_cast<std::uint32_t>(v));
    else
        write_digits_backwards(end, v);
    return end;
}

// Any integer type of up to 64 bits, with its sign (room for 21 chars).
template <class Integer>
    requires(std::is_integral_v<Integer> && sizeof(Integer) <= 8)
inline char* write_integer(char* out, Integer value) noexcept {
    if constexpr (std::is_signed_v<Integer>) {
        const auto magnitude = static_cast<std::uint64_t>(value);
        if (value < 0) {
            *out++ = '-';
            return write_decimal(out, 0 - magnitude);  // also right for the most negative value
        }
        return write_decimal(out, magnitude);
    } else {
        return write_decimal(out, value);
    }
}

}  // namespace detail
INKWELL_END_NAMESPACE
