#pragma once
// The text formatter of rotating-text-logs.md (Python logging's layout):
//   [2024-01-15 10:30:15,123] [INFO] [auth] User alice logged in
// The third slot is the record's category, or the logger name when the
// record has none. Key/value fields follow the message as ` key=value`
// pairs, in call order, first key wins:
//   [2024-01-15 10:30:15,123] [PERF] [game] turn done duration_ms=2.5 player="Alice Smith"
// A string value is quoted when it is empty or holds a space, '"' or '=',
// with '"' inside written as \" ; numbers, true/false and null appear bare.
// All record data goes through detail::append_text_escaped, so no control
// byte (newline, ESC, C1) from a message or field ever reaches the file.
//
// format::text writes local time, as Python's logging does; format::text_utc
// writes UTC.

#include <string_view>

#include "../detail/field_format.hpp"
#include "../detail/line_buffer.hpp"
#include "../detail/text_escape.hpp"
#include "../detail/time_format.hpp"
#include "../level.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace format {

enum class time_zone : unsigned char { local, utc };

// How the level label is written between its brackets: plain here, in
// colour for format::console (format/console.hpp).
struct plain_label {
    static void append(detail::line_buffer& out, level severity) {
        detail::append_text_escaped(out, level_label(severity));
    }
};

template <time_zone Zone = time_zone::local, class LabelStyle = plain_label>
class basic_text {
public:
    static constexpr time_zone zone = Zone;

    void format(const record& r, detail::line_buffer& out) const {
        out.push_back('[');
        detail::append_text_time(out, r.time, Zone == time_zone::utc);
        detail::append(out, "] [");
        LabelStyle::append(out, r.severity);
        detail::append(out, "] [");
        detail::append_text_escaped(out, r.category.empty() ? r.logger_name : r.category);
        detail::append(out, "] ");
        detail::append_text_escaped(out, r.message);
        append_fields(out, r);
        out.push_back('\n');
    }

private:
    // The call site's fields, then the context's (innermost scope first, the
    // logger's last): the first of a key stands.
    static void append_fields(detail::line_buffer& out, const record& r) {
        detail::written_keys keys;
        for (const field& f : r.fields) append_field(out, keys, f);
        for (const context_frame* c : {r.context, r.logger_context})
            for (; c; c = c->parent())
                for (const field& f : c->fields()) append_field(out, keys, f);
    }
    static void append_field(detail::line_buffer& out, detail::written_keys& keys, const field& f) {
        const std::size_t entry_begin = out.size();
        out.push_back(' ');
        const std::size_t key_begin = out.size();
        detail::append_text_escaped(out, f.key);
        if (keys.written_before(out, key_begin)) {
            out.resize(entry_begin);  // a repeated key: the first one stands
            return;
        }
        out.push_back('=');
        append_value(out, f.value);
    }

    static void append_value(detail::line_buffer& out, const field_value& v) {
        switch (v.type) {
            case field_value::kind::boolean: detail::append(out, v.number.boolean ? "true" : "false"); return;
            case field_value::kind::signed_integer: detail::append_integer(out, v.number.signed_integer); return;
            case field_value::kind::unsigned_integer: detail::append_integer(out, v.number.unsigned_integer); return;
            case field_value::kind::floating: append_double(out, v.number.floating); return;
            case field_value::kind::string: append_string(out, v.text); return;
            case field_value::kind::null: break;
        }
        detail::append(out, "null");
    }

    static void append_double(detail::line_buffer& out, double value) {
        if (__builtin_isfinite(value))
            detail::append_finite_double(out, value);
        else if (__builtin_isnan(value))
            detail::append(out, "nan");
        else
            detail::append(out, value < 0 ? "-inf" : "inf");
    }

    static void append_string(detail::line_buffer& out, std::string_view value) {
        // Escaping never produces a space, '"' or '=', so the raw value decides.
        if (!value.empty() && value.find_first_of(" \"=") == std::string_view::npos) {
            detail::append_text_escaped(out, value);
            return;
        }
        out.push_back('"');
        for (;;) {
            const std::size_t quote = value.find('"');
            detail::append_text_escaped(out, value.substr(0, quote));
            if (quote == std::string_view::npos) break;
            detail::append(out, "\\\"");
            value.remove_prefix(quote + 1);
        }
        out.push_back('"');
    }
};

using text = basic_text<time_zone::local>;
using text_utc = basic_text<time_zone::utc>;

}  // namespace format
INKWELL_END_NAMESPACE
