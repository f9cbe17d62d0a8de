#pragma once
// sink::rotating_file<Rotation, Suffix> — a text log that rotates:
// `<directory>/<base_name><Suffix>.log`, e.g. app.log and, with Suffix
// "_errors", app_errors.log. Rotation (rotate::by_size<> by default) decides
// when the file moves aside and under which names (app.log.1 …, or
// app.log.YYYYMMDD); rotate_now() rotates on request.
//
// The logger binds its config's rotation policy through `with_rotation<R>`.
// Before a record goes in, the policy is asked whether it is due; if so the
// lines held so far are written, the file is renamed and a new one begins,
// so no line is ever split across files. When the rename fails, the error is
// reported, writing goes on in the current file, and automatic rotation
// waits 10 s before trying again.
//
// The file is created at the first record (mode context.file_mode, folders
// context.directory_mode). flush() writes whole lines only. Not thread-safe
// by itself: the logger serialises every call.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "../detail/fixed_string.hpp"
#include "../detail/posix_file.hpp"
#include "../detail/sanitize.hpp"
#include "../policy/rotation.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../rotate/by_size.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

inline constexpr std::chrono::seconds rotation_retry_wait{10};

// Rotates `file` now (unless it is empty): what rotate_now() and a due
// rotation both do.
template <class Rotation>
void rotate_log_file(log_file& file, Rotation& rotation) {
    file.flush();  // earlier lines belong in the file that moves aside, in order
    if (!file.is_open() || file.size() == 0) return;
    rotate::outcome result = rotation.rotate(file.state());
    if (result.error != 0) file.report(error_kind::rotate, result.error, file.path(), result.what);
    if (result.moved) {
        file.clear_rotation_deferral();
        file.start_new_file();
    } else if (result.error != 0) {
        file.defer_rotation(rotation_retry_wait);
    }
}

// Called before `incoming_bytes` of a record at `record_time` go to `file`.
template <class Rotation>
void rotate_log_file_if_due(log_file& file, Rotation& rotation, time_point record_time, std::size_t incoming_bytes) {
    if (!rotation.due(file.state(), record_time, incoming_bytes)) return;
    if (file.rotation_deferred()) return;
    rotate_log_file(file, rotation);
}

}  // namespace detail

namespace sink {

template <class Rotation = rotate::by_size<>, detail::fixed_string Suffix = "">
class rotating_file {
    static_assert(policy::rotation<Rotation>,
                  "inkwell: the rotation policy does not satisfy inkwell::policy::rotation; "
                  "see inkwell/policy/rotation.hpp");
    static_assert(Suffix.size() <= 64 && detail::is_safe_file_text(Suffix.view()),
                  "inkwell: a file name suffix may hold only A-Z a-z 0-9 . _ - (at most 64 of them)");

public:
    using rotation_type = Rotation;
    template <class R>
    using with_rotation = rotating_file<R, Suffix>;

    explicit rotating_file(const sink_context& context) : rotating_file(context, Rotation{}) {}
    rotating_file(const sink_context& context, Rotation rotation) : rotation_(std::move(rotation)) {
        std::string name;
        detail::sanitize_file_component(context.base_name, name);
        name.append(Suffix.view()).append(".log");
        file_.assign(detail::folder_text(context.directory), name, name + ".", "", context.file_mode,
                     context.directory_mode, context.errors, context.format_report);
    }

    void write(const record& r, std::string_view line) {
        if (!file_.is_open()) file_.ensure_open();  // the size a restart found counts toward rotation
        detail::rotate_log_file_if_due(file_, rotation_, r.time, line.size());
        file_.append(line, r.time);
    }
    void flush() noexcept { file_.flush(); }
    // Opens the file again by name (after logrotate moved or deleted it).
    void reopen() noexcept { file_.reopen(); }

    // Rotates now, whatever the policy says is due (nothing for an empty
    // file, or with rotate::never).
    void rotate_now() {
        if (!file_.is_open()) file_.ensure_open();
        detail::rotate_log_file(file_, rotation_);
    }

    const std::string& path() const noexcept { return file_.path(); }
    const Rotation& rotation() const noexcept { return rotation_; }

private:
    [[no_unique_address]] Rotation rotation_;
    detail::log_file file_;
};

}  // namespace sink
INKWELL_END_NAMESPACE
