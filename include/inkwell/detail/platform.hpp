#pragma once
// Compiler and build-mode switches. The library builds with and without
// exceptions and RTTI; code that would throw goes through these macros.

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define INKWELL_HAS_EXCEPTIONS 1
#define INKWELL_TRY try
#define INKWELL_CATCH_ALL catch (...)
#else
#define INKWELL_HAS_EXCEPTIONS 0
#define INKWELL_TRY if (true)
#define INKWELL_CATCH_ALL else
#endif

#if defined(__GNUC__) || defined(__clang__)
#define INKWELL_LIKELY(x) __builtin_expect(!!(x), 1)
#define INKWELL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define INKWELL_NOINLINE __attribute__((noinline))
#define INKWELL_COLD __attribute__((cold, noinline))
#define INKWELL_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define INKWELL_LIKELY(x) (x)
#define INKWELL_UNLIKELY(x) (x)
#define INKWELL_NOINLINE
#define INKWELL_COLD
#define INKWELL_ALWAYS_INLINE inline
#endif

#include <cstddef>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {
// Data that one thread writes and another reads on every call is kept on
// cache lines of its own (x86-64 and most ARM cores: 64 bytes).
inline constexpr std::size_t cache_line = 64;
}  // namespace detail
INKWELL_END_NAMESPACE
