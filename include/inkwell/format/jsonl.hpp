#pragma once
// The JSONL formatter of jsonl-per-category-storage.md: one JSON object per
// line with exactly these keys, in this order:
//   {"level":"debug","message":"…","category":"engine",
//    "timestamp":"2024-12-20T10:15:30.123Z","source":"gameEngine.cpp:45",
//    "sessionId":"…","metadata":{…}}
// (jsonl_with_entry_id adds "entryId" after "sessionId"; jsonl_with_function
// adds "function" after "source", the call site's function as the compiler
// names it, "" when unknown; a record with context (context.hpp) has
// "context":{…} before "metadata").
// The record's key/value fields live only inside "metadata", so no field can
// replace or repeat a top-level key. Within metadata the first field with a
// given key wins and later ones are left out. Every string is escaped and
// repaired (detail/json_escape.hpp), so each line parses as valid UTF-8 JSON.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../detail/field_format.hpp"
#include "../detail/integer_text.hpp"
#include "../detail/json_escape.hpp"
#include "../detail/line_buffer.hpp"
#include "../detail/time_format.hpp"
#include "../level.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// A field's value as JSON: what format::jsonl writes for it, and what the
// server sinks and the error aggregator store for one.
inline void append_json_field_value(line_buffer& out, const field_value& v) {
    switch (v.type) {
        case field_value::kind::boolean: append(out, v.number.boolean ? "true" : "false"); return;
        case field_value::kind::signed_integer: append_integer(out, v.number.signed_integer); return;
        case field_value::kind::unsigned_integer: append_integer(out, v.number.unsigned_integer); return;
        case field_value::kind::floating:
            // JSON has no NaN or infinity; null keeps the line parseable.
            if (__builtin_isfinite(v.number.floating))
                append_finite_double(out, v.number.floating);
            else
                append(out, "null");
            return;
        case field_value::kind::string: append_json_quoted(out, v.text); return;
        case field_value::kind::null: break;
    }
    append(out, "null");
}

// Writes the start of a line in place, past the buffer's size: one reserve
// for a bound of the whole part, then a moving pointer, where appending piece
// by piece would grow and resize {fmt}'s buffer (a test and a store each) a
// dozen times a line. A text that is not plain goes through the buffer
// (append_json_string), and room for the bound is made again after it.
class json_line_cursor {
public:
    json_line_cursor(line_buffer& out, std::size_t bound) : out_(out), bound_(bound) { make_room(); }

    template <std::size_t N>
    void literal(const char (&text)[N]) noexcept {
        std::memcpy(at_, text, N - 1);
        at_ += N - 1;
    }
    INKWELL_ALWAYS_INLINE void json_string(std::string_view text) {
        if (char* end = put_if_plain<true>(at_, text); INKWELL_LIKELY(end != nullptr))
            at_ = end;
        else
            json_string_escaped(text);
    }
    template <class Integer>
    void integer(Integer value) noexcept {
        at_ = write_integer(at_, value);
    }
    void iso8601_utc_ms(time_point t) noexcept { at_ = put_iso8601_utc_ms(at_, t); }
    // Makes what was written part of the buffer.
    void finish() { out_.resize(static_cast<std::size_t>(at_ - out_.data())); }

private:
    INKWELL_NOINLINE void json_string_escaped(std::string_view text) {
        out_.resize(static_cast<std::size_t>(at_ - out_.data()));
        append_json_string(out_, text);
        make_room();
    }
    void make_room() {
        const std::size_t used = out_.size();
        if (INKWELL_UNLIKELY(out_.capacity() - used < bound_)) out_.reserve(used + bound_);
        at_ = out_.data() + used;
    }

    line_buffer& out_;
    std::size_t bound_;
    char* at_ = nullptr;
};

}  // namespace detail
namespace format {

// WithEntryId: one more key after "sessionId", "entryId": the record's
// number in its logger (1, 2, ... in the order written; with the session id,
// unique across sessions), as session-logging-service.md's entries carry.
// WithFunction: one more key after "source", "function", as
// platform-structured-logging.md's entries carry (file, line and function).
template <bool WithEntryId, bool WithFunction = false>
class basic_jsonl {
public:
    // The logger numbers records (record::sequence) only for formatters that say so.
    static constexpr bool writes_entry_id = WithEntryId;

    void format(const record& r, detail::line_buffer& out) const {
        const std::string_view level = level_name(r.severity);  // a user's level names it too
        const std::string_view file = r.where.file_name();
        std::string_view function;
        if constexpr (WithFunction) {
            if (r.where.function) function = r.where.function;
        }
        // The keys, the timestamp and the numbers take under 256 bytes; a text its
        // size, unless escaped (then the cursor makes room again).
        detail::json_line_cursor line(out, 256 + level.size() + r.message.size() + r.category.size() + file.size() +
                                               function.size() + r.session_id.size());
        // The quotes around each string are part of the literals between them.
        line.literal("{\"level\":\"");
        line.json_string(level);
        line.literal("\",\"message\":\"");
        line.json_string(r.message);
        line.literal("\",\"category\":\"");
        line.json_string(r.category);
        line.literal("\",\"timestamp\":\"");
        line.iso8601_utc_ms(r.time);
        line.literal("\",\"source\":\"");
        if (!file.empty()) {  // "file:line" with the file's folders left out; "" when the call site is unknown
            line.json_string(file);
            line.literal(":");
            line.integer(r.where.line);
        }
        if constexpr (WithFunction) {
            line.literal("\",\"function\":\"");
            line.json_string(function);
        }
        line.literal("\",\"sessionId\":\"");
        line.json_string(r.session_id);
        if constexpr (WithEntryId) {
            line.literal("\",\"entryId\":");
            line.integer(r.sequence);
        } else {
            line.literal("\"");
        }
        const bool has_context = r.context || r.logger_context;
        if (!has_context && r.fields.empty()) {
            line.literal(",\"metadata\":{}}\n");
            line.finish();
            return;
        }
        line.finish();
        if (has_context) {
            detail::append(out, ",\"context\":{");
            append_context(out, r);
            out.push_back('}');
        }
        detail::append(out, ",\"metadata\":{");
        append_metadata(out, r.fields);
        detail::append(out, "}}\n");
    }

private:
    static void append_metadata(detail::line_buffer& out, std::span<const field> fields) {
        detail::written_keys keys;
        bool first = true;
        for (const field& f : fields) append_field(out, keys, first, f);
    }
    // Innermost scope first, the logger's last: the first of a key stands.
    static void append_context(detail::line_buffer& out, const record& r) {
        detail::written_keys keys;
        bool first = true;
        for (const context_frame* c : {r.context, r.logger_context})
            for (; c; c = c->parent())
                for (const field& f : c->fields()) append_field(out, keys, first, f);
    }
    static void append_field(detail::line_buffer& out, detail::written_keys& keys, bool& first, const field& f) {
        const std::size_t entry_begin = out.size();
        if (!first) out.push_back(',');
        out.push_back('"');
        const std::size_t key_begin = out.size();
        detail::append_json_string(out, f.key);
        if (keys.written_before(out, key_begin)) {
            out.resize(entry_begin);  // a repeated key: the first one stands
            return;
        }
        detail::append(out, "\":");
        detail::append_json_field_value(out, f.value);
        first = false;
    }

};

using jsonl = basic_jsonl<false>;
using jsonl_with_entry_id = basic_jsonl<true>;
using jsonl_with_function = basic_jsonl<false, true>;

}  // namespace format
INKWELL_END_NAMESPACE
