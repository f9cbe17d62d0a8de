#pragma once
// The few system calls the file sinks make, through a table of function
// pointers, so that a test can make any of them fail with any errno (a full
// disk, a quota, EIO, a short write, EMFILE) without a real full disk.
//
// Every entry behaves like the POSIX call it stands for: -1 and errno on
// failure. The table in use is process-wide; the default is plain POSIX,
// and reading it is one relaxed atomic load per call, nothing worth
// measuring next to the system call itself.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>

#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

struct file_ops {
    int (*open)(const char* path, int flags, mode_t mode);
    ssize_t (*write)(int fd, const void* data, std::size_t size);
    int (*fstat)(int fd, struct stat* st);
    int (*lstat)(const char* path, struct stat* st);
    int (*ftruncate)(int fd, off_t length);
    int (*fchmod)(int fd, mode_t mode);
    int (*close)(int fd);
    // A file opened relative to a folder's descriptor (sink::category_files
    // opens its category files in the date folder it holds).
    int (*openat)(int dir_fd, const char* name, int flags, mode_t mode);
    // Lines gathered from several buffers in one call (sink::category_files
    // writes a closed file's held lines from where they are held). A table
    // that replaces `write` replaces this too.
    ssize_t (*writev)(int fd, const struct iovec* pieces, int count);
};

namespace posix_calls {
inline int open(const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); }
inline ssize_t write(int fd, const void* data, std::size_t size) { return ::write(fd, data, size); }
inline int fstat(int fd, struct stat* st) { return ::fstat(fd, st); }
inline int lstat(const char* path, struct stat* st) { return ::lstat(path, st); }
inline int ftruncate(int fd, off_t length) { return ::ftruncate(fd, length); }
inline int fchmod(int fd, mode_t mode) { return ::fchmod(fd, mode); }
inline int close(int fd) { return ::close(fd); }
inline int openat(int dir_fd, const char* name, int flags, mode_t mode) { return ::openat(dir_fd, name, flags, mode); }
inline ssize_t writev(int fd, const struct iovec* pieces, int count) { return ::writev(fd, pieces, count); }
}  // namespace posix_calls

inline constexpr file_ops posix_file_ops{&posix_calls::open,   &posix_calls::write,     &posix_calls::fstat,
                                         &posix_calls::lstat,  &posix_calls::ftruncate, &posix_calls::fchmod,
                                         &posix_calls::close,  &posix_calls::openat,    &posix_calls::writev};

inline std::atomic<const file_ops*>& file_ops_slot() noexcept {
    static std::atomic<const file_ops*> slot{&posix_file_ops};
    return slot;
}

// The table the file sinks use now.
inline const file_ops& current_file_ops() noexcept { return *file_ops_slot().load(std::memory_order_relaxed); }

// Replaces the table (nullptr: back to POSIX); returns the previous one. The
// table must outlive its use. For tests: set it before the files it should
// affect are written.
inline const file_ops* replace_file_ops(const file_ops* ops) noexcept {
    return file_ops_slot().exchange(ops ? ops : &posix_file_ops, std::memory_order_acq_rel);
}

// Puts a table in place for one scope.
class scoped_file_ops {
public:
    explicit scoped_file_ops(const file_ops& ops) noexcept : previous_(replace_file_ops(&ops)) {}
    ~scoped_file_ops() { replace_file_ops(previous_); }
    scoped_file_ops(const scoped_file_ops&) = delete;
    scoped_file_ops& operator=(const scoped_file_ops&) = delete;

private:
    const file_ops* previous_;
};

}  // namespace detail
INKWELL_END_NAMESPACE
