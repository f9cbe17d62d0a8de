#pragma once
// The buffer a formatter appends one line to. 512 bytes live inline, so a
// typical record is formatted without touching the heap.

#include <fmt/format.h>

#include <cstring>
#include <string_view>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

using line_buffer = fmt::basic_memory_buffer<char, 512>;

// Grows once and copies: fmt's generic append goes out of line per call,
// which the escapers (many short appends per record) feel.
inline void append(line_buffer& out, std::string_view text) {
    if (text.empty()) return;
    const auto used = out.size();
    out.resize(used + text.size());
    std::memcpy(out.data() + used, text.data(), text.size());
}
inline std::string_view view(const line_buffer& b) noexcept { return {b.data(), b.size()}; }

}  // namespace detail
INKWELL_END_NAMESPACE
