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
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "../errors.hpp"
#include "../policy/rotation.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// An owned file descriptor, opened only for appending.
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
    // the errno of the failure.
    int open_append(const char* path, unsigned mode) noexcept {
        close();
        constexpr int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
        const auto wanted = static_cast<mode_t>(mode & 07777);
        bool created = false;
        int fd = open_retrying(path, flags, 0);
        if (fd < 0 && errno == ENOENT) {
            // O_EXCL tells us whether we made the file, and so whether its mode is ours to fix.
            fd = open_retrying(path, flags | O_CREAT | O_EXCL, wanted);
            if (fd >= 0)
                created = true;
            else if (errno == EEXIST)
                fd = open_retrying(path, flags, 0);  // another writer created it first
        }
        if (fd < 0) return errno;
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            int err = errno;
            ::close(fd);
            return err;
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            return EINVAL;
        }
        if (created && (st.st_mode & 07777) != wanted) (void)::fchmod(fd, wanted);
        fd_ = fd;
        return 0;
    }

    // Writes all of [data, data + size): retries EINTR and continues after a
    // partial write. Returns 0 or the errno; `written` says how many bytes
    // reached the file either way.
    int write_all(const char* data, std::size_t size, std::size_t& written) noexcept {
        written = 0;
        if (fd_ < 0) return EBADF;
        while (written < size) {
            auto n = ::write(fd_, data + written, size - written);
            if (n < 0) {
                if (errno == EINTR) continue;
                return errno;
            }
            if (n == 0) return EIO;  // a regular file never accepts nothing; do not spin
            written += static_cast<std::size_t>(n);
        }
        return 0;
    }

    // fstat of the open file. Returns 0 or the errno.
    int status(struct stat& st) const noexcept {
        if (fd_ < 0) return EBADF;
        return ::fstat(fd_, &st) == 0 ? 0 : errno;
    }

    // The file's size in bytes. Returns 0 or the errno.
    int size(std::uint64_t& out) const noexcept {
        struct stat st {};
        int err = status(st);
        if (err == 0) out = static_cast<std::uint64_t>(st.st_size);
        return err;
    }

    // Closes the descriptor (a no-op when none is open). Returns 0 or the errno.
    int close() noexcept {
        if (fd_ < 0) return 0;
        int fd = std::exchange(fd_, -1);
        // Linux frees the descriptor even when close fails, so never retry it.
        return ::close(fd) == 0 ? 0 : errno;
    }

    bool is_open() const noexcept { return fd_ >= 0; }
    int fd() const noexcept { return fd_; }

private:
    static int open_retrying(const char* path, int flags, mode_t mode) noexcept {
        int fd;
        do {
            fd = ::open(path, flags, mode);
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

// The reporter a log_file uses when none was given, so that a sink made
// outside a logger still reports and falls back instead of crashing.
inline error_reporter& orphan_error_reporter() noexcept {
    static error_reporter reporter;
    return reporter;
}

// Lines held back above this are written at once, without waiting for flush().
inline constexpr std::size_t pending_limit = 64 * 1024;

// One log file as a sink sees it. Not thread-safe: the owning sink, and the
// logger above it, serialise every call.
//
// The file opens lazily: append() opens it when it is not open (a failure is
// reported there, once per record); flush() writes the pending lines to the
// open file in one write(2) (more only after a partial write), or sends them
// to the fallback when the file could not be opened.
class log_file {
public:
    log_file() = default;
    log_file(log_file&&) noexcept = default;  // for containers; a moved-from log_file holds nothing
    log_file& operator=(log_file&&) = delete; // would drop the target's pending lines: assign() instead
    ~log_file() { close(); }

    // Names the file: `folder`/`name`; its backups are named
    // `backup_prefix` + tag + `backup_suffix` in the same folder.
    void assign(std::string folder, std::string name, std::string backup_prefix, std::string backup_suffix,
                unsigned file_mode, unsigned directory_mode, error_reporter* errors) {
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
    }

    // Opens the file (creating it and its folders) unless it is open; learns
    // the size and age of what it already holds. Reports a failure.
    bool ensure_open() noexcept {
        if (file_.is_open()) return true;
        int err = file_.open_append(path_.c_str(), file_mode_);
        if (err == ENOENT) {
            std::error_code ec;
            if (!create_directories(folder_, directory_mode_, ec)) {
                report(error_kind::create_directory, ec.value(), folder_, "cannot create the log folder");
                return false;
            }
            err = file_.open_append(path_.c_str(), file_mode_);
        }
        if (err != 0) {
            report(error_kind::open, err, path_,
                   err == EINVAL || err == ELOOP ? "not a regular file (symbolic links are refused)"
                                                 : "cannot open the log file");
            return false;
        }
        struct stat st {};
        if (file_.status(st) == 0) {
            size_on_disk_ = static_cast<std::uint64_t>(st.st_size);
            // A file found non-empty is dated by its last change: the best
            // guess, without reading it, of the day its records belong to.
            first_record_ = size_on_disk_ == 0 ? time_point{} : modification_time(st);
        }
        last_link_check_ = std::chrono::steady_clock::now();
        return true;
    }

    // Holds one whole line back. Opens the file first when needed.
    void append(std::string_view line, time_point record_time) {
        if (!file_.is_open()) ensure_open();
        if (first_record_ == time_point{}) first_record_ = record_time;
        pending_.append(line.data(), line.size());
        ++pending_lines_;
        if (pending_.size() >= pending_limit) flush();
    }

    // Hands every pending line to the kernel: whole lines only. Lines that do
    // not get there go to the fallback, one by one.
    void flush() noexcept {
        if (pending_.empty()) return;
        if (file_.is_open()) recreate_if_deleted();
        if (!file_.is_open()) {  // the open failed and was reported in append()
            fall_back(0);
            return;
        }
        if (torn_) {
            // An earlier failed write left part of a line behind: end it, so
            // that the next record starts a line of its own.
            pending_.insert(pending_.begin(), '\n');
            torn_ = false;
        }
        std::size_t written = 0;
        int err = file_.write_all(pending_.data(), pending_.size(), written);
        size_on_disk_ += written;
        if (err == 0) {
            errors_->count_written(pending_lines_);
            clear_pending();
            return;
        }
        report(error_kind::write, err, path_, "cannot write to the log file");
        std::string_view done{pending_.data(), written};
        auto last_newline = done.rfind('\n');
        std::size_t whole = last_newline == std::string_view::npos ? 0 : last_newline + 1;
        torn_ = whole != written;
        std::uint64_t whole_lines = 0;
        for (std::size_t i = 0; i < whole; ++i) whole_lines += pending_[i] == '\n';
        if (whole_lines != 0) errors_->count_written(whole_lines);
        fall_back(whole);
    }

    // Flushes and closes; the next append() opens the file again.
    void close() noexcept {
        flush();
        if (int err = file_.close(); err != 0) report(error_kind::close, err, path_, "cannot close the log file");
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
    const std::string& path() const noexcept { return path_; }
    const std::string& folder() const noexcept { return folder_; }
    const std::string& name() const noexcept { return name_; }

private:
    static time_point modification_time(const struct stat& st) noexcept {
        auto since_epoch = std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec);
        return time_point(std::chrono::duration_cast<time_point::duration>(since_epoch));
    }

    // A log file deleted while open swallows every line unseen: once a
    // second, check that it still has a name, and make it anew if not.
    void recreate_if_deleted() noexcept {
        auto now = std::chrono::steady_clock::now();
        if (now - last_link_check_ < std::chrono::seconds(1)) return;
        last_link_check_ = now;
        struct stat st {};
        if (file_.status(st) != 0 || st.st_nlink != 0) return;
        (void)file_.close();
        size_on_disk_ = 0;
        first_record_ = time_point{};
        torn_ = false;
        ensure_open();
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
    std::uint64_t size_on_disk_ = 0;
    time_point first_record_{};
    unsigned file_mode_ = 0644;
    unsigned directory_mode_ = 0755;
    error_reporter* errors_ = &orphan_error_reporter();
    bool torn_ = false;
    std::chrono::steady_clock::time_point last_link_check_{};
    std::chrono::steady_clock::time_point rotation_retry_{};
};

}  // namespace detail
INKWELL_END_NAMESPACE
