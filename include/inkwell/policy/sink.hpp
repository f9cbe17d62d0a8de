#pragma once
// The sink policy: where formatted lines go.
//
// A sink is a class that
//   - is constructible from `const inkwell::sink_context&`;
//   - has `void write(const inkwell::record& r, std::string_view line)`: `line` is
//     one whole formatted record ending in '\n'. The sink may hold it back, but
//     every write(2) it makes contains whole lines only;
//   - has `void flush()`: hand everything held back to the kernel.
// Optionally:
//   - `void commit()`: what the logger calls after each record it wrote (sync)
//     or each round of the async writer: the lines that should reach the
//     kernel now. A sink without it gets flush() there. A sink with many
//     files (sink::category_files) writes only what is due and keeps the rest
//     for later; flush() still hands everything over (logger::flush());
//   - `void rotate_now()`: rotate on request (logger::rotate());
//   - `void reopen()`: close its files and open them again by name, for a
//     file moved or deleted by another tool (logrotate; logger::reopen(),
//     e.g. on SIGHUP). Lines held back go to the file opened anew.
//   - `template <class Rotation> using with_rotation = ...;`: the sink takes a
//     rotation policy, and the logger binds the config's `rotation` into it;
//     likewise `with_retention` (the config's `retention`, policy/retention.hpp)
//     and `with_compression` (its `compression`, policy/compression.hpp). Each
//     keeps the sink's other parameters.
// A sink that needs the time of day for anything but a record (retention:
// which files are old) calls `context.now()`, never the system clock, so a
// test's clock drives it too.
// Failures go to `context.errors->report(...)` and the line to
// `context.errors->fallback(line)`; a sink never throws into the caller.

#include "../detail/chrono.hpp"
#include <concepts>
#include <string>
#include <string_view>
#include <vector>

#include "../clock/system.hpp"
#include "../errors.hpp"
#include "../record.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE

// How a file sink writes a note of inkwell's own (e.g. "inkwell: 12 records
// dropped since ...") into its file as a record in the logger's format:
// level warn, category "inkwell", the time of the call. The logger fills it
// in; a sink made without a logger gets none and writes a plain line.
struct report_formatter {
    void (*format)(void* target, std::string_view message, std::string& out) = nullptr;
    void* target = nullptr;

    explicit operator bool() const noexcept { return format != nullptr; }
    void operator()(std::string_view message, std::string& out) const { format(target, message, out); }
};

// One run-time setting for a sink that needs more than a folder: the
// PostgreSQL sink's "postgres" connection string, the Redis sink's "redis"
// address. Set in logger_options::settings; each sink documents its keys.
struct sink_setting {
    std::string key;
    std::string value;
};

// What a sink is built from: the logger's run-time settings.
struct sink_context {
    std::string directory = "logs";             // every file a sink makes lives below this
    std::string base_name = "app";             // "app" → app.log, app_errors.log
    std::string logger_name = "app";
    std::string session_id;                    // UUID v4 of this logger's lifetime
    time_point start_time{};                   // when the logger was made
    unsigned file_mode = 0644;
    unsigned directory_mode = 0755;
    error_reporter* errors = nullptr;          // never null in a logger
    report_formatter format_report{};          // set by the logger
    // The logger's clock (its config's `clock`, policy/clock.hpp): what a
    // sink's retention takes as "now". A record's own time is in the record.
    time_point (*now)() noexcept = &inkwell::clock::system::now;
    std::vector<sink_setting> settings{};      // logger_options::settings

    // The value of the last setting named `key`, or `fallback`.
    std::string_view setting(std::string_view key, std::string_view fallback = {}) const noexcept {
        for (auto it = settings.rbegin(); it != settings.rend(); ++it)
            if (it->key == key) return it->value;
        return fallback;
    }
};

namespace policy {

template <class S>
concept sink_constructible = std::constructible_from<S, const sink_context&>;

template <class S>
concept sink_writes = requires(S& s, const record& r, std::string_view line) { s.write(r, line); };

template <class S>
concept sink_flushes = requires(S& s) { s.flush(); };

template <class S>
concept sink = sink_constructible<S> && sink_writes<S> && sink_flushes<S>;

template <class S>
concept sink_commits = requires(S& s) { s.commit(); };

// The end of a batch of records: commit() where the sink has it, else flush().
template <class S>
void commit_or_flush(S& s) {
    if constexpr (sink_commits<S>)
        s.commit();
    else
        s.flush();
}

template <class S>
concept sink_rotates_on_request = requires(S& s) { s.rotate_now(); };

template <class S>
concept sink_reopens = requires(S& s) { s.reopen(); };

template <class S>
concept sink_takes_rotation = requires { typename S::template with_rotation<void>; };

template <class S>
concept sink_takes_retention = requires { typename S::template with_retention<void>; };

template <class S>
concept sink_takes_compression = requires { typename S::template with_compression<void>; };

}  // namespace policy
INKWELL_END_NAMESPACE
