#pragma once
// sink::category_files<Extension, Rotation, Retention, Compression, Limits> —
// one file per category and UTC day: `<directory>/YYYY-MM-DD/<category><Extension>`,
// e.g. logs/2024-12-20/engine.jsonl. The folder comes from the record's own
// time (UTC), so a record lands in the day it happened, not the day it was
// written. The category is sanitized to a safe name component; an empty one
// (a logger without a classifier) is written as "general".
//
// Thousands of categories, few descriptors. The sink keeps a state per
// (day, category) — its pending lines, the size on disk last known, a write
// failure streak — found through a small open-addressing hash table, and
// caps only the OPEN files: at most Limits::max_open_files (64), least
// recently used closed first (and one descriptor more: the newest day's
// folder, held open so that a file opens with one openat() of its name in
// it; see detail::own_folder). A record for a category whose file is closed
// is held in memory without opening anything (in a chain of blocks shared
// out by one pool, detail/held_lines.hpp: with a thousand closed files
// taking lines in turn, a line is stored without cache or TLB misses and
// never copied again: the blocks go to the kernel as they are); its lines go
// out (open, making room by closing the least recently used open file, then
// one writev(2) of the blocks, whole lines) when
//   - they reach 64 KiB (detail::pending_limit), or
//   - flush() (logger::flush(), shutdown): everything, or
//   - commit() (after each record of a sync logger, each round of the async
//     writer) finds them due: the category holds a record of level warn or
//     above (errors never wait), or its oldest held line is older than
//     Limits::max_pending_age (1 s). commit() also hands the lines of every
//     open file to the kernel. It looks only at what changed (a list of open
//     files written to, a list of warnings, a queue of closed files in the
//     order their lines began to wait), never at every state.
//   - the lines held by all categories together would pass
//     Limits::max_pending_bytes (16 MiB: with the jsonl preset's 32 MiB of
//     queues, under the 50 MB the files-at-scale reference allows): then
//     files are written by priority until less than 70 % of it is held —
//     first those holding error or critical records, then warn, then the
//     largest (within an eighth of a power of two) first.
// When the process runs out of descriptors (EMFILE, ENFILE: a low
// `ulimit -n`), the least recently used file is closed and the open tried
// again, and the cap is lowered to one less than what was open then, so
// later opens close a file first instead of failing one openat each time;
// only when no file is left to close is the failure reported (the lines go
// to the stderr fallback). A closed file gives its buffer's memory back (its
// log_file's to the heap, its chain's blocks to the pool, which keeps them
// for the next lines: the pool holds as much as the held lines ever took,
// which the cap above bounds).
// A state that is closed, holds nothing and has no failure streak is
// recycled (least recently used first) once more than Limits::kept_states
// (4,096) are kept; a state in a write failure streak keeps it, so that its
// "inkwell: N records dropped" note is written when its file writes again.
// When a record of a later day arrives, the states of earlier days are
// written out, closed and forgotten (a late record of an earlier day makes
// its state anew for as long as that day is current).
// Limits: sink::category_limits<MaxPendingBytes, MaxPendingAgeMs,
// MaxOpenFiles, KeptStates>, bound as the fifth parameter or through
// `with_limits<L>`.
//
// With a rotation policy (bound by the logger through with_rotation<R>; the
// default rotate::never does nothing), each category file rotates inside its
// day folder (a closed file is opened for it; its size while closed is the
// one last known, or one lstat of a file it never opened). Backups are named
// `<category>+<tag><Extension>`: by size, engine.jsonl → engine+1.jsonl …
// engine+N.jsonl; daily, engine+20241220.jsonl. The '+' is a byte no
// sanitized category contains, so a backup can never take the name of
// another category's file (engine.1.jsonl could: the file of category
// "engine.1"), and a backup still ends in the extension.
//
// Retention (bound through with_retention<R>; retain::never by default) runs
// over the date folders (layout retain::layout::date_folders(Extension); the
// active files — open, or holding lines — are passed as active and never
// deleted) at the first record and whenever a day or a file rolls, on the
// thread that writes: with retain::max_age<7>, logs/2024-12-20/ goes, whole,
// once its day ended 7 days ago.
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

#include <bit>
#include <cerrno>
#include "../detail/chrono.hpp"
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../compress/none.hpp"
#include "../detail/compressor.hpp"
#include "../detail/fixed_string.hpp"
#include "../detail/held_lines.hpp"
#include "../detail/posix_file.hpp"
#include "../detail/time_format.hpp"
#include "../detail/sanitize.hpp"
#include "../level.hpp"
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

// The limits of sink::category_files (its fifth parameter).
//   MaxPendingBytes  lines held by all categories together before files are
//                    written by priority (16 MiB);
//   MaxPendingAgeMs  how long commit() lets a closed file's info lines wait (1 s);
//   MaxOpenFiles     files open at once (64; fewer when the process has fewer
//                    descriptors);
//   KeptStates       per-(day, category) states kept before idle ones are
//                    recycled (4,096).
template <std::size_t MaxPendingBytes = 16 * 1024 * 1024, unsigned MaxPendingAgeMs = 1000,
          std::size_t MaxOpenFiles = 64, std::size_t KeptStates = 4096>
struct category_limits {
    static_assert(MaxOpenFiles >= 1 && MaxOpenFiles <= 65536, "inkwell: category_limits: 1 to 65536 open files");
    static_assert(MaxPendingBytes >= 1024, "inkwell: category_limits: hold at least 1 KiB of lines");
    static_assert(KeptStates >= MaxOpenFiles, "inkwell: category_limits: keep at least as many states as open files");
    static constexpr std::size_t max_pending_bytes = MaxPendingBytes;
    static constexpr std::chrono::milliseconds max_pending_age{MaxPendingAgeMs};
    static constexpr std::size_t max_open_files = MaxOpenFiles;
    static constexpr std::size_t kept_states = KeptStates;
};

template <detail::fixed_string Extension = ".jsonl", class Rotation = rotate::never, class Retention = retain::never,
          class Compression = compress::none, class Limits = category_limits<>>
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
    using limits_type = Limits;
    template <class R>
    using with_rotation = category_files<Extension, R, Retention, Compression, Limits>;
    template <class R>
    using with_retention = category_files<Extension, Rotation, R, Compression, Limits>;
    template <class C>
    using with_compression = category_files<Extension, Rotation, Retention, C, Limits>;
    template <class L>
    using with_limits = category_files<Extension, Rotation, Retention, Compression, L>;

    static constexpr std::size_t max_open_files = Limits::max_open_files;
    static constexpr std::size_t max_pending_bytes = Limits::max_pending_bytes;
    static constexpr std::chrono::milliseconds max_pending_age = Limits::max_pending_age;
    static constexpr std::size_t kept_states = Limits::kept_states;
    static constexpr std::string_view default_category = "general";

    explicit category_files(const sink_context& context) : category_files(context, Rotation{}) {}
    category_files(const sink_context& context, Rotation rotation)
        : rotation_(std::move(rotation)), directory_(detail::folder_text(context.directory)),
          file_mode_(context.file_mode), directory_mode_(context.directory_mode), errors_(context.errors),
          format_report_(context.format_report), now_(context.now) {
        open_.reserve(max_open_files);  // never grows after: the open list is changed by noexcept code
    }
    ~category_files() {
        flush();
        for (std::size_t i = open_.size(); i-- > 0;) close_state(*open_[i]);
        for (state* s : states_) {
            pool_.release(s->held);  // (empty after flush())
            delete s;
        }
        if constexpr (compression_handle::enabled) {
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
        state& s = find_or_make(day, name);
        touch(s);
        // A free descriptor slot costs no eviction: use it (a new category,
        // or one whose earlier open failed).
        if (!is_open(s) && open_.size() < open_cap_) open_with_held_lines(s);
        if (new_day) {  // after the open: the day's first file counts as active
            clean_up();
            compress_earlier_days(day);
        }
        if (rotation_due(s, r.time, line.size())) rotate_file(s);
        if (total_pending_ + line.size() > max_pending_bytes) relieve_memory();
        hold(s, r.severity, line, r.time);
    }

    // Hands what is due to the kernel: the lines of every open file, and of
    // the closed files that hold a warning or worse or waited long enough.
    void commit() noexcept {
        hand_over_open_files();
        if (!urgent_.empty()) {
            for (std::size_t i = 0; i < urgent_.size(); ++i)
                if (urgent_[i]->urgent) write_out(*urgent_[i]);
            urgent_.clear();
        }
        if (waiting_head_ == waiting_.size()) return;
        const auto now = steady::now();
        for (; waiting_head_ < waiting_.size(); waiting_head_ += 2) {
            state& s = *states_[waiting_[waiting_head_]];
            if (!s.waiting || s.wait_ticket != waiting_[waiting_head_ + 1]) continue;  // written since
            if (now - s.pending_since < max_pending_age) break;  // the rest waited less
            write_out(s);
        }
        compact_waiting();
    }

    // Hands every pending line of every file to the kernel.
    void flush() noexcept {
        for (std::size_t i = open_.size(); i-- > 0;) {
            state& s = *open_[i];  // flushing may close it (a path gone and not reopened): back to front
            const std::size_t before = pending_of(s);
            s.file.flush();
            settle(s, before);
        }
        keep_only_failing_in_dirty();
        for (auto& p : states_)
            if (p->live && holds(*p)) write_out(*p);
        urgent_.clear();
        waiting_.clear();
        waiting_head_ = 0;
        if constexpr (compression_handle::enabled) report_compression_failures();
    }

    // Opens every open file again by name (after logrotate moved or deleted
    // them); a closed one learns its size anew and opens by name when due.
    void reopen() noexcept {
        newest_folder_.drop();  // found by its path again too
        for (std::size_t i = open_.size(); i-- > 0;) {
            state& s = *open_[i];
            const std::size_t before = pending_of(s);
            s.file.reopen();
            settle(s, before);
        }
        for (auto& p : states_)
            if (p->live && !p->file.is_open()) p->file.learn_from_path();
    }

    // Rotates every file that is open or holds lines (rotation on request).
    void rotate_now() {
        for (auto& p : states_)
            if (p->live && (p->file.is_open() || holds(*p))) rotate_file(*p);
    }

    // Waits until every file handed to the compression policy so far is
    // compressed (tests; the destructor does it too).
    void wait_for_compression() {
        backups_compression_.wait();
        days_compression_.wait();
    }

    // How many files are open now (at most open_file_cap()).
    std::size_t open_files() const noexcept { return open_.size(); }
    // The cap on open files: max_open_files, lower after the process ran
    // out of descriptors.
    std::size_t open_file_cap() const noexcept { return open_cap_; }
    // Bytes of lines held, not yet handed to the kernel, over all files.
    std::size_t pending_bytes() const noexcept { return total_pending_; }
    // How many (day, category) states are kept.
    std::size_t kept_files() const noexcept { return live_states_; }

    const Rotation& rotation() const noexcept { return rotation_; }
    Retention& retention() noexcept { return retention_; }

private:
    using days = std::chrono::days;
    using steady = std::chrono::steady_clock;
    using compression_handle = detail::compression_handle<Compression>;
    static constexpr std::uint32_t not_open = ~std::uint32_t{0};

    // One file of one category on one day.
    // One file of one category on one day. What a record for a closed file
    // touches comes first, in two cache lines (with a thousand files taking
    // lines in turn, each record finds its state out of cache): the key, and
    // the chain of held lines with the flags; the log_file comes last.
    struct alignas(64) state {
        days day{};
        std::uint64_t hash = 0;
        std::string name;  // the sanitized category
        std::uint64_t last_use = 0;
        std::uint32_t index = 0;             // in states_
        std::uint32_t open_slot = not_open;  // in open_; not_open exactly when the file is closed
        // (second cache line)
        std::size_t file_pending = 0;        // file.pending_bytes() as settle() last saw it
        level worst = level::trace;          // the most severe line held
        bool live = false;                   // false: free for reuse
        bool waiting = false;                // closed, holding lines, queued in waiting_
        bool urgent = false;                 // closed, holding a warning or worse, in urgent_
        bool dirty = false;                  // open, in dirty_: lines for the next commit
        // Lines that came while the file was closed (held in pool_'s blocks);
        // they go into `file` when it opens. A state's lines, oldest first:
        // those `file` holds, then these.
        detail::held_lines held;
        std::uint32_t wait_ticket = 0;       // which entry of waiting_ is current
        steady::time_point pending_since{};  // closed and holding lines: since when
        detail::log_file file;
    };

    // Bytes of lines s holds, not yet handed to the kernel: its log_file's
    // (as last settled) and its chain's.
    static std::size_t pending_of(const state& s) noexcept { return s.file_pending + s.held.bytes(); }
    static bool holds(const state& s) noexcept { return s.file_pending != 0 || !s.held.empty(); }
    static bool is_open(const state& s) noexcept { return s.open_slot != not_open; }

    // --- finding a state

    static std::uint64_t key_hash(days day, std::string_view name) noexcept {
        std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, then the day mixed in
        for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
        h ^= static_cast<std::uint64_t>(day.count()) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
        h *= 0xbf58476d1ce4e5b9ull;
        return h ^ (h >> 32);
    }

    state& find_or_make(days day, std::string_view name) {
        // Consecutive records of one category are the common case.
        if (last_ && last_->day == day && last_->name == name) return *last_;
        const std::uint64_t h = key_hash(day, name);
        if (!table_.empty()) {
            const std::size_t mask = table_.size() - 1;
            const std::uint64_t tag = h >> 32;
            for (std::size_t i = h & mask; table_[i] != 0; i = (i + 1) & mask) {
                if (table_[i] >> 32 != tag) continue;  // another key: its state stays untouched
                state& s = *states_[(table_[i] & 0xffffffffu) - 1];
                // Its second cache line (the held lines, the flags) is
                // needed next: fetched along with the first, not after it.
                __builtin_prefetch(reinterpret_cast<const char*>(&s) + 64);
                if (s.hash == h && s.day == day && s.name == name) return *(last_ = &s);
            }
        }
        return *(last_ = &make_state(day, name, h));
    }

    state& make_state(days day, std::string_view name, std::uint64_t h) {
        state* s = live_states_ >= kept_states ? recycle_one() : nullptr;
        if (!s && !free_states_.empty()) {
            s = states_[free_states_.back()];
            free_states_.pop_back();
        }
        if (!s) {
            states_.reserve(states_.size() + 1);  // before the new: a failed growth leaks nothing
            s = new state();
            states_.push_back(s);
            s->index = static_cast<std::uint32_t>(states_.size() - 1);
        }
        s->day = day;
        s->name.assign(name);
        s->hash = h;
        s->live = true;
        s->worst = level::trace;
        s->waiting = s->urgent = s->dirty = false;
        ++live_states_;
        table_insert(*s);
        char date[11];
        std::string folder = directory_;
        folder.append("/").append(detail::utc_date(time_point{day}, date));
        std::string file_name = s->name;
        file_name.append(Extension.view());
        s->file.assign(std::move(folder), std::move(file_name), s->name + "+", std::string(Extension.view()),
                       file_mode_, directory_mode_, errors_, format_report_);
        // The date folder is ours: a link planted there is refused. The
        // newest day's folder is held open for its files (detail::own_folder).
        s->file.set_own_subfolders(1, day == newest_day_ ? &newest_folder_ : nullptr);
        // Opened at once when a descriptor slot is free (write() does it);
        // else its size on disk, for rotation, without a descriptor.
        if (open_.size() >= open_cap_) s->file.learn_from_path();
        return *s;
    }

    // The least recently used state that is closed, holds nothing and is
    // not in a failure streak, taken out of the table; nullptr if none.
    state* recycle_one() noexcept {
        state* oldest = nullptr;
        for (auto& p : states_) {
            state& s = *p;
            if (s.live && !s.file.is_open() && !holds(s) && s.file.write_failure() == 0 && &s != last_ &&
                (!oldest || s.last_use < oldest->last_use))
                oldest = &s;
        }
        if (oldest) forget(*oldest, true);
        return oldest;
    }

    // Takes a state out of use (its file closed and holding nothing).
    void forget(state& s, bool erase_from_table) noexcept {
        if (erase_from_table) table_erase(s);
        s.live = false;
        s.waiting = s.urgent = s.dirty = false;
        s.file.release_memory();
        pool_.release(s.held);  // empty: a state is forgotten only once it holds nothing
        --live_states_;
        if (last_ == &s) last_ = nullptr;
    }

    // A table entry: the key hash's high 32 bits, then the index in states_ + 1.
    static std::uint64_t table_entry(const state& s) noexcept {
        return (s.hash & 0xffffffff00000000ull) | (std::uint64_t{s.index} + 1);
    }

    void table_insert(const state& s) {
        if (live_states_ * 2 > table_.size()) {
            rehash(table_.empty() ? 64 : table_.size() * 2);  // rehash places every live state, s too
            return;
        }
        place(s);
    }

    void rehash(std::size_t capacity) {
        table_.assign(capacity, 0);
        for (auto& p : states_)
            if (p->live) place(*p);
    }

    void place(const state& s) noexcept {
        const std::size_t mask = table_.size() - 1;
        std::size_t i = s.hash & mask;
        while (table_[i] != 0) i = (i + 1) & mask;
        table_[i] = table_entry(s);
    }

    // Linear probing without tombstones: the entries after the hole move
    // back when the hole lies on their probe path.
    void table_erase(const state& s) noexcept {
        const std::size_t mask = table_.size() - 1;
        std::size_t hole = s.hash & mask;
        while (table_[hole] != table_entry(s)) hole = (hole + 1) & mask;
        for (std::size_t j = (hole + 1) & mask; table_[j] != 0; j = (j + 1) & mask) {
            const std::size_t home = states_[(table_[j] & 0xffffffffu) - 1]->hash & mask;
            const bool home_after_hole = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (home_after_hole) continue;
            table_[hole] = table_[j];
            hole = j;
        }
        table_[hole] = 0;
    }

    void touch(state& s) noexcept { s.last_use = ++use_clock_; }

    // --- holding and writing lines

    void hold(state& s, level severity, std::string_view line, time_point record_time) {
        const std::size_t before = pending_of(s);
        if (severity > s.worst && severity != level::off) s.worst = severity;
        if (is_open(s)) {
            s.file.append(line, record_time);  // writes at once past pending_limit
            settle(s, before);
            if (!s.dirty && s.file.is_open()) {
                s.dirty = true;
                dirty_.push_back(&s);
            }
            return;
        }
        if (pool_.append(s.held, line, record_time)) {
            total_pending_ += line.size();  // the log_file untouched: nothing else to settle
        } else {  // out of memory for a block: the log_file's own buffer, after the lines held
            move_held_to_file(s);
            settle(s, before);  // (settled before hold(), which may throw in a build with exceptions)
            const std::size_t moved = pending_of(s);
            s.file.hold(line, record_time);
            settle(s, moved);
        }
        if (!s.waiting) {
            s.waiting = true;
            s.pending_since = steady::now();
            waiting_.push_back(s.index);  // (state, ticket) pairs: no vector type of its own to compile
            waiting_.push_back(++s.wait_ticket);
        }
        if (severity >= level::warn && !s.urgent) {
            s.urgent = true;
            urgent_.push_back(&s);
        }
        if (pending_of(s) >= detail::pending_limit) write_out(s);
    }

    // After anything a log_file did: the count of held bytes, the open list
    // and the flags follow what the file now is.
    void settle(state& s, std::size_t before) noexcept {
        s.file_pending = s.file.pending_bytes();
        total_pending_ = total_pending_ - before + pending_of(s);
        const bool listed = s.open_slot != not_open;
        if (s.file.is_open() && !listed) {
            s.open_slot = static_cast<std::uint32_t>(open_.size());
            open_.push_back(&s);  // within the capacity reserved (the cap never grows)
        } else if (!s.file.is_open() && listed) {
            state* moved = open_.back();
            open_[s.open_slot] = moved;
            moved->open_slot = s.open_slot;
            open_.pop_back();
            s.open_slot = not_open;
            s.dirty = false;
        }
        if (!holds(s)) {
            s.worst = level::trace;
            s.waiting = false;
            s.urgent = false;
        }
    }

    // Hands s's lines to the kernel, opening its file first when closed. A
    // failed open is reported, and the lines go to the stderr fallback.
    void write_out(state& s) noexcept {
        if (!s.file.is_open() && holds(s)) open_making_room(s);  // the held lines: below
        const std::size_t before = pending_of(s);
        // Straight from the chain's blocks when the file can take them at
        // once; else through the file's buffer (when the open failed: to the
        // stderr fallback, with the rest).
        if (!write_held_directly(s)) move_held_to_file(s);
        s.file.flush();
        settle(s, before);
    }

    // The held lines go to the file in one writev of the chain's blocks: no
    // copy into the file's buffer. False, with nothing done, when the file
    // is not open and writing, holds lines of its own (they go first), or
    // the chain has more blocks than one call takes.
    bool write_held_directly(state& s) noexcept {
        constexpr std::size_t max_pieces = detail::posix_file::max_pieces_per_call;
        if (s.held.empty() || s.held.blocks() > max_pieces) return false;
        std::string_view pieces[max_pieces];
        std::size_t count = 0;
        s.held.for_each_piece([&](std::string_view piece) { pieces[count++] = piece; });
        if (!s.file.flush_with(std::span<const std::string_view>(pieces, count), s.held.lines(), s.held.first_time()))
            return false;
        pool_.release(s.held);
        return true;
    }

    // The lines held for s while its file was closed go to its log_file,
    // after those it holds itself: the order they came in. The log_file
    // counts them as the records they were (its count of records written).
    void move_held_to_file(state& s) noexcept {
        if (s.held.empty()) return;
        INKWELL_TRY {
            s.file.reserve_pending(s.held.bytes());  // after this, nothing below allocates
        }
        INKWELL_CATCH_ALL {  // out of memory (a build with exceptions): the lines are counted as lost
            detail::reporter_or_orphan(errors_).count_dropped(s.held.lines());
            pool_.release(s.held);
            return;
        }
        std::size_t lines = s.held.lines();  // counted with the first piece
        s.held.for_each_piece([&](std::string_view piece) {
            s.file.hold_lines(piece, std::exchange(lines, 0), s.held.first_time());
        });
        pool_.release(s.held);
    }

    // The lines of every open file written to since the last commit.
    void hand_over_open_files() noexcept {
        if (dirty_.empty()) return;
        for (state* s : dirty_) {
            if (!s->dirty) continue;  // closed (and so flushed) since
            const std::size_t before = pending_of(*s);
            s->file.flush();
            settle(*s, before);
        }
        keep_only_failing_in_dirty();
    }

    // Open files in a write failure streak stay in dirty_: each commit lets
    // them try their "records dropped" note again (after their wait).
    void keep_only_failing_in_dirty() noexcept {
        std::size_t kept = 0;
        for (state* s : dirty_) {
            if (!s->dirty) continue;  // closed since, or listed twice (closed and opened again)
            s->dirty = false;
            if (s->file.is_open() && s->file.write_failure() != 0) dirty_[kept++] = s;
        }
        dirty_.resize(kept);
        for (state* s : dirty_) s->dirty = true;
    }

    void compact_waiting() {
        if (waiting_head_ == waiting_.size()) {
            waiting_.clear();
            waiting_head_ = 0;
        } else if (waiting_head_ >= 1024 && waiting_head_ * 2 >= waiting_.size()) {
            waiting_.erase(waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(waiting_head_));
            waiting_head_ = 0;
        }
    }

    // The lines held would pass max_pending_bytes: write files until less
    // than 70 % of it is held — errors first, then warnings, then the
    // largest buffers first, in steps of an eighth of a power of two (no
    // sort to compile). Largest first is what makes a cap cheap: with many
    // files filling alike, each is written when it is about as large as any
    // gets, so the held lines go out in the fewest opens and writes.
    void relieve_memory() {
        const std::size_t enough = max_pending_bytes / 10 * 7;
        std::vector<state*> holding;
        std::vector<std::uint32_t> bucket;  // size_bucket() of each, as found
        std::uint32_t top = 0;
        for (state* p : states_) {
            if (!p->live || !holds(*p)) continue;
            holding.push_back(p);
            bucket.push_back(size_bucket(pending_of(*p)));
            if (bucket.back() > top) top = bucket.back();
        }
        auto relieved = [&] { return total_pending_ < enough; };
        for (level floor : {level::error, level::warn}) {
            for (state* s : holding) {
                if (holds(*s) && s->worst >= floor) write_out(*s);
                if (relieved()) return;
            }
        }
        for (std::uint32_t b = top + 1; b-- > 0;) {
            for (std::size_t i = 0; i < holding.size(); ++i) {
                if (bucket[i] != b || !holds(*holding[i])) continue;
                write_out(*holding[i]);
                if (relieved()) return;
            }
        }
    }

    // Sizes in steps of an eighth of a power of two: 0-15 as they are, then
    // 16-17 → 16, 18-19 → 17, ..., 30-31 → 23, 32-35 → 24, ... (monotonic).
    static std::uint32_t size_bucket(std::size_t n) noexcept {
        if (n < 16) return static_cast<std::uint32_t>(n);
        const int width = std::bit_width(n);  // 5 or more
        return static_cast<std::uint32_t>((width - 3) * 8) + static_cast<std::uint32_t>((n >> (width - 4)) & 7);
    }

    // --- open files

    // Opens s's file, closing the least recently used open files to stay
    // within the cap. Out of descriptors (EMFILE, ENFILE): lowers the cap
    // to one less than what was open then, closes more and tries again.
    // The lines held for s stay where they are (see open_with_held_lines).
    bool open_making_room(state& s) noexcept {
        while (open_.size() >= open_cap_ && close_least_recently_used(&s)) {
        }
        int err = s.file.open_quietly();
        while (err == EMFILE || err == ENFILE) {
            const std::size_t fits = open_.size() > 1 ? open_.size() - 1 : 1;
            if (fits < open_cap_) open_cap_ = fits;
            if (!close_least_recently_used(&s)) break;
            while (open_.size() >= open_cap_ && close_least_recently_used(&s)) {
            }
            err = s.file.open_quietly();
        }
        if (err != 0) {
            s.file.report_open_failure(err);
            return false;
        }
        settle(s, pending_of(s));  // now in the open list
        return true;
    }

    // Opens s's file and moves the lines that waited for it into the file's
    // buffer, first: records that follow are appended after them.
    bool open_with_held_lines(state& s) noexcept {
        if (!open_making_room(s)) return false;
        const std::size_t before = pending_of(s);
        move_held_to_file(s);
        settle(s, before);
        return true;
    }

    // Flushes and closes the least recently used open file other than
    // `keep`. False when there is none.
    bool close_least_recently_used(const state* keep) noexcept {
        state* oldest = nullptr;
        for (state* o : open_)
            if (o != keep && (!oldest || o->last_use < oldest->last_use)) oldest = o;
        if (!oldest) return false;
        close_state(*oldest);
        return true;
    }

    void close_state(state& s) noexcept {
        const std::size_t before = pending_of(s);
        s.file.close();
        settle(s, before);
        s.file.release_memory();  // a closed file keeps no buffer
    }

    // A later day began: the files of earlier days are written, closed and
    // forgotten.
    void close_days_before(days day) {
        bool any = false;
        for (auto& p : states_) {
            state& s = *p;
            if (!s.live || s.day >= day) continue;
            write_out(s);
            close_state(s);
            forget(s, false);
            free_states_.push_back(s.index);
            any = true;
        }
        if (any) rehash(table_.size());
    }

    // detail::rotation_due for s: the lines held for it while its file was
    // closed count toward the file's size, and its first record when the
    // file is empty.
    bool rotation_due(state& s, time_point record_time, std::size_t incoming_bytes) {
        if (s.held.empty()) return detail::rotation_due(s.file, rotation_, record_time, incoming_bytes);
        rotate::file_state f = s.file.state();
        f.size += s.held.bytes();
        if (f.first_record == time_point{}) f.first_record = s.held.first_time();
        return rotation_.due(f, record_time, incoming_bytes) && !s.file.rotation_deferred();
    }

    void rotate_file(state& s) {
        if (!s.file.is_open() && !open_with_held_lines(s)) return;
        if constexpr (compression_handle::enabled) {
            // A backup still being compressed must not be renamed under the
            // compressor; nor may a file of an old day that is being compressed.
            backups_compression_.wait();
            if (s.day + days{2} <= newest_day_) days_compression_.wait();
        }
        const std::size_t before = pending_of(s);
        rotate::outcome done = detail::rotate_log_file(s.file, rotation_);
        settle(s, before);
        if (!done.moved) return;
        clean_up();
        if (!done.backup.empty()) backups_compression_.submit(std::move(done.backup));
    }

    // "YYYY-MM-DD/<name><Extension>": an active file, as retention names it.
    std::string relative_path(const state& s) const {
        char date[11];
        std::string path{detail::utc_date(time_point{s.day}, date)};
        path.append("/").append(s.name).append(Extension.view());
        return path;
    }

    static bool active(const state& s) noexcept { return s.live && (s.file.is_open() || holds(s)); }

    // Retention over every date folder; the active files stay.
    void clean_up() {
        if constexpr (!std::is_same_v<Retention, retain::never>) {
            retain::log_folder folder{directory_, retain::layout::date_folders(Extension.view())};
            for (const auto& p : states_)
                if (active(*p)) folder.active.push_back(relative_path(*p));
            retain::apply(retention_, folder, now_(), errors_);
        }
    }

    // Hands the files of the days before the one before `today` to the
    // compressor (those not compressed yet, not active, without a compressed copy).
    void compress_earlier_days(days today) {
        if constexpr (compression_handle::enabled) {
            retain::listing files =
                retain::listing::scan({directory_, retain::layout::date_folders(Extension.view())}, errors_);
            const time_point last_day_end{today - days{1}};  // a file of day D ends at D + 1 day
            for (const auto& f : files.files()) {
                if (f.compressed || f.newest > last_day_end || is_active(f.path)) continue;
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

    bool is_active(std::string_view relative) const {
        for (const auto& p : states_)
            if (active(*p) && relative_path(*p) == relative) return true;
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
    // Every state ever made, each at a fixed address (lists point at them),
    // owned here (plain pointers: less to compile than unique_ptr); a
    // forgotten one is reused from free_states_.
    std::vector<state*> states_;
    std::vector<std::uint32_t> free_states_;
    // The blocks of every state's held lines.
    detail::line_block_pool pool_;
    // Open addressing, a power of two long: table_entry() of each live
    // state, 0 empty (a lookup looks at a state only when its tag matches).
    std::vector<std::uint64_t> table_;
    std::size_t live_states_ = 0;
    detail::own_folder newest_folder_;  // the newest day's folder, held open
    std::vector<state*> open_;          // the states whose file is open
    std::vector<state*> dirty_;         // open, written to since the last commit (or failing)
    std::vector<state*> urgent_;        // closed, holding a warning or worse
    // Closed and holding lines, in the order they began to wait: pairs of
    // (index in states_, ticket); an entry whose ticket is not the state's is stale.
    std::vector<std::uint32_t> waiting_;
    std::size_t waiting_head_ = 0;
    state* last_ = nullptr;
    std::size_t open_cap_ = max_open_files;
    std::size_t total_pending_ = 0;
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
