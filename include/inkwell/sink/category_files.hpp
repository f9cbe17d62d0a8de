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
// Files get mode context.file_mode, folders context.directory_mode, created as
// needed. Not thread-safe by itself: the logger serialises every call.

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/fixed_string.hpp"
#include "../detail/posix_file.hpp"
#include "../detail/time_format.hpp"
#include "../detail/sanitize.hpp"
#include "../policy/rotation.hpp"
#include "../policy/sink.hpp"
#include "../record.hpp"
#include "../rotate/never.hpp"
#include "../version.hpp"
#include "rotating_file.hpp"

INKWELL_BEGIN_NAMESPACE
namespace sink {

template <detail::fixed_string Extension = ".jsonl", class Rotation = rotate::never>
class category_files {
    static_assert(policy::rotation<Rotation>,
                  "inkwell: the rotation policy does not satisfy inkwell::policy::rotation; "
                  "see inkwell/policy/rotation.hpp");
    static_assert(Extension.size() <= 64 && detail::is_safe_file_text(Extension.view()),
                  "inkwell: a file extension may hold only A-Z a-z 0-9 . _ - (at most 64 of them)");

public:
    using rotation_type = Rotation;
    template <class R>
    using with_rotation = category_files<Extension, R>;

    static constexpr std::size_t max_open_files = 64;
    static constexpr std::string_view default_category = "general";

    explicit category_files(const sink_context& context) : category_files(context, Rotation{}) {}
    category_files(const sink_context& context, Rotation rotation)
        : rotation_(std::move(rotation)), directory_(detail::folder_text(context.directory)),
          file_mode_(context.file_mode), directory_mode_(context.directory_mode), errors_(context.errors),
          format_report_(context.format_report) {
        entries_.reserve(max_open_files);
    }

    void write(const record& r, std::string_view line) {
        const days day = std::chrono::floor<std::chrono::days>(r.time).time_since_epoch();
        if (!any_day_ || day > newest_day_) {
            if (any_day_) close_days_before(day);
            newest_day_ = day;
            any_day_ = true;
        }
        char buffer[detail::max_file_component + 1];
        std::string_view name =
            detail::sanitize_file_component(r.category.empty() ? default_category : r.category, buffer);
        entry& e = find_or_open(day, name, r.time);
        if (!e.file.is_open()) open_making_room(e);  // an earlier open failed: try again
        detail::rotate_log_file_if_due(e.file, rotation_, r.time, line.size());
        e.file.append(line, r.time);
    }

    void flush() noexcept {
        for (auto& e : entries_)
            if (e.in_use) e.file.flush();
    }

    // Opens every file again by name (after logrotate moved or deleted them).
    void reopen() noexcept {
        for (auto& e : entries_)
            if (e.in_use) e.file.reopen();
    }

    // Rotates every open file that holds something (rotation on request).
    void rotate_now() {
        for (auto& e : entries_)
            if (e.in_use) detail::rotate_log_file(e.file, rotation_);
    }

    // How many files are open now (at most max_open_files).
    std::size_t open_files() const noexcept {
        std::size_t n = 0;
        for (const auto& e : entries_) n += e.in_use && e.file.is_open();
        return n;
    }

    const Rotation& rotation() const noexcept { return rotation_; }

private:
    using days = std::chrono::days;

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
        if (entries_.size() < max_open_files) return entries_.emplace_back();
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

    [[no_unique_address]] Rotation rotation_;
    std::string directory_;
    unsigned file_mode_;
    unsigned directory_mode_;
    error_reporter* errors_;
    report_formatter format_report_;
    std::vector<entry> entries_;  // never more than max_open_files; reserved, so never moved
    std::size_t last_ = 0;
    std::uint64_t use_clock_ = 0;
    days newest_day_{};
    bool any_day_ = false;
};

}  // namespace sink
INKWELL_END_NAMESPACE
