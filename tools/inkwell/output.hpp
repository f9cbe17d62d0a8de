#pragma once
// Writing records: aligned (coloured) text, JSONL or CSV, to stdout.

#include <cstdio>
#include <string>
#include <string_view>

#include <inkwell/detail/csv.hpp>

#include "entry.hpp"

namespace inkwell_cli {

enum class out_format : unsigned char { text, jsonl, csv };

inline void put(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

inline std::string_view level_colour(int level) {
    if (level >= 60) return "\x1b[1;31m";
    if (level >= 50) return "\x1b[31m";
    if (level >= 40) return "\x1b[33m";
    if (level >= 35) return "\x1b[36m";
    if (level >= 30) return "\x1b[32m";
    return "\x1b[90m";
}

// A value as text: strings as they are, the rest as JSON.
inline std::string value_text(const json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
}
inline std::string string_member(const json& o, const char* key) {
    const auto it = o.find(key);
    return it == o.end() ? std::string{} : value_text(*it);
}

// No control byte of a record reaches the terminal.
inline void put_clean(std::string& out, std::string_view s) {
    for (char c : s) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\x%02x", u);
            out += esc;
        } else {
            out.push_back(c);
        }
    }
}

inline void pad(std::string& out, std::size_t from, std::size_t width) {
    if (out.size() - from < width) out.append(width - (out.size() - from), ' ');
}

// "2024-12-20T10:15:30.123Z ERROR    engine       message key=value ctx.k=v [file.cpp:45]"
inline void write_text(const entry& e, bool colour) {
    std::string out;
    out.reserve(256);
    out += format_iso(e.time_ms);
    out.push_back(' ');
    if (colour) out += level_colour(e.level);
    std::size_t at = out.size();
    out += level_label(e.level);
    pad(out, at, 8);
    if (colour) out += "\x1b[0m";
    out.push_back(' ');
    at = out.size();
    put_clean(out, string_member(e.object, "category"));
    pad(out, at, 12);
    out.push_back(' ');
    put_clean(out, string_member(e.object, "message"));
    for (const char* scope : {"metadata", "context"}) {
        const auto s = e.object.find(scope);
        if (s == e.object.end() || !s->is_object()) continue;
        for (const auto& [key, value] : s->items()) {
            out.push_back(' ');
            put_clean(out, key);
            out.push_back('=');
            const std::string text = value_text(value);
            const bool quote = value.is_string() && (text.empty() || text.find_first_of(" \"=") != std::string::npos);
            if (quote) out.push_back('"');
            put_clean(out, text);
            if (quote) out.push_back('"');
        }
    }
    const std::string source = string_member(e.object, "source");
    if (!source.empty()) {
        out += colour ? " \x1b[90m[" : " [";
        put_clean(out, source);
        out += colour ? "]\x1b[0m" : "]";
    }
    out.push_back('\n');
    put(out);
}

inline void write_jsonl(const entry& e) {
    if (e.kind == file_kind::jsonl && !e.raw.empty()) {
        std::string_view line = e.raw;
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
        put(line);
        put("\n");
        return;
    }
    put(e.object.dump(-1, ' ', false, json::error_handler_t::replace));
    put("\n");
}

inline constexpr std::string_view csv_header = "timestamp,level,category,message,source,sessionId,context,metadata\r\n";

inline void write_csv(const entry& e) {
    std::string out;
    out += format_iso(e.time_ms);
    out.push_back(',');
    inkwell::detail::append_csv_field(out, string_member(e.object, "level"));
    for (const char* key : {"category", "message", "source", "sessionId"}) {
        out.push_back(',');
        inkwell::detail::append_csv_field(out, string_member(e.object, key));
    }
    for (const char* scope : {"context", "metadata"}) {
        out.push_back(',');
        const auto s = e.object.find(scope);
        if (s != e.object.end() && s->is_object() && !s->empty())
            inkwell::detail::append_csv_field(out, s->dump(-1, ' ', false, json::error_handler_t::replace));
    }
    out += "\r\n";
    put(out);
}

struct writer {
    out_format format = out_format::text;
    bool colour = false;
    bool header_done = false;
    void operator()(const entry& e) {
        switch (format) {
            case out_format::text: write_text(e, colour); break;
            case out_format::jsonl: write_jsonl(e); break;
            case out_format::csv:
                if (!header_done) put(csv_header);
                header_done = true;
                write_csv(e);
                break;
        }
    }
    void finish() {
        if (format == out_format::csv && !header_done) put(csv_header);
        header_done = true;
        std::fflush(stdout);
    }
};

}  // namespace inkwell_cli
