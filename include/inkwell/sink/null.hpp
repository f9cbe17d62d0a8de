#pragma once
// sink::null: discards every line and counts what it discarded, for
// measuring the logging path without I/O and for tests.

#include <atomic>
#include <cstdint>
#include <string_view>

#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace sink {

class null {
public:
    null() = default;
    explicit null(const sink_context&) noexcept {}

    // The logger serialises writes; the counters are atomic only so that
    // another thread may read them while records flow.
    void write(const record&, std::string_view line) noexcept {
        records_.store(records_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        bytes_.store(bytes_.load(std::memory_order_relaxed) + line.size(), std::memory_order_relaxed);
    }
    void flush() noexcept {}

    std::uint64_t records() const noexcept { return records_.load(std::memory_order_relaxed); }
    std::uint64_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> records_{0};
    std::atomic<std::uint64_t> bytes_{0};
};

}  // namespace sink
INKWELL_END_NAMESPACE
