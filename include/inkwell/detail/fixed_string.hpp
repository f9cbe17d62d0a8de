#pragma once
// A string usable as a template argument: `classify::fixed<"general">`,
// `sink::rotating_file<R, "_errors">`.

#include <cstddef>
#include <string_view>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

template <std::size_t N>
struct fixed_string {
    char chars[N]{};

    constexpr fixed_string(const char (&text)[N]) noexcept {  // NOLINT: implicit on purpose
        for (std::size_t i = 0; i < N; ++i) chars[i] = text[i];
    }
    constexpr std::string_view view() const noexcept { return {chars, N - 1}; }
    constexpr operator std::string_view() const noexcept { return view(); }
    constexpr std::size_t size() const noexcept { return N - 1; }
};

}  // namespace detail
INKWELL_END_NAMESPACE
