#pragma once
// The buffer a formatter appends one line to. 512 bytes live inline, so a
// typical record is formatted without touching the heap.
//
// With {fmt} 9 the buffer is built on <fmt/core.h> alone: <fmt/format.h>
// would make every file that logs compile {fmt}'s whole formatting engine
// again (it is already compiled into libfmt), which was most of a logging
// file's compile time and memory.

#include <cstddef>
#include <cstring>
#include <string_view>

#include "../version.hpp"
#include "platform.hpp"

#if __has_include(<fmt/core.h>)
#include <fmt/core.h>
#endif
// clang mangles the engine's signature differently from the g++ that built
// Debian's libfmt (fmt issue 2377), so a clang build instantiates it itself.
#if !defined(FMT_VERSION) || FMT_VERSION >= 100000 || defined(FMT_HEADER_ONLY) || defined(__clang__)
#include <fmt/format.h>
#define INKWELL_LINE_BUFFER_FROM_FMT 1
#endif

INKWELL_BEGIN_NAMESPACE
namespace detail {

#ifdef INKWELL_LINE_BUFFER_FROM_FMT
using line_buffer = fmt::basic_memory_buffer<char, 512>;
#else
class line_buffer final : public fmt::detail::buffer<char> {
public:
    static constexpr std::size_t inline_size = 512;

    line_buffer() noexcept { this->set(inline_, inline_size); }
    ~line_buffer() { release(); }
    line_buffer(const line_buffer&) = delete;
    line_buffer& operator=(const line_buffer&) = delete;

    void resize(std::size_t count) { this->try_resize(count); }
    void reserve(std::size_t capacity) { this->try_reserve(capacity); }

private:
    void grow(std::size_t wanted) override {
        std::size_t capacity = this->capacity() + this->capacity() / 2;
        if (capacity < wanted) capacity = wanted;
        char* fresh = new char[capacity];
        std::memcpy(fresh, this->data(), this->size());
        release();
        this->set(fresh, capacity);
    }
    void release() noexcept {
        if (this->data() != inline_) delete[] this->data();
    }

    char inline_[inline_size];
};
#endif

// Copies n <= 16 bytes as two overlapping moves, without a call to memcpy.
INKWELL_ALWAYS_INLINE void copy_up_to_16(char* at, const char* from, std::size_t n) noexcept {
    if (n >= 8) {
        char head[8], tail[8];
        std::memcpy(head, from, 8);
        std::memcpy(tail, from + n - 8, 8);
        std::memcpy(at, head, 8);
        std::memcpy(at + n - 8, tail, 8);
    } else if (n >= 4) {
        char head[4], tail[4];
        std::memcpy(head, from, 4);
        std::memcpy(tail, from + n - 4, 4);
        std::memcpy(at, head, 4);
        std::memcpy(at + n - 4, tail, 4);
    } else if (n != 0) {
        at[0] = from[0];
        at[n / 2] = from[n / 2];
        at[n - 1] = from[n - 1];
    }
}

// Grows once and copies: {fmt}'s generic append goes out of line per call,
// which the formatters (a dozen short appends per record) feel. Up to 16
// bytes are copied inline instead of a call.
INKWELL_ALWAYS_INLINE void append(line_buffer& out, std::string_view text) {
    const std::size_t used = out.size(), n = text.size();
    if (INKWELL_LIKELY(n <= 16 && out.capacity() - used >= 16)) {
        copy_up_to_16(out.data() + used, text.data(), n);
        out.resize(used + n);
        return;
    }
    out.resize(used + n);
    std::memcpy(out.data() + used, text.data(), n);
}
inline std::string_view view(const line_buffer& b) noexcept { return {b.data(), b.size()}; }

}  // namespace detail
INKWELL_END_NAMESPACE
