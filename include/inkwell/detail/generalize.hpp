#pragma once
// The generalized form of a message: what dedup::signature compares, so that
// "user 42 failed" and "user 97 failed" count as one message.
//
//   detail::generalize(text, out)   calls out(std::string_view) with the pieces
//                                   of the generalized text, in order: runs of
//                                   the input as they are, and placeholders
//   detail::generalized(text)       the same, joined into one std::string
//
// What is replaced, tried in this order where a word starts (after a byte
// that is not an ASCII letter or digit):
//   <url>    scheme://… up to white space or a quote ("https://x.org/a?b=1")
//   <email>  local@domain.tld
//   <time>   ISO dates and times: 2024-12-20, 2024-12-20T10:15:30.123Z,
//            2024-12-20 10:15:30,123+01:00, and 10:15:30(.123)
//   <uuid>   8-4-4-4-12 hex digits
//   <ip>     IPv4 (10.0.0.1) and IPv6 (fe80::1, 2001:db8::ff00:42:8329, ::1)
//   <hex>    0x1f3a, and runs of 8 or more hex digits holding a digit (a1b2c3d4)
//   <num>    a number anywhere, also inside a word: 42, -7, 3.14, 1.2.3, 6e10,
//            user42 → user<num>, 12ms → <num>ms
//
// A hand-written scanner rather than <regex>: it compiles in a fraction of
// the time, never allocates, and runs in linear time whatever the input
// (each matcher looks ahead a bounded distance, or consumes what it scans, or
// remembers where its last failed scan ended). It works on bytes and never
// decodes UTF-8, so invalid UTF-8 passes through unchanged and cannot upset it.
// Only the first `max_generalized_bytes` of a message are generalized; the
// rest is passed on as it is (bounded work per message; two long messages
// that differ after that point stay two messages).

#include <cstddef>
#include <string>
#include <string_view>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

inline constexpr std::size_t max_generalized_bytes = 4096;

namespace generalize_scan {

inline constexpr std::string_view number = "<num>", hex = "<hex>", uuid = "<uuid>", ip = "<ip>", email = "<email>",
                                  url = "<url>", time = "<time>";

// Character classes by table: one load per byte on the scanner's hot path.
enum : unsigned char { digit_class = 1, alpha_class = 2, hex_class = 4 };
struct class_table {
    unsigned char of[256]{};
    constexpr class_table() {
        for (int c = '0'; c <= '9'; ++c) of[c] = digit_class | hex_class;
        for (int c = 'a'; c <= 'z'; ++c) of[c] = alpha_class | (c <= 'f' ? hex_class : 0);
        for (int c = 'A'; c <= 'Z'; ++c) of[c] = alpha_class | (c <= 'F' ? hex_class : 0);
    }
};
inline constexpr class_table classes{};

constexpr unsigned char class_of(char c) noexcept { return classes.of[static_cast<unsigned char>(c)]; }
constexpr bool is_digit(char c) noexcept { return (class_of(c) & digit_class) != 0; }
constexpr bool is_alpha(char c) noexcept { return (class_of(c) & alpha_class) != 0; }
constexpr bool is_alnum(char c) noexcept { return (class_of(c) & (digit_class | alpha_class)) != 0; }
constexpr bool is_hex(char c) noexcept { return (class_of(c) & hex_class) != 0; }

// The input being scanned, with bounds-checked peeks.
struct text {
    const char* begin;
    std::size_t size;
    constexpr char at(std::size_t i) const noexcept { return i < size ? begin[i] : '\0'; }
    // How many of `test` follow position i, at most `max`.
    template <class Test>
    constexpr std::size_t run(std::size_t i, Test test, std::size_t max) const noexcept {
        std::size_t n = 0;
        while (n < max && i + n < size && test(begin[i + n])) ++n;
        return n;
    }
    constexpr std::size_t digits(std::size_t i, std::size_t max = static_cast<std::size_t>(-1)) const noexcept {
        return run(i, is_digit, max);
    }
    constexpr std::size_t hex_digits(std::size_t i, std::size_t max = static_cast<std::size_t>(-1)) const noexcept {
        return run(i, is_hex, max);
    }
};

// Exactly n digits at i (and not more).
constexpr bool exact_digits(const text& t, std::size_t i, std::size_t n) noexcept {
    return t.digits(i, n + 1) == n;
}

// A fraction ".123" or ",123" (Python's default time format) at i: its length, or 0.
constexpr std::size_t fraction(const text& t, std::size_t i) noexcept {
    if (t.at(i) != '.' && t.at(i) != ',') return 0;
    const std::size_t n = t.digits(i + 1, 10);
    return n == 0 ? 0 : 1 + n;
}

// HH:MM:SS with an optional fraction, at i: its length, or 0. With
// `minutes_are_enough`, HH:MM alone counts too (after a date).
constexpr std::size_t clock_time(const text& t, std::size_t i, bool minutes_are_enough) noexcept {
    if (!exact_digits(t, i, 2) || t.at(i + 2) != ':' || !exact_digits(t, i + 3, 2)) return 0;
    std::size_t n = 5;
    if (t.at(i + 5) == ':' && exact_digits(t, i + 6, 2)) {
        n = 8;
        n += fraction(t, i + n);
    } else if (!minutes_are_enough) {
        return 0;
    }
    return n;
}

// A time zone after a clock time: Z, +01, +0100 or +01:00.
constexpr std::size_t zone(const text& t, std::size_t i) noexcept {
    const char c = t.at(i);
    if (c == 'Z' || c == 'z') return 1;
    if ((c != '+' && c != '-') || !exact_digits(t, i + 1, 2)) return 0;
    if (t.at(i + 3) == ':' && exact_digits(t, i + 4, 2)) return 6;
    if (exact_digits(t, i + 3, 2)) return 5;
    return 3;
}

// An ISO date with an optional time and zone, or a bare HH:MM:SS.
constexpr std::size_t timestamp(const text& t, std::size_t i) noexcept {
    std::size_t n = 0;
    if (exact_digits(t, i, 4) && t.at(i + 4) == '-' && exact_digits(t, i + 5, 2) && t.at(i + 7) == '-' &&
        exact_digits(t, i + 8, 2)) {
        n = 10;
        const char separator = t.at(i + n);
        if (separator == 'T' || separator == ' ') {
            if (const std::size_t c = clock_time(t, i + n + 1, true); c != 0) n += 1 + c;
        }
    } else {
        n = clock_time(t, i, false);
        if (n == 0) return 0;
    }
    n += zone(t, i + n);
    if (is_alnum(t.at(i + n))) return 0;  // "2024-12-20abc" is not a date
    return n;
}

// 8-4-4-4-12 hex digits.
constexpr std::size_t uuid_at(const text& t, std::size_t i) noexcept {
    constexpr std::size_t groups[] = {8, 4, 4, 4, 12};
    std::size_t n = 0;
    for (std::size_t g = 0; g < 5; ++g) {
        if (g != 0) {
            if (t.at(i + n) != '-') return 0;
            ++n;
        }
        if (t.hex_digits(i + n, groups[g] + 1) != groups[g]) return 0;
        n += groups[g];
    }
    return is_alnum(t.at(i + n)) ? 0 : n;
}

// Four decimal octets (0-255); "1.2.3.4.5" is a version number, not an address.
constexpr std::size_t ipv4_at(const text& t, std::size_t i) noexcept {
    std::size_t n = 0;
    for (int octet = 0; octet < 4; ++octet) {
        if (octet != 0) {
            if (t.at(i + n) != '.') return 0;
            ++n;
        }
        const std::size_t d = t.digits(i + n, 4);
        if (d == 0 || d > 3) return 0;
        unsigned value = 0;
        for (std::size_t k = 0; k < d; ++k) value = value * 10 + static_cast<unsigned>(t.at(i + n + k) - '0');
        if (value > 255) return 0;
        n += d;
    }
    if (is_alnum(t.at(i + n)) || (t.at(i + n) == '.' && is_digit(t.at(i + n + 1)))) return 0;
    return n;
}

// An IPv6 address: eight groups, or fewer with one "::", maybe ending in an
// IPv4 address. It must hold a decimal digit, so that C++ names such as
// "db::add" stay words.
constexpr std::size_t ipv6_at(const text& t, std::size_t i) noexcept {
    std::size_t n = 0, groups = 0;
    bool compressed = false, digit = false;
    if (t.at(i) == ':') {
        if (t.at(i + 1) != ':') return 0;
        compressed = true;
        n = 2;
    }
    while (groups < 8) {
        const std::size_t h = t.hex_digits(i + n, 5);
        if (h == 0) break;
        if (t.at(i + n + h) == '.') {  // the last 32 bits written as IPv4
            const std::size_t v4 = ipv4_at(t, i + n);
            if (v4 == 0 || groups > 6) return 0;
            n += v4;
            groups += 2;
            digit = true;
            break;
        }
        if (h > 4) return 0;
        for (std::size_t k = 0; k < h; ++k) digit = digit || is_digit(t.at(i + n + k));
        n += h;
        ++groups;
        if (t.at(i + n) != ':') break;
        if (t.at(i + n + 1) == ':') {
            if (compressed) return 0;
            compressed = true;
            n += 2;
        } else if (is_hex(t.at(i + n + 1))) {
            n += 1;
        } else {
            break;  // "fe80::1: refused": the colon is the text's
        }
    }
    if (!digit || (compressed ? groups > 7 : groups != 8)) return 0;
    if (is_alnum(t.at(i + n)) || t.at(i + n) == ':') return 0;
    return n;
}

// scheme://… up to white space, a quote or an angle bracket; trailing
// punctuation belongs to the sentence.
constexpr std::size_t url_at(const text& t, std::size_t i) noexcept {
    if (!is_alpha(t.at(i))) return 0;
    const std::size_t scheme =
        t.run(i, [](char c) { return is_alnum(c) || c == '+' || c == '.' || c == '-'; }, 17);
    if (scheme > 16 || t.at(i + scheme) != ':' || t.at(i + scheme + 1) != '/' || t.at(i + scheme + 2) != '/')
        return 0;
    std::size_t n = scheme + 3;
    const std::size_t rest = t.run(i + n, [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u > 0x20 && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`' && u != 0x7f;
    }, static_cast<std::size_t>(-1));
    if (rest == 0) return 0;
    n += rest;
    while (n > scheme + 3) {
        const char last = t.at(i + n - 1);
        if (last != '.' && last != ',' && last != ';' && last != ':' && last != '!' && last != '?' && last != ')' &&
            last != ']' && last != '}')
            break;
        --n;
    }
    return n;
}

constexpr bool email_local_char(char c) noexcept {
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
constexpr bool domain_char(char c) noexcept { return is_alnum(c) || c == '-'; }

// local@domain.tld. `scanned_to` remembers where the scan of the local part
// stopped: a later start before it would stop at the same place, so it is
// not tried again (what keeps "a.a.a.a…" linear).
constexpr std::size_t email_at(const text& t, std::size_t i, std::size_t& scanned_to) noexcept {
    if (i < scanned_to) return 0;
    const std::size_t local = t.run(i, email_local_char, static_cast<std::size_t>(-1));
    scanned_to = i + local;
    if (local == 0 || t.at(i + local) != '@') return 0;
    std::size_t n = local + 1, labels = 0;
    for (;;) {
        const std::size_t label = t.run(i + n, domain_char, static_cast<std::size_t>(-1));
        if (label == 0) break;
        n += label;
        ++labels;
        if (t.at(i + n) != '.' || !domain_char(t.at(i + n + 1))) break;
        ++n;
    }
    return labels >= 2 ? n : 0;
}

// 0x followed by hex digits.
constexpr std::size_t prefixed_hex_at(const text& t, std::size_t i) noexcept {
    if (t.at(i) != '0' || (t.at(i + 1) != 'x' && t.at(i + 1) != 'X')) return 0;
    const std::size_t h = t.hex_digits(i + 2);
    if (h == 0 || is_alnum(t.at(i + 2 + h))) return 0;
    return 2 + h;
}

// Digits with ".digits" groups (3.14, 1.2.3) and an exponent (6e10, 1.5E-3).
constexpr std::size_t number_at(const text& t, std::size_t i) noexcept {
    std::size_t n = t.digits(i);
    while (t.at(i + n) == '.' && is_digit(t.at(i + n + 1))) n += 1 + t.digits(i + n + 1);
    const char e = t.at(i + n);
    if (e == 'e' || e == 'E') {
        std::size_t sign = (t.at(i + n + 1) == '+' || t.at(i + n + 1) == '-') ? 1 : 0;
        if (const std::size_t d = t.digits(i + n + 1 + sign); d != 0) n += 1 + sign + d;
    }
    return n;
}

struct match {
    std::size_t length = 0;
    std::string_view placeholder{};
};

// The word (ASCII letters and digits) that starts at i, in one pass.
struct word_shape {
    std::size_t length = 0;
    bool all_hex = true, digit = false, letter = false;
};

constexpr word_shape shape_of(const text& t, std::size_t i) noexcept {
    word_shape w;
    unsigned char seen = 0, hex_letters = hex_class;
    std::size_t k = i;
    for (; k < t.size; ++k) {
        const unsigned char c = class_of(t.begin[k]);
        if ((c & (digit_class | alpha_class)) == 0) break;
        seen |= c;
        if (c & alpha_class) hex_letters &= c;
    }
    w.length = k - i;
    w.digit = (seen & digit_class) != 0;
    w.letter = (seen & alpha_class) != 0;
    w.all_hex = (hex_letters & hex_class) != 0;
    return w;
}

// What starts a word at i, if anything but a number. `w` is the word's
// shape; the character after the word decides which matchers can apply, so
// most words are looked at once. `email_scanned_to`: see email_at.
constexpr match at_word_start(const text& t, std::size_t i, const word_shape& w,
                              std::size_t& email_scanned_to) noexcept {
    const char c = t.at(i);
    if (c == ':') {
        if (const std::size_t n = ipv6_at(t, i)) return {n, ip};
        return {};
    }
    if (w.length == 0) return {};
    const char next = t.at(i + w.length);
    if (is_alpha(c) && (next == ':' || next == '+' || next == '.' || next == '-')) {
        if (const std::size_t n = url_at(t, i)) return {n, url};
    }
    if (is_digit(c)) {
        if (next == '-' || next == ':') {
            if (const std::size_t n = timestamp(t, i)) return {n, time};
        }
        if (next == '.') {
            if (const std::size_t n = ipv4_at(t, i)) return {n, ip};
        }
        if (c == '0' && (t.at(i + 1) == 'x' || t.at(i + 1) == 'X')) {
            if (const std::size_t n = prefixed_hex_at(t, i)) return {n, hex};
        }
    }
    if (w.all_hex) {
        if (w.length == 8 && next == '-') {
            if (const std::size_t n = uuid_at(t, i)) return {n, uuid};
        }
        if (w.length <= 4 && next == ':') {
            if (const std::size_t n = ipv6_at(t, i)) return {n, ip};
        }
    }
    if (next == '@' || next == '.' || next == '_' || next == '%' || next == '+' || next == '-') {
        if (const std::size_t n = email_at(t, i, email_scanned_to)) return {n, email};
    }
    if (w.length >= 8 && w.all_hex && w.digit && w.letter) return {w.length, hex};
    return {};
}

}  // namespace generalize_scan

// Calls out(std::string_view) with the pieces of the generalized message.
template <class Out>
void generalize(std::string_view message, Out&& out) {
    namespace g = generalize_scan;
    const g::text t{message.data(), message.size()};
    const std::size_t limit = message.size() < max_generalized_bytes ? message.size() : max_generalized_bytes;
    std::size_t literal_from = 0, email_scanned_to = 0, i = 0;
    auto replace = [&](std::size_t length, std::string_view placeholder) {
        if (i > literal_from) out(message.substr(literal_from, i - literal_from));
        out(placeholder);
        i += length;
        literal_from = i;
    };
    while (i < limit) {
        const char c = message[i];
        const bool word_start = i == 0 || !g::is_alnum(message[i - 1]);
        if (word_start) {
            const g::word_shape w = g::shape_of(t, i);
            if (const g::match m = g::at_word_start(t, i, w, email_scanned_to); m.length != 0) {
                replace(m.length, m.placeholder);
                continue;
            }
            if (!w.digit && w.length != 0) {  // a word of letters only: nothing in it to replace
                i += w.length;
                continue;
            }
            // A sign belongs to a number that starts a word: "x=-5", "(+3)".
            if ((c == '-' || c == '+') && g::is_digit(t.at(i + 1))) {
                replace(1 + g::number_at(t, i + 1), g::number);
                continue;
            }
        }
        if (g::is_digit(c)) {
            replace(g::number_at(t, i), g::number);
            continue;
        }
        ++i;
    }
    if (message.size() > literal_from) out(message.substr(literal_from));
}

// The generalized message as one string (for tests, tools and summaries).
inline std::string generalized(std::string_view message) {
    std::string out;
    out.reserve(message.size());
    generalize(message, [&](std::string_view piece) { out.append(piece); });
    return out;
}

}  // namespace detail
INKWELL_END_NAMESPACE
