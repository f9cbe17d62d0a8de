#pragma once
// retain::max_age<Days> — a file goes once its newest record is Days days
// old. The jsonl preset's default: a date folder goes, whole, when its day
// ended 7 days ago (logs/2024-12-20/ goes at 2024-12-28T00:00Z), so every
// record of the last 7 days is kept.
//
// A file's newest record is the end of the day its date folder or dated
// backup tag names, else its last modification time. A file from the future
// (the clock went back) is kept. Days = 0 keeps everything.

#include "../detail/chrono.hpp"

#include "../policy/retention.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace retain {

template <unsigned Days = 7>
class max_age {
public:
    static constexpr unsigned default_days = Days;

    max_age() noexcept : age_(std::chrono::days{Days}) {}
    explicit max_age(std::chrono::days age) noexcept : age_(age) {}

    std::chrono::days age() const noexcept { return age_; }

    void select(listing& files, time_point now) const {
        if (age_.count() <= 0) return;
        for (auto& f : files.files())
            if (f.removable() && now - f.newest >= age_) f.remove = true;
    }

private:
    std::chrono::days age_;
};

}  // namespace retain
INKWELL_END_NAMESPACE
