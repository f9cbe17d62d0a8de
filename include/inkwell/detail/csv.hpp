#pragma once
// One CSV field (RFC 4180): a field holding a comma, a quote, CR or LF is
// quoted and its quotes doubled; any other goes as it is. Used by the
// PostgreSQL query export and the `inkwell` command's --format csv.

#ifndef INKWELL_VERSION_MAJOR  // not in the umbrella: with the single header, that header first
#include "../inkwell.hpp"
#endif

#include <string>
#include <string_view>

INKWELL_BEGIN_NAMESPACE
namespace detail {

inline void append_csv_field(std::string& out, std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
        out.append(s);
        return;
    }
    out.push_back('"');
    for (char c : s) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

}  // namespace detail
INKWELL_END_NAMESPACE
