#pragma once
// Finding and reading the files of an inkwell log folder.
//
//   find_log_files(dir)   every file below dir that may hold records:
//                         YYYY-MM-DD/<cat>[+N].jsonl[.gz|.zst], session_*.jsonl,
//                         app.log, app.log.N[.gz|.zst], app_errors.log, ... (any
//                         regular file up to two folders deep; its content decides)
//   open_bytes(file)      a byte stream: plain read(2), zlib or zstd
//   block_reader          big blocks of whole lines from a byte stream

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#ifdef INKWELL_CLI_WITH_ZLIB
#include <zlib.h>
#endif
#ifdef INKWELL_CLI_WITH_ZSTD
#include <zstd.h>
#endif

namespace inkwell_cli {

namespace fs = std::filesystem;

enum class compression : unsigned char { none, gzip, zstd };

struct log_file {
    std::string path;      // as opened
    std::string relative;  // to the log folder, for messages
    std::uint64_t bytes = 0;
    compression packed = compression::none;
    std::optional<std::int64_t> day;  // days since 1970-01-01 when a YYYY-MM-DD folder holds it
    std::uint64_t device = 0, inode = 0;
    // Order among the files of one log: a backup's number says its age
    // (app.log.3 before app.log.1 before app.log; engine+2.jsonl before
    // engine+1.jsonl before engine.jsonl; engine+20241220.jsonl by date).
    std::int64_t generation = 0;
};

// The generation of a file from its name (see log_file::generation).
inline std::int64_t generation_of(std::string_view name) {
    for (std::string_view z : {std::string_view{".gz"}, std::string_view{".zst"}})
        if (name.size() > z.size() && name.substr(name.size() - z.size()) == z) name.remove_suffix(z.size());
    std::string_view digits;
    const std::size_t dot = name.rfind('.');
    if (dot != std::string_view::npos && dot + 1 < name.size() &&
        name.find_first_not_of("0123456789", dot + 1) == std::string_view::npos) {
        digits = name.substr(dot + 1);  // app.log.3
    } else if (const std::size_t plus = name.rfind('+'); plus != std::string_view::npos) {
        const std::size_t end = name.find('.', plus);
        digits = name.substr(plus + 1, end == std::string_view::npos ? std::string_view::npos : end - plus - 1);
        if (digits.find_first_not_of("0123456789") != std::string_view::npos) digits = {};
    }
    if (digits.empty() || digits.size() > 9) return 0;
    const std::int64_t n = std::stoll(std::string(digits));
    return digits.size() == 8 && n > 19000000 ? n - 1000000000 : -n;  // a date tag: older dates first
}

// app_errors.log (and its backups) hold copies of app.log's errors: when
// app.log is in the same folder, they are left out so no record shows twice.
inline void drop_error_copies(std::vector<log_file>& files);

inline bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

inline bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "2024-12-20" -> days, else nothing.
inline std::optional<std::int64_t> day_of_folder(std::string_view name) {
    if (name.size() != 10 || name[4] != '-' || name[7] != '-') return std::nullopt;
    if (!all_digits(name.substr(0, 4)) || !all_digits(name.substr(5, 2)) || !all_digits(name.substr(8, 2)))
        return std::nullopt;
    const int y = std::stoi(std::string(name.substr(0, 4)));
    const unsigned m = static_cast<unsigned>(std::stoi(std::string(name.substr(5, 2))));
    const unsigned d = static_cast<unsigned>(std::stoi(std::string(name.substr(8, 2))));
    if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
    return days_from_civil(y, m, d);
}

inline compression compression_of(std::string_view name) {
    if (ends_with(name, ".gz")) return compression::gzip;
    if (ends_with(name, ".zst")) return compression::zstd;
    return compression::none;
}

// Names that are never logs: partial copies being compressed, lock files, hidden files.
inline bool skipped_name(std::string_view name) {
    return name.empty() || name[0] == '.' || ends_with(name, ".part") || ends_with(name, ".tmp") ||
           ends_with(name, ".lock");
}

// Every candidate file below `dir` (two levels: the folder and its date folders),
// sorted by relative path. `dir` may also be a single file.
inline std::vector<log_file> find_log_files(const fs::path& dir, std::error_code& ec) {
    std::vector<log_file> out;
    auto add = [&](const fs::path& p, std::optional<std::int64_t> day) {
        struct stat st {};
        if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
        log_file f;
        f.path = p.string();
        std::error_code rel_ec;
        f.relative = fs::is_directory(dir, rel_ec) ? fs::relative(p, dir, rel_ec).string() : p.filename().string();
        if (f.relative.empty()) f.relative = f.path;
        f.bytes = static_cast<std::uint64_t>(st.st_size);
        f.packed = compression_of(p.filename().string());
        f.day = day;
        f.generation = generation_of(p.filename().string());
        f.device = static_cast<std::uint64_t>(st.st_dev);
        f.inode = static_cast<std::uint64_t>(st.st_ino);
        out.push_back(std::move(f));
    };
    ec.clear();
    if (fs::is_regular_file(dir, ec)) {
        add(dir, std::nullopt);
        return out;  // a file named on its own is read, whatever it is
    }
    fs::directory_iterator top(dir, ec), end;
    if (ec) return out;
    for (; top != end; top.increment(ec)) {
        if (ec) return out;
        const std::string name = top->path().filename().string();
        if (skipped_name(name)) continue;
        std::error_code e2;
        if (top->is_directory(e2)) {
            const auto day = day_of_folder(name);
            fs::directory_iterator inner(top->path(), e2);
            for (; !e2 && inner != end; inner.increment(e2)) {
                const std::string inner_name = inner->path().filename().string();
                if (!skipped_name(inner_name)) add(inner->path(), day);
            }
        } else {
            add(top->path(), std::nullopt);
        }
    }
    std::sort(out.begin(), out.end(), [](const log_file& a, const log_file& b) { return a.relative < b.relative; });
    drop_error_copies(out);
    return out;
}

inline void drop_error_copies(std::vector<log_file>& files) {
    auto base_of = [](std::string_view relative) -> std::optional<std::string> {
        // "<dir/>X_errors.log[.N][.gz|.zst]" -> "<dir/>X.log"
        const std::size_t at = relative.rfind("_errors.log");
        if (at == std::string_view::npos) return std::nullopt;
        std::string_view rest = relative.substr(at + 11);
        for (std::string_view z : {std::string_view{".gz"}, std::string_view{".zst"}})
            if (rest.size() >= z.size() && rest.substr(rest.size() - z.size()) == z) rest.remove_suffix(z.size());
        if (!rest.empty() && !(rest[0] == '.' && all_digits(rest.substr(1)))) return std::nullopt;
        return std::string(relative.substr(0, at)) + ".log";
    };
    std::vector<bool> copy(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto base = base_of(files[i].relative);
        copy[i] = base && std::any_of(files.begin(), files.end(), [&](const log_file& g) { return g.relative == *base; });
    }
    std::vector<log_file> kept;
    for (std::size_t i = 0; i < files.size(); ++i)
        if (!copy[i]) kept.push_back(std::move(files[i]));
    files = std::move(kept);
}

// A stream of bytes: read() returns how many (0 at the end, -1 on an error).
class byte_stream {
public:
    virtual ~byte_stream() = default;
    virtual long read(char* into, std::size_t size) = 0;
    virtual std::string error() const { return std::strerror(errno); }
};

class plain_stream final : public byte_stream {
public:
    explicit plain_stream(int fd) : fd_(fd) {
#ifdef POSIX_FADV_SEQUENTIAL
        ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    ~plain_stream() override { ::close(fd_); }
    long read(char* into, std::size_t size) override {
        for (;;) {
            const ssize_t n = ::read(fd_, into, size);
            if (n < 0 && errno == EINTR) continue;
            return static_cast<long>(n);
        }
    }

private:
    int fd_;
};

#ifdef INKWELL_CLI_WITH_ZLIB
class gzip_stream final : public byte_stream {
public:
    explicit gzip_stream(int fd) : file_(::gzdopen(fd, "rb")) {
        if (file_ == nullptr) ::close(fd);
        else ::gzbuffer(file_, 256 * 1024);
    }
    ~gzip_stream() override {
        if (file_ != nullptr) ::gzclose(file_);
    }
    long read(char* into, std::size_t size) override {
        if (file_ == nullptr) return -1;
        const unsigned ask = static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30));
        return static_cast<long>(::gzread(file_, into, ask));
    }
    std::string error() const override {
        if (file_ == nullptr) return "cannot open the gzip stream";
        int code = 0;
        const char* text = ::gzerror(file_, &code);
        return text != nullptr ? text : "gzip error";
    }

private:
    gzFile file_;
};
#endif

#ifdef INKWELL_CLI_WITH_ZSTD
class zstd_stream final : public byte_stream {
public:
    explicit zstd_stream(int fd) : fd_(fd), ctx_(ZSTD_createDStream()), in_(ZSTD_DStreamInSize()) {
        ZSTD_initDStream(ctx_);
    }
    ~zstd_stream() override {
        ZSTD_freeDStream(ctx_);
        ::close(fd_);
    }
    long read(char* into, std::size_t size) override {
        ZSTD_outBuffer out{into, size, 0};
        while (out.pos == 0) {
            if (input_.pos == input_.size) {
                const ssize_t n = ::read(fd_, in_.data(), in_.size());
                if (n < 0) {
                    if (errno == EINTR) continue;
                    error_ = std::strerror(errno);
                    return -1;
                }
                if (n == 0) {
                    if (!frame_done_) {
                        error_ = "truncated zstd stream";
                        return -1;
                    }
                    return 0;
                }
                input_ = ZSTD_inBuffer{in_.data(), static_cast<std::size_t>(n), 0};
            }
            const std::size_t r = ZSTD_decompressStream(ctx_, &out, &input_);
            if (ZSTD_isError(r)) {
                error_ = ZSTD_getErrorName(r);
                return -1;
            }
            frame_done_ = r == 0;
        }
        return static_cast<long>(out.pos);
    }
    std::string error() const override { return error_; }

private:
    int fd_;
    ZSTD_DStream* ctx_;
    std::vector<char> in_;
    ZSTD_inBuffer input_{nullptr, 0, 0};
    bool frame_done_ = true;
    std::string error_;
};
#endif

// Opens a file for reading; null with `why` set when it cannot.
inline std::unique_ptr<byte_stream> open_bytes(const log_file& f, std::string& why) {
    const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        why = std::strerror(errno);
        return nullptr;
    }
    switch (f.packed) {
        case compression::none: return std::make_unique<plain_stream>(fd);
        case compression::gzip:
#ifdef INKWELL_CLI_WITH_ZLIB
            return std::make_unique<gzip_stream>(fd);
#else
            ::close(fd);
            why = "a .gz file, and this inkwell was built without zlib";
            return nullptr;
#endif
        case compression::zstd:
#ifdef INKWELL_CLI_WITH_ZSTD
            return std::make_unique<zstd_stream>(fd);
#else
            ::close(fd);
            why = "a .zst file, and this inkwell was built without libzstd";
            return nullptr;
#endif
    }
    ::close(fd);
    return nullptr;
}

// Blocks of whole lines. Each block ends just after a '\n', except the last
// of a file that does not end with one. The block stays valid until the next call.
class block_reader {
public:
    static constexpr std::size_t default_block_bytes = 1 << 20;

    explicit block_reader(std::unique_ptr<byte_stream> in, std::size_t block_bytes = default_block_bytes)
        : in_(std::move(in)), buffer_(block_bytes) {}

    // False at the end (or on a read error: failed() then says so).
    bool next(std::string_view& block) {
        // Keep the unfinished tail of the previous block.
        if (consumed_ > 0) {
            std::memmove(buffer_.data(), buffer_.data() + consumed_, filled_ - consumed_);
            filled_ -= consumed_;
            consumed_ = 0;
        }
        for (;;) {
            if (!at_end_ && filled_ < buffer_.size()) {
                const long n = in_->read(buffer_.data() + filled_, buffer_.size() - filled_);
                if (n < 0) {
                    failed_ = true;
                    error_ = in_->error();
                    at_end_ = true;
                } else if (n == 0) {
                    at_end_ = true;
                } else {
                    filled_ += static_cast<std::size_t>(n);
                    bytes_read_ += static_cast<std::uint64_t>(n);
                }
            }
            if (filled_ == 0) return false;
            // Up to the last newline.
            const char* base = buffer_.data();
            const void* last = ::memrchr(base, '\n', filled_);
            if (last != nullptr) {
                consumed_ = static_cast<std::size_t>(static_cast<const char*>(last) - base) + 1;
                block = {base, consumed_};
                return true;
            }
            if (at_end_) {  // a final line without '\n'
                consumed_ = filled_;
                block = {base, consumed_};
                return true;
            }
            if (filled_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // a line longer than a block
        }
    }
    bool failed() const { return failed_; }
    const std::string& error() const { return error_; }
    std::uint64_t bytes_read() const { return bytes_read_; }

private:
    std::unique_ptr<byte_stream> in_;
    std::vector<char> buffer_;
    std::size_t filled_ = 0, consumed_ = 0;
    bool at_end_ = false, failed_ = false;
    std::string error_;
    std::uint64_t bytes_read_ = 0;
};

}  // namespace inkwell_cli
