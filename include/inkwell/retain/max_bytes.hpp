#pragma once
// retain::max_bytes<Bytes> — inkwell's files in the folder (every date
// folder together) hold at most Bytes: the oldest go first until the rest
// fit. The active files count but are never deleted, so they alone may
// exceed the limit. Bytes = 0 keeps everything.

#include <cstdint>

#include "../policy/retention.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace retain {

template <std::uint64_t Bytes = std::uint64_t{1} << 30>
class max_bytes {
public:
    static constexpr std::uint64_t default_bytes = Bytes;

    max_bytes() noexcept : limit_(Bytes) {}
    explicit max_bytes(std::uint64_t limit) noexcept : limit_(limit) {}

    std::uint64_t limit() const noexcept { return limit_; }

    void select(listing& files, time_point) const {
        if (limit_ == 0) return;
        std::uint64_t kept = 0;
        for (const auto& f : files.files())
            if (!f.remove) kept += f.bytes;
        for (file_info* f : files.removable_oldest_first()) {
            if (kept <= limit_) break;
            f->remove = true;
            kept -= f->bytes;
        }
    }

private:
    std::uint64_t limit_;
};

}  // namespace retain
INKWELL_END_NAMESPACE
