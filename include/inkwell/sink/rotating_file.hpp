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
// Retention (bound through `with_retention<R>`; retain::never by default)
// runs over the file's backups (layout retain::layout::rotated_file: app.log.N,
// app.log.YYYYMMDD and their compressed copies; the file itself always stays)
// at the first record and after each rotation, on the thread that writes,
// with context.now() (the logger's clock) as the time it measures ages from.
// Compression (`with_compression<C>`; compress::none by default) gets each
// backup as rotation makes it: app.log.1 becomes app.log.1.gz on the
// compressor's thread. A rotation first waits for the backups still being
// compressed (they are about to be renamed); failures are reported at flush.
//
// The file is created at the first record (mode context.file_mode, folders
// context.directory_mode). flush() writes whole lines only. Not thread-safe
// by itself: the logger serialises every call.

#include "../detail/chrono.hpp"
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../compress/none.hpp"
#include "../detail/compressor.hpp"
#include "../detail/fixed_string.hpp"
#include "../detail/posix_file.hpp"
#include "../detail/sanitize.hpp"
#include "../policy/compression.hpp"
#include "../policy/retention.hpp"
#include "../policy/rotation.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../retain/never.hpp"
#include "../rotate/by_size.hpp"
#include "../version.hpp"

INKWELL_BEGIN_NAMESPACE
namespace detail {

inline constexpr std::chrono::seconds rotation_retry_wait{10};

// Rotates `file` now (unless it is empty): what rotate_now() and a due
// rotation both do. Returns what the policy did (moved: the backup's path).
template <class Rotation>
rotate::outcome rotate_log_file(log_file& file, Rotation& rotation) {
    file.flush();  // earlier lines belong in the file that moves aside, in order
    if (!file.is_open() || file.size() == 0) return {};
    rotate::outcome result = rotation.rotate(file.state());
    if (result.error != 0) file.report(error_kind::rotate, result.error, file.path(), result.what);
    if (result.moved) {
        file.clear_rotation_deferral();
        file.start_new_file();
    } else if (result.error != 0) {
        file.defer_rotation(rotation_retry_wait);
    }
    return result;
}

// Asked before `incoming_bytes` of a record at `record_time` go to `file`:
// is a rotation due (and not waiting after a failed one)?
template <class Rotation>
bool rotation_due(log_file& file, Rotation& rotation, time_point record_time, std::size_t incoming_bytes) {
    return rotation.due(file.state(), record_time, incoming_bytes) && !file.rotation_deferred();
}

// The error reporter of a sink made without one (outside a logger).
inline error_reporter& reporter_or_orphan(error_reporter* errors) noexcept {
    return errors ? *errors : orphan_error_reporter();
}

}  // namespace detail

namespace sink {

template <class Rotation = rotate::by_size<>, detail::fixed_string Suffix = "", class Retention = retain::never,
          class Compression = compress::none>
class rotating_file {
    static_assert(policy::rotation<Rotation>,
                  "inkwell: the rotation policy does not satisfy inkwell::policy::rotation; "
                  "see inkwell/policy/rotation.hpp");
    static_assert(policy::retention<Retention>,
                  "inkwell: the retention policy does not satisfy inkwell::policy::retention; "
                  "see inkwell/policy/retention.hpp");
    static_assert(policy::compression<Compression>,
                  "inkwell: the compression policy does not satisfy inkwell::policy::compression; "
                  "see inkwell/policy/compression.hpp");
    static_assert(Suffix.size() <= 64 && detail::is_safe_file_text(Suffix.view()),
                  "inkwell: a file name suffix may hold only A-Z a-z 0-9 . _ - (at most 64 of them)");

public:
    using rotation_type = Rotation;
    using retention_type = Retention;
    using compression_type = Compression;
    template <class R>
    using with_rotation = rotating_file<R, Suffix, Retention, Compression>;
    template <class R>
    using with_retention = rotating_file<Rotation, Suffix, R, Compression>;
    template <class C>
    using with_compression = rotating_file<Rotation, Suffix, Retention, C>;

    explicit rotating_file(const sink_context& context) : rotating_file(context, Rotation{}) {}
    rotating_file(const sink_context& context, Rotation rotation)
        : rotation_(std::move(rotation)), errors_(context.errors), now_(context.now) {
        std::string name;
        detail::sanitize_file_component(context.base_name, name);
        name.append(Suffix.view()).append(".log");
        file_.assign(detail::folder_text(context.directory), name, name + ".", "", context.file_mode,
                     context.directory_mode, context.errors, context.format_report);
        file_.set_write_threshold(detail::single_file_pending_limit);  // one file: larger writes
    }
    ~rotating_file() {
        if constexpr (compression_handle::enabled) {
            compression_.wait();  // the last backups are compressed before the logger goes
            compression_.report_failures(detail::reporter_or_orphan(errors_));
        }
    }
    rotating_file(const rotating_file&) = delete;
    rotating_file& operator=(const rotating_file&) = delete;

    void write(const record& r, std::string_view line) {
        if (!file_.is_open()) file_.ensure_open();  // the size a restart found counts toward rotation
        if (!started_) {  // start-up, on the thread that writes: the first clean-up
            started_ = true;
            clean_up();
        }
        if (detail::rotation_due(file_, rotation_, r.time, line.size())) rotate_file();
        file_.append(line, r.time);
    }
    void flush() noexcept {
        file_.flush();
        if constexpr (compression_handle::enabled) compression_.report_failures(detail::reporter_or_orphan(errors_));
    }
    // Opens the file again by name (after logrotate moved or deleted it).
    void reopen() noexcept { file_.reopen(); }

    // Rotates now, whatever the policy says is due (nothing for an empty
    // file, or with rotate::never).
    void rotate_now() {
        if (!file_.is_open()) file_.ensure_open();
        rotate_file();
    }

    // Waits until every backup handed to the compression policy so far is
    // compressed (tests; the destructor does it too).
    void wait_for_compression() { compression_.wait(); }

    const std::string& path() const noexcept { return file_.path(); }
    const Rotation& rotation() const noexcept { return rotation_; }
    Retention& retention() noexcept { return retention_; }

private:
    using compression_handle = detail::compression_handle<Compression>;

    void rotate_file() {
        // A backup still being compressed must not be renamed under the compressor.
        compression_.wait();
        rotate::outcome done = detail::rotate_log_file(file_, rotation_);
        if (!done.moved) return;
        clean_up();
        if (!done.backup.empty()) compression_.submit(std::move(done.backup));
    }

    // Retention over this file's backups (the file itself is always kept).
    void clean_up() {
        if constexpr (!std::is_same_v<Retention, retain::never>)
            retain::apply(retention_, {file_.folder(), retain::layout::rotated_file(file_.name())}, now_(), errors_);
    }

    [[no_unique_address]] Rotation rotation_;
    [[no_unique_address]] Retention retention_;
    detail::log_file file_;
    error_reporter* errors_;
    time_point (*now_)() noexcept;  // the logger's clock, for retention
    compression_handle compression_;
    bool started_ = false;
};

}  // namespace sink
INKWELL_END_NAMESPACE
