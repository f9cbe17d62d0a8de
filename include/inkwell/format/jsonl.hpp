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

#include <cstdint>
#include <string_view>

#include "../detail/field_format.hpp"
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
        // The quotes around each string are part of the literals between
        // them: a dozen fewer appends a line.
        detail::append(out, "{\"level\":\"");
        detail::append_json_string(out, level_name(r.severity));
        detail::append(out, "\",\"message\":\"");
        detail::append_json_string(out, r.message);
        detail::append(out, "\",\"category\":\"");
        detail::append_json_string(out, r.category);
        detail::append(out, "\",\"timestamp\":\"");
        detail::append_iso8601_utc_ms(out, r.time);
        detail::append(out, "\",\"source\":\"");
        append_source(out, r.where);
        if constexpr (WithFunction) {
            detail::append(out, "\",\"function\":\"");
            if (r.where.function) detail::append_json_string(out, r.where.function);
        }
        detail::append(out, "\",\"sessionId\":\"");
        detail::append_json_string(out, r.session_id);
        if constexpr (WithEntryId) {
            detail::append(out, "\",\"entryId\":");
            detail::append_integer(out, r.sequence);
        } else {
            out.push_back('"');
        }
        if (r.context || r.logger_context) {
            detail::append(out, ",\"context\":{");
            append_context(out, r);
            out.push_back('}');
        }
        detail::append(out, ",\"metadata\":{");
        append_metadata(out, r.fields);
        detail::append(out, "}}\n");
    }

private:
    // "file:line" with the file's folders left out; "" when the call site is unknown.
    static void append_source(detail::line_buffer& out, const source_location& where) {
        const std::string_view file = where.file_name();
        if (file.empty()) return;
        detail::append_json_string(out, file);
        out.push_back(':');
        detail::append_integer(out, where.line);
    }

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
