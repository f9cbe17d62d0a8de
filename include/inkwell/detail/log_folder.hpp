#pragma once
// Listing and deleting inkwell's own files in a log folder, safely: what the
// retention policies (policy/retention.hpp, retain/*.hpp) work on.
//
// A retain::layout says which names in a folder are inkwell's:
//   date_folders(".jsonl")     <dir>/YYYY-MM-DD/<name>.jsonl and <name>+<tag>.jsonl
//                              (sink::category_files);
//   rotated_file("app.log")    <dir>/app.log and <dir>/app.log.<tag> (sink::rotating_file;
//                              one layout per file: app.log, app_errors.log);
//   sessions()                 <dir>/session_YYYY-MM-DDTHH-MM-SSZ[_<id>].jsonl (sink::session_file).
// <name> and <id> are what detail::sanitize_file_component makes (A-Z a-z
// 0-9 . _ -, not starting with '.', at most 64 bytes); a <tag> is digits,
// optionally ".digits" (by_size's 1..N, daily's 20241220 and 20241220.1).
// A compressed copy (the same name plus ".gz" or ".zst") counts as inkwell's too.
//
// Safety, because a log folder may be shared and may hold anything:
//   - nothing that does not match the layout is ever deleted;
//   - symbolic links are never followed: every entry is looked at with
//     fstatat(AT_SYMLINK_NOFOLLOW), a date folder is opened with O_NOFOLLOW
//     and checked to be the folder that was listed, and only regular files
//     are candidates (a symlink, even one named app.log.1, is not inkwell's);
//   - a file is deleted with unlinkat() on the descriptor of its folder,
//     after checking that the name still holds the file that was listed;
//   - a date folder is removed (unlinkat AT_REMOVEDIR, which refuses a
//     non-empty folder) only when a clean-up left it empty of everything;
//   - the files a sink writes now (log_folder::active, and the untagged file
//     of a rotated_file layout) are never deleted.
// The log folder itself is opened as configured (it may be a link the user
// made on purpose); only what is inside it is treated with suspicion.
// Failures are reported through the error_reporter, never thrown.

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include "chrono.hpp"
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../errors.hpp"
#include "../level.hpp"
#include "../record.hpp"
#include "../version.hpp"
#include "platform.hpp"
#include "sanitize.hpp"
#include "time_format.hpp"

INKWELL_BEGIN_NAMESPACE

namespace detail::log_folder_impl {
struct name_match;
// What a layout's names say, for one entry of a listed folder: each layout
// carries its own matcher, so a file that never lists sessions or rotated
// backups does not compile their parsers.
using name_matcher = name_match (*)(std::string_view name, std::string_view text) noexcept;
inline name_match match_category_file(std::string_view name, std::string_view extension) noexcept;
inline name_match match_rotated_file(std::string_view name, std::string_view file) noexcept;
inline name_match match_session_file_of(std::string_view name, std::string_view) noexcept;
}  // namespace detail::log_folder_impl

namespace retain {

// Which names in a log folder are inkwell's (see the top of this file).
class layout {
public:
    enum class kind : unsigned char { date_folders, rotated_file, sessions };

    // Date folders holding <name><extension> and <name>+<tag><extension>.
    static layout date_folders(std::string_view extension) {
        return {kind::date_folders, extension, &detail::log_folder_impl::match_category_file};
    }
    // One rotating file and its backups <file_name>.<tag>; the file itself is never deleted.
    static layout rotated_file(std::string_view file_name) {
        return {kind::rotated_file, file_name, &detail::log_folder_impl::match_rotated_file};
    }
    // Session files: session_<time>[_<id>].jsonl.
    static layout sessions() { return {kind::sessions, ".jsonl", &detail::log_folder_impl::match_session_file_of}; }

    kind type() const noexcept { return kind_; }
    // The extension (date_folders, sessions) or the file's name (rotated_file).
    std::string_view text() const noexcept { return text_; }
    // What `name` (an entry of a listed folder) says under this layout.
    detail::log_folder_impl::name_match match(std::string_view name) const noexcept;

private:
    layout(kind k, std::string_view text, detail::log_folder_impl::name_matcher m)
        : kind_(k), match_(m), text_(text) {}
    kind kind_;
    detail::log_folder_impl::name_matcher match_;
    std::string text_;
};

// One log folder as a sink hands it to retention.
struct log_folder {
    std::string directory;              // the sink's folder ("logs")
    retain::layout layout;              // which names in it are inkwell's
    std::vector<std::string> active{};  // files being written, relative to directory
                                        // ("2024-12-20/engine.jsonl"): never deleted
};

// One of inkwell's files, as a retention policy sees it.
struct file_info {
    std::string path;                   // relative to the log folder: "2024-12-20/engine+1.jsonl"
    std::uint64_t bytes = 0;
    // The latest time a record in it can have: the end of its day when a date
    // folder or a dated backup tag names the day, else its last modification.
    time_point newest{};
    time_point modified{};              // st_mtime
    std::optional<level> named_level{}; // what the name says (app_errors.log: error)
    bool active = false;                // a sink writes it: never deleted
    bool remove = false;                // set by a policy: delete it
    bool compressed = false;            // .gz / .zst: its lines cannot be read here

    // Where it is, for the listing.
    std::size_t folder = 0;
    std::string name;                   // the name inside its folder
    dev_t device = 0;
    ino_t inode = 0;

    // A policy may delete it: not active and not already chosen.
    bool removable() const noexcept { return !active && !remove; }
};

// What one clean-up did.
struct result {
    std::size_t files_removed = 0;
    std::size_t folders_removed = 0;
    std::uint64_t bytes_removed = 0;
    std::size_t errors = 0;  // failures reported (listing, reading, deleting)
};

}  // namespace retain

namespace detail {
namespace log_folder_impl {

inline constexpr std::string_view compressed_suffixes[] = {".gz", ".zst"};

// Heap sort: O(n log n) on the thousands of files of a large folder, without
// <algorithm> (about 50 ms and 7 MB more to compile every file that logs).
template <class T, class Less>
void sort_in_place(std::vector<T>& v, Less less) {
    const std::size_t n = v.size();
    auto sift_down = [&](std::size_t root, std::size_t end) {
        for (;;) {
            std::size_t child = 2 * root + 1;
            if (child >= end) return;
            if (child + 1 < end && less(v[child], v[child + 1])) ++child;
            if (!less(v[root], v[child])) return;
            std::swap(v[root], v[child]);
            root = child;
        }
    };
    for (std::size_t i = n / 2; i-- > 0;) sift_down(i, n);
    for (std::size_t end = n; end-- > 1;) {
        std::swap(v[0], v[end]);
        sift_down(0, end);
    }
}

inline bool is_digits(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

inline unsigned number(std::string_view digits) noexcept {
    unsigned v = 0;
    for (char c : digits) v = v * 10 + static_cast<unsigned>(c - '0');
    return v;
}

// A name sanitize_file_component could have made.
inline bool is_component(std::string_view s) noexcept {
    return !s.empty() && s.size() <= max_file_component && s.front() != '.' && is_safe_file_text(s);
}

// "1", "20241220", "20241220.1": digits, optionally a dot and more digits.
inline bool is_tag(std::string_view s) noexcept {
    if (s.empty() || s.size() > 24) return false;
    auto dot = s.find('.');
    if (dot == std::string_view::npos) return is_digits(s);
    return is_digits(s.substr(0, dot)) && is_digits(s.substr(dot + 1));
}

// A valid calendar date as days since 1970 (round trip through the calendar).
inline std::optional<std::int64_t> day_of(int year, unsigned month, unsigned day) noexcept {
    if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
    std::int64_t days = days_from_civil(year, month, day);
    civil_date back = civil_from_days(days);
    if (back.year != year || back.month != month || back.day != day) return std::nullopt;
    return days;
}

// "YYYY-MM-DD" (a date folder).
inline std::optional<std::int64_t> parse_dashed_date(std::string_view s) noexcept {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    if (!is_digits(s.substr(0, 4)) || !is_digits(s.substr(5, 2)) || !is_digits(s.substr(8, 2))) return std::nullopt;
    return day_of(static_cast<int>(number(s.substr(0, 4))), number(s.substr(5, 2)), number(s.substr(8, 2)));
}

// "YYYYMMDD" at the start of a tag ("20241220" or "20241220.1"): daily's backups.
inline std::optional<std::int64_t> parse_tag_date(std::string_view tag) noexcept {
    auto dot = tag.find('.');
    std::string_view head = tag.substr(0, dot);
    if (head.size() != 8) return std::nullopt;
    return day_of(static_cast<int>(number(head.substr(0, 4))), number(head.substr(4, 2)), number(head.substr(6, 2)));
}

// "YYYY-MM-DDTHH-MM-SSZ" (a session's start).
inline bool is_session_stamp(std::string_view s) noexcept {
    if (s.size() != 20 || s[10] != 'T' || s[13] != '-' || s[16] != '-' || s[19] != 'Z') return false;
    if (!parse_dashed_date(s.substr(0, 10))) return false;
    return is_digits(s.substr(11, 2)) && is_digits(s.substr(14, 2)) && is_digits(s.substr(17, 2)) &&
           number(s.substr(11, 2)) < 24 && number(s.substr(14, 2)) < 60 && number(s.substr(17, 2)) < 61;
}

inline bool ends_with(std::string_view s, std::string_view end) noexcept {
    return s.size() >= end.size() && s.substr(s.size() - end.size()) == end;
}

// Strips ".gz" / ".zst"; true when there was one.
inline bool strip_compressed(std::string_view& name) noexcept {
    for (auto suffix : compressed_suffixes)
        if (ends_with(name, suffix) && name.size() > suffix.size()) {
            name.remove_suffix(suffix.size());
            return true;
        }
    return false;
}

// What a matching name says about its file.
struct name_match {
    bool matches = false;
    bool active = false;        // the untagged file of a rotated_file layout
    bool compressed = false;
    std::optional<std::int64_t> day;  // the day it holds, when the name says
    std::optional<level> named_level{};  // what the name says (app_errors.log: error)
};

// In a date folder: <name><ext> or <name>+<tag><ext>.
inline name_match match_category_file(std::string_view name, std::string_view extension) noexcept {
    name_match m;
    m.compressed = strip_compressed(name);
    if (!ends_with(name, extension) || name.size() == extension.size()) return {};
    name.remove_suffix(extension.size());
    auto plus = name.find('+');
    if (plus != std::string_view::npos) {
        if (!is_tag(name.substr(plus + 1))) return {};
        name = name.substr(0, plus);
    }
    m.matches = is_component(name);
    return m;
}

// app_errors.log says it holds errors.
inline std::optional<level> level_named_by(std::string_view file) noexcept {
    auto dot = file.rfind('.');
    std::string_view stem = dot == std::string_view::npos ? file : file.substr(0, dot);
    if (ends_with(stem, "_errors") || ends_with(stem, "_error")) return level::error;
    return std::nullopt;
}

// <file> or <file>.<tag>.
inline name_match match_rotated_file(std::string_view name, std::string_view file) noexcept {
    name_match m;
    m.named_level = level_named_by(file);
    m.compressed = strip_compressed(name);
    if (name == file) {
        m.matches = true;
        m.active = !m.compressed;
        return m;
    }
    if (name.size() <= file.size() + 1 || name.substr(0, file.size()) != file || name[file.size()] != '.') return {};
    std::string_view tag = name.substr(file.size() + 1);
    if (!is_tag(tag)) return {};
    m.matches = true;
    m.day = parse_tag_date(tag);
    return m;
}

// session_<stamp>[_<id>].jsonl
inline name_match match_session_file(std::string_view name) noexcept {
    name_match m;
    m.compressed = strip_compressed(name);
    constexpr std::string_view prefix = "session_", extension = ".jsonl";
    if (name.size() < prefix.size() + 20 + extension.size() || name.substr(0, prefix.size()) != prefix ||
        !ends_with(name, extension))
        return {};
    name.remove_prefix(prefix.size());
    name.remove_suffix(extension.size());
    if (!is_session_stamp(name.substr(0, 20))) return {};
    std::string_view id = name.substr(20);
    if (!id.empty() && (id.front() != '_' || !is_component(id.substr(1)))) return {};
    m.matches = true;
    return m;
}

inline name_match match_session_file_of(std::string_view name, std::string_view) noexcept {
    return match_session_file(name);
}

inline time_point from_timespec(const timespec& ts) noexcept {
    return time_point{std::chrono::duration_cast<time_point::duration>(std::chrono::seconds{ts.tv_sec} +
                                                                      std::chrono::nanoseconds{ts.tv_nsec})};
}

inline time_point end_of_day(std::int64_t day) noexcept {
    return time_point{std::chrono::sys_days{std::chrono::days{day + 1}}};
}

inline int open_folder_at(int parent, const char* name) noexcept {
    int fd;
    do {
        fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

// The level of one text or JSONL line of inkwell's formatters, from the
// line's first bytes; nullopt when it shows none.
inline std::optional<level> level_from_label(std::string_view label) noexcept {
    if (auto known = parse_level(label)) return known;
    for (unsigned n = 0; n < 255; ++n) {  // a user-defined level's name
        auto l = static_cast<level>(n);
        if (level_name(l) == label || level_label(l) == label)
            if (label != "level" && label != "LEVEL") return l;
    }
    return std::nullopt;
}

inline std::optional<level> level_of_line(std::string_view head) noexcept {
    if (!head.empty() && head.front() == '{') {
        // {"level":"warn",...}: the key must start a member (after '{' or ','),
        // so a "level" inside a string value does not count.
        for (std::size_t at = head.find("\"level\""); at != std::string_view::npos;
             at = head.find("\"level\"", at + 1)) {
            std::size_t before = at;
            while (before > 0 && head[before - 1] == ' ') --before;
            if (before == 0 || (head[before - 1] != '{' && head[before - 1] != ',')) continue;
            std::size_t p = at + 7;
            while (p < head.size() && head[p] == ' ') ++p;
            if (p >= head.size() || head[p] != ':') continue;
            ++p;
            while (p < head.size() && head[p] == ' ') ++p;
            if (p >= head.size() || head[p] != '"') return std::nullopt;
            std::size_t end = head.find('"', p + 1);
            if (end == std::string_view::npos) return std::nullopt;
            std::string_view value = head.substr(p + 1, end - p - 1);
            if (value.find('\\') != std::string_view::npos) return std::nullopt;
            return level_from_label(value);
        }
        return std::nullopt;
    }
    if (!head.empty() && head.front() == '[') {
        // [2024-01-15 10:30:15,123] [INFO] [auth] message
        std::size_t open = head.find("] [");
        if (open == std::string_view::npos) return std::nullopt;
        std::size_t close = head.find(']', open + 3);
        if (close == std::string_view::npos) return std::nullopt;
        return level_from_label(head.substr(open + 3, close - open - 3));
    }
    return std::nullopt;
}

}  // namespace log_folder_impl
}  // namespace detail

namespace retain {

inline detail::log_folder_impl::name_match layout::match(std::string_view name) const noexcept {
    return match_(name, text_);
}

// inkwell's files in one log folder, with the folder descriptors kept open
// so that reading and deleting go through the folders that were listed.
// Made by listing::scan(); not copyable. A class template only so that a
// file which never cleans up a folder pays nothing to compile it (a plain
// class instantiates the std templates it uses at once): use `listing`.
template <class Unused = void>
class basic_listing {
    using listing = basic_listing;

public:
    basic_listing() = default;
    basic_listing(listing&& other) noexcept
        : files_(std::move(other.files_)), folders_(std::move(other.folders_)),
          directory_(std::move(other.directory_)), errors_(other.errors_),
          error_count_(other.error_count_) {
        other.folders_.clear();
    }
    listing& operator=(listing&&) = delete;
    basic_listing(const listing&) = delete;
    listing& operator=(const listing&) = delete;
    ~basic_listing() {
        for (auto& f : folders_)
            if (f.fd >= 0) ::close(f.fd);
    }

    // Lists what `folder.layout` says is inkwell's. A missing folder is an
    // empty listing (nothing was written yet); other failures are reported.
    INKWELL_COLD static listing scan(const log_folder& folder, error_reporter* errors) {
        namespace impl = detail::log_folder_impl;
        listing out;
        out.errors_ = errors;
        out.directory_ = folder.directory;
        if (out.directory_.empty()) out.directory_.assign(1, '.');
        int root;
        do {
            root = ::open(out.directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        } while (root < 0 && errno == EINTR);
        if (root < 0) {
            if (errno != ENOENT) out.report(errno, out.directory_, "cannot open the log folder");
            return out;
        }
        struct stat root_st {};
        (void)::fstat(root, &root_st);
        out.folders_.push_back({root, {}, root_st.st_dev, root_st.st_ino, 0, 0});

        const layout& l = folder.layout;
        if (l.type() == layout::kind::date_folders) {
            std::vector<std::string> date_folders;
            out.list(0, l, 0, &date_folders);
            for (const auto& name : date_folders)
                out.scan_date_folder(name, *impl::parse_dashed_date(name), l);
        } else {
            out.list(0, l, 0, nullptr);
        }
        for (auto& f : out.files_)
            for (const auto& a : folder.active)
                if (f.path == a) f.active = true;
        return out;
    }

    std::vector<file_info>& files() noexcept { return files_; }
    const std::vector<file_info>& files() const noexcept { return files_; }

    // The files a policy may still delete, oldest first (by `newest`, then
    // by modification time, then by name).
    std::vector<file_info*> removable_oldest_first() {
        std::vector<file_info*> out;
        for (auto& f : files_)
            if (f.removable()) out.push_back(&f);
        detail::log_folder_impl::sort_in_place(out, [](const file_info* a, const file_info* b) {
            if (a->newest != b->newest) return a->newest < b->newest;
            if (a->modified != b->modified) return a->modified < b->modified;
            return a->path < b->path;
        });
        return out;
    }

    // The most severe level among the file's lines, read once from the
    // start: stops at the first line at or above `enough`, and after
    // `max_bytes`. nullopt when it cannot tell (unreadable, compressed, a
    // line that shows no level, or the limit reached first): the caller then
    // keeps the file as if it held the most severe level.
    std::optional<level> most_severe_level(const file_info& f, level enough, std::uint64_t max_bytes) {
        if (f.named_level) return f.named_level;
        if (f.compressed) return std::nullopt;
        int fd;
        do {
            fd = ::openat(folders_[f.folder].fd, f.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            if (errno != ENOENT) report(errno, f.path, "cannot read a log file's levels");
            return std::nullopt;
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_ino != f.inode || st.st_dev != f.device) {
            ::close(fd);
            return std::nullopt;
        }
        constexpr std::size_t head_limit = 512;  // a line's level is within its first bytes
        char chunk[16384];
        std::string head;
        head.reserve(head_limit);
        bool any_line = false, unknown = false;
        level most = level::trace;
        std::uint64_t read_total = 0;
        auto finish_line = [&]() {
            if (head.empty()) return;  // an empty line says nothing
            auto l = detail::log_folder_impl::level_of_line(head);
            if (!l) unknown = true;
            else if (!any_line || *l > most) most = *l;
            any_line = true;
            head.clear();
        };
        bool done = false, complete = false;
        while (!done) {
            const std::uint64_t left = max_bytes - read_total;
            if (left == 0) break;  // bounded: the rest stays unknown
            auto n = ::read(fd, chunk, left < sizeof chunk ? static_cast<std::size_t>(left) : sizeof chunk);
            if (n < 0) {
                if (errno == EINTR) continue;
                report(errno, f.path, "cannot read a log file's levels");
                unknown = true;
                break;
            }
            if (n == 0) {
                finish_line();  // a last line without '\n'
                complete = true;
                break;
            }
            read_total += static_cast<std::uint64_t>(n);
            for (ssize_t i = 0; i < n && !done; ++i) {
                if (chunk[i] == '\n') {
                    finish_line();
                    if (unknown || (any_line && most >= enough)) done = true;
                } else if (head.size() < head_limit) {
                    head.push_back(chunk[i]);
                }
            }
        }
        ::close(fd);
        if (unknown) return std::nullopt;
        if (any_line && most >= enough) return most;
        if (!complete) return std::nullopt;
        return any_line ? most : level::trace;  // an empty file holds nothing worth keeping
    }

    // Deletes the files a policy chose, then the date folders this left empty.
    INKWELL_COLD result remove_chosen() {
        result r;
        for (auto& f : files_) {
            if (!f.remove || f.active) continue;
            folder_handle& dir = folders_[f.folder];
            struct stat st {};
            if (::fstatat(dir.fd, f.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno != ENOENT) report(errno, f.path, "cannot check an expired log file");
                continue;
            }
            // The name must still hold the file that was listed.
            if (!S_ISREG(st.st_mode) || st.st_ino != f.inode || st.st_dev != f.device) continue;
            if (::unlinkat(dir.fd, f.name.c_str(), 0) != 0) {
                if (errno != ENOENT) report(errno, f.path, "cannot remove an expired log file");
                continue;
            }
            ++r.files_removed;
            r.bytes_removed += f.bytes;
            --dir.entries;
            ++dir.removed;
        }
        for (std::size_t i = 1; i < folders_.size(); ++i) {
            folder_handle& dir = folders_[i];
            if (dir.removed == 0 || dir.entries != 0) continue;
            struct stat st {};
            if (::fstatat(folders_[0].fd, dir.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
                st.st_ino != dir.inode || st.st_dev != dir.device)
                continue;
            // AT_REMOVEDIR refuses a folder that is not empty: something put there since stays.
            if (::unlinkat(folders_[0].fd, dir.name.c_str(), AT_REMOVEDIR) == 0) {
                ++r.folders_removed;
            } else if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) {
                report(errno, dir.name, "cannot remove an empty date folder");
            }
        }
        r.errors = error_count_;
        return r;
    }

    std::size_t errors() const noexcept { return error_count_; }

private:
    struct folder_handle {
        int fd = -1;
        std::string name;  // relative to the log folder; empty for the log folder itself
        dev_t device = 0;
        ino_t inode = 0;
        std::size_t entries = 0;  // everything in it, inkwell's or not
        std::size_t removed = 0;
    };

    // Lists the open folder `folders_[folder]`: fstatat(AT_SYMLINK_NOFOLLOW)
    // on each entry, keeping inkwell's (take()). Counts every entry. Plain
    // loops, no callbacks: this is compiled by every file that cleans up.
    INKWELL_COLD void list(std::size_t folder, const layout& l, std::int64_t day, std::vector<std::string>* date_folders) {
        const int fd = folders_[folder].fd;
        std::size_t entries = 0;
        int err = 0;
        const int copy = ::dup(fd);  // fdopendir takes ownership of the descriptor it is given
        DIR* dir = copy < 0 ? nullptr : ::fdopendir(copy);
        if (!dir) {
            err = errno;
            if (copy >= 0) ::close(copy);
        } else {
            ::rewinddir(dir);
            errno = 0;
            while (const dirent* e = ::readdir(dir)) {
                const std::string_view name{e->d_name};
                if (name != "." && name != "..") {
                    ++entries;
                    struct stat st {};
                    if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        take(folder, l, day, name, st, date_folders);
                }
                errno = 0;
            }
            err = errno;
            ::closedir(dir);
        }
        folders_[folder].entries = entries;
        if (err != 0) report(err, folders_[folder].name.empty() ? directory_ : folders_[folder].name,
                             "cannot list the log folder");
    }

    // Keeps one entry of a listed folder when it is inkwell's.
    INKWELL_COLD void take(std::size_t folder, const layout& l, std::int64_t day, std::string_view name, const struct stat& st,
              std::vector<std::string>* date_folders) {
        namespace impl = detail::log_folder_impl;
        if (date_folders) {  // the log folder of a date_folders layout: YYYY-MM-DD folders
            // A symlink is S_ISLNK here: never followed.
            if (S_ISDIR(st.st_mode) && impl::parse_dashed_date(name)) date_folders->push_back(std::string(name));
            return;
        }
        if (!S_ISREG(st.st_mode)) return;
        impl::name_match m = l.match(name);
        if (l.type() == layout::kind::date_folders) m.day = day;  // the folder names the day its records happened
        if (!m.matches) return;
        file_info& f = add(folder, name, st, m);
        f.named_level = m.named_level;
    }

    INKWELL_COLD void scan_date_folder(const std::string& name, std::int64_t day, const layout& l) {
        namespace impl = detail::log_folder_impl;
        struct stat listed {};
        if (::fstatat(folders_[0].fd, name.c_str(), &listed, AT_SYMLINK_NOFOLLOW) != 0) return;
        int fd = impl::open_folder_at(folders_[0].fd, name.c_str());  // O_NOFOLLOW: a link swapped in fails
        if (fd < 0) {
            if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
                report(errno, name, "cannot open a date folder");
            return;
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0 || st.st_ino != listed.st_ino || st.st_dev != listed.st_dev) {
            ::close(fd);
            return;
        }
        folders_.push_back({fd, name, st.st_dev, st.st_ino, 0, 0});
        list(folders_.size() - 1, l, day, nullptr);
    }

    INKWELL_COLD file_info& add(std::size_t folder, std::string_view name, const struct stat& st,
                   const detail::log_folder_impl::name_match& m) {
        namespace impl = detail::log_folder_impl;
        file_info& f = files_.emplace_back();
        f.folder = folder;
        f.name.assign(name);
        f.path = folders_[folder].name.empty() ? f.name : folders_[folder].name + '/' + f.name;
        f.bytes = static_cast<std::uint64_t>(st.st_size);
        f.modified = impl::from_timespec(st.st_mtim);
        f.newest = m.day ? impl::end_of_day(*m.day) : f.modified;
        f.active = m.active;
        f.compressed = m.compressed;
        f.device = st.st_dev;
        f.inode = st.st_ino;
        return f;
    }

    void report(int err, std::string_view path, std::string_view what) noexcept {
        ++error_count_;
        if (errors_) errors_->report({error_kind::retention, err, path, what});
    }

    std::vector<file_info> files_;
    std::vector<folder_handle> folders_;  // [0] is the log folder itself
    std::string directory_;
    error_reporter* errors_ = nullptr;
    std::size_t error_count_ = 0;
};

using listing = basic_listing<>;

}  // namespace retain
INKWELL_END_NAMESPACE
