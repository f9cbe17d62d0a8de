#pragma once
// The compression policy: what becomes of a log file once nothing more is
// written to it (a rotated backup, a finished day's file).
//
// A compression policy is a class with
//   `static constexpr std::string_view extension`  added to the file's name (".gz");
//       empty means "no compression" (compress::none);
//   `static inkwell::compress::result compress_file(int from_fd, int to_fd) noexcept`
//       reads `from_fd` to its end and writes the compressed bytes to `to_fd`.
// detail::compressor runs the policy on a thread of its own, never on a
// thread that logs: it writes `<file><extension>.part`, renames it to
// `<file><extension>` once complete, and only then removes `<file>`. A
// failure leaves the original file as it was (and removes the .part), and
// is reported through the logger's error handler.
// Policies: compress::none (the default; links nothing), compress::gzip
// (<inkwell/compress/gzip.hpp>, links zlib: target inkwell::gzip).

#include <concepts>
#include <string_view>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace compress {

// What compress_file did: 0 and "" on success.
struct result {
    int error = 0;          // errno, or EIO for a failure of the compression library
    const char* what = "";  // which step failed
};

}  // namespace compress

namespace policy {

template <class C>
concept compression = requires(int from_fd, int to_fd) {
    { C::extension } -> std::convertible_to<std::string_view>;
    { C::compress_file(from_fd, to_fd) } -> std::same_as<compress::result>;
};

// True for a policy that compresses (compress::none does not).
template <class C>
inline constexpr bool compresses = !std::string_view{C::extension}.empty();

}  // namespace policy
INKWELL_END_NAMESPACE
