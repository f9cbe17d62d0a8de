#pragma once
// compress::gzip<Level> — finished log files become `<file>.gz` (RFC 1952,
// readable by gzip, zcat, zgrep and inkwell's tools). Needs zlib: link the
// CMake target inkwell::gzip (or -lz). Only this header includes <zlib.h>;
// the rest of inkwell links nothing new.
//
//   struct my_config : inkwell::presets::jsonl_per_category_config {
//       using compression = inkwell::compress::gzip<>;
//   };
//
// With the single header, include <inkwell.hpp> before this file.

#ifndef INKWELL_VERSION_MAJOR
#include "../inkwell.hpp"
#endif

#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <string_view>

INKWELL_BEGIN_NAMESPACE
namespace compress {

template <int Level = 6>
struct gzip {
    static_assert(Level >= 1 && Level <= 9, "inkwell: gzip<Level>: Level is 1 (fastest) to 9 (smallest)");
    static constexpr std::string_view extension = ".gz";

    static result compress_file(int from_fd, int to_fd) noexcept {
        z_stream z{};
        // 15 + 16: the largest window, with a gzip header and trailer.
        if (deflateInit2(&z, Level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return {ENOMEM, "zlib could not start"};
        unsigned char in[64 * 1024];
        unsigned char out[64 * 1024];
        result r;
        for (bool last = false; !last && r.error == 0;) {
            const long n = read_chunk(from_fd, in, sizeof in, r);
            if (n < 0) break;
            last = n == 0;
            z.next_in = in;
            z.avail_in = static_cast<uInt>(n);
            do {
                z.next_out = out;
                z.avail_out = sizeof out;
                if (deflate(&z, last ? Z_FINISH : Z_NO_FLUSH) == Z_STREAM_ERROR) {
                    r = {EIO, "zlib failed"};
                    break;
                }
                r = write_all(to_fd, out, sizeof out - z.avail_out);
            } while (r.error == 0 && z.avail_out == 0);
        }
        deflateEnd(&z);
        return r;
    }
};

}  // namespace compress
INKWELL_END_NAMESPACE
