#pragma once
// The buffer policy: when and on which thread records reach the sink.
//
// A buffer policy is a class with a nested `template <class Backend> class engine`:
//   `explicit engine(Backend& backend)`;
//   `void submit(const inkwell::record& r)`  called on the logging thread, from
//       any number of threads at once; the views in `r` die when it returns;
//   `void flush()`  returns once every record submitted before it reached
//       `backend.flush()`;
//   `void stop()`   flushes and ends any thread of the engine's (idempotent).
//   `template <class F> decltype(auto) exclusive(F&& f)`  runs f(backend) with no
//       record being processed at the same time (rotation on request, sink access).
// Optionally, a policy that formats off the calling thread declares
// `static constexpr bool defers_formatting = true;` and its engine offers
//   `template <class... Args> void submit_call(const call_site&, const Args&...)`
// taking the call's numbers and text as they are (see buffer/async.hpp); the
// logger formats calls with other argument types itself and uses submit().
// The backend offers (not thread-safe: the engine serialises every call)
//   `void process(const record&)`  classify, dedup, format, write (may stay in memory);
//   `void commit()`  hand the written lines to the kernel (end of a batch);
//   `void flush()`   also write pending dedup summaries, then commit;
//   `record record_defaults()` (the logger's name and session filled in),
//   `void process_in_place(record&)`  process() without the copy, for a record
//       the engine lets it change, `error_reporter& errors()`,
//       `cap_message(line_buffer&)`  for engines that build records themselves.

#include <concepts>

#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace policy {

struct backend_archetype {
    void process(const record&) {}
    void commit() {}
    void flush() {}
};

struct backend_visitor_archetype {
    void operator()(backend_archetype&) const {}
};

template <class B>
concept buffer_has_engine = requires { typename B::template engine<backend_archetype>; };

template <class E>
concept buffer_engine_works = std::constructible_from<E, backend_archetype&> &&
                              requires(E& e, const record& r) {
                                  e.submit(r);
                                  e.flush();
                                  e.stop();
                                  e.exclusive(backend_visitor_archetype{});
                              };

template <class B>
concept buffer = buffer_has_engine<B> && buffer_engine_works<typename B::template engine<backend_archetype>>;

}  // namespace policy
INKWELL_END_NAMESPACE
