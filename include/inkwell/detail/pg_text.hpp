#pragma once
// Text helpers of the PostgreSQL sink (sink/postgres.hpp) that need no libpq:
// COPY binary-format columns with UTF-8 repair, UTC timestamps with
// microseconds, event ids formatted as UUIDs, a strict check that a line is
// one JSON object that json and jsonb accept, and the JSON object built for a line
// that is not one. Nothing here builds SQL from log text: these produce the
// data rows of COPY ... FROM STDIN and values of parameters.

#ifndef INKWELL_VERSION_MAJOR
#include "../inkwell.hpp"
#endif

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

INKWELL_BEGIN_NAMESPACE
namespace detail {
namespace pg {

// --- COPY binary format ----------------------------------------------------
// The sink sends rows in COPY's binary format: each column is its length
// and its bytes (no escaping to write, no text to parse on the server: the
// timestamp, uuid and numbers travel as the server stores them).
// https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format".

// Network byte order.
template <class Unsigned>
inline void append_big_endian(std::string& out, Unsigned v) {
    char bytes[sizeof(Unsigned)];
    for (std::size_t i = 0; i < sizeof(Unsigned); ++i)
        bytes[i] = static_cast<char>((v >> (8 * (sizeof(Unsigned) - 1 - i))) & 0xFF);
    out.append(bytes, sizeof bytes);
}

// The stream's header (signature, flags 0, no extension) and trailer.
inline constexpr char copy_binary_header[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\xff', '\r', '\n', '\0',
                                                0, 0, 0, 0, 0, 0, 0, 0};
inline constexpr char copy_binary_trailer[2] = {'\xff', '\xff'};  // field count -1

// A row's field count.
inline void append_copy_field_count(std::string& out, std::uint16_t n) { append_big_endian(out, n); }
// NULL: length -1.
inline void append_copy_null(std::string& out) { append_big_endian(out, std::uint32_t{0xFFFFFFFFu}); }

// Appends `s` with NUL (which PostgreSQL's text cannot hold) and invalid
// UTF-8 (which the server would reject, and with it the whole batch)
// replaced by U+FFFD, one per maximal invalid subpart, as the JSON escaper
// repairs. Nothing else changes: tabs, line breaks, backslashes are data.
inline void append_repaired_utf8(std::string& out, std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    const auto* run = p;
    auto flush_run = [&](const unsigned char* to) {
        if (to > run) out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(to - run));
    };
    while (p < end) {
        const unsigned char c = *p;
        if (c != 0 && c < 0x80) {
            ++p;
            continue;
        }
        if (c >= 0x80) {
            const utf8_sequence seq = decode_utf8(p, end);
            if (seq.valid) {
                p += seq.length;
                continue;
            }
            flush_run(p);
            out.append(utf8_replacement, 3);
            p += seq.length;
            run = p;
            continue;
        }
        flush_run(p);  // NUL
        out.append(utf8_replacement, 3);
        ++p;
        run = p;
    }
    flush_run(end);
}

// A text (or json) column.
inline void append_copy_text(std::string& out, std::string_view s) {
    const std::size_t at = out.size();
    out.append(4, '\0');
    append_repaired_utf8(out, s);
    const auto length = static_cast<std::uint32_t>(out.size() - at - 4);
    for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>((length >> (8 * (3 - i))) & 0xFF);
}
inline void append_copy_int16(std::string& out, std::int16_t v) {
    append_big_endian(out, std::uint32_t{2});
    append_big_endian(out, static_cast<std::uint16_t>(v));
}
inline void append_copy_int32(std::string& out, std::int32_t v) {
    append_big_endian(out, std::uint32_t{4});
    append_big_endian(out, static_cast<std::uint32_t>(v));
}

// --- time ------------------------------------------------------------------
inline std::int64_t epoch_microseconds(time_point t) noexcept {
    return std::chrono::floor<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// "YYYY-MM-DD HH:MM:SS.ffffff+00" (what timestamptz reads), or with
// iso_t: "YYYY-MM-DDTHH:MM:SS.ffffffZ". Years are clamped to 1..9999.
inline void append_utc_micros(std::string& out, std::int64_t us, bool iso_t = false) {
    constexpr std::int64_t min_us = -62135596800LL * 1000000;    // 0001-01-01
    constexpr std::int64_t max_us = 253402300799LL * 1000000 + 999999;  // 9999-12-31 23:59:59.999999
    if (us < min_us) us = min_us;
    if (us > max_us) us = max_us;
    const std::int64_t seconds = floor_div(us, 1000000);
    const auto micros = static_cast<unsigned>(us - seconds * 1000000);
    const std::int64_t days = floor_div(seconds, 86400);
    const auto second_of_day = static_cast<unsigned>(seconds - days * 86400);
    const civil_date d = civil_from_days(days);
    char text[32];
    char* at = text;
    at = put_digits(at, static_cast<unsigned>(d.year), 4);
    *at++ = '-';
    at = put_digits(at, d.month, 2);
    *at++ = '-';
    at = put_digits(at, d.day, 2);
    *at++ = iso_t ? 'T' : ' ';
    at = put_digits(at, second_of_day / 3600, 2);
    *at++ = ':';
    at = put_digits(at, second_of_day / 60 % 60, 2);
    *at++ = ':';
    at = put_digits(at, second_of_day % 60, 2);
    *at++ = '.';
    at = put_digits(at, micros, 6);
    if (iso_t) {
        *at++ = 'Z';
    } else {
        *at++ = '+';
        *at++ = '0';
        *at++ = '0';
    }
    out.append(text, static_cast<std::size_t>(at - text));
}

inline std::string utc_micros_text(time_point t, bool iso_t = false) {
    std::string s;
    append_utc_micros(s, epoch_microseconds(t), iso_t);
    return s;
}

// A timestamptz column: microseconds since 2000-01-01 UTC, clamped to the
// years 1..9999 as the text form is.
inline void append_copy_timestamp(std::string& out, std::int64_t us) {
    constexpr std::int64_t min_us = -62135596800LL * 1000000;
    constexpr std::int64_t max_us = 253402300799LL * 1000000 + 999999;
    constexpr std::int64_t postgres_epoch_us = 946684800LL * 1000000;
    us = std::clamp(us, min_us, max_us);
    append_big_endian(out, std::uint32_t{8});
    append_big_endian(out, static_cast<std::uint64_t>(us - postgres_epoch_us));
}

// A month as one number: year * 12 + (month - 1), UTC.
inline std::int32_t month_key(time_point t) noexcept {
    const civil_date d = civil_from_days(floor_div(epoch_microseconds(t), 86400LL * 1000000));
    return static_cast<std::int32_t>(d.year * 12 + static_cast<int>(d.month) - 1);
}
inline int month_key_year(std::int32_t key) noexcept { return static_cast<int>(floor_div(key, 12)); }
inline unsigned month_key_month(std::int32_t key) noexcept {
    return static_cast<unsigned>(key - floor_div(key, 12) * 12) + 1;
}
// The first instant of the month, as epoch microseconds.
inline std::int64_t month_start_micros(std::int32_t key) noexcept {
    return days_from_civil(month_key_year(key), month_key_month(key), 1) * 86400LL * 1000000;
}

// --- event ids -------------------------------------------------------------
// An event id: 64 random bits per id source (a sink, made anew by each
// process and each run) and a 64-bit counter, laid out as a version-4 UUID
// (4 bits of the prefix and 2 of the counter give way to the version and
// variant). Unique across processes and restarts as long as two sources
// never draw the same 60-bit prefix.
struct event_id_source {
    std::uint64_t prefix = 0;
    explicit event_id_source(std::uint64_t random_prefix) noexcept
        : prefix((random_prefix & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull) {}
    static event_id_source random() noexcept {
        unsigned char b[8];
        random_bytes(b, sizeof b);
        std::uint64_t v = 0;
        for (unsigned char c : b) v = (v << 8) | c;
        return event_id_source{v};
    }
    static std::uint64_t low_bits(std::uint64_t n) noexcept { return (n & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull; }
    // Id number `n` as a binary COPY uuid column (length 16, the 16 bytes).
    void append_copy(std::string& out, std::uint64_t n) const {
        append_big_endian(out, std::uint32_t{16});
        append_big_endian(out, prefix);
        append_big_endian(out, low_bits(n));
    }
    // Appends the 36 characters of id number `n`.
    void append(std::string& out, std::uint64_t n) const {
        const std::uint64_t low = low_bits(n);
        char text[36];
        int at = 0;
        auto put = [&](std::uint64_t v, int nibbles) {
            for (int i = nibbles - 1; i >= 0; --i)
                text[at++] = lower_hex_digits[(v >> (4 * i)) & 0xF];
        };
        put(prefix >> 32, 8);
        text[at++] = '-';
        put(prefix >> 16, 4);
        text[at++] = '-';
        put(prefix, 4);
        text[at++] = '-';
        put(low >> 48, 4);
        text[at++] = '-';
        put(low, 12);
        out.append(text, sizeof text);
    }
};

// --- JSON ------------------------------------------------------------------
// Checks that `in` is exactly one JSON object (surrounding white space
// allowed) that jsonb will take, and appends it to `out`; "\u0000" (which
// jsonb refuses) is written as "\ufffd". False (and `out` left as it was)
// for anything else: not JSON, not an object, a lone surrogate escape, nested
// deeper than 200, a raw control character in a string.
class json_object_checker {
public:
    static bool copy(std::string_view in, std::string& out) {
        const std::size_t mark = out.size();
        json_object_checker c{in, out};
        c.skip_space();
        if (c.at_ >= in.size() || in[c.at_] != '{' || !c.value(0)) {
            out.resize(mark);
            return false;
        }
        c.skip_space();
        if (c.at_ != in.size()) {
            out.resize(mark);
            return false;
        }
        return true;
    }

private:
    json_object_checker(std::string_view in, std::string& out) : in_(in), out_(out) {}

    void skip_space() {
        while (at_ < in_.size() && (in_[at_] == ' ' || in_[at_] == '\t' || in_[at_] == '\n' || in_[at_] == '\r')) ++at_;
    }
    bool literal(std::string_view word) {
        if (in_.substr(at_, word.size()) != word) return false;
        out_.append(word);
        at_ += word.size();
        return true;
    }
    bool value(int depth) {
        if (depth > 200) return false;
        skip_space();
        if (at_ >= in_.size()) return false;
        switch (in_[at_]) {
            case '{': return object(depth + 1);
            case '[': return array(depth + 1);
            case '"': return string();
            case 't': return literal("true");
            case 'f': return literal("false");
            case 'n': return literal("null");
            default: return number();
        }
    }
    bool object(int depth) {
        out_.push_back('{');
        ++at_;
        skip_space();
        if (at_ < in_.size() && in_[at_] == '}') {
            out_.push_back('}');
            ++at_;
            return true;
        }
        for (;;) {
            skip_space();
            if (at_ >= in_.size() || in_[at_] != '"' || !string()) return false;
            skip_space();
            if (at_ >= in_.size() || in_[at_] != ':') return false;
            out_.push_back(':');
            ++at_;
            if (!value(depth)) return false;
            skip_space();
            if (at_ >= in_.size()) return false;
            if (in_[at_] == ',') {
                out_.push_back(',');
                ++at_;
                continue;
            }
            if (in_[at_] == '}') {
                out_.push_back('}');
                ++at_;
                return true;
            }
            return false;
        }
    }
    bool array(int depth) {
        out_.push_back('[');
        ++at_;
        skip_space();
        if (at_ < in_.size() && in_[at_] == ']') {
            out_.push_back(']');
            ++at_;
            return true;
        }
        for (;;) {
            if (!value(depth)) return false;
            skip_space();
            if (at_ >= in_.size()) return false;
            if (in_[at_] == ',') {
                out_.push_back(',');
                ++at_;
                continue;
            }
            if (in_[at_] == ']') {
                out_.push_back(']');
                ++at_;
                return true;
            }
            return false;
        }
    }
    static int hex(char c) noexcept {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    bool hex4(std::size_t from, unsigned& v) const {
        if (from + 4 > in_.size()) return false;
        v = 0;
        for (std::size_t i = 0; i < 4; ++i) {
            const int h = hex(in_[from + i]);
            if (h < 0) return false;
            v = v * 16 + static_cast<unsigned>(h);
        }
        return true;
    }
    bool string() {
        const std::size_t begin = at_;
        ++at_;
        std::size_t run = begin;
        while (at_ < in_.size()) {
            const auto c = static_cast<unsigned char>(in_[at_]);
            if (c == '"') {
                ++at_;
                out_.append(in_.substr(run, at_ - run));
                return true;
            }
            if (c < 0x20) return false;
            if (c != '\\') {
                ++at_;
                continue;
            }
            if (at_ + 1 >= in_.size()) return false;
            const char e = in_[at_ + 1];
            if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
                at_ += 2;
                continue;
            }
            if (e != 'u') return false;
            unsigned v = 0;
            if (!hex4(at_ + 2, v)) return false;
            if (v == 0) {
                out_.append(in_.substr(run, at_ - run));
                out_.append("\\ufffd");
                at_ += 6;
                run = at_;
                continue;
            }
            if (v >= 0xDC00 && v <= 0xDFFF) return false;  // a low surrogate on its own
            if (v >= 0xD800 && v <= 0xDBFF) {
                unsigned low = 0;
                if (at_ + 8 > in_.size() || in_[at_ + 6] != '\\' || in_[at_ + 7] != 'u' || !hex4(at_ + 8, low) ||
                    low < 0xDC00 || low > 0xDFFF)
                    return false;
                at_ += 12;
                continue;
            }
            at_ += 6;
        }
        return false;
    }
    bool number() {
        const std::size_t begin = at_;
        auto digits = [&] {
            const std::size_t from = at_;
            while (at_ < in_.size() && in_[at_] >= '0' && in_[at_] <= '9') ++at_;
            return at_ > from;
        };
        if (at_ < in_.size() && in_[at_] == '-') ++at_;
        if (at_ < in_.size() && in_[at_] == '0') {
            ++at_;
        } else if (!digits()) {
            return false;
        }
        if (at_ < in_.size() && in_[at_] == '.') {
            ++at_;
            if (!digits()) return false;
        }
        if (at_ < in_.size() && (in_[at_] == 'e' || in_[at_] == 'E')) {
            ++at_;
            if (at_ < in_.size() && (in_[at_] == '+' || in_[at_] == '-')) ++at_;
            if (!digits()) return false;
        }
        out_.append(in_.substr(begin, at_ - begin));
        return true;
    }

    std::string_view in_;
    std::string& out_;
    std::size_t at_ = 0;
};


// A field's value as text for a column: strings as they are, numbers in
// decimal, booleans true/false; false for null (the column gets NULL).
inline bool field_text(const field_value& v, std::string& scratch, std::string_view& text) {
    line_buffer b;
    switch (v.type) {
        case field_value::kind::string: text = v.text; return true;
        case field_value::kind::null: return false;
        case field_value::kind::boolean: text = v.number.boolean ? "true" : "false"; return true;
        default: append_json_field_value(b, v); break;
    }
    scratch.assign(b.data(), b.size());
    text = scratch;
    return true;
}

}  // namespace pg
}  // namespace detail
INKWELL_END_NAMESPACE
