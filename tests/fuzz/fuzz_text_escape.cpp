// libFuzzer target: the text-file / terminal escaper (detail/text_escape.hpp).
//
// What the header promises, checked for every input:
//   - no control byte from record data reaches the output: no byte below
//     0x20, no DEL (0x7F), and no C1 control U+0080..U+009F (nor U+2028 /
//     U+2029, which detail/utf8.hpp says both escapers write as \uXXXX);
//   - the output is valid UTF-8 (invalid input becomes U+FFFD);
//   - printable text is kept as it is, backslashes included: an input of
//     valid UTF-8 without any of those characters comes out unchanged;
//   - it appends: what the buffer held before is kept.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <inkwell/detail/text_escape.hpp>

#include "fuzz_support.hpp"

namespace {

bool must_escape(std::uint32_t cp) {
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    inkwell::detail::line_buffer buffer;
    const std::string_view before = "2024-12-20 10:15:30.123 INFO  ";
    inkwell::detail::append(buffer, before);
    inkwell::detail::append_text_escaped(buffer, input);
    const std::string_view all(buffer.data(), buffer.size());
    FUZZ_CHECK(all.substr(0, before.size()) == before);
    const std::string_view out = all.substr(before.size());

    FUZZ_CHECK(fuzz_support::valid_utf8(out));
    for (const char ch : out) {
        const auto c = static_cast<unsigned char>(ch);
        FUZZ_CHECK(c >= 0x20 && c != 0x7F);
    }
    fuzz_support::for_each_code_point(out, [](std::uint32_t cp) { FUZZ_CHECK(!must_escape(cp)); });

    // Printable text passes unchanged.
    if (fuzz_support::valid_utf8(input)) {
        bool printable = true;
        fuzz_support::for_each_code_point(input, [&](std::uint32_t cp) { printable = printable && !must_escape(cp); });
        if (printable) FUZZ_CHECK(out == input);
    }
    return 0;
}
