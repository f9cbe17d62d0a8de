#pragma once
// The buffer a formatter appends one line to. 512 bytes live inline, so a
// typical record is formatted without touching the heap.

#include <fmt/format.h>

#include <string_view>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

using line_buffer = fmt::basic_memory_buffer<char, 512>;

inline void append(line_buffer& out, std::string_view text) { out.append(text.data(), text.data() + text.size()); }
inline std::string_view view(const line_buffer& b) noexcept { return {b.data(), b.size()}; }

}  // namespace detail
INKWELL_END_NAMESPACE
