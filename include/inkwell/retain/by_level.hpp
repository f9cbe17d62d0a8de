#pragma once
// retain::by_level — each file is kept as long as the retention of the most
// severe level it holds (platform-structured-logging.md): ERROR and above 30
// days, WARN 14, INFO (and PERF) 7, DEBUG and TRACE 1, by default. Ages
// count as in retain::max_age (from the file's newest record).
//
// The level comes from the name when it says (app_errors.log: errors), else
// from the file's lines: the JSONL "level" key or the text "[LEVEL]". They
// are read only at clean-up, only for a file old enough that its level
// matters (older than the shortest retention, younger than the longest),
// from the start up to the first error (the level kept longest) and at most
// ScanBytes; what was learnt is remembered for as long as the file does not
// change, so each file is read about once. A file whose level cannot be told
// (compressed, unreadable, a line without a level, longer than ScanBytes)
// is kept as if it held errors: retention never deletes what it is unsure of.

#include "../detail/chrono.hpp"
#include <cstddef>
#include <initializer_list>
#include <cstdint>
#include <optional>
#include <vector>

#include <sys/types.h>

#include "../level.hpp"
#include "../policy/retention.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace retain {

// Days each level class is kept; a class holds the levels from its own up to the next one's.
struct level_retention {
    std::chrono::days error;  // error, critical
    std::chrono::days warn;   // warn
    std::chrono::days info;   // info, perf
    std::chrono::days debug;  // debug, trace
};

template <unsigned ErrorDays = 30, unsigned WarnDays = 14, unsigned InfoDays = 7, unsigned DebugDays = 1,
          std::uint64_t ScanBytes = std::uint64_t{64} << 20>
class by_level {
public:
    static constexpr level_retention default_retention{std::chrono::days{ErrorDays}, std::chrono::days{WarnDays},
                                                       std::chrono::days{InfoDays}, std::chrono::days{DebugDays}};
    static constexpr std::uint64_t scan_bytes = ScanBytes;

    by_level() noexcept : days_(default_retention) {}
    explicit by_level(level_retention days) noexcept : days_(days) {}

    const level_retention& retention() const noexcept { return days_; }

    // How long a file whose most severe level is `l` is kept.
    std::chrono::days days_for(level l) const noexcept {
        if (l >= level::error) return days_.error;
        if (l >= level::warn) return days_.warn;
        if (l >= level::info) return days_.info;
        return days_.debug;
    }

    void select(listing& files, time_point now) {
        auto shortest = days_.error, longest = days_.error;
        for (auto d : {days_.warn, days_.info, days_.debug}) {
            if (d < shortest) shortest = d;
            if (d > longest) longest = d;
        }
        // Reading can stop at the first error only when errors are kept longest.
        const level enough = days_.error == longest ? level::error : level::off;
        std::vector<known> still_known;
        for (auto& f : files.files()) {
            if (!f.removable()) continue;
            const auto age = now - f.newest;
            if (age < shortest) continue;  // young enough for any level
            if (age >= longest) {          // too old for every level
                f.remove = true;
                continue;
            }
            std::optional<level> most = level_of(files, f, enough, still_known);
            if (most && age >= days_for(*most)) f.remove = true;
        }
        detail::log_folder_impl::sort_in_place(still_known, [](const known& a, const known& b) { return a < b; });
        cache_ = std::move(still_known);
    }

private:
    // The most severe level one read of an unchanged file found.
    struct known {
        dev_t device;
        ino_t inode;
        std::uint64_t bytes;
        time_point modified;
        level most;
        bool operator<(const known& o) const noexcept {
            return device != o.device ? device < o.device : inode < o.inode;
        }
    };

    std::optional<level> level_of(listing& files, const file_info& f, level enough, std::vector<known>& still_known) {
        if (f.named_level) return f.named_level;
        known key{f.device, f.inode, f.bytes, f.modified, level::trace};
        std::size_t low = 0, high = cache_.size();  // the first entry not below key
        while (low < high) {
            std::size_t mid = low + (high - low) / 2;
            if (cache_[mid] < key) low = mid + 1;
            else high = mid;
        }
        if (low < cache_.size()) {
            const known& at = cache_[low];
            if (at.device == f.device && at.inode == f.inode && at.bytes == f.bytes && at.modified == f.modified) {
                still_known.push_back(at);
                return at.most;
            }
        }
        std::optional<level> most = files.most_severe_level(f, enough, ScanBytes);
        if (most) {  // "cannot tell" is not remembered: the next clean-up tries again
            key.most = *most;
            still_known.push_back(key);
        }
        return most;
    }

    level_retention days_;
    std::vector<known> cache_;  // sorted by (device, inode)
};

}  // namespace retain
INKWELL_END_NAMESPACE
