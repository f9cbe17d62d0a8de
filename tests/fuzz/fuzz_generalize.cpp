// libFuzzer target: the message generalizer (detail/generalize.hpp).
//
// What the header promises, checked for every input:
//   - generalize(text, out) calls out with "runs of the input as they are,
//     and placeholders", in order: every piece is either a view into the
//     input (the runs: in order, never overlapping, each gap between them
//     filled by placeholders) or one of the seven placeholders;
//   - "only the first max_generalized_bytes of a message are generalized; the
//     rest is passed on as it is": no replacement starts at or after byte
//     4096, and the input's end is reached;
//   - "<num>: a number anywhere, also inside a word": no ASCII digit of the
//     first 4096 bytes is left in a run;
//   - generalized(text) is the pieces joined;
//   - "it works on bytes and never decodes UTF-8, so invalid UTF-8 passes
//     through unchanged": the output is valid UTF-8 when the input was
//     (replacements begin and end on ASCII bytes), and the runs are the input's
//     own bytes;
//   - length: the header documents no bound; what follows from it is checked:
//     each replacement consumes at least one byte and starts before byte 4096,
//     and the only placeholder that can stand for a single byte is "<num>"
//     (the others need at least 3: "0x1", "::1", "a@b.c", ...), so the output
//     is at most the input's length + 4 * min(length, 4096).
// Not checked, because not promised: that generalizing twice changes nothing.
// The scanner's "linear time whatever the input" is watched by the run's
// -timeout (a slow input is a failure) and by libFuzzer's slowest-unit report.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <inkwell/detail/generalize.hpp>

#include "fuzz_support.hpp"

namespace {

bool is_placeholder(std::string_view piece) {
    namespace g = inkwell::detail::generalize_scan;
    for (const std::string_view p : {g::number, g::hex, g::uuid, g::ip, g::email, g::url, g::time})
        if (piece == p && piece.data() == p.data()) return true;
    return false;
}

bool ascii_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace d = inkwell::detail;
    const std::string_view message(reinterpret_cast<const char*>(data), size);
    const std::size_t limit = size < d::max_generalized_bytes ? size : d::max_generalized_bytes;

    std::string joined;
    std::size_t next_run = 0;       // where the next run may begin
    bool placeholder_since = false;  // a placeholder came after the last run
    std::size_t replacements = 0;
    d::generalize(message, [&](std::string_view piece) {
        joined.append(piece);
        const bool inside = size != 0 && piece.data() >= message.data() && piece.data() < message.data() + size;
        if (!inside) {
            FUZZ_CHECK(is_placeholder(piece));
            // The first replacement after a run starts where the run ended, before byte 4096.
            if (!placeholder_since) FUZZ_CHECK(next_run < limit);
            placeholder_since = true;
            ++replacements;
            return;
        }
        FUZZ_CHECK(!piece.empty());
        const auto begin = static_cast<std::size_t>(piece.data() - message.data());
        FUZZ_CHECK(piece.size() <= size - begin);
        if (placeholder_since) {
            FUZZ_CHECK(begin > next_run);  // the replaced text is not empty
        } else {
            FUZZ_CHECK(begin == next_run);  // runs without a placeholder between them are adjacent
        }
        for (std::size_t i = begin; i < begin + piece.size() && i < limit; ++i) FUZZ_CHECK(!ascii_digit(message[i]));
        next_run = begin + piece.size();
        placeholder_since = false;
    });
    // The whole input was walked: it ends in a run, or in a replacement.
    if (!placeholder_since) FUZZ_CHECK(next_run == size);

    FUZZ_CHECK(joined == d::generalized(message));
    FUZZ_CHECK(joined.size() <= size + 4 * limit);
    FUZZ_CHECK(replacements <= limit);
    if (fuzz_support::valid_utf8(message)) FUZZ_CHECK(fuzz_support::valid_utf8(joined));
    return 0;
}
