#pragma once
// Console formatters: the text layout of format/text.hpp in local time.
//   format::console        the level label in its level's colour, always
//   format::console_plain  never any colour (the same as format::text)
// format::console always emits colour; sink::console strips it again when its
// stream is not a terminal (or NO_COLOR is set). With a plain formatter,
// sink::console colours whole lines itself when it is writing to a terminal,
// so most set-ups want console_plain and let the sink decide.

#include "../detail/ansi.hpp"
#include "../detail/line_buffer.hpp"
#include "../detail/text_escape.hpp"
#include "../level.hpp"
#include "../version.hpp"
#include "text.hpp"

INKWELL_BEGIN_NAMESPACE
namespace format {

// The label wrapped in the level's colour; the label text is escaped like
// any data, so only the colour codes written here are raw escapes.
struct coloured_label {
    static void append(detail::line_buffer& out, level severity) {
        const std::string_view colour = detail::ansi::colour_for(severity);
        detail::append(out, colour);
        detail::append_text_escaped(out, level_label(severity));
        if (!colour.empty()) detail::append(out, detail::ansi::reset);
    }
};

using console = basic_text<time_zone::local, coloured_label>;
using console_plain = basic_text<time_zone::local, plain_label>;

}  // namespace format
INKWELL_END_NAMESPACE
