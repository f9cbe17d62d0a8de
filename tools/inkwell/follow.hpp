#pragma once
// Following a log folder's plain files as they grow (`inkwell tail`, `inkwell
// serve`): files are known by device and inode, so a renamed (rotated) file
// is read on from where it was, a new file from its start, and a truncated one
// (or a reused inode) from its start again.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entry.hpp"
#include "reader.hpp"

namespace inkwell_cli {

struct followed {
    std::string relative;
    std::uint64_t offset = 0;  // read up to here (just after a '\n')
    file_kind kind = file_kind::unknown;
    std::uint64_t line = 0;
    bool seen = false;
};
using followed_map = std::map<std::pair<std::uint64_t, std::uint64_t>, followed>;

// Calls on_line(line) for each non-blank whole line `file` gained since
// f.offset (f.line is its number; a trailing '\r' is cut), at most 8 MiB a
// call: the rest, and a last line still being written, wait for the next call.
template <class OnLine>
void read_new_lines(const log_file& file, followed& f, std::vector<char>& buffer, OnLine&& on_line) {
    if (file.bytes < f.offset) {
        f.offset = 0;
        f.line = 0;
    }
    if (file.bytes == f.offset) return;
    const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (f.kind == file_kind::unknown) {
        char c = 0;
        std::uint64_t at = 0;
        while (::pread(fd, &c, 1, static_cast<off_t>(at)) == 1 && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) ++at;
        f.kind = kind_of_first_byte(c);
    }
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(file.bytes - f.offset, 8u << 20));
    buffer.resize(want);
    const ssize_t n = ::pread(fd, buffer.data(), want, static_cast<off_t>(f.offset));
    ::close(fd);
    if (n <= 0) return;
    std::string_view data(buffer.data(), static_cast<std::size_t>(n));
    const std::size_t last_nl = data.rfind('\n');
    if (last_nl == std::string_view::npos) return;  // a line being written: next round
    data = data.substr(0, last_nl + 1);
    f.offset += data.size();
    if (f.kind == file_kind::unknown) return;
    while (!data.empty()) {
        const std::size_t nl = data.find('\n');
        std::string_view line = data.substr(0, nl);
        data.remove_prefix(nl + 1);
        ++f.line;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        on_line(line);
    }
}

}  // namespace inkwell_cli
