#pragma once
// Sixteen bytes compared at once, with the vector extension of GCC and clang
// (SSE2 on x86-64, NEON on ARM): the text scanners' inner step (utf8.hpp's
// plain-text check, format_args.hpp's search for '{'). Without the extension
// (INKWELL_HAS_BYTES16 undefined) the callers scan a byte or a word at a time.

#include <cstdint>
#include <cstring>

#include "../version.hpp"
#include "platform.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__GNUC__) || defined(__clang__)
#define INKWELL_HAS_BYTES16 1

INKWELL_BEGIN_NAMESPACE
namespace detail {

// As signed bytes, everything from 0x80 up is negative: one signed compare
// finds controls and non-ASCII bytes together.
using bytes16 = signed char __attribute__((vector_size(16)));

INKWELL_ALWAYS_INLINE bytes16 load_bytes16(const char* from) noexcept {
    bytes16 v;
    std::memcpy(&v, from, sizeof v);
    return v;
}

// A comparison's result (each byte 0 or all ones). On x86-64 one pmovmskb
// gathers the 16 top bits into a word; elsewhere it is read as two words.
#if defined(__SSE2__)
struct byte_mask16 {
    unsigned bits;
    explicit byte_mask16(bytes16 compared) noexcept
        : bits(static_cast<unsigned>(_mm_movemask_epi8(__builtin_bit_cast(__m128i, compared)))) {}
    bool any() const noexcept { return bits != 0; }
    // The index of the first byte set; 16 when none is.
    unsigned first() const noexcept { return bits ? static_cast<unsigned>(__builtin_ctz(bits)) : 16; }
};
#else
struct byte_mask16 {
    std::uint64_t low, high;
    explicit byte_mask16(bytes16 compared) noexcept { std::memcpy(this, &compared, sizeof compared); }
    bool any() const noexcept { return (low | high) != 0; }
    // The index of the first byte set; 16 when none is.
    unsigned first() const noexcept {
        if (low) return static_cast<unsigned>(__builtin_ctzll(low)) / 8;
        if (high) return 8 + static_cast<unsigned>(__builtin_ctzll(high)) / 8;
        return 16;
    }
};
static_assert(sizeof(byte_mask16) == sizeof(bytes16));
#endif

}  // namespace detail
INKWELL_END_NAMESPACE
#endif
