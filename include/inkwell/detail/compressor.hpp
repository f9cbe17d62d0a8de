#pragma once
// The thread that compresses finished log files, shared by every sink of the
// process that has a compression policy; it exists while one of them does.
// A sink hands over a file it will not write again; the compressor writes
// `<file><ext>.part`, makes it durable (fsync), renames it to `<file><ext>`
// and removes `<file>`. A file that grew while it was read (a late record
// reopened it) is left as it is and the partial copy removed: nothing a
// writer added is ever lost to compression. Failures are collected per sink
// and reported by the sink on its own thread (compression_handle below).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "../errors.hpp"
#include "../policy/compression.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

template <class = void>
class basic_compressor {
public:
    using compress_fn = compress::result (*)(int from_fd, int to_fd) noexcept;

    struct failure {
        std::string path;
        int error;
        const char* what;
    };

    static basic_compressor* acquire() {
        std::lock_guard lock(instance_mutex());
        basic_compressor*& c = instance();
        if (!c) c = new basic_compressor();
        ++c->users_;
        return c;
    }
    static void release(basic_compressor* c) {
        std::lock_guard lock(instance_mutex());
        if (--c->users_ != 0) return;
        instance() = nullptr;
        delete c;  // finishes the queued jobs, then joins
    }

    void submit(const void* owner, std::string path, std::string_view extension, compress_fn fn) {
        {
            std::lock_guard lock(mutex_);
            jobs_.push_back(job{owner, std::move(path), std::string(extension), fn});
        }
        wake_.notify_all();
    }

    // Returns once no job of `owner` is queued or running.
    void drain(const void* owner) {
        std::unique_lock lock(mutex_);
        done_.wait(lock, [&] { return running_owner_ != owner && !queued_for(owner); });
    }

    std::vector<failure> take_failures(const void* owner) {
        std::lock_guard lock(mutex_);
        std::vector<failure> mine;
        for (auto it = failures_.begin(); it != failures_.end();) {
            if (it->first == owner) {
                mine.push_back(std::move(it->second));
                it = failures_.erase(it);
            } else {
                ++it;
            }
        }
        return mine;
    }

    ~basic_compressor() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
    }
    basic_compressor(const basic_compressor&) = delete;
    basic_compressor& operator=(const basic_compressor&) = delete;

    // Compresses one file now, on the calling thread: what the worker does per job.
    static compress::result compress_now(const std::string& path, std::string_view extension, compress_fn fn) noexcept {
        const int from = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (from < 0) return errno == ENOENT ? compress::result{} : compress::result{errno, "cannot open the file to compress"};
        struct stat before {};
        if (::fstat(from, &before) != 0 || !S_ISREG(before.st_mode)) {
            ::close(from);
            return {EINVAL, "not a regular file"};
        }
        std::string finished = path;
        finished.append(extension);
        const std::string part = finished + ".part";
        const int to = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                              static_cast<mode_t>(before.st_mode & 07777));
        if (to < 0) {
            const int err = errno;
            ::close(from);
            return {err, "cannot create the compressed file"};
        }
        (void)::fchmod(to, before.st_mode & 07777);  // the umask must not loosen or tighten the log's mode
        compress::result r = fn(from, to);
        // The copy keeps the original's modification time: retention ages a
        // backup by it, and compressing must not make an old file look new.
        const timespec times[2] = {before.st_atim, before.st_mtim};
        if (r.error == 0) (void)::futimens(to, times);
        if (r.error == 0 && ::fsync(to) != 0) r = {errno, "cannot sync the compressed file"};
        struct stat after {};
        const bool grew = ::fstat(from, &after) == 0 && after.st_size != before.st_size;
        if (::close(to) != 0 && r.error == 0) r = {errno, "cannot close the compressed file"};
        ::close(from);
        if (r.error == 0 && grew) r = {EAGAIN, "the file grew while it was compressed; it was left as it is"};
        if (r.error == 0 && ::rename(part.c_str(), finished.c_str()) != 0) r = {errno, "cannot rename the compressed file"};
        if (r.error != 0) {
            ::unlink(part.c_str());
            return r;
        }
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) return {errno, "cannot remove the file after compressing it"};
        return {};
    }

private:
    struct job {
        const void* owner;
        std::string path;
        std::string extension;
        compress_fn fn;
    };

    basic_compressor() { thread_ = std::thread([this] { run(); }); }

    static std::mutex& instance_mutex() noexcept {
        static std::mutex m;
        return m;
    }
    static basic_compressor*& instance() noexcept {
        static basic_compressor* c = nullptr;
        return c;
    }

    bool queued_for(const void* owner) const noexcept {
        for (const auto& j : jobs_)
            if (j.owner == owner) return true;
        return false;
    }

    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and every job is done
            job j = std::move(jobs_.front());
            jobs_.erase(jobs_.begin());
            running_owner_ = j.owner;
            lock.unlock();
            const compress::result r = compress_now(j.path, j.extension, j.fn);
            lock.lock();
            running_owner_ = nullptr;
            if (r.error != 0) failures_.emplace_back(j.owner, failure{std::move(j.path), r.error, r.what});
            done_.notify_all();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::vector<job> jobs_;  // a handful at a time: files finish seldom
    std::vector<std::pair<const void*, failure>> failures_;
    const void* running_owner_ = nullptr;
    bool stopping_ = false;
    int users_ = 0;  // under instance_mutex()
    std::thread thread_;
};
using compressor = basic_compressor<>;

// What a file sink keeps: with compress::none, nothing at all (no thread);
// otherwise a share of the compressor. Failures surface through the sink's
// error reporter when the sink calls report_failures() (at its flush).
template <class Compression>
class compression_handle {
public:
    static constexpr bool enabled = policy::compresses<Compression>;

    compression_handle() {
        if constexpr (enabled) compressor_ = compressor::acquire();
    }
    ~compression_handle() {
        if constexpr (enabled) {
            compressor_->drain(this);
            compressor::release(compressor_);
        }
    }
    compression_handle(const compression_handle&) = delete;
    compression_handle& operator=(const compression_handle&) = delete;

    // Hands over a file nobody writes any more.
    void submit(std::string path) {
        if constexpr (enabled) compressor_->submit(this, std::move(path), Compression::extension, &Compression::compress_file);
        else (void)path;
    }
    void report_failures(error_reporter& errors) {
        if constexpr (enabled) {
            for (auto& f : compressor_->take_failures(this))
                errors.report({error_kind::compress, f.error, f.path, f.what});
        } else {
            (void)errors;
        }
    }
    // Waits for the files handed over so far (tests, shutdown).
    void wait() {
        if constexpr (enabled) compressor_->drain(this);
    }

private:
    compressor* compressor_ = nullptr;
};

}  // namespace detail
INKWELL_END_NAMESPACE
