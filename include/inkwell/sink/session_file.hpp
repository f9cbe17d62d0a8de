#pragma once
// sink::session_file — one file per logger lifetime:
// `<directory>/session_<YYYY-MM-DDTHH-MM-SSZ>_<session id>.jsonl`, the time
// being context.start_time in UTC and the id context.session_id sanitized to
// a safe name component (an empty id leaves out the `_<id>` part).
//
// The file is created when the sink is constructed, so a session that logs
// nothing still leaves its (empty) file; a failure there is reported, and
// the first record tries again. Mode context.file_mode, folders
// context.directory_mode. flush() writes whole lines only. Not thread-safe by
// itself: the logger serialises every call.

#include <string>
#include <string_view>
#include <type_traits>

#include "../detail/posix_file.hpp"
#include "../detail/sanitize.hpp"
#include "../detail/time_format.hpp"
#include "../policy/retention.hpp"
#include "../policy/rotation.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../retain/never.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

// "session_2024-12-20T10-15-30Z_<id>.jsonl": ':' is left out of the time
// because it is awkward in file names (and invalid on some file systems).
inline std::string session_file_name(time_point start, std::string_view session_id) {
    const utc_fields f = split_utc(start);
    char stamp[20];
    char* at = put_date(stamp, f.date, '-');
    *at++ = 'T';
    at = put_digits(at, f.hour, 2);
    *at++ = '-';
    at = put_digits(at, f.minute, 2);
    *at++ = '-';
    at = put_digits(at, f.second, 2);
    *at++ = 'Z';
    std::string name = "session_";
    name.append(stamp, static_cast<std::size_t>(at - stamp));
    if (!session_id.empty()) {
        char id[max_file_component + 1];
        name.append("_").append(sanitize_file_component(session_id, id));
    }
    name.append(".jsonl");
    return name;
}

}  // namespace detail

namespace sink {

// Retention (bound through with_retention<R>; retain::never by default) runs
// over the folder's session files (layout retain::layout::sessions(); this
// session's file stays) at the first record, on the thread that writes,
// with context.now() (the logger's clock) as the time it measures ages from.
// A class template also so that a file which never uses it pays nothing to
// compile it (a plain class instantiates the std templates it uses at once).
template <class Retention = retain::never>
class basic_session_file {
    static_assert(policy::retention<Retention>,
                  "inkwell: the retention policy does not satisfy inkwell::policy::retention; "
                  "see inkwell/policy/retention.hpp");

public:
    using retention_type = Retention;
    template <class R>
    using with_retention = basic_session_file<R>;

    explicit basic_session_file(const sink_context& context) : errors_(context.errors), now_(context.now) {
        std::string name = detail::session_file_name(context.start_time, context.session_id);
        file_.assign(detail::folder_text(context.directory), name, name + ".", "", context.file_mode,
                     context.directory_mode, context.errors, context.format_report);
        file_.set_write_threshold(detail::single_file_pending_limit);  // one file: larger writes
        file_.ensure_open();
    }

    void write(const record& r, std::string_view line) {
        if (!started_) {  // start-up, on the thread that writes
            started_ = true;
            if constexpr (!std::is_same_v<Retention, retain::never>)
                retain::apply(retention_, {file_.folder(), retain::layout::sessions(), {file_.name()}},
                              now_(), errors_);
        }
        file_.append(line, r.time);
    }
    void flush() noexcept { file_.flush(); }
    // Opens the file again by name (after logrotate moved or deleted it).
    void reopen() noexcept { file_.reopen(); }

    const std::string& path() const noexcept { return file_.path(); }
    Retention& retention() noexcept { return retention_; }

private:
    [[no_unique_address]] Retention retention_;
    detail::log_file file_;
    error_reporter* errors_;
    time_point (*now_)() noexcept;  // the logger's clock, for retention
    bool started_ = false;
};

using session_file = basic_session_file<>;

}  // namespace sink
INKWELL_END_NAMESPACE
