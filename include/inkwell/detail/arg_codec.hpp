#pragma once
// How the async buffer carries call-site arguments through its queue: by
// value, never as pointers into the caller's memory. Numbers, bools, chars,
// enums and pointers are copied as they are; text (std::string, string_view,
// C strings, literals) as a length and its bytes. A call with any other type
// is formatted on the calling thread instead (see buffer/async.hpp), so a
// user type's own formatter and format specs always apply unchanged.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "../record.hpp"
#include "../version.hpp"
#include "format_args.hpp"
#include "platform.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

template <class T>
inline constexpr bool is_text_arg_v =
    std::is_convertible_v<const T&, std::string_view> && !std::is_same_v<T, std::nullptr_t>;

template <class T>
inline constexpr bool is_value_arg_v = (std::is_arithmetic_v<T> || std::is_enum_v<T> || std::is_null_pointer_v<T> ||
                                        (std::is_pointer_v<T> && !is_text_arg_v<T>)) &&
                                       std::is_trivially_copyable_v<T>;

// A decoded key/value field: the key and value live in the queue entry.
template <class V>
struct decoded_kv {
    std::string_view key;
    V value;
};

template <class T>
struct arg_codec {
    static constexpr bool supported = false;
};

template <class T>
    requires is_value_arg_v<T>
struct arg_codec<T> {
    static constexpr bool supported = true;
    using decoded = T;
    static std::size_t size(const T&) noexcept { return sizeof(T); }
    static std::byte* encode(std::byte* out, const T& v) noexcept {
        std::memcpy(out, &v, sizeof(T));
        return out + sizeof(T);
    }
    static decoded decode(const std::byte*& in) noexcept {
        T v;
        std::memcpy(&v, in, sizeof(T));
        in += sizeof(T);
        return v;
    }
};

struct text_codec {
    static std::size_t size(std::string_view s) noexcept { return sizeof(std::uint32_t) + s.size(); }
    static std::byte* encode(std::byte* out, std::string_view s) noexcept {
        const auto n = static_cast<std::uint32_t>(s.size());
        std::memcpy(out, &n, sizeof n);
        copy_text(out + sizeof n, s.data(), n);
        return out + sizeof n + n;
    }
    // The call site's copy: short text (the usual argument) in two
    // overlapping moves inline, instead of a call to memcpy.
    static void copy_text(std::byte* to, const char* from, std::size_t n) noexcept {
        if (n >= 8 && n <= 16) {
            char head[8], tail[8];
            std::memcpy(head, from, 8);
            std::memcpy(tail, from + n - 8, 8);
            std::memcpy(to, head, 8);
            std::memcpy(to + n - 8, tail, 8);
        } else if (n >= 4 && n < 8) {
            char head[4], tail[4];
            std::memcpy(head, from, 4);
            std::memcpy(tail, from + n - 4, 4);
            std::memcpy(to, head, 4);
            std::memcpy(to + n - 4, tail, 4);
        } else if (n != 0 && n < 4) {
            to[0] = static_cast<std::byte>(from[0]);
            to[n / 2] = static_cast<std::byte>(from[n / 2]);
            to[n - 1] = static_cast<std::byte>(from[n - 1]);
        } else if (n != 0) {
            std::memcpy(to, from, n);
        }
    }
    static std::string_view decode(const std::byte*& in) noexcept {
        std::uint32_t n;
        std::memcpy(&n, in, sizeof n);
        std::string_view s{reinterpret_cast<const char*>(in + sizeof n), n};
        in += sizeof n + n;
        return s;
    }
};

template <class T>
    requires(!is_value_arg_v<T> && is_text_arg_v<T>)
struct arg_codec<T> {
    static constexpr bool supported = true;
    using decoded = std::string_view;
    static std::size_t size(const T& v) noexcept { return text_codec::size(std::string_view{v}); }
    static std::byte* encode(std::byte* out, const T& v) noexcept { return text_codec::encode(out, std::string_view{v}); }
    static decoded decode(const std::byte*& in) noexcept { return text_codec::decode(in); }
};

// A std::string's buffer holds at least 16 bytes, whatever its size: the
// small-string buffer is 16 bytes in libstdc++'s string, and a string on the
// heap has a capacity of 16 or more. (Not so in the old copy-on-write string
// of _GLIBCXX_USE_CXX11_ABI=0, whose buffer is as long as the text.) So a call
// that may store 16 bytes past the text (spsc_ring::reserve_fast's slack)
// copies a string of up to 16 bytes with one 16-byte move, instead of
// branches on its length. The bytes past the string's size are copied but
// never read: the entry records the size.
#if defined(__GLIBCXX__) && _GLIBCXX_USE_CXX11_ABI
inline constexpr std::size_t string_read_slack = 16;
#else
inline constexpr std::size_t string_read_slack = 0;
#endif

template <>
struct arg_codec<std::string> : arg_codec<std::string_view> {
    // Slack: how many bytes past the text may be written.
    template <std::size_t Slack>
    static std::byte* encode_with_slack(std::byte* out, const std::string& v) noexcept {
        if constexpr (Slack >= 16 && string_read_slack >= 16) {
            const auto n = static_cast<std::uint32_t>(v.size());
            std::memcpy(out, &n, sizeof n);
            if (INKWELL_LIKELY(n <= 16))
                std::memcpy(out + sizeof n, v.data(), 16);
            else
                text_codec::copy_text(out + sizeof n, v.data(), n);
            return out + sizeof n + n;
        } else {
            return encode(out, v);
        }
    }
};

// encode_with_slack where the codec has it, else encode.
template <std::size_t Slack, class T>
INKWELL_ALWAYS_INLINE std::byte* encode_arg(std::byte* out, const T& v) noexcept {
    if constexpr (Slack > 0 && requires { arg_codec<T>::template encode_with_slack<Slack>(out, v); })
        return arg_codec<T>::template encode_with_slack<Slack>(out, v);
    else
        return arg_codec<T>::encode(out, v);
}

template <class V>
struct arg_codec<kv_arg<V>> {
    using value_codec = arg_codec<std::remove_cvref_t<V>>;
    static constexpr bool supported = value_codec::supported;
    using decoded = decoded_kv<typename value_codec::decoded>;
    static std::size_t size(const kv_arg<V>& a) noexcept { return text_codec::size(a.key) + value_codec::size(a.value); }
    static std::byte* encode(std::byte* out, const kv_arg<V>& a) noexcept {
        return value_codec::encode(text_codec::encode(out, a.key), a.value);
    }
    static decoded decode(const std::byte*& in) noexcept {
        auto key = text_codec::decode(in);
        return decoded{key, value_codec::decode(in)};
    }
};

// A C string (a char pointer, or a char array as a literal is) is measured
// by strlen; the call site needs its length twice, to size the entry and to
// copy it. measured_text() turns it into a string_view, measured once; any
// other argument passes through as it is.
template <class T>
inline constexpr bool is_c_string_v =
    std::is_pointer_v<std::decay_t<T>> && std::is_same_v<std::remove_cv_t<std::remove_pointer_t<std::decay_t<T>>>, char>;

template <class T>
INKWELL_ALWAYS_INLINE decltype(auto) measured_text(const T& v) noexcept {
    if constexpr (is_c_string_v<T>)
        return std::string_view{v};
    else
        return (v);  // const T&
}

template <class... Args>
inline constexpr bool all_args_encodable = (arg_codec<std::remove_cvref_t<Args>>::supported && ...);

// How the call site's out-of-line paths take an argument: numbers (and other
// scalars) by value, the rest by reference. A reference to a number would make
// every call keep its numbers on the stack, in case the path is taken.
template <class T>
using pass_arg_t = std::conditional_t<std::is_scalar_v<T>, T, const T&>;

// A decoded field back into a record field (values refer into the entry).
template <class V>
void make_field(field& f, const decoded_kv<V>& a, std::string& scratch) {
    make_field(f, kv_arg<V>{a.key, a.value}, scratch);
}

}  // namespace detail
INKWELL_END_NAMESPACE
