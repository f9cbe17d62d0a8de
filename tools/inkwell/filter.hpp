#pragma once
// The filters of query, tail, export, aggregate and stats, in two steps:
// a raw look at the JSONL line's bytes (level, time, category) that rejects
// most lines without parsing them, and the full test on a parsed record.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "entry.hpp"

namespace inkwell_cli {

inline char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
inline std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower_ascii(c);
    return out;
}

struct field_test {
    std::string key;    // "tenantId", "context.tenantId", "metadata.orderId", "category"
    std::string value;  // compared with the value as text (strings as they are, others as JSON)
};

struct filter {
    std::int64_t from_ms = std::numeric_limits<std::int64_t>::min();
    std::int64_t to_ms = std::numeric_limits<std::int64_t>::max();
    int min_level = 0;
    std::vector<std::string> categories;  // any of them (also matched against a "service" field)
    std::vector<field_test> fields;       // all of them
    std::vector<std::string> tenants;     // any of them: field "tenantId" or "tenant" (context or metadata)
    std::string grep;                     // lower-cased
    std::optional<std::regex> regex;
    bool regex_unanchored = false;        // no ^ or $ in it: the raw line may be searched first
    std::string regex_literal;            // lower-cased text every match contains (may be empty)

    // The raw text a matching line must hold (lower case): --grep's, or the regex's literal.
    const std::string& raw_needle() const { return grep.empty() ? regex_literal : grep; }

    bool has_time() const {
        return from_ms != std::numeric_limits<std::int64_t>::min() || to_ms != std::numeric_limits<std::int64_t>::max();
    }
    // Whether a record of this level/time could pass.
    bool level_time_ok(int level, std::int64_t t) const { return level >= min_level && t >= from_ms && t <= to_ms; }

    // The raw step for a JSONL line: false when the line surely fails.
    bool raw_may_pass(std::string_view line) const {
        if (min_level > 0) {
            const auto lv = raw_level(line);
            if (lv && *lv < min_level) return false;
        }
        if (has_time()) {
            const auto t = raw_time(line);
            if (t && (*t < from_ms || *t > to_ms)) return false;
        }
        if (!categories.empty()) {
            // A line with a "service" field is left to the full test.
            const auto c = raw_string_after(line, ",\"category\":\"");
            if (c && std::find(categories.begin(), categories.end(), *c) == categories.end() &&
                line.find("\"service\":") == std::string_view::npos)
                return false;
        }
        // A regular expression without anchors that the decoded text matches
        // matches the raw line too, when the line has no escapes.
        if (regex && regex_unanchored && line.find('\\') == std::string_view::npos &&
            !std::regex_search(line.begin(), line.end(), *regex))
            return false;
        // Field and tenant tests: their key and value text must be in the line's bytes.
        for (const field_test& f : fields) {
            if (plain(f.value) && !has(line, f.value)) return false;
            std::string_view leaf = f.key;
            if (const std::size_t dot = leaf.find('.'); dot != std::string_view::npos &&
                (leaf.substr(0, dot) == "context" || leaf.substr(0, dot) == "metadata"))
                leaf.remove_prefix(dot + 1);
            if (plain(leaf)) {
                std::string quoted;
                quoted.reserve(leaf.size() + 3);
                quoted.append("\"").append(leaf).append("\":");
                if (!has(line, quoted)) return false;
            }
        }
        if (!tenants.empty()) {
            bool any = false;
            for (const std::string& t : tenants) any = any || !plain(t) || has(line, t);
            if (!any) return false;
        }
        return true;
    }

    // Text that a JSON line holds verbatim when a string holds it (no escapes needed).
    static bool plain(std::string_view s) {
        for (char c : s)
            if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
        return true;
    }
    static bool has(std::string_view line, std::string_view text) {
        return text.empty() || ::memmem(line.data(), line.size(), text.data(), text.size()) != nullptr;
    }

    // The full test on a parsed record.
    bool pass(const entry& e) const {
        if (!level_time_ok(e.level, e.time_ms)) return false;
        const json& o = e.object;
        if (!categories.empty()) {
            bool any = false;
            for (const std::string& c : categories)
                if (text_equals(find_key(o, "category"), c) || text_equals(find_key(o, "service"), c)) any = true;
            if (!any) return false;
        }
        for (const field_test& f : fields)
            if (!text_equals(find_key(o, f.key), f.value)) return false;
        if (!tenants.empty()) {
            bool any = false;
            for (const std::string& t : tenants)
                if (text_equals(find_key(o, "tenantId"), t) || text_equals(find_key(o, "tenant"), t)) any = true;
            if (!any) return false;
        }
        if (!grep.empty() || regex) {
            bool hit = false;
            for_each_text(o, [&](std::string_view text) {
                if (hit) return;
                if (regex) hit = std::regex_search(text.begin(), text.end(), *regex);
                else hit = contains_lower(text, grep);
            });
            if (!hit) return false;
        }
        return true;
    }

    // A key of the record: top level, "context.k", "metadata.k", or a bare k
    // looked up at the top, in metadata, then in context.
    static const json* find_key(const json& o, std::string_view key) {
        if (!o.is_object()) return nullptr;
        auto in = [](const json& obj, std::string_view k) -> const json* {
            if (!obj.is_object()) return nullptr;
            const auto it = obj.find(std::string(k));
            return it == obj.end() ? nullptr : &*it;
        };
        for (std::string_view scope : {std::string_view{"context."}, std::string_view{"metadata."}}) {
            if (key.substr(0, scope.size()) == scope) {
                const json* s = in(o, scope.substr(0, scope.size() - 1));
                return s ? in(*s, key.substr(scope.size())) : nullptr;
            }
        }
        if (const json* v = in(o, key); v && !v->is_object()) return v;
        for (std::string_view scope : {std::string_view{"metadata"}, std::string_view{"context"}})
            if (const json* s = in(o, scope))
                if (const json* v = in(*s, key)) return v;
        return nullptr;
    }
    static bool text_equals(const json* v, std::string_view expected) {
        if (v == nullptr) return false;
        if (v->is_string()) return v->get_ref<const std::string&>() == expected;
        return v->dump() == expected;
    }
    static bool contains_lower(std::string_view text, std::string_view needle_lower) {
        if (needle_lower.size() > text.size()) return false;
        const auto it = std::search(text.begin(), text.end(), needle_lower.begin(), needle_lower.end(),
                                    [](char a, char b) { return lower_ascii(a) == b; });
        return it != text.end();
    }
    // The record's searchable text: message, category, source, sessionId and
    // every field's value (metadata and context; numbers as JSON).
    template <class F>
    static void for_each_text(const json& o, F&& f) {
        for (const char* k : {"message", "category", "source", "sessionId"}) {
            const auto it = o.find(k);
            if (it != o.end() && it->is_string()) f(std::string_view{it->get_ref<const std::string&>()});
        }
        for (const char* scope : {"metadata", "context"}) {
            const auto s = o.find(scope);
            if (s == o.end() || !s->is_object()) continue;
            for (auto it = s->begin(); it != s->end(); ++it) {
                const json& value = it.value();
                if (value.is_string()) f(std::string_view{value.get_ref<const std::string&>()});
                else {
                    const std::string text = value.dump();
                    f(std::string_view{text});
                }
            }
        }
    }
};

// The longest run of literal characters that every match of an ECMAScript
// pattern contains (lower-cased), or "" when none can be told (alternation).
inline std::string required_literal(std::string_view pattern) {
    if (pattern.find('|') != std::string_view::npos) return {};
    std::string best, run;
    auto end_run = [&] {
        if (run.size() > best.size()) best = run;
        run.clear();
    };
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
        if (next == '*' || next == '?' || next == '{') {  // optional: not required
            end_run();
            continue;
        }
        if (c == '\\') {
            end_run();
            ++i;
        } else if (c == '[') {
            end_run();
            while (i < pattern.size() && pattern[i] != ']') i += pattern[i] == '\\' ? 2 : 1;
        } else if (c == '(') {
            end_run();
            int depth = 1;
            while (++i < pattern.size() && depth > 0) {
                if (pattern[i] == '\\') ++i;
                else if (pattern[i] == '(') ++depth;
                else if (pattern[i] == ')') --depth;
            }
            --i;
        } else if (std::string_view{".^$*+?(){}[]|"}.find(c) != std::string_view::npos) {
            end_run();
        } else {
            run.push_back(lower_ascii(c));
            if (next == '+') end_run();  // c+ : c is required, what follows is not adjacent
        }
    }
    end_run();
    return best;
}

// "2024-12-20", "2024-12-20T10:15", "2024-12-20 10:15:30.5Z" (UTC), or a
// time before now: "90s", "15m", "1h", "2d", "1w".
inline std::optional<std::int64_t> parse_time_option(std::string_view s, std::int64_t now_ms) {
    if (s.empty()) return std::nullopt;
    if (s == "now") return now_ms;
    const char unit = s.back();
    const std::string_view number = s.substr(0, s.size() - 1);
    if (all_digits(number) && number.size() < 12) {
        const std::int64_t n = std::stoll(std::string(number));
        std::int64_t ms = 0;
        switch (unit) {
            case 's': ms = 1000; break;
            case 'm': ms = 60 * 1000; break;
            case 'h': ms = 3600 * 1000; break;
            case 'd': ms = 86400 * 1000LL; break;
            case 'w': ms = 7 * 86400 * 1000LL; break;
            default: return std::nullopt;
        }
        return now_ms - n * ms;
    }
    civil_time t;
    if (!parse_civil(s, t)) return std::nullopt;
    return utc_ms(t);
}

}  // namespace inkwell_cli
