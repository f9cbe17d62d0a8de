#pragma once
// Turns a name that came from log data (a category, a session id, a base
// name) into one safe path component, so that no name can create or touch a
// file outside the log folder.
//
// The rules:
//   - only A-Z a-z 0-9 '.' '_' '-' are kept; every other byte (NUL, '/', '\\',
//     newline, space, each byte of a multi-byte UTF-8 character, invalid
//     UTF-8) becomes '_';
//   - a leading '.' becomes '_', so the result is never ".", ".." or hidden;
//   - an empty name becomes "_";
//   - at most 64 bytes: a longer name keeps its first 55 bytes and ends in '-'
//     plus 8 hex digits of a hash of the whole original name, so that two
//     long names sharing a prefix still get different files.
// Different names can still map to one component ("a/b" and "a_b"); that only
// merges two logs, it never escapes the folder.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

inline constexpr std::size_t max_file_component = 64;

constexpr bool is_safe_file_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

// True when `text` already is a component sanitize_file_component leaves
// as it is (used to check compile-time suffixes and extensions).
constexpr bool is_safe_file_text(std::string_view text) noexcept {
    for (char c : text)
        if (!is_safe_file_char(c)) return false;
    return true;
}

namespace sanitize_impl {

// FNV-1a: a stable, dependency-free hash; only collisions between long names matter.
constexpr std::uint32_t hash(std::string_view text) noexcept {
    std::uint32_t h = 2166136261u;
    for (char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 16777619u;
    }
    return h;
}

// Writes the sanitized form of `in` to out[0..64) and returns its length.
constexpr std::size_t sanitize(std::string_view in, char* out) noexcept {
    if (in.empty()) {
        out[0] = '_';
        return 1;
    }
    const bool too_long = in.size() > max_file_component;
    const std::size_t kept = too_long ? max_file_component - 9 : in.size();
    for (std::size_t i = 0; i < kept; ++i) out[i] = is_safe_file_char(in[i]) ? in[i] : '_';
    if (out[0] == '.') out[0] = '_';
    if (!too_long) return kept;
    constexpr char hex[] = "0123456789abcdef";
    std::uint32_t h = hash(in);
    out[kept] = '-';
    for (std::size_t i = 0; i < 8; ++i) out[kept + 1 + i] = hex[(h >> (28 - 4 * i)) & 0xF];
    return max_file_component;
}

}  // namespace sanitize_impl

// Into a caller's array (no allocation); the result is NUL-terminated and the
// returned view points into `out`.
template <std::size_t N>
constexpr std::string_view sanitize_file_component(std::string_view name, char (&out)[N]) noexcept {
    static_assert(N > max_file_component, "the buffer must hold 64 bytes plus the terminating NUL");
    std::size_t len = sanitize_impl::sanitize(name, out);
    out[len] = '\0';
    return {out, len};
}

// Into a string, replacing its contents.
inline void sanitize_file_component(std::string_view name, std::string& out) {
    char buffer[max_file_component + 1];
    out.assign(sanitize_file_component(name, buffer));
}

}  // namespace detail
INKWELL_END_NAMESPACE
