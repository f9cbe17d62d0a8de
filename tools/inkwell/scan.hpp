#pragma once
// Scanning files for records: one cursor per file (blocks of whole lines,
// a raw prefilter, parsing only the candidates), the malformed-line report,
// progress on stderr, and the merge of many cursors in time order.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "entry.hpp"
#include "filter.hpp"
#include "reader.hpp"

namespace inkwell_cli {

// Malformed lines and unreadable files, reported as `file:line: reason`.
struct diagnostics {
    bool quiet = false;
    std::uint64_t malformed = 0, unreadable = 0;
    bool* progress_line = nullptr;  // a progress line is on screen: end it first
    void clear_progress() {
        if (progress_line != nullptr && *progress_line) {
            std::fputs("\r\x1b[K", stderr);
            *progress_line = false;
        }
    }
    void bad_line(const std::string& file, std::uint64_t line, std::string_view why) {
        ++malformed;
        if (quiet) return;
        clear_progress();
        std::fprintf(stderr, "%s:%llu: %.*s\n", file.c_str(), static_cast<unsigned long long>(line),
                     static_cast<int>(why.size()), why.data());
    }
    void bad_file(const std::string& file, std::string_view why) {
        ++unreadable;
        if (quiet) return;
        clear_progress();
        std::fprintf(stderr, "%s: %.*s\n", file.c_str(), static_cast<int>(why.size()), why.data());
    }
};

// "scanned 412 MB of 1024 MB, 3/40 files, 980 MB/s" on stderr, at most 4 times a second.
struct progress {
    bool enabled = false;
    bool on_screen = false;
    std::uint64_t total_bytes = 0, done_bytes = 0;  // on-disk bytes of finished files
    std::uint64_t read_bytes = 0;                   // bytes read (uncompressed)
    std::size_t files_total = 0, files_done = 0;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), last{};
    void tick(std::uint64_t current_file_bytes) {
        if (!enabled) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::milliseconds(250)) return;
        last = now;
        const double seconds = std::chrono::duration<double>(now - start).count();
        const double mb = static_cast<double>(read_bytes + current_file_bytes) / 1e6;
        std::fprintf(stderr, "\r\x1b[Kscanned %.0f MB, %zu/%zu files (%.0f MB on disk), %.0f MB/s", mb, files_done,
                     files_total, static_cast<double>(total_bytes) / 1e6, seconds > 0 ? mb / seconds : 0.0);
        on_screen = true;
    }
    void end() {
        if (on_screen) std::fputs("\r\x1b[K", stderr);
        on_screen = false;
    }
};

struct scan_context {
    const std::vector<log_file>* files = nullptr;
    const filter* f = nullptr;
    diagnostics* diag = nullptr;
    progress* prog = nullptr;
    // false: a JSONL line that only level/time filters judge is not parsed when
    // its shape is right (whole, valid UTF-8, level/timestamp/category keys):
    // stats, and query/export writing JSONL (the line is copied as it is).
    bool parse = true;
    bool text_utc = false;   // text logs' times are UTC (format::text_utc), not local
    std::size_t block_bytes = block_reader::default_block_bytes;  // per open file (merge_scan sets it)
};

// The records of one file that pass the filter, in file order.
class cursor {
public:
    cursor(const scan_context& ctx, std::size_t index) : ctx_(ctx), index_(index) {}

    const log_file& file() const { return (*ctx_.files)[index_]; }

    // The next passing record into `e`; false at the end of the file.
    bool next(entry& e) {
        if (done_) return false;
        if (!reader_) {
            std::string why;
            auto bytes = open_bytes(file(), why);
            if (!bytes) {
                ctx_.diag->bad_file(file().relative, why);
                return finish();
            }
            reader_ = std::make_unique<block_reader>(std::move(bytes), ctx_.block_bytes);
            const filter& f = *ctx_.f;
            const std::string& needle = f.raw_needle();
            raw_grep_ = !needle.empty() && filter::plain(needle);
        }
        for (;;) {
            if (pos_ >= block_.size()) {
                if (!reader_->next(block_)) {
                    if (reader_->failed()) ctx_.diag->bad_file(file().relative, reader_->error());
                    return finish();
                }
                pos_ = 0;
                if (ctx_.prog != nullptr) ctx_.prog->tick(reader_->bytes_read());
                if (kind_ == file_kind::unknown) {
                    const std::size_t first = block_.find_first_not_of(" \t\r\n");
                    if (first == std::string_view::npos) {
                        line_ += static_cast<std::uint64_t>(std::count(block_.begin(), block_.end(), '\n'));
                        pos_ = block_.size();
                        continue;
                    }
                    kind_ = kind_of_first_byte(block_[first]);
                    if (kind_ == file_kind::unknown) {
                        ctx_.diag->bad_file(file().relative, "not an inkwell log (neither JSONL nor text lines): skipped");
                        return finish();
                    }
                }
                if (raw_grep_) {
                    if (lowered_.size() < block_.size()) lowered_.resize(block_.size());
                    lower_block(reinterpret_cast<const unsigned char*>(block_.data()),
                                reinterpret_cast<unsigned char*>(lowered_.data()), block_.size());
                }
            }
            // The next candidate line.
            std::size_t begin = pos_;
            if (raw_grep_) {
                const std::string& needle = ctx_.f->raw_needle();
                const void* hit = ::memmem(lowered_.data() + pos_, block_.size() - pos_, needle.data(), needle.size());
                if (hit == nullptr) {
                    line_ += static_cast<std::uint64_t>(std::count(block_.begin() + static_cast<std::ptrdiff_t>(pos_), block_.end(), '\n'));
                    pos_ = block_.size();
                    continue;
                }
                const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - lowered_.data());
                const void* nl = at > pos_ ? ::memrchr(block_.data() + pos_, '\n', at - pos_) : nullptr;
                if (nl != nullptr) begin = static_cast<std::size_t>(static_cast<const char*>(nl) - block_.data()) + 1;
                line_ += static_cast<std::uint64_t>(std::count(block_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                                               block_.begin() + static_cast<std::ptrdiff_t>(begin), '\n'));
            }
            const void* nl = ::memchr(block_.data() + begin, '\n', block_.size() - begin);
            const std::size_t end = nl == nullptr ? block_.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - block_.data());
            pos_ = end + 1;
            ++line_;
            std::string_view line = block_.substr(begin, end - begin);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
            if (evaluate(line, e)) return true;
        }
    }

    std::uint64_t bytes_read() const { return reader_ ? reader_->bytes_read() : 0; }

private:
    bool finish() {
        if (!done_ && ctx_.prog != nullptr) {
            ctx_.prog->read_bytes += bytes_read();
            ctx_.prog->done_bytes += file().bytes;
            ++ctx_.prog->files_done;
        }
        done_ = true;
        reader_.reset();
        block_ = {};
        return false;
    }

    bool evaluate(std::string_view line, entry& e) {
        const filter& f = *ctx_.f;
        e.file = index_;
        e.line = line_;
        e.kind = kind_;
        e.raw = line;
        std::string why;
        if (kind_ == file_kind::jsonl) {
            if (!f.raw_may_pass(line)) return false;
            if (!ctx_.parse && f.categories.empty() && f.fields.empty() && f.tenants.empty() && f.grep.empty() &&
                !f.regex) {
                // The raw keys are enough when they are there (a line that is
                // whole and valid UTF-8 is taken for valid JSON).
                const auto lv = raw_level(line);
                const auto t = raw_time(line);
                const auto c = raw_string_after(line, ",\"category\":\"");
                if (lv && t && c && line.back() == '}' && valid_utf8(line)) {
                    e.level = *lv;
                    e.time_ms = *t;
                    e.object = json();
                    e.raw_category = *c;
                    return f.level_time_ok(e.level, e.time_ms);
                }
            }
            if (!parse_jsonl(line, e, why)) {
                ctx_.diag->bad_line(file().relative, line_, why);
                return false;
            }
        } else {
            if (!parse_text(line, e, why, ctx_.text_utc)) {
                ctx_.diag->bad_line(file().relative, line_, why);
                return false;
            }
        }
        return f.pass(e);
    }

    const scan_context& ctx_;
    std::size_t index_;
    std::unique_ptr<block_reader> reader_;
    std::string_view block_;
    std::size_t pos_ = 0;
    std::uint64_t line_ = 0;
    file_kind kind_ = file_kind::unknown;
    bool done_ = false, raw_grep_ = false;
    std::vector<char> lowered_;

    // ASCII lower case, branch-free so that the compiler vectorizes it.
    static void lower_block(const unsigned char* in, unsigned char* out, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            const unsigned char c = in[i];
            out[i] = static_cast<unsigned char>(c + ((static_cast<unsigned char>(c - 'A') < 26) << 5));
        }
    }
};

// Whether a dated file can hold records of [from, to] (a day of margin each side).
inline bool day_may_overlap(const log_file& f, const filter& flt) {
    if (!f.day) return true;
    const std::int64_t day_start = *f.day * 86400000LL;
    const std::int64_t margin = 86400000LL;
    if (flt.to_ms != std::numeric_limits<std::int64_t>::max() && day_start - margin > flt.to_ms) return false;
    if (flt.from_ms != std::numeric_limits<std::int64_t>::min() && day_start + 86400000LL + margin < flt.from_ms)
        return false;
    return true;
}

// Every passing record of every file, in time order (files are merged; a
// file's own order is kept), to `sink` until it returns false. Files in date
// folders are opened when the merge reaches their day, so only about one
// day's files are open at a time. Returns how many were delivered.
template <class Sink>
std::uint64_t merge_scan(scan_context& ctx, Sink&& sink) {
    const std::vector<log_file>& files = *ctx.files;
    struct pending {
        std::int64_t start;  // the earliest time the file can hold (its day, else the beginning)
        std::size_t index;
    };
    std::vector<pending> waiting;
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (!day_may_overlap(files[i], *ctx.f)) continue;
        const std::int64_t start = files[i].day ? (*files[i].day - 1) * 86400000LL : std::numeric_limits<std::int64_t>::min();
        waiting.push_back({start, i});
    }
    std::stable_sort(waiting.begin(), waiting.end(), [](const pending& a, const pending& b) { return a.start < b.start; });
    // About two days' files are open together: 1 MiB blocks each, less when
    // they are many (at least 64 KiB), within about 256 MiB in all.
    {
        std::map<std::int64_t, std::size_t> per_day;
        std::size_t undated = 0, busiest = 0;
        for (const pending& p : waiting) {
            if (files[p.index].day) busiest = std::max(busiest, ++per_day[*files[p.index].day]);
            else ++undated;
        }
        const std::size_t together = std::max<std::size_t>(1, 2 * busiest + undated);
        ctx.block_bytes = std::clamp<std::size_t>((256u << 20) / together, 64u << 10, block_reader::default_block_bytes);
    }
    if (ctx.prog != nullptr) {
        ctx.prog->files_total = waiting.size();
        for (const pending& p : waiting) ctx.prog->total_bytes += files[p.index].bytes;
    }

    struct head {
        std::unique_ptr<cursor> c;
        entry e;
    };
    std::vector<head> heads;
    auto later = [&](std::size_t a, std::size_t b) {
        const entry& x = heads[a].e;
        const entry& y = heads[b].e;
        if (x.time_ms != y.time_ms) return x.time_ms > y.time_ms;
        const std::int64_t gx = files[x.file].generation, gy = files[y.file].generation;
        if (gx != gy) return gx > gy;  // an older backup's record first
        return x.file > y.file;
    };
    std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> queue(later);
    std::size_t next_waiting = 0;
    auto open_until = [&](std::int64_t t) {
        while (next_waiting < waiting.size() && waiting[next_waiting].start <= t) {
            head h{std::make_unique<cursor>(ctx, waiting[next_waiting].index), entry{}};
            ++next_waiting;
            if (h.c->next(h.e)) {
                heads.push_back(std::move(h));
                queue.push(heads.size() - 1);
            }
        }
    };
    std::uint64_t delivered = 0;
    for (;;) {
        if (queue.empty()) {
            if (next_waiting >= waiting.size()) break;
            open_until(waiting[next_waiting].start);
            continue;
        }
        // Files whose day has begun join before the earliest record leaves.
        open_until(heads[queue.top()].e.time_ms);
        const std::size_t top = queue.top();
        queue.pop();
        ++delivered;
        if (!sink(heads[top].e)) return delivered;
        if (heads[top].c->next(heads[top].e)) queue.push(top);
        else heads[top].c.reset();
    }
    return delivered;
}

}  // namespace inkwell_cli
