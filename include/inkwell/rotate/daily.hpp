#pragma once
// rotate::daily — one file per UTC day. At the first record of a later day
// (by the record's own UTC time) the file moves aside under the date of the
// day it held: app.log → app.log.20250914. The Backups newest dated backups
// are kept, older ones deleted; 0 keeps them all (as Python's
// TimedRotatingFileHandler does). INKWELL_LOG_BACKUP_COUNT overrides Backups.
//
// The day a file held is the day of its first record; for a file found at
// start-up, the day of its last change. When that backup name is taken
// (rotate_now() twice in a day), the next free one of app.log.20250914.1,
// .2, … is used. A record older than the file's day (a late straggler) never
// rotates it. A compressed backup (app.log.20250914.gz) takes its name and
// counts like a plain one.

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include "../detail/chrono.hpp"
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

#include "../detail/time_format.hpp"
#include "../policy/rotation.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace rotate {

template <unsigned Backups = 7>
class daily {
public:
    static constexpr unsigned default_backups = Backups;

    daily() noexcept : backups_(backup_count_from_env(Backups)) {}
    explicit daily(unsigned backups) noexcept : backups_(backups) {}

    unsigned backups() const noexcept { return backups_; }

    bool due(const file_state& f, time_point record_time, std::size_t) const noexcept {
        using std::chrono::days;
        using std::chrono::floor;
        return f.size != 0 && f.first_record != time_point{} && floor<days>(record_time) > floor<days>(f.first_record);
    }

    outcome rotate(const file_state& f) const {
        time_point held = f.first_record != time_point{} ? f.first_record : clock_type::now();
        char date[9];
        std::string tag{detail::compact_utc_date(held, date)};
        std::string target = f.backup_path(tag);
        for (unsigned n = 1; exists(target); ++n) {
            if (n > 9999) return {false, EEXIST, "every backup name of the day is taken"};
            target = f.backup_path(tag + '.' + std::to_string(n));
        }
        std::string active = f.active_path();
        if (std::rename(active.c_str(), target.c_str()) != 0)
            return {false, errno, "cannot rename the log file to its dated backup"};
        if (int err = remove_old_backups(f); err != 0) return {true, err, "cannot remove an old dated backup", target};
        return {true, 0, "", std::move(target)};
    }

private:
    // Taken in any form: a compressed app.log.20250914.gz keeps the name too.
    static bool exists(const std::string& path) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0) return true;
        for (std::string_view extension : compressed_extensions) {
            std::string compressed = path;
            compressed.append(extension);
            if (::lstat(compressed.c_str(), &st) == 0) return true;
        }
        return false;
    }

    struct backup {
        std::uint32_t date;  // YYYYMMDD
        std::uint32_t index;  // the .N after the date; 0 without one
        std::string name;
    };

    // Parses `tag` as "YYYYMMDD" or "YYYYMMDD.N"; false for anything else.
    static bool parse_tag(std::string_view tag, backup& out) noexcept {
        if (tag.size() < 8) return false;
        std::uint32_t date = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            if (tag[i] < '0' || tag[i] > '9') return false;
            date = date * 10 + static_cast<std::uint32_t>(tag[i] - '0');
        }
        std::uint32_t index = 0;
        if (tag.size() > 8) {
            if (tag[8] != '.' || tag.size() == 9 || tag.size() > 13) return false;
            for (std::size_t i = 9; i < tag.size(); ++i) {
                if (tag[i] < '0' || tag[i] > '9') return false;
                index = index * 10 + static_cast<std::uint32_t>(tag[i] - '0');
            }
        }
        out.date = date;
        out.index = index;
        return true;
    }

    // Deletes the dated backups of `f` beyond the newest `backups_`.
    int remove_old_backups(const file_state& f) const {
        if (backups_ == 0) return 0;
        std::string folder{f.directory};
        DIR* dir = ::opendir(folder.c_str());
        if (!dir) return errno;
        std::vector<backup> found;
        while (const dirent* entry = ::readdir(dir)) {
            std::string_view name{entry->d_name};
            for (std::string_view extension : compressed_extensions)  // app.log.20250914.gz counts too
                if (name.size() > extension.size() && name.substr(name.size() - extension.size()) == extension) {
                    name.remove_suffix(extension.size());
                    break;
                }
            if (name.size() <= f.backup_prefix.size() + f.backup_suffix.size()) continue;
            if (name.substr(0, f.backup_prefix.size()) != f.backup_prefix) continue;
            if (name.substr(name.size() - f.backup_suffix.size()) != f.backup_suffix) continue;
            backup b{};
            auto tag = name.substr(f.backup_prefix.size(), name.size() - f.backup_prefix.size() - f.backup_suffix.size());
            if (!parse_tag(tag, b)) continue;
            b.name.assign(entry->d_name);
            found.push_back(std::move(b));
        }
        ::closedir(dir);
        if (found.size() <= backups_) return 0;
        // Newest first; an insertion sort, as a folder holds few backups.
        auto newer = [](const backup& a, const backup& b) { return a.date != b.date ? a.date > b.date : a.index > b.index; };
        for (std::size_t i = 1; i < found.size(); ++i)
            for (std::size_t j = i; j > 0 && newer(found[j], found[j - 1]); --j) std::swap(found[j], found[j - 1]);
        int first_error = 0;
        for (std::size_t i = backups_; i < found.size(); ++i) {
            std::string path = folder + '/' + found[i].name;
            if (::unlink(path.c_str()) != 0 && errno != ENOENT && first_error == 0) first_error = errno;
        }
        return first_error;
    }

    unsigned backups_;
};

}  // namespace rotate
INKWELL_END_NAMESPACE
