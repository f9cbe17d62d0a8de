#pragma once
// Pieces both line formatters use for a record's key/value fields: numbers
// written so they read back exactly, and "first key wins" bookkeeping.

#include <charconv>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "../version.hpp"
#include "integer_text.hpp"
#include "line_buffer.hpp"
#include "short_decimal.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// The shortest decimal that reads back as the same double. std::to_chars
// rather than fmt::format_to: the same digits at a fraction of the compile
// time. A whole number keeps a ".0" so that a reader still sees a floating
// value. Only finite values: callers decide how NaN and infinity appear.
inline void append_finite_double(line_buffer& out, double value) {
    const std::size_t used = out.size();
    if (INKWELL_LIKELY(out.capacity() - used >= 32)) {  // straight into the buffer: see append_integer
        char* at = out.data() + used;
        if (const char* end = write_short_decimal(at, value)) {
            out.resize(used + static_cast<std::size_t>(end - at));
            return;
        }
    }
    char digits[32];  // the longest shortest form, "-2.2250738585072014e-308", is 24
    if (const char* end = write_short_decimal(digits, value)) {  // has a '.'
        append(out, {digits, static_cast<std::size_t>(end - digits)});
        return;
    }
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    const std::string_view written{digits, static_cast<std::size_t>(result.ptr - digits)};
    append(out, written);
    if (written.find_first_of(".e") == std::string_view::npos) append(out, ".0");
}

template <class Integer>
inline void append_integer(line_buffer& out, Integer value) {
    // Straight into the buffer when it has room: digits written byte by byte
    // to the stack and read back in overlapping words stall the load (no
    // store-to-load forwarding), a cost per number per record.
    const std::size_t used = out.size();
    if (INKWELL_LIKELY(out.capacity() - used >= 24)) {
        char* at = out.data() + used;
        out.resize(used + static_cast<std::size_t>(write_integer(at, value) - at));
        return;
    }
    char digits[24];  // 20 digits and a sign at most
    append(out, {digits, static_cast<std::size_t>(write_integer(digits, value) - digits)});
}

// Remembers the keys already written to a line, by their position in the
// output, so a later field with the same key can be left out. Comparing the
// written (escaped) bytes rather than the raw keys also catches two different
// invalid keys that were repaired into the same text.
class written_keys {
public:
    // `key_begin` is where the key just appended to `out` starts; the key
    // runs to the end of `out`. True when the same key was written before;
    // otherwise the key is remembered.
    bool written_before(const line_buffer& out, std::size_t key_begin) {
        const std::size_t key_size = out.size() - key_begin;
        if (keys_.any([&](const key_span& k) {
                return k.size == key_size && std::memcmp(out.data() + k.begin, out.data() + key_begin, key_size) == 0;
            }))
            return true;
        keys_.push(key_span{key_begin, key_size});
        return false;
    }

private:
    struct key_span {
        std::size_t begin;
        std::size_t size;
    };
    // 16 keys without touching the heap, more in `overflow` (an array of its
    // own rather than a std::vector: every file that formats a record
    // compiles this, and a vector instantiates a few dozen functions).
    struct key_list {
        key_span first[16];
        std::size_t used = 0;
        key_span* overflow = nullptr;
        std::size_t overflow_used = 0, overflow_capacity = 0;

        key_list() = default;
        key_list(const key_list&) = delete;
        key_list& operator=(const key_list&) = delete;
        ~key_list() { delete[] overflow; }

        void push(key_span k) {
            if (used < 16) {
                first[used++] = k;
                return;
            }
            if (overflow_used == overflow_capacity) grow();
            overflow[overflow_used++] = k;
        }
        template <class F>
        bool any(F&& f) const {
            for (std::size_t i = 0; i < used; ++i)
                if (f(first[i])) return true;
            for (std::size_t i = 0; i < overflow_used; ++i)
                if (f(overflow[i])) return true;
            return false;
        }
        void grow() {
            const std::size_t capacity = overflow_capacity == 0 ? 16 : 2 * overflow_capacity;
            auto* bigger = new key_span[capacity];
            for (std::size_t i = 0; i < overflow_used; ++i) bigger[i] = overflow[i];
            delete[] overflow;
            overflow = bigger;
            overflow_capacity = capacity;
        }
    };
    key_list keys_;
};

}  // namespace detail
INKWELL_END_NAMESPACE
