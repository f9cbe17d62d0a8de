// libFuzzer target: the category-name sanitizer (detail/sanitize.hpp,
// sanitize_file_component), which turns names from log data (categories,
// session ids, base names) into one path component.
//
// What the header promises, checked for every input:
//   - the result is non-empty, at most max_file_component (64) bytes, made
//     only of A-Z a-z 0-9 '.' '_' '-' (so no '/', no NUL, no control byte,
//     nothing beyond ASCII), and does not start with '.' (never ".", ".."
//     or hidden);
//   - a name of at most 64 bytes keeps its length, each byte either kept
//     (when allowed) or '_'; a longer one is its first 55 bytes so mapped,
//     then '-' and 8 lower-case hex digits;
//   - both overloads (caller's array, std::string) agree, and the array one
//     is NUL-terminated;
//   - joined to a folder, the result stays inside it: lexically normalised,
//     folder / result is one component directly under the folder;
//   - a result is its own sanitized form (so sanitizing twice is harmless).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <string>
#include <string_view>

#include <inkwell/detail/sanitize.hpp>

#include "fuzz_support.hpp"

namespace {

bool allowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

bool lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace d = inkwell::detail;
    const std::string_view name(reinterpret_cast<const char*>(data), size);

    char array[d::max_file_component + 1];
    const std::string_view result = d::sanitize_file_component(name, array);
    std::string as_string = "previous contents";
    d::sanitize_file_component(name, as_string);
    FUZZ_CHECK(as_string == result);
    FUZZ_CHECK(result.data() == array);
    FUZZ_CHECK(array[result.size()] == '\0');

    FUZZ_CHECK(!result.empty());
    FUZZ_CHECK(result.size() <= d::max_file_component);
    for (const char c : result) FUZZ_CHECK(allowed(c));
    FUZZ_CHECK(result.front() != '.');
    FUZZ_CHECK(result != "." && result != "..");

    // The mapping itself.
    if (name.empty()) {
        FUZZ_CHECK(result == "_");
    } else {
        const bool too_long = name.size() > d::max_file_component;
        const std::size_t kept = too_long ? d::max_file_component - 9 : name.size();
        FUZZ_CHECK(result.size() == (too_long ? d::max_file_component : name.size()));
        for (std::size_t i = 0; i < kept; ++i) {
            const char expected = (i == 0 && name[0] == '.') ? '_' : (allowed(name[i]) ? name[i] : '_');
            FUZZ_CHECK(result[i] == expected);
        }
        if (too_long) {
            FUZZ_CHECK(result[kept] == '-');
            for (std::size_t i = kept + 1; i < result.size(); ++i) FUZZ_CHECK(lower_hex(result[i]));
        }
    }

    // Inside the folder, one level down, whatever the name.
    const std::filesystem::path folder = "/var/log/app";
    const std::filesystem::path joined = (folder / std::string(result)).lexically_normal();
    FUZZ_CHECK(joined.parent_path() == folder);
    FUZZ_CHECK(joined.filename() == std::filesystem::path(std::string(result)));
    const std::filesystem::path relative = joined.lexically_relative(folder);
    FUZZ_CHECK(!relative.empty() && *relative.begin() != ".." && *relative.begin() != ".");
    FUZZ_CHECK(std::distance(relative.begin(), relative.end()) == 1);

    // Stable: a sanitized name maps to itself.
    char again[d::max_file_component + 1];
    FUZZ_CHECK(d::sanitize_file_component(result, again) == result);
    return 0;
}
