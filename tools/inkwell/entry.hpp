#pragma once
// One log record as the command sees it, whatever file it came from:
// a JSON object of the JSONL line's shape
//   {"level","message","category","timestamp","source","sessionId",
//    ["entryId"], ["context":{}], "metadata":{}}
// with its time (ms since 1970, UTC) and level (inkwell's numbers) at hand.
// A text line `[2024-01-15 10:30:15,123] [INFO] [auth] message k=v k2="a b"`
// becomes the same shape (its key=value pairs in "metadata").

#include <nlohmann/json.hpp>

#include <ctime>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "reader.hpp"

namespace inkwell_cli {

// Keys keep their order: a record made from a text line reads like a JSONL line.
using json = nlohmann::ordered_json;

enum class file_kind : unsigned char { unknown, jsonl, text };

struct entry {
    std::int64_t time_ms = 0;
    int level = 30;
    json object;            // parsed (null until parsed)
    std::string_view raw;   // the JSONL line as written (valid while its block is)
    std::string_view raw_category;  // stats without parsing: the category as the line has it (object is null)
    file_kind kind = file_kind::jsonl;
    std::size_t file = 0;   // index into the file list
    std::uint64_t line = 0; // 1-based
};

// inkwell's level numbers (level.hpp).
inline std::optional<int> level_from_name(std::string_view name) {
    auto eq = [&](std::string_view a) {
        if (a.size() != name.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            char c = name[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (c != a[i]) return false;
        }
        return true;
    };
    if (eq("trace")) return 10;
    if (eq("debug")) return 20;
    if (eq("info")) return 30;
    if (eq("perf") || eq("performance")) return 35;
    if (eq("warn") || eq("warning")) return 40;
    if (eq("error")) return 50;
    if (eq("critical") || eq("fatal")) return 60;
    return std::nullopt;
}

inline std::string_view level_label(int level) {
    switch (level) {
        case 10: return "TRACE";
        case 20: return "DEBUG";
        case 30: return "INFO";
        case 35: return "PERF";
        case 40: return "WARNING";
        case 50: return "ERROR";
        case 60: return "CRITICAL";
        default: return "LEVEL";
    }
}

inline bool two_digits(const char* p, unsigned& v) {
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') return false;
    v = static_cast<unsigned>((p[0] - '0') * 10 + (p[1] - '0'));
    return true;
}

// "YYYY-MM-DD[Thh:mm[:ss[.mmm]]][Z]" (or a space for T, ',' for '.'):
// the broken-down parts; false when it is not one.
struct civil_time {
    int year = 1970;
    unsigned month = 1, day = 1, hour = 0, minute = 0, second = 0, milli = 0;
    bool utc_marked = false;
};
inline bool parse_civil(std::string_view s, civil_time& t) {
    if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 4; ++i)
        if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9') return false;
    t.year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (!two_digits(s.data() + 5, t.month) || !two_digits(s.data() + 8, t.day)) return false;
    std::size_t at = 10;
    if (at < s.size() && (s[at] == 'T' || s[at] == ' ')) {
        if (s.size() < at + 6 || !two_digits(s.data() + at + 1, t.hour) || s[at + 3] != ':' ||
            !two_digits(s.data() + at + 4, t.minute))
            return false;
        at += 6;
        if (at < s.size() && s[at] == ':') {
            if (s.size() < at + 3 || !two_digits(s.data() + at + 1, t.second)) return false;
            at += 3;
            if (at < s.size() && (s[at] == '.' || s[at] == ',')) {
                ++at;
                unsigned scale = 100;
                while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
                    t.milli += static_cast<unsigned>(s[at] - '0') * scale;
                    scale /= 10;
                    ++at;
                }
            }
        }
    }
    if (at < s.size() && s[at] == 'Z') {
        t.utc_marked = true;
        ++at;
    }
    if (at != s.size()) return false;
    return t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= 31 && t.hour < 24 && t.minute < 60 &&
           t.second < 61;
}
inline std::int64_t utc_ms(const civil_time& t) {
    return ((days_from_civil(t.year, t.month, t.day) * 24 + t.hour) * 60 + t.minute) * 60000LL + t.second * 1000LL +
           t.milli;
}
inline std::int64_t local_ms(const civil_time& t) {
    std::tm tm{};
    tm.tm_year = t.year - 1900;
    tm.tm_mon = static_cast<int>(t.month) - 1;
    tm.tm_mday = static_cast<int>(t.day);
    tm.tm_hour = static_cast<int>(t.hour);
    tm.tm_min = static_cast<int>(t.minute);
    tm.tm_sec = static_cast<int>(t.second);
    tm.tm_isdst = -1;
    return static_cast<std::int64_t>(std::mktime(&tm)) * 1000 + t.milli;
}

// "2024-12-20T10:15:30.123Z" as the JSONL line writes it (exactly 24 bytes).
inline std::optional<std::int64_t> parse_iso_fast(std::string_view s) {
    civil_time t;
    if (!parse_civil(s, t)) return std::nullopt;
    return utc_ms(t);
}

// "2024-12-20T10:15:30.123Z"
inline std::string format_iso(std::int64_t ms) {
    std::int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
    std::int64_t rest = ms - days * 86400000;
    // civil_from_days
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
    char out[96];
    std::snprintf(out, sizeof out, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y), m, d,
                  static_cast<long long>(rest / 3600000), static_cast<long long>(rest / 60000 % 60),
                  static_cast<long long>(rest / 1000 % 60), static_cast<long long>(rest % 1000));
    return out;
}
inline std::string format_day(std::int64_t ms) { return format_iso(ms).substr(0, 10); }

// ---------------------------------------------------------------------------
// JSONL: a raw look at the first keys inkwell writes, without parsing.

// The string value after `key` (e.g. `,"timestamp":"`) at its first raw
// occurrence, when it holds no escape; nothing otherwise. A raw `,"key":"`
// cannot be inside a JSON string (its quote would be escaped).
inline std::optional<std::string_view> raw_string_after(std::string_view line, std::string_view key) {
    const void* at = ::memmem(line.data(), line.size(), key.data(), key.size());
    if (at == nullptr) return std::nullopt;
    const std::size_t begin = static_cast<std::size_t>(static_cast<const char*>(at) - line.data()) + key.size();
    std::size_t end = begin;
    while (end < line.size() && line[end] != '"') {
        if (line[end] == '\\') return std::nullopt;
        ++end;
    }
    if (end >= line.size()) return std::nullopt;
    return line.substr(begin, end - begin);
}

// What the raw line says of its level ({"level":"error",...): its number, or nothing.
inline std::optional<int> raw_level(std::string_view line) {
    constexpr std::string_view head = "{\"level\":\"";
    if (line.substr(0, head.size()) != head) return std::nullopt;
    const std::size_t end = line.find('"', head.size());
    if (end == std::string_view::npos || end - head.size() > 16) return std::nullopt;
    return level_from_name(line.substr(head.size(), end - head.size()));
}
inline std::optional<std::int64_t> raw_time(std::string_view line) {
    const auto ts = raw_string_after(line, ",\"timestamp\":\"");
    if (!ts) return std::nullopt;
    return parse_iso_fast(*ts);
}

// The level and time of a parsed object; false (with `why`) when it is not a record.
inline bool finish_parsed(entry& e, std::string& why) {
    if (!e.object.is_object()) {
        why = "not a JSON object";
        return false;
    }
    const auto lv = e.object.find("level");
    if (lv == e.object.end() || !lv->is_string()) {
        why = "no \"level\"";
        return false;
    }
    e.level = level_from_name(lv->get_ref<const std::string&>()).value_or(30);
    const auto ts = e.object.find("timestamp");
    if (ts == e.object.end() || !ts->is_string()) {
        why = "no \"timestamp\"";
        return false;
    }
    civil_time t;
    if (!parse_civil(ts->get_ref<const std::string&>(), t)) {
        why = "a \"timestamp\" that is not ISO 8601";
        return false;
    }
    e.time_ms = utc_ms(t);
    return true;
}

// Whether bytes are valid UTF-8 (overlong forms and surrogates not checked).
inline bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        const std::size_t n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

// Parses a JSONL line into e.object; false with `why` when it is malformed.
inline bool parse_jsonl(std::string_view line, entry& e, std::string& why) {
    e.object = json::parse(line.begin(), line.end(), nullptr, false);
    if (e.object.is_discarded()) {
        // Name the usual suspects.
        bool bad_utf8 = false;
        for (unsigned char c : line)
            if (c >= 0x80) {
                bad_utf8 = true;  // refined below
                break;
            }
        if (bad_utf8) bad_utf8 = !valid_utf8(line);
        why = bad_utf8 ? "invalid UTF-8" : (line.empty() || line.front() != '{') ? "not JSON" : "invalid or truncated JSON";
        e.object = json();
        return false;
    }
    return finish_parsed(e, why);
}

// ---------------------------------------------------------------------------
// Text: [2024-01-15 10:30:15,123] [INFO] [auth] message key=value ...

inline bool key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

// A bare value as the text formatter writes numbers, true/false and null.
inline json bare_value(std::string_view v) {
    if (v == "true") return true;
    if (v == "false") return false;
    if (v == "null") return nullptr;
    if (!v.empty() && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9'))) {
        json n = json::parse(v.begin(), v.end(), nullptr, false);
        if (n.is_number()) return n;
    }
    return std::string(v);
}

// Takes trailing ` key=value` pairs off `message` (the formatter writes
// them after the message); returns them in call order.
inline json split_text_fields(std::string_view& message) {
    std::vector<std::pair<std::string, json>> found;
    for (;;) {
        std::string_view m = message;
        if (m.empty()) break;
        std::size_t value_begin;
        json value;
        if (m.back() == '"') {
            // A quoted value: find its opening quote (not escaped) right after '='.
            std::size_t i = m.size() - 1;
            bool ok = false;
            while (i-- > 0) {
                if (m[i] == '"' && (i == 0 || m[i - 1] != '\\')) {
                    ok = i > 0 && m[i - 1] == '=';
                    break;
                }
            }
            if (!ok) break;
            std::string text;
            for (std::size_t k = i + 1; k + 1 < m.size(); ++k) {
                if (m[k] == '\\' && k + 2 < m.size() && m[k + 1] == '"') {
                    text.push_back('"');
                    ++k;
                } else {
                    text.push_back(m[k]);
                }
            }
            value = text;
            value_begin = i;
        } else {
            const std::size_t space = m.rfind(' ');
            if (space == std::string_view::npos) break;
            const std::string_view token = m.substr(space + 1);
            const std::size_t eq = token.find('=');
            if (eq == std::string_view::npos || eq == 0) break;
            value = bare_value(token.substr(eq + 1));
            value_begin = space + 1 + eq + 1;
        }
        // The key: back from the '=' to a space.
        const std::size_t eq_at = value_begin - 1;
        std::size_t key_begin = eq_at;
        while (key_begin > 0 && key_char(m[key_begin - 1])) --key_begin;
        if (key_begin == eq_at || key_begin == 0 || m[key_begin - 1] != ' ') break;
        found.emplace_back(std::string(m.substr(key_begin, eq_at - key_begin)), std::move(value));
        message = m.substr(0, key_begin - 1);
    }
    json metadata = json::object();
    for (auto it = found.rbegin(); it != found.rend(); ++it)
        if (!metadata.contains(it->first)) metadata[it->first] = std::move(it->second);
    return metadata;
}

// Parses a text line; false with `why` when it does not have the layout.
inline bool parse_text(std::string_view line, entry& e, std::string& why, bool utc) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto bracket = [&](std::string_view& rest, std::string_view& inside) {
        if (rest.empty() || rest[0] != '[') return false;
        const std::size_t close = rest.find("] ");
        const std::size_t close_end = rest.find(']');
        if (close_end == std::string_view::npos) return false;
        const std::size_t end = close == std::string_view::npos ? close_end : close;
        inside = rest.substr(1, end - 1);
        rest = rest.substr(std::min(rest.size(), end + 2));
        return true;
    };
    std::string_view rest = line, time_text, label, module;
    if (!bracket(rest, time_text) || !bracket(rest, label) || !bracket(rest, module)) {
        why = "not an inkwell text line ([time] [LEVEL] [module] message)";
        return false;
    }
    civil_time t;
    if (!parse_civil(time_text, t)) {
        why = "a time that is not YYYY-MM-DD hh:mm:ss,mmm";
        return false;
    }
    const auto lv = level_from_name(label);
    if (!lv) {
        why = "an unknown level";
        return false;
    }
    e.level = *lv;
    e.time_ms = utc || t.utc_marked ? utc_ms(t) : local_ms(t);
    std::string_view message = rest;
    json metadata = split_text_fields(message);
    e.object = json::object();
    e.object["level"] = std::string(lv == 40 ? "warn" : level_label(*lv));
    std::string& name = e.object["level"].get_ref<std::string&>();
    for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    e.object["message"] = std::string(message);
    e.object["category"] = std::string(module);
    e.object["timestamp"] = format_iso(e.time_ms);
    e.object["source"] = "";
    e.object["sessionId"] = "";
    e.object["metadata"] = std::move(metadata);
    return true;
}

// What a file holds, from its first non-blank byte.
inline file_kind kind_of_first_byte(char c) {
    if (c == '{') return file_kind::jsonl;
    if (c == '[') return file_kind::text;
    return file_kind::unknown;
}

}  // namespace inkwell_cli
