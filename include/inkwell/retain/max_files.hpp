#pragma once
// retain::max_files<N> — at most N of inkwell's files in the folder (every
// date folder of a date_folders layout together; the active files count
// too but are never deleted): the oldest go first. N = 0 keeps everything.

#include <cstddef>

#include "../policy/retention.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace retain {

template <std::size_t N = 100>
class max_files {
public:
    static constexpr std::size_t default_files = N;

    max_files() noexcept : limit_(N) {}
    explicit max_files(std::size_t limit) noexcept : limit_(limit) {}

    std::size_t limit() const noexcept { return limit_; }

    void select(listing& files, time_point) const {
        if (limit_ == 0) return;
        std::size_t kept = 0;
        for (const auto& f : files.files()) kept += !f.remove;
        for (file_info* f : files.removable_oldest_first()) {
            if (kept <= limit_) break;
            f->remove = true;
            --kept;
        }
    }

private:
    std::size_t limit_;
};

}  // namespace retain
INKWELL_END_NAMESPACE
