#pragma once
// The clock policy: where a logger's "now" comes from.
//
// A clock is a class with
//   `static inkwell::time_point now() noexcept`
// read for every record's time (on the calling thread), the logger's start
// time, inkwell's own notes ("N records dropped since T") and the sinks'
// retention ("which files are old enough to go", through sink_context::now).
// A config names it as `using clock = ...;` (default_config: clock::system).
//
// A static function, not an object: the logger, the async buffer's call
// site and every sink reach it without an instance being passed around or
// outliving anything, and sink_context carries it as a plain function
// pointer. Tests that need several independent clocks use
// clock::basic_manual<Tag> with a tag each.

#include <concepts>

#include "../clock/system.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace policy {

template <class C>
concept clock = requires {
    { C::now() } noexcept -> std::same_as<time_point>;
};

// The clock a backend (buffer policy, buffer/async.hpp) reads: the logger's
// backend declares `using clock = ...`; anything else reads the system clock.
template <class Backend>
struct clock_of {
    using type = inkwell::clock::system;
};
template <class Backend>
    requires requires { typename Backend::clock; }
struct clock_of<Backend> {
    using type = typename Backend::clock;
};
template <class Backend>
using clock_of_t = typename clock_of<Backend>::type;

}  // namespace policy
INKWELL_END_NAMESPACE
