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

#include <unistd.h>

#include <cerrno>
#include <concepts>
#include <cstddef>
#include <string_view>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace compress {

// What compress_file did: 0 and "" on success.
struct result {
    int error = 0;          // errno, or EIO for a failure of the compression library
    const char* what = "";  // which step failed
};

// The I/O every compression policy does around its library: the next
// chunk of the file (0 at its end, -1 with `r` set on an error) ...
inline long read_chunk(int fd, unsigned char* buffer, std::size_t size, result& r) noexcept {
    for (;;) {
        const ssize_t n = ::read(fd, buffer, size);
        if (n >= 0) return static_cast<long>(n);
        if (errno == EINTR) continue;
        r = {errno, "cannot read the file to compress"};
        return -1;
    }
}
// ... and all of a compressed chunk written out.
inline result write_all(int fd, const unsigned char* data, std::size_t size) noexcept {
    for (std::size_t done = 0; done < size;) {
        const ssize_t w = ::write(fd, data + done, size - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            return {errno, "cannot write the compressed file"};
        }
        done += static_cast<std::size_t>(w);
    }
    return {};
}

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
