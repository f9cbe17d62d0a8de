// libFuzzer target: the JSON string escaper (detail/json_escape.hpp).
//
// What the header promises, checked for every input:
//   - append_json_quoted writes one JSON string: it parses (a strict
//     RFC 8259 string parser below, and nlohmann::json too) to exactly one
//     string value, and the line holds no raw control byte (C0 or DEL);
//   - the output is valid UTF-8 (invalid input is repaired with U+FFFD);
//   - C1 controls and U+2028/U+2029 are escaped too (detail/utf8.hpp), and
//     "the escaped form parses to the very same string": the parsed value is
//     the input itself when that is valid UTF-8, and otherwise the input with
//     each maximal subpart of ill-formed UTF-8 replaced by one U+FFFD;
//   - append_json_string is the same without the quotes, and appends (what
//     the buffer held before is kept).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <inkwell/detail/json_escape.hpp>
#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"

namespace {

using fuzz_support::valid_utf8;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// A strict JSON string (RFC 8259, section 7) that fills all of `text`: its
// value, or nothing. Surrogate escapes must come in pairs.
std::optional<std::string> parse_json_string(std::string_view text) {
    if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::nullopt;
    std::string value;
    std::size_t i = 1;
    const std::size_t end = text.size() - 1;
    auto read_hex4 = [&](std::size_t at) -> long {
        if (at + 4 > end) return -1;
        long v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const int h = hex_value(text[at + k]);
            if (h < 0) return -1;
            v = v * 16 + h;
        }
        return v;
    };
    while (i < end) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == '"') return std::nullopt;  // unescaped control or quote
        if (c != '\\') {
            value += static_cast<char>(c);
            ++i;
            continue;
        }
        if (i + 1 >= end) return std::nullopt;
        const char e = text[i + 1];
        i += 2;
        switch (e) {
            case '"': value += '"'; break;
            case '\\': value += '\\'; break;
            case '/': value += '/'; break;
            case 'b': value += '\b'; break;
            case 'f': value += '\f'; break;
            case 'n': value += '\n'; break;
            case 'r': value += '\r'; break;
            case 't': value += '\t'; break;
            case 'u': {
                long cp = read_hex4(i);
                if (cp < 0) return std::nullopt;
                i += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF) return std::nullopt;  // a lone low surrogate
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (i + 1 >= end || text[i] != '\\' || text[i + 1] != 'u') return std::nullopt;
                    const long low = read_hex4(i + 2);
                    if (low < 0xDC00 || low > 0xDFFF) return std::nullopt;
                    i += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                append_utf8(value, static_cast<std::uint32_t>(cp));
                break;
            }
            default: return std::nullopt;
        }
    }
    return value;
}

std::string to_string(const inkwell::detail::line_buffer& b) { return std::string(b.data(), b.size()); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    inkwell::detail::line_buffer quoted_buffer;
    inkwell::detail::append_json_quoted(quoted_buffer, input);
    const std::string quoted = to_string(quoted_buffer);

    // Valid UTF-8, and no raw control byte: the line cannot be broken or forged.
    FUZZ_CHECK(valid_utf8(quoted));
    for (const char ch : quoted) {
        const auto c = static_cast<unsigned char>(ch);
        FUZZ_CHECK(c >= 0x20 && c != 0x7F);
    }
    // C1 controls, U+2028 and U+2029 are written as \uXXXX.
    fuzz_support::for_each_code_point(quoted, [](std::uint32_t cp) {
        FUZZ_CHECK(!(cp >= 0x80 && cp <= 0x9F));
        FUZZ_CHECK(cp != 0x2028 && cp != 0x2029);
    });

    // One JSON string, whose value is the input (repaired where it was not UTF-8).
    const std::optional<std::string> value = parse_json_string(quoted);
    FUZZ_CHECK(value.has_value());
    const std::string expected = valid_utf8(input) ? std::string(input) : fuzz_support::repaired_utf8(input);
    FUZZ_CHECK(*value == expected);

    // nlohmann's parser agrees (it rejects invalid UTF-8 and raw controls too).
    const nlohmann::json parsed = nlohmann::json::parse(quoted, nullptr, /*allow_exceptions=*/false);
    FUZZ_CHECK(!parsed.is_discarded());
    FUZZ_CHECK(parsed.is_string());
    FUZZ_CHECK(parsed.get_ref<const std::string&>() == expected);

    // append_json_string: the body alone, appended after what the buffer holds.
    inkwell::detail::line_buffer body_buffer;
    const std::string_view before = "{\"message\":\"";
    inkwell::detail::append(body_buffer, before);
    inkwell::detail::append_json_string(body_buffer, input);
    const std::string body = to_string(body_buffer);
    FUZZ_CHECK(body.size() == before.size() + quoted.size() - 2);
    FUZZ_CHECK(body.compare(0, before.size(), before) == 0);
    FUZZ_CHECK(body.compare(before.size(), std::string::npos, quoted, 1, quoted.size() - 2) == 0);
    return 0;
}
