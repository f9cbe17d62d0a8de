#pragma once
// Call-site arguments: format arguments first, then key/value fields made with
// inkwell::kv(). The format string is checked at compile time against the
// format arguments only.

#include <fmt/core.h>

#include <array>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../record.hpp"
#include "bytes16.hpp"
#include "integer_text.hpp"
#include "line_buffer.hpp"
#include "short_decimal.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE

// A structured field at a call site: INKWELL_INFO(log, "Created {}", id, inkwell::kv("entityId", id)).
// It holds a reference: it lives only as long as the statement that logs it.
template <class T>
struct kv_arg {
    std::string_view key;
    const T& value;
};

template <class T>
constexpr kv_arg<T> kv(std::string_view key, const T& value) noexcept {
    return {key, value};
}

namespace detail {

template <class T>
struct is_kv : std::false_type {};
template <class T>
struct is_kv<kv_arg<T>> : std::true_type {};
template <class T>
inline constexpr bool is_kv_v = is_kv<std::remove_cvref_t<T>>::value;

// How many arguments come before the first field.
template <class... Args>
constexpr std::size_t leading_format_args() {
    constexpr bool flags[] = {is_kv_v<Args>..., true};
    std::size_t n = 0;
    while (!flags[n]) ++n;
    return n;
}

template <class... Args>
constexpr bool fields_are_trailing() {
    constexpr bool flags[] = {is_kv_v<Args>..., true};
    constexpr std::size_t first = leading_format_args<Args...>();
    for (std::size_t i = first; i < sizeof...(Args); ++i)
        if (!flags[i]) return false;
    return true;
}

template <class Indices, class... Args>
struct fmt_string_for;
template <std::size_t... I, class... Args>
struct fmt_string_for<std::index_sequence<I...>, Args...> {
    using type = fmt::format_string<std::tuple_element_t<I, std::tuple<Args...>>...>;
};

// Stands in for the format string when a field comes before a format
// argument, so that the one error is the one that says so.
template <class... Args>
struct misplaced_fields_string {
    template <class S>
    consteval misplaced_fields_string(const S&) {  // NOLINT: implicit, like fmt::format_string
        static_assert(sizeof...(Args) == 0 && false,  // depends on Args: fires only when used
                      "inkwell: key/value fields (inkwell::kv) must come after all format arguments");
    }
    operator fmt::string_view() const { return {}; }
};
struct misplaced_fields {
    using type = misplaced_fields_string<>;
};

}  // namespace detail

// The format string of a call: {fmt}'s own compile-time-checked format string
// over the format arguments only (the fields after them are not formatted).
// Being a nested type, it never takes part in deducing Args.
template <class... Args>
using format_string = typename std::conditional_t<
    detail::fields_are_trailing<Args...>(),
    detail::fmt_string_for<std::make_index_sequence<detail::leading_format_args<Args...>()>, std::remove_cvref_t<Args>...>,
    detail::misplaced_fields>::type;

namespace detail {

template <class FormatString>
constexpr std::string_view format_text(const FormatString& f) noexcept {
    auto v = fmt::string_view(f);
    return {v.data(), v.size()};
}

// A format whose every field is "{}" (no index, no spec) and that has no
// escaped braces: most log statements. Decided at compile time per call site.
constexpr bool is_plain_format(std::string_view f) noexcept {
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == '{') {
            if (i + 1 < f.size() && f[i + 1] == '}') {
                ++i;
                continue;
            }
            return false;
        }
        if (f[i] == '}') return false;
    }
    return true;
}

// Arguments whose "{}" output is simple enough to write without {fmt}:
// integers, bool, char, double (std::to_chars gives the digits {fmt} gives
// below 2^53; {fmt} writes the rest) and text. float is left to {fmt}.
template <class T>
inline constexpr bool is_plain_arg_v =
    std::is_same_v<T, bool> || std::is_same_v<T, char> ||
    (std::is_integral_v<T> && !std::is_same_v<T, wchar_t> && !std::is_same_v<T, char8_t> &&
     !std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t>) ||
    std::is_same_v<T, double> ||
    (std::is_convertible_v<const T&, std::string_view> && !std::is_same_v<T, std::nullptr_t>);

template <class Out, class T>
void append_plain_arg(Out& out, const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
        append(out, v ? std::string_view{"true"} : std::string_view{"false"});
    } else if constexpr (std::is_same_v<T, char>) {
        out.push_back(v);
    } else if constexpr (std::is_integral_v<T> && sizeof(T) <= 8) {
        if constexpr (std::is_same_v<Out, line_buffer>) {
            // Straight into the buffer: digits written byte by byte to the
            // stack and then read back in overlapping words stall the load
            // (no store-to-load forwarding), a cost per number per record.
            const std::size_t used = out.size();
            if (INKWELL_LIKELY(out.capacity() - used >= 24)) {
                char* at = out.data() + used;
                out.resize(used + static_cast<std::size_t>(write_integer(at, v) - at));
                return;
            }
        }
        char digits[24];
        append(out, {digits, static_cast<std::size_t>(write_integer(digits, v) - digits)});
    } else if constexpr (std::is_integral_v<T>) {  // 128 bits
        char digits[48];
        const auto result = std::to_chars(digits, digits + sizeof digits, v);
        append(out, {digits, static_cast<std::size_t>(result.ptr - digits)});
    } else if constexpr (std::is_same_v<T, double>) {
        // Below 2^53 std::to_chars and {fmt} write the same shortest digits;
        // above, to_chars may spell out every digit of a large whole number
        // where {fmt} writes the shortest digits and zeros.
        if (v > -9007199254740992.0 && v < 9007199254740992.0) {
            const auto whole = static_cast<long long>(v);
            if (static_cast<double>(whole) == v && (whole != 0 || !__builtin_signbit(v))) {
                append_plain_arg(out, whole);  // a whole number: the same digits, much faster
                return;
            }
            if constexpr (std::is_same_v<Out, line_buffer>) {
                const std::size_t used = out.size();
                if (INKWELL_LIKELY(out.capacity() - used >= 32)) {  // straight into the buffer, as above
                    char* at = out.data() + used;
                    char* end = write_short_decimal(at, v);
                    if (!end) end = std::to_chars(at, at + 32, v).ptr;
                    out.resize(used + static_cast<std::size_t>(end - at));
                    return;
                }
            }
            char digits[32];
            char* end = write_short_decimal(digits, v);
            if (!end) end = std::to_chars(digits, digits + sizeof digits, v).ptr;
            append(out, {digits, static_cast<std::size_t>(end - digits)});
        } else {
            fmt::format_to(fmt::appender(out), "{}", v);
        }
    } else {
        append(out, std::string_view{v});
    }
}

// Where the next '{' of `f` is, from `from` on, or npos. Inline: memchr is a
// call (through the PLT) for the dozen bytes between two fields, a cost per
// field per record on the writer.
inline std::size_t next_open_brace(std::string_view f, std::size_t from) noexcept {
    const char* p = f.data();
#if defined(INKWELL_HAS_BYTES16)
    for (; from + 16 <= f.size(); from += 16) {
        const byte_mask16 hits(load_bytes16(p + from) == '{');
        if (hits.any()) return from + hits.first();
    }
#endif
    for (; from < f.size(); ++from)
        if (p[from] == '{') return from;
    return std::string_view::npos;
}

template <class Out, class... A>
void format_plain(Out& out, std::string_view format, const A&... args) {
    std::size_t pos = 0;
    [[maybe_unused]] auto next = [&](const auto& value) {
        // In a plain format every '{' opens a "{}".
        const std::size_t at = next_open_brace(format, pos);
        if (at == std::string_view::npos) return;  // more arguments than fields: {fmt} ignores them too
        append(out, format.substr(pos, at - pos));
        append_plain_arg(out, value);
        pos = at + 2;
    };
    (next(args), ...);
    append(out, format.substr(pos));
}

// Formats the leading format arguments of `args` into `out`: without {fmt}'s
// parser when the call site's format is plain and so are the arguments.
template <class Out, class Tuple, std::size_t... I>
void format_leading(Out& out, std::string_view format, Tuple& args, std::index_sequence<I...>, bool plain = false) {
    if constexpr ((is_plain_arg_v<std::remove_cvref_t<std::tuple_element_t<I, Tuple>>> && ...)) {
        if (plain) {
            format_plain(out, format, std::get<I>(args)...);
            return;
        }
    }
    fmt::vformat_to(fmt::appender(out), format, fmt::make_format_args(std::get<I>(args)...));
}

// Turns one kv_arg into a field; values that are neither numbers, bools nor
// text are formatted with {fmt} into `scratch`.
template <class T>
void make_field(field& f, const kv_arg<T>& a, std::string& scratch) {
    using V = std::remove_cvref_t<T>;
    f.key = a.key;
    if constexpr (std::is_same_v<V, bool>) {
        f.value.type = field_value::kind::boolean;
        f.value.number.boolean = a.value;
    } else if constexpr (std::is_integral_v<V> && std::is_signed_v<V> && !std::is_same_v<V, char>) {
        f.value.type = field_value::kind::signed_integer;
        f.value.number.signed_integer = static_cast<std::int64_t>(a.value);
    } else if constexpr (std::is_integral_v<V> && !std::is_same_v<V, char>) {
        f.value.type = field_value::kind::unsigned_integer;
        f.value.number.unsigned_integer = static_cast<std::uint64_t>(a.value);
    } else if constexpr (std::is_floating_point_v<V>) {
        f.value.type = field_value::kind::floating;
        f.value.number.floating = static_cast<double>(a.value);
    } else if constexpr (std::is_same_v<V, std::nullptr_t>) {
        f.value.type = field_value::kind::null;
    } else if constexpr (std::is_convertible_v<const V&, std::string_view>) {
        f.value.type = field_value::kind::string;
        f.value.text = std::string_view{a.value};
    } else {
        scratch = fmt::format("{}", a.value);
        f.value.type = field_value::kind::string;
        f.value.text = scratch;
    }
}

template <std::size_t First, class Tuple, std::size_t... I>
void make_fields(std::array<field, sizeof...(I)>& fields, std::array<std::string, sizeof...(I)>& scratch,
                 Tuple& args, std::index_sequence<I...>) {
    (make_field(fields[I], std::get<First + I>(args), scratch[I]), ...);
}

}  // namespace detail
INKWELL_END_NAMESPACE
