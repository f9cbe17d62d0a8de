#pragma once
// The file primitives under every file sink:
//   posix_file          an owned file descriptor opened for appending;
//   create_directories  mkdir -p with an exact mode, without exceptions;
//   log_file            one log file as a sink sees it: the descriptor, the
//                       whole lines held back until flush(), the size and age
//                       rotation asks about, and error reporting with the
//                       stderr fallback.
// Plain POSIX calls: no iostreams, no exceptions.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include "chrono.hpp"
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "../errors.hpp"
#include "../policy/rotation.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"
#include "file_ops.hpp"
#include "platform.hpp"
#include "line_buffer.hpp"
#include "time_format.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// An owned file descriptor, opened only for appending. Every system call
// goes through current_file_ops(), so a test can inject failures.
class posix_file {
public:
    posix_file() noexcept = default;
    posix_file(posix_file&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    posix_file& operator=(posix_file&& other) noexcept {
        if (this != &other) {
            close();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    posix_file(const posix_file&) = delete;
    posix_file& operator=(const posix_file&) = delete;
    ~posix_file() { close(); }

    // Opens `path` with O_WRONLY|O_APPEND|O_CLOEXEC|O_NOFOLLOW, creating it
    // when missing with exactly `mode`: a restrictive umask is undone with
    // fchmod, but only on a file this call created (a file someone chmod-ed
    // keeps its mode). Refuses a symbolic link (ELOOP) and anything that is
    // not a regular file (EINVAL; a FIFO never blocks the open). Returns 0 or
    // the errno of the failure. `learned`, when given, receives the fstat the
    // open makes anyway (size, dates), so that the caller needs no second one.
    int open_append(const char* path, unsigned mode, struct stat* learned = nullptr) noexcept {
        return open_append_at(AT_FDCWD, path, mode, learned);
    }
    // The same for `path` relative to the folder `dir_fd` (AT_FDCWD: as it is).
    int open_append_at(int dir_fd, const char* path, unsigned mode, struct stat* learned = nullptr) noexcept {
        close();
        const file_ops& ops = current_file_ops();
        constexpr int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
        const auto wanted = static_cast<mode_t>(mode & 07777);
        bool created = false;
        int fd = open_retrying(ops, dir_fd, path, flags, 0);
        if (fd < 0 && errno == ENOENT) {
            // O_EXCL tells us whether we made the file, and so whether its mode is ours to fix.
            fd = open_retrying(ops, dir_fd, path, flags | O_CREAT | O_EXCL, wanted);
            if (fd >= 0)
                created = true;
            else if (errno == EEXIST)
                fd = open_retrying(ops, dir_fd, path, flags, 0);  // another writer created it first
        }
        if (fd < 0) return errno;
        struct stat st {};
        if (ops.fstat(fd, &st) != 0) {
            int err = errno;
            ops.close(fd);
            return err;
        }
        if (!S_ISREG(st.st_mode)) {
            ops.close(fd);
            return EINVAL;
        }
        if (created && (st.st_mode & 07777) != wanted) (void)ops.fchmod(fd, wanted);
        fd_ = fd;
        if (learned) *learned = st;
        return 0;
    }

    // Writes all of [data, data + size): retries EINTR and continues after a
    // partial write. Returns 0 or the errno; `written` says how many bytes
    // reached the file either way.
    int write_all(const char* data, std::size_t size, std::size_t& written) noexcept {
        written = 0;
        if (fd_ < 0) return EBADF;
        const file_ops& ops = current_file_ops();
        while (written < size) {
            auto n = ops.write(fd_, data + written, size - written);
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno;
            }
            if (n == 0) return EIO;  // a regular file never accepts nothing; do not spin
            written += static_cast<std::size_t>(n);
        }
        return 0;
    }

    // Writes the pieces one after the other as write_all() writes one buffer,
    // with writev (at most max_pieces_per_call at a time), continuing after
    // a partial write. `written` says how many bytes reached the file.
    static constexpr int max_pieces_per_call = 64;
    int write_all(std::span<const std::string_view> pieces, std::size_t& written) noexcept {
        written = 0;
        if (fd_ < 0) return EBADF;
        const file_ops& ops = current_file_ops();
        std::size_t first = 0, skip = 0;  // the next byte to write: pieces[first][skip]
        for (;;) {
            while (first < pieces.size() && skip == pieces[first].size()) {
                ++first;
                skip = 0;
            }
            if (first == pieces.size()) return 0;
            iovec iov[max_pieces_per_call];
            int count = 0;
            for (std::size_t i = first; i < pieces.size() && count < max_pieces_per_call; ++i) {
                const std::string_view piece = i == first ? pieces[i].substr(skip) : pieces[i];
                if (!piece.empty()) iov[count++] = {const_cast<char*>(piece.data()), piece.size()};
            }
            const ssize_t n = ops.writev(fd_, iov, count);
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno;
            }
            if (n == 0) return EIO;  // a regular file never accepts nothing; do not spin
            written += static_cast<std::size_t>(n);
            for (auto left = static_cast<std::size_t>(n); left != 0;) {
                const std::size_t rest = pieces[first].size() - skip;
                if (left < rest) {
                    skip += left;
                    break;
                }
                left -= rest;
                ++first;
                skip = 0;
            }
        }
    }

    // fstat of the open file. Returns 0 or the errno.
    int status(struct stat& st) const noexcept {
        if (fd_ < 0) return EBADF;
        return current_file_ops().fstat(fd_, &st) == 0 ? 0 : errno;
    }

    // The file's size in bytes. Returns 0 or the errno.
    int size(std::uint64_t& out) const noexcept {
        struct stat st {};
        int err = status(st);
        if (err == 0) out = static_cast<std::uint64_t>(st.st_size);
        return err;
    }

    // Cuts the file back to `length` bytes. Returns 0 or the errno.
    int truncate(std::uint64_t length) noexcept {
        if (fd_ < 0) return EBADF;
        const file_ops& ops = current_file_ops();
        int rc;
        do {
            rc = ops.ftruncate(fd_, static_cast<off_t>(length));
        } while (rc != 0 && errno == EINTR);
        return rc == 0 ? 0 : errno;
    }

    // Closes the descriptor (a no-op when none is open). Returns 0 or the errno.
    int close() noexcept {
        if (fd_ < 0) return 0;
        int fd = std::exchange(fd_, -1);
        // Linux frees the descriptor even when close fails, so never retry it.
        return current_file_ops().close(fd) == 0 ? 0 : errno;
    }

    bool is_open() const noexcept { return fd_ >= 0; }
    int fd() const noexcept { return fd_; }

private:
    static int open_retrying(const file_ops& ops, int dir_fd, const char* path, int flags, mode_t mode) noexcept {
        int fd;
        do {
            fd = dir_fd == AT_FDCWD ? ops.open(path, flags, mode) : ops.openat(dir_fd, path, flags, mode);
        } while (fd < 0 && errno == EINTR);
        return fd;
    }

    int fd_ = -1;
};

// mkdir -p: creates `dir` and its missing parents. Each folder this call
// creates gets exactly `mode` (chmod undoes the umask); folders that exist
// are left alone. A path part that exists but is no folder gives ENOTDIR.
// Returns true on success; on failure sets `ec` and returns false.
inline bool create_directories(const std::string& dir, unsigned mode, std::error_code& ec) noexcept {
    ec.clear();
    const std::string& native = dir;
    if (native.empty()) return true;
    struct stat st {};
    if (::stat(native.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return true;  // the common case: one system call
        ec = std::error_code(ENOTDIR, std::generic_category());
        return false;
    }
    const auto wanted = static_cast<mode_t>(mode & 07777);
    std::string path = native;  // one copy; each prefix is made by a temporary NUL
    auto make_one = [&](std::size_t end) -> bool {
        char saved = path[end];
        path[end] = '\0';
        bool ok = true;
        if (::mkdir(path.c_str(), wanted) == 0) {
            (void)::chmod(path.c_str(), wanted);
        } else if (errno == EEXIST) {
            struct stat part {};
            if (::stat(path.c_str(), &part) != 0 || !S_ISDIR(part.st_mode)) {
                ec = std::error_code(ENOTDIR, std::generic_category());
                ok = false;
            }
        } else {
            ec = std::error_code(errno, std::generic_category());
            ok = false;
        }
        path[end] = saved;
        return ok;
    };
    for (std::size_t i = 1; i < path.size(); ++i) {
        if (path[i] == '/' && path[i - 1] != '/' && !make_one(i)) return false;
    }
    return make_one(path.size());
}

// A sink's folder as text: "." for an empty path, no trailing '/'.
inline std::string folder_text(const std::string& dir) {
    std::string text = dir;
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    if (text.empty()) text.assign(1, '.');  // not = ".": g++ 12 -O3 warns falsely (-Wrestrict, GCC bug 105329)
    return text;
}

// Opens the folder `folder` whose last `own` components are a sink's own
// (a date folder): the part above them is the configured log folder, opened
// as it is (it may be a link made on purpose) and created when missing; each
// own component is opened with O_NOFOLLOW (created with exactly `mode` when
// missing), so a symbolic link planted there is refused (ELOOP; ENOTDIR for
// something that is no folder) instead of followed. Returns 0 and the
// descriptor of the innermost folder in `out`, or the errno.
inline int open_own_folders(const std::string& folder, std::size_t own, unsigned mode, int& out) noexcept {
    out = -1;
    std::size_t cut = folder.size();
    for (std::size_t i = 0; i < own; ++i) {
        auto slash = folder.rfind('/', cut - 1);
        if (slash == std::string::npos || slash == 0) return EINVAL;
        cut = slash;
    }
    std::string root = folder.substr(0, cut);
    auto open_dir = [](int at, const char* name, int extra) noexcept {
        int fd;
        do {
            fd = ::openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | extra);
        } while (fd < 0 && errno == EINTR);
        return fd;
    };
    int dir = open_dir(AT_FDCWD, root.c_str(), 0);
    if (dir < 0 && errno == ENOENT) {
        std::error_code ec;
        if (!create_directories(root, mode, ec)) return ec.value();
        dir = open_dir(AT_FDCWD, root.c_str(), 0);
    }
    if (dir < 0) return errno;
    const auto wanted = static_cast<mode_t>(mode & 07777);
    std::size_t begin = cut + 1;
    while (begin <= folder.size()) {
        std::size_t end = folder.find('/', begin);
        if (end == std::string::npos) end = folder.size();
        const std::string part = folder.substr(begin, end - begin);
        begin = end + 1;
        if (part.empty()) continue;
        bool created = false;
        int next = open_dir(dir, part.c_str(), O_NOFOLLOW);
        if (next < 0 && errno == ENOENT) {
            if (::mkdirat(dir, part.c_str(), wanted) == 0)
                created = true;
            else if (errno != EEXIST) {
                int err = errno;
                ::close(dir);
                return err;
            }
            next = open_dir(dir, part.c_str(), O_NOFOLLOW);
        }
        if (next < 0) {
            int err = errno;  // ELOOP: a link; ENOTDIR: something else
            ::close(dir);
            return err;
        }
        if (created) (void)::fchmod(next, wanted);  // the umask undone, on the folder made here only
        ::close(dir);
        dir = next;
    }
    out = dir;
    return 0;
}

// A sink's own folder (a date folder) held open while its files are
// written, so that a file opens with one openat() of its bare name
// (O_NOFOLLOW) in the folder held, rather than by walking and checking the
// folders again at every open (sink::category_files opens files thousands
// of times a minute when it has more categories than descriptors). The
// folder is opened by open_own_folders() (a link planted as the date folder
// is refused). Before each open, one lstat() checks that its path still
// names the folder held: one removed, moved away or replaced by a link
// (logrotate, a retention job, an attacker with write access to the log
// folder) is let go and the path walked and checked anew. Not thread-safe:
// its sink serialises every call.
class own_folder {
public:
    own_folder() = default;
    own_folder(const own_folder&) = delete;
    own_folder& operator=(const own_folder&) = delete;
    ~own_folder() { drop(); }

    // The descriptor of `folder` (whose last `own` components are the
    // sink's), opened (and created) when not held or no longer at its path.
    // Returns 0 or the errno of open_own_folders().
    int get(const std::string& folder, std::size_t own, unsigned mode, int& out) noexcept {
        out = -1;
        if (fd_ >= 0 && (folder != path_ || !still_there())) drop();
        if (fd_ < 0) {
            int fd = -1;
            if (int err = open_own_folders(folder, own, mode, fd); err != 0) return err;
            struct stat st {};
            if (current_file_ops().fstat(fd, &st) != 0) {
                int err = errno;
                ::close(fd);
                return err;
            }
            INKWELL_TRY { path_ = folder; }
            INKWELL_CATCH_ALL {
                ::close(fd);
                return ENOMEM;
            }
            fd_ = fd;
            dev_ = st.st_dev;
            ino_ = st.st_ino;
        }
        out = fd_;
        return 0;
    }
    // Lets the folder go: the next get() opens it anew (a failed open in it,
    // reopen()).
    void drop() noexcept {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    }

private:
    bool still_there() const noexcept {
        struct stat st {};
        return current_file_ops().lstat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_dev == dev_ &&
               st.st_ino == ino_;
    }

    int fd_ = -1;
    std::string path_;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
};

// The reporter a log_file uses when none was given, so that a sink made
// outside a logger still reports and falls back instead of crashing.
inline error_reporter& orphan_error_reporter() noexcept {
    static error_reporter reporter;
    return reporter;
}

// Lines held back above this are written at once, without waiting for flush().
inline constexpr std::size_t pending_limit = 64 * 1024;
// The same for a sink that writes one file (sink::file, rotating_file,
// session_file): under load the async writer's rounds then reach the kernel
// in writes of 256 KiB, which ext4 takes for a good deal less per byte than
// 64 KiB ones (2,000,000 JSONL records through the async buffer: 3.42 M/s at
// 64 KiB, 3.99 M/s at 256 KiB, medians of 8 alternated runs). A sink with
// many files keeps pending_limit: its memory is per file.
inline constexpr std::size_t single_file_pending_limit = 256 * 1024;

// After a failed write, the next attempts wait: 100 ms, doubling up to 5 s.
inline constexpr std::chrono::milliseconds first_write_retry{100};
inline constexpr std::chrono::milliseconds longest_write_retry{5000};

// How often flush() checks that the path still names the open file.
inline constexpr std::chrono::seconds link_check_interval{1};

// strerror_r comes in two flavours; this picks whichever the libc gives.
inline const char* pick_error_text(int, const char* buffer) noexcept { return buffer; }
inline const char* pick_error_text(const char* message, const char*) noexcept { return message; }
inline std::string_view system_error_text(int err, char* buffer, std::size_t size) noexcept {
    buffer[0] = '\0';
    return pick_error_text(::strerror_r(err, buffer, size), buffer);
}

// One log file as a sink sees it. Not thread-safe: the owning sink, and the
// logger above it, serialise every call.
//
// The file opens lazily: append() opens it when it is not open (a failure is
// reported there, once per record); flush() writes the pending lines to the
// open file in one write(2) (more only after a partial write), or sends them
// to the stderr fallback when the file could not be opened.
//
// External rotation: at most once a second, flush() compares the open file
// with what its path names (one fstat, one lstat). Path gone or another file
// there (moved or deleted by logrotate): the file is opened anew by name and
// the pending lines go there. File shorter than what we wrote (copytruncate):
// writing carries on at its new end (O_APPEND: no hole of NUL bytes).
// reopen() does the same at once.
//
// Write failures (ENOSPC, EDQUOT, EFBIG, EIO, ...): no line is left torn (a
// short write is completed, else the file is cut back to its last whole
// line); the lines that did not get there are counted as dropped
// (stats().dropped), the failure is reported once per streak, and further
// writes wait 100 ms, doubling to 5 s (lines flushed meanwhile are dropped
// and counted, with no system call). The first write that works again
// starts with one record: "inkwell: N records dropped since <time> (<errno
// text>)". A full disk is not sent to stderr: that would only move the flood.
class log_file {
public:
    log_file() = default;
    log_file(log_file&&) noexcept = default;  // for containers; a moved-from log_file holds nothing
    log_file& operator=(log_file&&) = delete; // would drop the target's pending lines: assign() instead
    ~log_file() { close(); }

    // Names the file: `folder`/`name`; its backups are named
    // `backup_prefix` + tag + `backup_suffix` in the same folder.
    void assign(std::string folder, std::string name, std::string backup_prefix, std::string backup_suffix,
                unsigned file_mode, unsigned directory_mode, error_reporter* errors,
                report_formatter format_report = {}) {
        close();
        folder_ = std::move(folder);
        if (folder_.empty()) folder_.assign(1, '.');
        name_ = std::move(name);
        backup_prefix_ = std::move(backup_prefix);
        backup_suffix_ = std::move(backup_suffix);
        path_.assign(folder_).append("/").append(name_);
        file_mode_ = file_mode;
        directory_mode_ = directory_mode;
        errors_ = errors ? errors : &orphan_error_reporter();
        format_report_ = format_report;
        failure_ = {};
        own_subfolders_ = 0;  // the sink says which folders are its own (set_own_subfolders)
    }

    // How many of the folder's last components the sink makes itself (0 or
    // 1; a date folder): those are opened without following a symbolic link
    // planted there (the open fails with ELOOP, reported, and the lines go to
    // the stderr fallback), and the file opened is checked to be the one in
    // that folder. The configured log folder above them is opened as it is.
    // assign() sets 0; sink::category_files sets 1 for its date folders.
    // `shared`, when given, holds the folder open for every file in it (see
    // own_folder); it must outlive this log_file's opens.
    void set_own_subfolders(std::size_t n, own_folder* shared = nullptr) noexcept {
        own_subfolders_ = n;
        shared_folder_ = shared;
    }

    // Opens the file (creating it and its folders) unless it is open; learns
    // the size and age of what it already holds. Reports a failure.
    bool ensure_open() noexcept {
        if (file_.is_open()) return true;
        int err = open_quietly();
        if (err != 0) report_open_failure(err);
        return err == 0;
    }

    // ensure_open() without the report: returns 0 or the errno, so that the
    // caller can act on EMFILE/ENFILE (close another file) and try again.
    int open_quietly() noexcept {
        if (file_.is_open()) return 0;
        if (own_subfolders_ != 0) return open_in_own_folder();
        struct stat st {};
        int err = file_.open_append(path_.c_str(), file_mode_, &st);
        if (err == ENOENT) {
            std::error_code ec;
            if (!create_directories(folder_, directory_mode_, ec)) {
                folder_failed_ = true;
                return ec.value();
            }
            err = file_.open_append(path_.c_str(), file_mode_, &st);
        }
        folder_failed_ = false;
        if (err != 0) return err;
        learn(st);  // from the fstat the open made: no second one
        check_tail(st);
        last_link_check_ = std::chrono::steady_clock::now();
        return 0;
    }

    // Learns the size and age of the file by its path, without opening it
    // (one lstat): what rotation needs to know of a file whose lines are held
    // while it is closed. A missing file counts as empty; so does anything
    // that is not a regular file (opening it will fail and say so).
    void learn_from_path() noexcept {
        struct stat st {};
        if (current_file_ops().lstat(path_.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) st = {};
        learn(st);
    }

    // Reports what open_quietly() returned.
    void report_open_failure(int err) noexcept {
        if (folder_failed_) {
            report(error_kind::create_directory, err, folder_,
                   err == ELOOP || err == ENOTDIR ? "a date folder is a symbolic link or not a folder (refused)"
                                                  : "cannot create the log folder");
            return;
        }
        report(error_kind::open, err, path_,
               err == EINVAL || err == ELOOP ? "not a regular file (symbolic links are refused)"
                                             : "cannot open the log file");
    }

    // Holds one whole line back. Opens the file first when needed.
    void append(std::string_view line, time_point record_time) {
        if (!file_.is_open()) ensure_open();
        if (first_record_ == time_point{}) first_record_ = record_time;
        pending_.append(line.data(), line.size());
        ++pending_lines_;
        if (pending_.size() >= write_threshold_) flush();
    }

    // How many held bytes append() lets wait for flush() (pending_limit
    // unless the sink says otherwise).
    void set_write_threshold(std::size_t bytes) noexcept { write_threshold_ = bytes; }

    // Holds one whole line back without opening the file and without
    // writing at pending_limit: for a sink that decides itself when a closed
    // file's lines go out (sink::category_files). flush() on a file that is
    // not open sends the lines to the fallback, so such a sink opens the file
    // before it flushes.
    void hold(std::string_view line, time_point record_time) {
        if (first_record_ == time_point{}) first_record_ = record_time;
        pending_.append(line.data(), line.size());
        ++pending_lines_;
    }

    // Holds whole lines back, `lines` of them, as hold() holds one: for a
    // sink that hands over lines it kept elsewhere (reserve_pending first).
    void hold_lines(std::string_view whole_lines, std::size_t lines, time_point first_time) {
        if (first_record_ == time_point{}) first_record_ = first_time;
        pending_.append(whole_lines.data(), whole_lines.size());
        pending_lines_ += lines;
    }

    // Hands `lines` whole lines kept elsewhere (a closed category file's
    // held lines, in pieces) to the kernel in one writev, without copying
    // them into the pending buffer. Only while the file is open, writing,
    // and holds no lines of its own: otherwise false, with nothing done, and
    // the caller hands them over the usual way (hold_lines(), then flush()).
    bool flush_with(std::span<const std::string_view> pieces, std::size_t lines, time_point first_time) noexcept {
        if (!pending_.empty()) return false;  // its own lines go first: the caller copies after them
        if (file_.is_open()) check_link();   // as flush() does: a file deleted or moved away is opened anew
        if (!file_.is_open() || failure_.error != 0 || torn_) return false;
        if (first_record_ == time_point{}) first_record_ = first_time;
        std::size_t lines_out = 0;
        const int err = write_whole_lines(pieces, lines, lines_out);
        if (lines_out != 0) errors_->count_written(lines_out);
        if (err != 0) note_write_failure(err, lines - lines_out);
        return true;
    }

    // Gives the memory of the pending buffer back once it is empty: a sink
    // with many files keeps no idle buffer per closed file.
    void release_memory() noexcept {
        if (pending_.empty()) std::string{}.swap(pending_);
    }

    // Room for `more` bytes of lines in one allocation.
    void reserve_pending(std::size_t more) { pending_.reserve(pending_.size() + more); }

    // Hands every pending line to the kernel: whole lines only.
    void flush() noexcept {
        if (pending_.empty() && failure_.error == 0) return;
        if (file_.is_open()) check_link();
        if (!file_.is_open()) {  // the open failed and was reported
            fall_back(0);
            return;
        }
        if (failure_.error != 0) {
            // Waiting after a failure: no system call, the lines are counted.
            if (std::chrono::steady_clock::now() < failure_.retry_at) {
                drop_pending();
                return;
            }
            if (!write_drop_report()) {
                drop_pending();
                return;
            }
        }
        if (pending_.empty()) return;
        std::size_t lines_out = 0;
        int err = write_whole_lines(pending_.data(), pending_.size(), pending_lines_, lines_out);
        if (lines_out != 0) errors_->count_written(lines_out);
        if (err == 0) {
            clear_pending();
            return;
        }
        note_write_failure(err, pending_lines_ - lines_out);
        clear_pending();
    }

    // Flushes and closes; the next append() opens the file again.
    void close() noexcept {
        flush();
        if (file_.is_open()) {
            left_whole_ = !torn_;  // what check_tail() can trust at the next open
            left_size_ = size_on_disk_;
        }
        if (int err = file_.close(); err != 0) report(error_kind::close, err, path_, "cannot close the log file");
    }

    // Closes the file and opens it again by name (after logrotate moved or
    // deleted it); the pending lines go to the file opened now. A file never
    // opened stays so until its first line.
    void reopen() noexcept {
        const bool was_open = file_.is_open();
        forget_file();
        if (was_open || !pending_.empty()) ensure_open();
        flush();
    }

    // The file was renamed away by rotation: start a new, empty one.
    void start_new_file() noexcept {
        close();
        size_on_disk_ = 0;
        first_record_ = time_point{};
        torn_ = false;
        ensure_open();
    }

    // What the rotation policy looks at.
    rotate::file_state state() const noexcept {
        return {folder_, name_, backup_prefix_, backup_suffix_, size(), first_record_};
    }

    // After a failed rotation, automatic attempts wait: a retry on every
    // record would flood the error handler (rotate_now() still tries at once).
    bool rotation_deferred() const noexcept {
        return rotation_retry_ != std::chrono::steady_clock::time_point{} &&
               std::chrono::steady_clock::now() < rotation_retry_;
    }
    void defer_rotation(std::chrono::steady_clock::duration wait) noexcept {
        rotation_retry_ = std::chrono::steady_clock::now() + wait;
    }
    void clear_rotation_deferral() noexcept { rotation_retry_ = {}; }

    void report(error_kind kind, int system_error, std::string_view path, std::string_view detail) noexcept {
        errors_->report({kind, system_error, path, detail});
    }

    // Bytes in the file, counting the lines not yet flushed.
    std::uint64_t size() const noexcept { return size_on_disk_ + pending_.size(); }
    time_point first_record_time() const noexcept { return first_record_; }
    bool is_open() const noexcept { return file_.is_open(); }
    bool has_pending() const noexcept { return !pending_.empty(); }
    // Bytes held back, not yet handed to the kernel.
    std::size_t pending_bytes() const noexcept { return pending_.size(); }
    // Writing failed and has not worked since: the errno, else 0.
    int write_failure() const noexcept { return failure_.error; }
    const std::string& path() const noexcept { return path_; }
    const std::string& folder() const noexcept { return folder_; }
    const std::string& name() const noexcept { return name_; }

private:
    using steady = std::chrono::steady_clock;

    // open_quietly() below a folder of the sink's own (a date folder): the
    // folder is opened without following links (open_own_folders), the file
    // by its path as usual (O_NOFOLLOW; through current_file_ops()), and then
    // the file opened must be the one the checked folder holds under its
    // name, else the open counts as refused (ELOOP): a folder swapped for a
    // link between the two is never written through.
    int open_in_own_folder() noexcept {
        if (shared_folder_) {
            int err = open_in_shared_folder();
            if (err != ENOENT && err != ENOTDIR && err != ESTALE) return err;
            // The folder held is gone (or was never there): open it anew, once.
            shared_folder_->drop();
            err = open_in_shared_folder();
            if (err != 0) shared_folder_->drop();  // not kept in a broken state: the next open tries again
            return err;
        }
        int dir = -1;
        if (int err = open_own_folders(folder_, own_subfolders_, directory_mode_, dir); err != 0) {
            folder_failed_ = err != EMFILE && err != ENFILE;  // out of descriptors: the file's open failed
            return err;
        }
        folder_failed_ = false;
        struct stat st {};
        int err = file_.open_append(path_.c_str(), file_mode_, &st);
        if (err == 0) {
            struct stat in_folder {};
            if (::fstatat(dir, name_.c_str(), &in_folder, AT_SYMLINK_NOFOLLOW) != 0 ||
                in_folder.st_dev != st.st_dev || in_folder.st_ino != st.st_ino) {
                (void)file_.close();
                err = ELOOP;
            }
        }
        ::close(dir);
        if (err != 0) return err;
        learn(st);
        check_tail(st);
        last_link_check_ = std::chrono::steady_clock::now();
        return 0;
    }

    // The file by its bare name in the folder held (which was opened without
    // following a link, and names a single component: nothing to check after).
    int open_in_shared_folder() noexcept {
        int dir = -1;
        if (int err = shared_folder_->get(folder_, own_subfolders_, directory_mode_, dir); err != 0) {
            folder_failed_ = err != EMFILE && err != ENFILE;
            return err;
        }
        folder_failed_ = false;
        struct stat st {};
        if (int err = file_.open_append_at(dir, name_.c_str(), file_mode_, &st); err != 0) return err;
        learn(st);
        check_tail(st);
        last_link_check_ = std::chrono::steady_clock::now();
        return 0;
    }

    struct failure_state {
        int error = 0;                // errno of the streak; 0: writing works
        std::uint64_t dropped = 0;    // records lost in this streak
        time_point since{};           // when the first of them was lost
        steady::time_point retry_at{};
        steady::duration wait{};
    };

    // What a file found on disk tells: its size and, when it holds
    // something, its date. A file found non-empty is dated by its last
    // change: the best guess, without reading it, of the day its records
    // belong to. An empty one keeps the time of the lines held for it.
    void learn(const struct stat& st) noexcept {
        size_on_disk_ = static_cast<std::uint64_t>(st.st_size);
        if (size_on_disk_ != 0)
            first_record_ = modification_time(st);
        else if (pending_.empty())
            first_record_ = time_point{};
    }

    static time_point modification_time(const struct stat& st) noexcept {
        auto since_epoch = std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
        return time_point(std::chrono::duration_cast<time_point::duration>(since_epoch));
    }

    // Writes [data, data + size) (whole lines). On failure, the bytes past
    // the last whole line that got out are cut off the file again, so that
    // no torn line stays. `lines_out` counts the lines that are in the file.
    // `lines` is how many lines `data` holds (the caller counted them as they
    // came: scanning every byte again here cost more than formatting them).
    int write_whole_lines(const char* data, std::size_t size, std::size_t lines, std::size_t& lines_out) noexcept {
        const std::string_view all{data, size};
        return write_whole_lines(std::span<const std::string_view>(&all, 1), lines, lines_out);
    }
    // The same for lines in pieces (one piece: write(2); more: writev(2)).
    int write_whole_lines(std::span<const std::string_view> pieces, std::size_t lines,
                          std::size_t& lines_out) noexcept {
        lines_out = 0;
        if (torn_ && !cut_torn_tail()) {
            // Still torn: end that line first, so the next record starts its own.
            std::size_t newline_out = 0;
            if (int err = file_.write_all("\n", 1, newline_out); err != 0) return err;
            size_on_disk_ += 1;
            torn_ = false;
        }
        std::size_t written = 0;
        int err = pieces.size() == 1 ? file_.write_all(pieces[0].data(), pieces[0].size(), written)
                                     : file_.write_all(pieces, written);
        size_on_disk_ += written;
        if (err == 0) {
            lines_out = lines;
            return 0;
        }
        // The whole lines among the bytes that got out; what follows the last is torn.
        std::size_t whole = 0, seen = 0;
        for (std::string_view piece : pieces) {
            if (seen == written) break;
            const std::string_view done = piece.substr(0, written - seen);
            lines_out += count_lines(done);
            if (const auto last_newline = done.rfind('\n'); last_newline != std::string_view::npos)
                whole = seen + last_newline + 1;
            seen += done.size();
        }
        torn_bytes_ = written - whole;
        torn_ = torn_bytes_ != 0;
        if (torn_) (void)cut_torn_tail();
        return err;
    }

    // Cuts the part of a line a failed write left at the end of the file.
    // With O_APPEND the file ends with our bytes, unless someone else wrote
    // after them: then the file is left alone and the line ended instead.
    bool cut_torn_tail() noexcept {
        if (torn_bytes_ == 0) return false;  // a torn line found at open (check_tail): end it instead
        struct stat st {};
        if (file_.status(st) != 0) return false;
        const auto on_disk = static_cast<std::uint64_t>(st.st_size);
        if (on_disk < torn_bytes_ || on_disk != size_on_disk_) return false;
        if (file_.truncate(on_disk - torn_bytes_) != 0) return false;
        size_on_disk_ = on_disk - torn_bytes_;
        torn_ = false;
        torn_bytes_ = 0;
        return true;
    }

    // A file whose last line is incomplete (a write cut by kill -9 or a crash,
    // of this process or another): the next write ends that line first, so
    // the next record starts a line of its own (write_whole_lines). Not
    // looked at when the file is as this log_file left it at its last close
    // (whole lines, the same size): a category file reopened many times
    // costs no extra read.
    // Another process's write in progress looks torn for a moment too (the
    // kernel grows the file page by page). So a tail that is not a line end
    // is looked at again after a write of zero bytes, which waits for any
    // write in progress on the file (it takes the inode's lock, as every
    // write does on Linux): a file that grew meanwhile had a live writer,
    // whose line ends by itself; only a tail that stayed is a dead writer's.
    void check_tail(const struct stat& st) noexcept {
        const auto size = static_cast<std::uint64_t>(st.st_size);
        if (size == 0 || (left_whole_ && size == left_size_)) return;
        if (ends_with_newline(size)) return;
        ssize_t barrier;
        do {
            barrier = ::write(file_.fd(), "", 0);
        } while (barrier < 0 && errno == EINTR);
        struct stat again {};
        if (file_.status(again) != 0 || static_cast<std::uint64_t>(again.st_size) != size) return;
        if (!ends_with_newline(size)) {
            torn_ = true;
            torn_bytes_ = 0;  // not ours to cut: completed with '\n'
        }
    }

    // Whether the file at path_ ends with '\n' at byte `size` - 1 (a read of
    // its own: the log descriptor is write-only). Unknown counts as yes.
    bool ends_with_newline(std::uint64_t size) const noexcept {
        const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) return true;
        char last = '\n';
        ssize_t n;
        do {
            n = ::pread(fd, &last, 1, static_cast<off_t>(size - 1));
        } while (n < 0 && errno == EINTR);
        ::close(fd);
        return n != 1 || last == '\n';
    }

    static std::size_t count_lines(std::string_view text) noexcept {
        std::size_t n = 0;
        for (char c : text) n += c == '\n';
        return n;
    }

    // `lost` records did not reach the file because of `err`.
    void note_write_failure(int err, std::uint64_t lost) noexcept {
        const auto now = steady::now();
        if (failure_.error == 0) {
            failure_.since = std::chrono::time_point_cast<time_point::duration>(std::chrono::system_clock::now());
            failure_.wait = first_write_retry;
            failure_.error = err;
            report(error_kind::write, err, path_, "cannot write to the log file; records are dropped and counted");
        } else {
            failure_.error = err;
            failure_.wait = failure_.wait * 2 < longest_write_retry ? failure_.wait * 2
                                                                   : steady::duration(longest_write_retry);
        }
        failure_.retry_at = now + failure_.wait;
        count_dropped(lost);
    }

    void count_dropped(std::uint64_t lost) noexcept {
        if (lost == 0) return;
        failure_.dropped += lost;
        errors_->count_dropped(lost);
    }

    void drop_pending() noexcept {
        count_dropped(pending_lines_);
        clear_pending();
    }

    // Writing may work again: say first how many records were lost. True
    // when the report line is in the file and the streak is over.
    bool write_drop_report() noexcept {
        std::string line;
        INKWELL_TRY { make_drop_report(line); }
        INKWELL_CATCH_ALL { line.clear(); }
        std::size_t lines_out = 0;
        int err = line.empty() ? ENOMEM : write_whole_lines(line.data(), line.size(), 1, lines_out);
        if (err != 0) {
            note_write_failure(err, 0);
            return false;
        }
        errors_->count_written(lines_out);
        failure_ = {};
        return true;
    }

    // "inkwell: N records dropped since <ISO time> (<errno text>)".
    void make_drop_report(std::string& out) const {
        line_buffer message;
        detail::append(message, "inkwell: ");
        char digits[24];
        std::size_t used = sizeof digits;
        std::uint64_t n = failure_.dropped;
        do {
            digits[--used] = static_cast<char>('0' + n % 10);
            n /= 10;
        } while (n != 0);
        detail::append(message, std::string_view{digits + used, sizeof digits - used});
        detail::append(message, " records dropped since ");
        append_iso8601_utc_ms(message, failure_.since);
        detail::append(message, " (");
        char text[128];
        detail::append(message, system_error_text(failure_.error, text, sizeof text));
        detail::append(message, ")");
        const std::string_view said{message.data(), message.size()};
        if (format_report_) {
            format_report_(said, out);
            return;
        }
        // A sink without a logger: a line of its own, JSON for a .jsonl file.
        line_buffer now;
        append_iso8601_utc_ms(now, std::chrono::time_point_cast<time_point::duration>(std::chrono::system_clock::now()));
        const std::string_view when{now.data(), now.size()};
        if (name_.ends_with(".jsonl")) {
            // The fields of format::jsonl.
            out.append("{\"level\":\"warn\",\"message\":\"");
            for (char c : said) {
                if (c == '"' || c == '\\') out.push_back('\\');
                out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
            }
            out.append("\",\"category\":\"inkwell\",\"timestamp\":\"").append(when).append("\"}\n");
        } else {
            out.append(when).append(" [WARNING] ").append(said).append("\n");
        }
    }

    // Path gone or naming another file: open the path anew. File shorter
    // than what we wrote: carry on at its end. At most once a second.
    void check_link() noexcept {
        const auto now = steady::now();
        if (now - last_link_check_ < link_check_interval) return;
        last_link_check_ = now;
        struct stat open_st {};
        if (file_.status(open_st) != 0) return;
        struct stat path_st {};
        bool replaced = false;
        if (current_file_ops().lstat(path_.c_str(), &path_st) != 0)
            replaced = errno == ENOENT || errno == ENOTDIR;
        else
            replaced = path_st.st_dev != open_st.st_dev || path_st.st_ino != open_st.st_ino;
        if (replaced || open_st.st_nlink == 0) {
            forget_file();
            ensure_open();
            return;
        }
        const auto on_disk = static_cast<std::uint64_t>(open_st.st_size);
        if (on_disk < size_on_disk_) {  // truncated under us: the next append lands at the new end
            torn_ = false;
            torn_bytes_ = 0;
        }
        size_on_disk_ = on_disk;
    }

    // Lets go of the descriptor, keeping the pending lines for the next file.
    void forget_file() noexcept {
        (void)file_.close();
        size_on_disk_ = 0;
        first_record_ = time_point{};
        torn_ = false;
        torn_bytes_ = 0;
    }

    // Sends the pending lines from byte `from` on to the fallback.
    void fall_back(std::size_t from) noexcept {
        std::string_view rest{pending_.data() + from, pending_.size() - from};
        while (!rest.empty()) {
            auto end = rest.find('\n');
            std::size_t len = end == std::string_view::npos ? rest.size() : end + 1;
            errors_->fallback(rest.substr(0, len));
            rest.remove_prefix(len);
        }
        clear_pending();
    }

    void clear_pending() noexcept {
        pending_.clear();
        pending_lines_ = 0;
    }

    std::string folder_, name_, backup_prefix_, backup_suffix_, path_;
    posix_file file_;
    std::string pending_;
    std::uint64_t pending_lines_ = 0;
    std::size_t write_threshold_ = pending_limit;
    std::uint64_t size_on_disk_ = 0;
    std::uint64_t torn_bytes_ = 0;
    time_point first_record_{};
    unsigned file_mode_ = 0644;
    unsigned directory_mode_ = 0755;
    error_reporter* errors_ = &orphan_error_reporter();
    report_formatter format_report_{};
    failure_state failure_{};
    bool torn_ = false;
    bool left_whole_ = false;       // the last close() left whole lines ...
    std::uint64_t left_size_ = 0;   // ... and this many bytes
    bool folder_failed_ = false;
    std::size_t own_subfolders_ = 0;  // trailing folder components never followed as links
    own_folder* shared_folder_ = nullptr;  // the sink's, held open for the files in it
    steady::time_point last_link_check_{};
    steady::time_point rotation_retry_{};
};

}  // namespace detail
INKWELL_END_NAMESPACE
