#pragma once
// rotate::by_size — when the file would grow past MaxBytes, it moves aside:
// app.log → app.log.1 → app.log.2 … → app.log.N, and the oldest (N) is
// deleted. N = Backups. The size counts what the file held before a restart.
// A compressed backup moves with its number (app.log.1.gz → app.log.2.gz,
// engine+1.jsonl.gz → engine+2.jsonl.gz) and counts like a plain one.
//
// The limits are run-time values: the template arguments are the defaults,
// INKWELL_LOG_MAX_SIZE_MB and INKWELL_LOG_BACKUP_COUNT override them when the
// policy is constructed, and the two-argument constructor sets them outright.
// As with Python's RotatingFileHandler, a limit of 0 bytes or 0 backups means
// the file never rotates.
//
// Each step is checked; on the first failure the rotation stops where it is
// and the active file stays put (the sink keeps writing to it), so a failed
// rename never overwrites a backup with another.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include <unistd.h>

#include "../policy/rotation.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace rotate {

// A backup is app.log.N or a compressed copy of it (app.log.N.gz): renames
// every form of backup `*from` to `to`'s name, or, with `from` null, deletes
// every form of `to`. Returns 0 or the first errno (a missing form is fine).
// One copy for every by_size<...>: the strings are grown and cut in place.
inline int move_every_form(std::string* from, std::string& to) {
    const std::size_t from_size = from ? from->size() : 0, to_size = to.size();
    int err = 0;
    for (std::size_t i = 0; i <= std::size(compressed_extensions) && err == 0; ++i) {
        if (i > 0) {
            to.resize(to_size);
            to.append(compressed_extensions[i - 1]);
            if (from) from->resize(from_size), from->append(compressed_extensions[i - 1]);
        }
        const int rc = from ? std::rename(from->c_str(), to.c_str()) : ::unlink(to.c_str());
        if (rc != 0 && errno != ENOENT) err = errno;
    }
    to.resize(to_size);
    if (from) from->resize(from_size);
    return err;
}

template <std::uint64_t MaxBytes = 10 * 1024 * 1024, unsigned Backups = 5>
class by_size {
public:
    static constexpr std::uint64_t default_max_bytes = MaxBytes;
    static constexpr unsigned default_backups = Backups;

    by_size() noexcept : max_bytes_(max_bytes_from_env(MaxBytes)), backups_(backup_count_from_env(Backups)) {}
    by_size(std::uint64_t max_bytes, unsigned backups) noexcept : max_bytes_(max_bytes), backups_(backups) {}

    std::uint64_t max_bytes() const noexcept { return max_bytes_; }
    unsigned backups() const noexcept { return backups_; }

    // A record never waits for an empty file: a line longer than the limit
    // still goes out whole, in a file of its own.
    bool due(const file_state& f, time_point, std::size_t incoming_bytes) const noexcept {
        return max_bytes_ != 0 && backups_ != 0 && f.size != 0 && f.size + incoming_bytes > max_bytes_;
    }

    outcome rotate(const file_state& f) const {
        if (backups_ == 0) return {};
        char tag[16];
        std::string from, to = f.backup_path(number(backups_, tag));
        if (int err = move_every_form(nullptr, to); err != 0) return {false, err, "cannot remove the oldest backup"};
        for (unsigned i = backups_ - 1; i >= 1; --i) {
            from = f.backup_path(number(i, tag));
            if (int err = move_every_form(&from, to); err != 0)
                return {false, err, "cannot rename a backup to the next number"};
            to.swap(from);
        }
        from = f.active_path();
        if (std::rename(from.c_str(), to.c_str()) != 0) return {false, errno, "cannot rename the log file to its backup"};
        return {true, 0, "", std::move(to)};
    }

private:
    static std::string_view number(unsigned n, char (&out)[16]) noexcept {
        char* end = out + sizeof out;
        char* p = end;
        do {
            *--p = static_cast<char>('0' + n % 10);
            n /= 10;
        } while (n != 0);
        return {p, static_cast<std::size_t>(end - p)};
    }

    std::uint64_t max_bytes_;
    unsigned backups_;
};

}  // namespace rotate
INKWELL_END_NAMESPACE
