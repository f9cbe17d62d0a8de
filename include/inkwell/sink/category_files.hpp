#pragma once
// sink::category_files<Extension, Rotation> — one file per category and UTC
// day: `<directory>/YYYY-MM-DD/<category><Extension>`, e.g.
// logs/2024-12-20/engine.jsonl. The folder comes from the record's own time
// (UTC), so a record lands in the day it happened, not the day it was written.
// The category is sanitized to a safe name component; an empty one (a logger
// without a classifier) is written as "general".
//
// Open files are cached per (day, category), at most 64 at once: when a
// 65th is needed, the least recently used one is flushed and closed. When
// the process runs out of descriptors (EMFILE, ENFILE: a low `ulimit -n`),
// the least recently used file is flushed and closed and the open tried
// again, until it works or no other file is left to close; only then is the
// failure reported (and the record goes to the stderr fallback). When a
// record of a later day arrives, the files of earlier days are closed (a late
// record of an earlier day opens its file again for as long as it is used).
// Every file holds its own pending lines; flush() writes each in one write(2)
// of whole lines (a file's lines go out at once when they pass 64 KiB).
//
// With a rotation policy (bound by the logger through with_rotation<R>; the
// default rotate::never does nothing), each category file rotates inside its
// day folder. Backups are named `<category>+<tag><Extension>`: by size,
// engine.jsonl → engine+1.jsonl … engine+N.jsonl; daily, engine+20241220.jsonl.
// The '+' is a byte no sanitized category contains, so a backup can never
// take the name of another category's file (engine.1.jsonl could: the file
// of category "engine.1"), and a backup still ends in the extension.
//
// Retention (bound through with_retention<R>; retain::never by default) runs
// over the date folders (layout retain::layout::date_folders(Extension); the
// files open now are passed as active and never deleted) at the first record
// and whenever a day or a file rolls, on the thread that writes: with
// retain::max_age<7>, logs/2024-12-20/ goes, whole, once its day ended 7
// days ago.
//
// Compression (with_compression<C>; compress::none by default): a rotated
// backup is handed to the compressor as rotation makes it (engine+1.jsonl
// becomes engine+1.jsonl.gz), and at the first record of a new day the files
// of the days before the previous one: the previous day stays as it is, for
// late records (a record of an earlier day opens its file again). The same
// happens at start-up (the first record), for what an earlier run left. A
// file that already has a compressed copy (a late record made it anew after
// its day was compressed) is left uncompressed rather than overwrite the
// copy. A rotation first waits for the backups still being compressed (they
// are about to be renamed); failures are reported at flush.
//
// Files get mode context.file_mode, folders context.directory_mode, created as
// needed. Not thread-safe by itself: the logger serialises every call.

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../compress/none.hpp"
#include "../detail/compressor.hpp"
#include "../detail/fixed_string.hpp"
#include "../detail/posix_file.hpp"
#include "../detail/time_format.hpp"
#include "../detail/sanitize.hpp"
#include "../policy/compression.hpp"
#include "../policy/retention.hpp"
#include "../policy/rotation.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../retain/never.hpp"
#include "../rotate/never.hpp"
#include "../version.hpp"
#include "rotating_file.hpp"

INKWELL_BEGIN_NAMESPACE
namespace sink {

template <detail::fixed_string Extension = ".jsonl", class Rotation = rotate::never, class Retention = retain::never,
          class Compression = compress::none>
class category_files {
    static_assert(policy::rotation<Rotation>,
                  "inkwell: the rotation policy does not satisfy inkwell::policy::rotation; "
                  "see inkwell/policy/rotation.hpp");
    static_assert(policy::retention<Retention>,
                  "inkwell: the retention policy does not satisfy inkwell::policy::retention; "
                  "see inkwell/policy/retention.hpp");
    static_assert(policy::compression<Compression>,
                  "inkwell: the compression policy does not satisfy inkwell::policy::compression; "
                  "see inkwell/policy/compression.hpp");
    static_assert(Extension.size() <= 64 && detail::is_safe_file_text(Extension.view()),
                  "inkwell: a file extension may hold only A-Z a-z 0-9 . _ - (at most 64 of them)");

public:
    using rotation_type = Rotation;
    using retention_type = Retention;
    using compression_type = Compression;
    template <class R>
    using with_rotation = category_files<Extension, R, Retention, Compression>;
    template <class R>
    using with_retention = category_files<Extension, Rotation, R, Compression>;
    template <class C>
    using with_compression = category_files<Extension, Rotation, Retention, C>;

    static constexpr std::size_t max_open_files = 64;
    static constexpr std::string_view default_category = "general";

    explicit category_files(const sink_context& context) : category_files(context, Rotation{}) {}
    category_files(const sink_context& context, Rotation rotation)
        : rotation_(std::move(rotation)), directory_(detail::folder_text(context.directory)),
          file_mode_(context.file_mode), directory_mode_(context.directory_mode), errors_(context.errors),
          format_report_(context.format_report), now_(context.now), entries_(max_open_files) {}
    ~category_files() {
        if constexpr (compression_handle::enabled) {
            for (auto& e : entries_)
                if (e.in_use) release(e);
            backups_compression_.wait();  // what was handed over is compressed before the logger goes
            days_compression_.wait();
            report_compression_failures();
        }
    }
    category_files(const category_files&) = delete;
    category_files& operator=(const category_files&) = delete;

    void write(const record& r, std::string_view line) {
        const days day = std::chrono::floor<std::chrono::days>(r.time).time_since_epoch();
        bool new_day = false;
        if (!any_day_ || day > newest_day_) {  // the first record (start-up) counts as a new day
            if (any_day_) close_days_before(day);
            newest_day_ = day;
            any_day_ = true;
            new_day = true;
        }
        char buffer[detail::max_file_component + 1];
        std::string_view name =
            detail::sanitize_file_component(r.category.empty() ? default_category : r.category, buffer);
        entry& e = find_or_open(day, name, r.time);
        if (!e.file.is_open()) open_making_room(e);  // an earlier open failed: try again
        if (new_day) {  // after the open: the day's first file counts as active
            clean_up();
            compress_earlier_days(day);
        }
        if (detail::rotation_due(e.file, rotation_, r.time, line.size())) rotate_file(e);
        e.file.append(line, r.time);
    }

    void flush() noexcept {
        for (auto& e : entries_)
            if (e.in_use) e.file.flush();
        if constexpr (compression_handle::enabled) report_compression_failures();
    }

    // Opens every file again by name (after logrotate moved or deleted them).
    void reopen() noexcept {
        for (auto& e : entries_)
            if (e.in_use) e.file.reopen();
    }

    // Rotates every open file that holds something (rotation on request).
    void rotate_now() {
        for (auto& e : entries_)
            if (e.in_use) rotate_file(e);
    }

    // Waits until every file handed to the compression policy so far is
    // compressed (tests; the destructor does it too).
    void wait_for_compression() {
        backups_compression_.wait();
        days_compression_.wait();
    }

    // How many files are open now (at most max_open_files).
    std::size_t open_files() const noexcept {
        std::size_t n = 0;
        for (const auto& e : entries_) n += e.in_use && e.file.is_open();
        return n;
    }

    const Rotation& rotation() const noexcept { return rotation_; }
    Retention& retention() noexcept { return retention_; }

private:
    using days = std::chrono::days;
    using compression_handle = detail::compression_handle<Compression>;

    struct entry {
        days day{};
        std::string name;  // the sanitized category
        std::uint64_t last_use = 0;
        bool in_use = false;
        detail::log_file file;
    };

    entry& find_or_open(days day, std::string_view name, time_point record_time) {
        ++use_clock_;
        // Consecutive records of one category are the common case.
        if (last_ < entries_.size()) {
            entry& e = entries_[last_];
            if (e.in_use && e.day == day && e.name == name) return touch(e);
        }
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            entry& e = entries_[i];
            if (e.in_use && e.day == day && e.name == name) {
                last_ = i;
                return touch(e);
            }
        }
        entry& e = free_entry();
        last_ = static_cast<std::size_t>(&e - entries_.data());
        e.day = day;
        e.name.assign(name);
        e.in_use = true;
        char date[11];
        std::string folder = directory_;
        folder.append("/").append(detail::utc_date(record_time, date));
        std::string file_name = e.name;
        file_name.append(Extension.view());
        e.file.assign(std::move(folder), std::move(file_name), e.name + "+", std::string(Extension.view()),
                      file_mode_, directory_mode_, errors_, format_report_);
        open_making_room(e);
        return touch(e);
    }

    // Opens e's file; out of descriptors, closes the least recently used
    // other files one by one and tries again.
    void open_making_room(entry& e) noexcept {
        int err = e.file.open_quietly();
        while ((err == EMFILE || err == ENFILE) && close_least_recently_used(&e)) err = e.file.open_quietly();
        if (err != 0) e.file.report_open_failure(err);
    }

    // Flushes and closes the least recently used open file other than
    // `keep`. False when there is none.
    bool close_least_recently_used(const entry* keep) noexcept {
        entry* oldest = nullptr;
        for (auto& e : entries_)
            if (&e != keep && e.in_use && e.file.is_open() && (!oldest || e.last_use < oldest->last_use)) oldest = &e;
        if (!oldest) return false;
        release(*oldest);
        return true;
    }

    entry& touch(entry& e) noexcept {
        e.last_use = use_clock_;
        return e;
    }

    // An unused slot, or else the least recently used file, closed.
    entry& free_entry() {
        for (auto& e : entries_)
            if (!e.in_use) return e;
        entry* oldest = &entries_.front();
        for (auto& e : entries_)
            if (e.last_use < oldest->last_use) oldest = &e;
        release(*oldest);
        return *oldest;
    }

    void close_days_before(days day) noexcept {
        for (auto& e : entries_)
            if (e.in_use && e.day < day) release(e);
    }

    void release(entry& e) noexcept {
        e.file.close();
        e.in_use = false;
    }

    void rotate_file(entry& e) {
        if constexpr (compression_handle::enabled) {
            // A backup still being compressed must not be renamed under the
            // compressor; nor may a file of an old day that is being compressed.
            backups_compression_.wait();
            if (e.day + days{2} <= newest_day_) days_compression_.wait();
        }
        rotate::outcome done = detail::rotate_log_file(e.file, rotation_);
        if (!done.moved) return;
        clean_up();
        if (!done.backup.empty()) backups_compression_.submit(std::move(done.backup));
    }

    // "YYYY-MM-DD/<name><Extension>": a file open now, as retention names it.
    std::string relative_path(const entry& e) const {
        char date[11];
        std::string path{detail::utc_date(time_point{e.day}, date)};
        path.append("/").append(e.name).append(Extension.view());
        return path;
    }

    // Retention over every date folder; the files open now stay.
    void clean_up() {
        if constexpr (!std::is_same_v<Retention, retain::never>) {
            retain::log_folder folder{directory_, retain::layout::date_folders(Extension.view())};
            for (const auto& e : entries_)
                if (e.in_use) folder.active.push_back(relative_path(e));
            retain::apply(retention_, folder, now_(), errors_);
        }
    }

    // Hands the files of the days before the one before `today` to the
    // compressor (those not compressed yet, not open, without a compressed copy).
    void compress_earlier_days(days today) {
        if constexpr (compression_handle::enabled) {
            retain::listing files =
                retain::listing::scan({directory_, retain::layout::date_folders(Extension.view())}, errors_);
            const time_point last_day_end{today - days{1}};  // a file of day D ends at D + 1 day
            for (const auto& f : files.files()) {
                if (f.compressed || f.newest > last_day_end || is_open(f.path)) continue;
                std::string path = directory_;
                path.append("/").append(f.path);
                std::string compressed = path;
                compressed.append(Compression::extension);
                struct stat st {};
                if (::lstat(compressed.c_str(), &st) == 0) continue;  // never overwrite a compressed copy
                days_compression_.submit(std::move(path));
            }
        }
    }

    bool is_open(std::string_view relative) const {
        for (const auto& e : entries_)
            if (e.in_use && relative_path(e) == relative) return true;
        return false;
    }

    void report_compression_failures() {
        error_reporter& errors = detail::reporter_or_orphan(errors_);
        backups_compression_.report_failures(errors);
        days_compression_.report_failures(errors);
    }

    [[no_unique_address]] Rotation rotation_;
    [[no_unique_address]] Retention retention_;
    std::string directory_;
    unsigned file_mode_;
    unsigned directory_mode_;
    error_reporter* errors_;
    report_formatter format_report_;
    time_point (*now_)() noexcept;  // the logger's clock, for retention
    // All max_open_files slots from the start, so never moved, and no code to
    // grow the vector (less to compile in every file that uses the sink).
    std::vector<entry> entries_;
    std::size_t last_ = 0;
    std::uint64_t use_clock_ = 0;
    days newest_day_{};
    bool any_day_ = false;
    // Two shares of the compressor, so that a rotation waits only for the
    // backups in flight, not for a whole day's files.
    compression_handle backups_compression_;
    compression_handle days_compression_;
};

}  // namespace sink
INKWELL_END_NAMESPACE
