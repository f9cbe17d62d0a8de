#pragma once
// The dedup policy: which records are repeats, and what to say about them.
//
// A dedup policy is a default-constructible class with
//   `template <class Forward> void process(const inkwell::record& r, Forward&& forward)`
//     calling `forward(const record&)` for each record to write (none for a
//     suppressed repeat, or a summary record before the new one);
//   `template <class Forward> void flush(Forward&& forward)`
//     writing whatever summary is pending (called on flush and shutdown).
// The logger calls both under its own serialisation: no locking needed inside.

#include <concepts>

#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace policy {

namespace detail_dedup {
struct forward_archetype {
    void operator()(const record&) const {}
};
}  // namespace detail_dedup

template <class D>
concept dedup_processes = requires(D& d, const record& r, detail_dedup::forward_archetype f) { d.process(r, f); };

template <class D>
concept dedup_flushes = requires(D& d, detail_dedup::forward_archetype f) { d.flush(f); };

template <class D>
concept dedup = std::default_initializable<D> && dedup_processes<D> && dedup_flushes<D>;

}  // namespace policy
INKWELL_END_NAMESPACE
