// sink::category_files keeps a state per (day, category) and caps only the
// open files: a record for a closed file waits in memory instead of opening
// it. What a user relies on:
//   - 1,000 categories under a low descriptor limit: every record once, the
//     descriptors under the cap, and far fewer open() calls than records;
//   - commit() (after each record / writer round) writes a closed file's
//     lines only when due: a warning or worse at once, info after
//     max_pending_age; flush() writes everything;
//   - a memory cap across all held lines: passing it writes errors first,
//     then warnings, then the largest buffers, down to 70 % of the cap;
//   - a file closed in a write failure streak still writes its "N records
//     dropped" note once writing works again.
#define BOOST_TEST_MODULE category_buffers
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "sink_test_support.hpp"
#include "test_support.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
namespace ink = inkwell;
using namespace std::chrono_literals;
using sink_test_support::context_for;
using sink_test_support::fixed_time;
using sink_test_support::record_at;
using sink_test_support::reporter;
using test_support::read_jsonl;
using test_support::read_lines;
using test_support::temp_dir;

namespace {

// The file layer the sink uses, counting opens (and the EMFILE ones) and
// fstats, and failing writes with `write_errno` when it is set.
struct layer_counts {
    std::atomic<long> opens{0};
    std::atomic<long> emfile{0};
    std::atomic<long> fstats{0};
    std::atomic<int> write_errno{0};
};
layer_counts counts;

int counting_open(const char* path, int flags, mode_t mode) {
    counts.opens.fetch_add(1);
    int fd = ::open(path, flags, mode);
    if (fd < 0 && errno == EMFILE) counts.emfile.fetch_add(1);
    return fd;
}
int counting_openat(int dir_fd, const char* name, int flags, mode_t mode) {
    counts.opens.fetch_add(1);
    int fd = ::openat(dir_fd, name, flags, mode);
    if (fd < 0 && errno == EMFILE) counts.emfile.fetch_add(1);
    return fd;
}
int counting_fstat(int fd, struct stat* st) {
    counts.fstats.fetch_add(1);
    return ::fstat(fd, st);
}
ssize_t failing_write(int fd, const void* data, std::size_t size) {
    if (int err = counts.write_errno.load(); err != 0) {
        errno = err;
        return -1;
    }
    return ::write(fd, data, size);
}
ssize_t failing_writev(int fd, const iovec* pieces, int count) {
    if (int err = counts.write_errno.load(); err != 0) {
        errno = err;
        return -1;
    }
    return ::writev(fd, pieces, count);
}

ink::detail::file_ops counting_ops() {
    ink::detail::file_ops ops = ink::detail::posix_file_ops;
    ops.open = &counting_open;
    ops.openat = &counting_openat;
    ops.fstat = &counting_fstat;
    ops.write = &failing_write;
    ops.writev = &failing_writev;
    return ops;
}
const ink::detail::file_ops counting = counting_ops();

struct counted_layer {
    counted_layer() {
        counts.opens = 0;
        counts.emfile = 0;
        counts.fstats = 0;
        counts.write_errno = 0;
    }
    ink::detail::scoped_file_ops use{counting};
};

// Small limits, so that a test can reach them: open files, held bytes, age.
template <std::size_t OpenFiles, std::size_t PendingBytes = 16 * 1024 * 1024, unsigned AgeMs = 1000,
          std::size_t KeptStates = 4096>
using small_sink = ink::sink::category_files<".jsonl", ink::rotate::never, ink::retain::never, ink::compress::none,
                                             ink::sink::category_limits<PendingBytes, AgeMs, OpenFiles, KeptStates>>;

static_assert(std::is_same_v<ink::sink::category_files<>::with_limits<ink::sink::category_limits<1024>>,
                             ink::sink::category_files<".jsonl", ink::rotate::never, ink::retain::never,
                                                       ink::compress::none, ink::sink::category_limits<1024>>>);
static_assert(ink::sink::category_files<>::max_open_files == 64);
static_assert(ink::sink::category_files<>::max_pending_bytes == 16u * 1024 * 1024);
static_assert(ink::policy::sink_commits<ink::sink::category_files<>>);

std::string json_line(int n, const std::string& category, std::size_t pad = 0) {
    return "{\"n\":" + std::to_string(n) + ",\"category\":\"" + category + "\",\"pad\":\"" + std::string(pad, 'x') +
           "\"}\n";
}

ink::record record_of(const std::string& category, ink::level severity) {
    ink::record r = record_at(fixed_time, category);
    r.severity = severity;
    return r;
}

fs::path file_of(const fs::path& dir, const std::string& category) {
    return dir / "2024-12-20" / (category + ".jsonl");
}

std::size_t lines_in(const fs::path& file) { return fs::exists(file) ? read_lines(file).size() : 0; }

// Open descriptors, counted without opening one.
int open_descriptors() {
    int n = 0;
    for (int fd = 0; fd < 1024; ++fd) n += ::fcntl(fd, F_GETFD) != -1;
    return n;
}

constexpr rlim_t descriptor_cap = 64;

// Runs `work` in a child whose descriptors above stderr are closed and whose
// RLIMIT_NOFILE is 64; the child writes its findings (numbers) to `summary`.
template <class Work>
std::vector<long> in_child_under_ulimit(const fs::path& summary, Work work) {
    std::fflush(nullptr);
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {  // no Boost.Test in the child
        for (int fd = 3; fd < 1024; ++fd) ::close(fd);
        rlimit cap{descriptor_cap, descriptor_cap};
        if (::setrlimit(RLIMIT_NOFILE, &cap) != 0) ::_exit(10);
        std::vector<long> found = work();
        std::FILE* out = std::fopen(summary.c_str(), "w");
        if (!out) ::_exit(11);
        for (long v : found) std::fprintf(out, "%ld\n", v);
        std::fclose(out);
        ::_exit(0);
    }
    int status = 0;
    BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
    BOOST_REQUIRE(WIFEXITED(status));
    BOOST_REQUIRE(WEXITSTATUS(status) == 0);
    std::vector<long> found;
    std::ifstream in(summary);
    for (long v; in >> v;) found.push_back(v);
    return found;
}

// Every (category, round) of `categories` x `rounds` exactly once, each in
// its own category's file, in order.
void check_every_record_once(const fs::path& logs, int categories, int rounds, const std::string& prefix) {
    std::set<int> seen;
    std::size_t files = 0;
    for (const auto& f : test_support::files_below(logs)) {
        ++files;
        int last = -1;
        for (const auto& j : read_jsonl(f)) {
            const int n = j["n"].get<int>();
            const std::string category = j["category"];
            char expected[32];
            std::snprintf(expected, sizeof expected, "%s%04d", prefix.c_str(), n % categories);
            BOOST_TEST(category == expected);
            BOOST_TEST(f.filename().string() == category + ".jsonl");
            BOOST_TEST(n > last);  // in order within the file
            last = n;
            BOOST_TEST(seen.insert(n).second);  // nothing twice
        }
    }
    BOOST_TEST(files == static_cast<std::size_t>(categories));
    BOOST_TEST(seen.size() == static_cast<std::size_t>(categories * rounds));
}

std::string category_name(const char* prefix, int k) {
    char name[32];
    std::snprintf(name, sizeof name, "%s%04d", prefix, k);
    return name;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(thousand_categories)

// The sink driven directly, a commit every 16 records (an async writer's
// round): records wait in memory for their closed files, so the opens are
// about one per category and flush, not one per record.
BOOST_AUTO_TEST_CASE(sink_under_ulimit_64_writes_every_record_once_with_few_opens) {
    constexpr int categories = 1000, rounds = 20, records = categories * rounds;
    temp_dir dir;
    const fs::path logs = dir / "logs";
    auto found = in_child_under_ulimit(dir / "summary.txt", [&] {
        counted_layer layer;
        reporter rep;
        long most_descriptors = 0, most_open = 0, cap = 0, held_after_flush = -1;
        {
            ink::sink::category_files<> sink(context_for(logs, rep));
            std::vector<std::string> names;
            for (int k = 0; k < categories; ++k) names.push_back(category_name("cat", k));
            for (int n = 0; n < records; ++n) {
                const std::string& name = names[static_cast<std::size_t>(n % categories)];
                sink.write(record_of(name, ink::level::info), json_line(n, name));
                if (n % 16 == 15) sink.commit();
                if (n % 97 == 0) {
                    most_descriptors = std::max<long>(most_descriptors, open_descriptors());
                    most_open = std::max<long>(most_open, static_cast<long>(sink.open_files()));
                }
            }
            sink.flush();
            most_descriptors = std::max<long>(most_descriptors, open_descriptors());
            cap = static_cast<long>(sink.open_file_cap());
            held_after_flush = static_cast<long>(sink.pending_bytes());
        }
        const auto st = rep.stats();
        return std::vector<long>{most_descriptors, most_open, cap, counts.opens.load(), counts.emfile.load(),
                                 counts.fstats.load(), static_cast<long>(st.records),
                                 static_cast<long>(st.errors), static_cast<long>(st.fallback_records),
                                 held_after_flush};
    });
    BOOST_REQUIRE(found.size() == 10u);
    BOOST_TEST(found[9] == 0);  // flush() left nothing held
    const long most_descriptors = found[0], most_open = found[1], cap = found[2], opens = found[3],
               emfile = found[4], fstats = found[5], written = found[6], errors = found[7], fallback = found[8];
    BOOST_TEST_MESSAGE("sink, 1,000 categories under ulimit -n 64: " << records << " records, " << opens
                                                                     << " open() calls (" << emfile << " EMFILE), "
                                                                     << fstats << " fstat, at most " << most_open
                                                                     << " files open, cap " << cap);
    BOOST_TEST(most_descriptors <= static_cast<long>(descriptor_cap));
    BOOST_TEST(most_open <= 64);
    // The process ran out of descriptors once; the cap came down, and later
    // opens closed a file first instead of failing again.
    BOOST_TEST(cap < 64);
    BOOST_TEST(emfile <= 2);
    // The point of the change: opens per category, not per record.
    BOOST_TEST(opens * 5 < records);
    BOOST_TEST(fstats <= opens);  // one fstat per open at most (it was two)
    BOOST_TEST(written == records);
    BOOST_TEST(errors == 0);
    BOOST_TEST(fallback == 0);
    check_every_record_once(logs, categories, rounds, "cat");
}

// Reads the category number back from the message "<n>".
struct numbered_classifier {
    std::array<std::string, 1000> names;
    numbered_classifier() {
        for (int k = 0; k < 1000; ++k) names[static_cast<std::size_t>(k)] = category_name("log", k);
    }
    std::string_view classify(const ink::record& r) const {
        return names[static_cast<std::size_t>(std::stoi(std::string(r.message)) % 1000)];
    }
};

struct numbered_config : ink::presets::jsonl_per_category_config {
    using classifier = numbered_classifier;
};

// The same through the jsonl preset's asynchronous logger.
BOOST_AUTO_TEST_CASE(logger_under_ulimit_64_writes_every_record_once_with_few_opens) {
    constexpr int categories = 1000, rounds = 20, records = categories * rounds;
    temp_dir dir;
    const fs::path logs = dir / "logs";
    auto found = in_child_under_ulimit(dir / "summary.txt", [&] {
        counted_layer layer;
        long most_descriptors = 0, most_open = 0;
        ink::logger_stats st;
        {
            ink::basic_logger<numbered_config> log({.directory = logs.string()});
            for (int n = 0; n < records; ++n) {
                INKWELL_INFO(log, "{}", n);
                if (n % 5000 == 4999) {
                    log.flush();
                    most_descriptors = std::max<long>(most_descriptors, open_descriptors());
                    most_open = std::max<long>(most_open, static_cast<long>(log.with_sink([](auto& s) {
                                                   return s.open_files();
                                               })));
                }
            }
            log.flush();
            st = log.stats();
        }
        return std::vector<long>{most_descriptors, most_open, counts.opens.load(), static_cast<long>(st.records),
                                 static_cast<long>(st.errors), static_cast<long>(st.fallback_records),
                                 static_cast<long>(st.dropped)};
    });
    BOOST_REQUIRE(found.size() == 7u);
    BOOST_TEST_MESSAGE("logger, 1,000 categories under ulimit -n 64: " << records << " records, " << found[2]
                                                                       << " open() calls");
    BOOST_TEST(found[0] <= static_cast<long>(descriptor_cap));
    BOOST_TEST(found[1] <= 64);
    // Four flushes write every category (about 4,000 opens) plus what came
    // due meanwhile (a second old); one open per record would be 20,000.
    BOOST_TEST(found[2] * 2 < records);
    BOOST_TEST(found[3] == records);
    BOOST_TEST(found[4] == 0);
    BOOST_TEST(found[5] == 0);
    BOOST_TEST(found[6] == 0);
    // Messages are the bare numbers here: read them back as "n".
    std::set<int> seen;
    for (const auto& f : test_support::files_below(logs))
        for (const auto& j : read_jsonl(f)) {
            const int n = std::stoi(j["message"].get<std::string>());
            BOOST_TEST(j["category"] == category_name("log", n % 1000));
            BOOST_TEST(f.filename().string() == category_name("log", n % 1000) + ".jsonl");
            BOOST_TEST(seen.insert(n).second);
        }
    BOOST_TEST(seen.size() == static_cast<std::size_t>(records));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(when_held_lines_go_out)

BOOST_AUTO_TEST_CASE(a_closed_files_info_waits_for_flush_and_warnings_and_errors_go_at_commit) {
    temp_dir dir;
    reporter rep;
    small_sink<2> sink(context_for(dir.path(), rep));
    sink.write(record_of("open1", ink::level::info), json_line(0, "open1"));
    sink.write(record_of("open2", ink::level::info), json_line(1, "open2"));
    BOOST_TEST(sink.open_files() == 2u);
    // Two files are open: the third category's file is not opened for a record.
    sink.write(record_of("closed", ink::level::info), json_line(2, "closed"));
    BOOST_TEST(sink.open_files() == 2u);
    BOOST_TEST(!fs::exists(file_of(dir.path(), "closed")));
    sink.commit();
    // The open files handed their lines over; the closed one waits.
    BOOST_TEST(lines_in(file_of(dir.path(), "open1")) == 1u);
    BOOST_TEST(lines_in(file_of(dir.path(), "open2")) == 1u);
    BOOST_TEST(lines_in(file_of(dir.path(), "closed")) == 0u);
    BOOST_TEST(sink.pending_bytes() == json_line(2, "closed").size());
    sink.flush();
    BOOST_TEST(lines_in(file_of(dir.path(), "closed")) == 1u);
    BOOST_TEST(sink.pending_bytes() == 0u);
    BOOST_TEST(sink.open_files() <= 2u);

    // Errors never wait: written at the next commit, with what the file held before.
    sink.write(record_of("errors", ink::level::info), json_line(3, "errors"));
    sink.write(record_of("other", ink::level::info), json_line(4, "other"));
    sink.write(record_of("errors", ink::level::error), json_line(5, "errors"));
    sink.write(record_of("warnings", ink::level::warn), json_line(6, "warnings"));
    sink.write(record_of("quiet", ink::level::debug), json_line(7, "quiet"));
    BOOST_TEST(lines_in(file_of(dir.path(), "errors")) == 0u);
    sink.commit();
    BOOST_TEST(sink_test_support::numbers_in(file_of(dir.path(), "errors")) == std::vector<int>({3, 5}));
    BOOST_TEST(sink_test_support::numbers_in(file_of(dir.path(), "warnings")) == std::vector<int>({6}));
    BOOST_TEST(sink.open_files() <= 2u);
    // The debug record of a closed file still waits (one of "other" and
    // "quiet" may be open now: an open file hands its lines over at commit).
    const std::size_t waiting_quiet = lines_in(file_of(dir.path(), "quiet")) == 0u;
    const std::size_t waiting_other = lines_in(file_of(dir.path(), "other")) == 0u;
    BOOST_TEST(waiting_quiet + waiting_other >= 1u);
    sink.flush();
    BOOST_TEST(lines_in(file_of(dir.path(), "quiet")) == 1u);
    BOOST_TEST(lines_in(file_of(dir.path(), "other")) == 1u);
    BOOST_TEST(rep.stats().records == 8u);
    BOOST_TEST(rep.stats().errors == 0u);
}

BOOST_AUTO_TEST_CASE(a_closed_files_lines_go_at_the_commit_after_max_pending_age) {
    temp_dir dir;
    reporter rep;
    small_sink<1, 16 * 1024 * 1024, 200> sink(context_for(dir.path(), rep));
    sink.write(record_of("open", ink::level::info), json_line(0, "open"));
    sink.write(record_of("closed", ink::level::info), json_line(1, "closed"));
    const auto held_at = std::chrono::steady_clock::now();
    sink.commit();
    if (std::chrono::steady_clock::now() - held_at < 200ms)  // a slow machine may already be past the age
        BOOST_TEST(lines_in(file_of(dir.path(), "closed")) == 0u);
    std::this_thread::sleep_for(250ms);
    sink.commit();
    BOOST_TEST(lines_in(file_of(dir.path(), "closed")) == 1u);
    BOOST_TEST(sink.pending_bytes() == 0u);
    BOOST_TEST(sink.open_files() == 1u);
}

// A closed file's lines go out at once when they reach 64 KiB.
BOOST_AUTO_TEST_CASE(a_closed_file_writes_its_lines_when_they_reach_the_file_limit) {
    temp_dir dir;
    reporter rep;
    small_sink<1> sink(context_for(dir.path(), rep));
    sink.write(record_of("open", ink::level::info), json_line(0, "open"));
    int n = 1;
    std::size_t held = 0;
    while (held + 1000 < ink::detail::pending_limit) {
        const std::string line = json_line(n++, "big", 900);
        sink.write(record_of("big", ink::level::info), line);
        held += line.size();
    }
    BOOST_TEST(lines_in(file_of(dir.path(), "big")) == 0u);
    for (int more = 0; more < 2; ++more) sink.write(record_of("big", ink::level::info), json_line(n++, "big", 900));
    BOOST_TEST(lines_in(file_of(dir.path(), "big")) >= static_cast<std::size_t>(n - 2));
    sink.flush();
    BOOST_TEST(sink_test_support::numbers_in(file_of(dir.path(), "big")) == sink_test_support::range(1, n));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(memory_cap)

// Info records over many categories up to just under the cap, a few
// warnings and errors in small buffers, then one record that passes it:
// the errors and warnings are written first, then the largest buffer, until
// less than 70 % of the cap is held; the rest still waits.
BOOST_AUTO_TEST_CASE(passing_the_cap_writes_errors_then_warnings_then_the_largest_buffers) {
    constexpr std::size_t cap = 64 * 1024;
    temp_dir dir;
    reporter rep;
    small_sink<2, cap> sink(context_for(dir.path(), rep));
    BOOST_TEST(sink.max_pending_bytes == cap);
    int n = 0;
    std::map<std::string, std::vector<int>> sent;
    auto put = [&](const std::string& category, ink::level severity) {
        sent[category].push_back(n);
        sink.write(record_of(category, severity), json_line(n++, category, 60));
    };
    put("open1", ink::level::info);
    put("open2", ink::level::info);
    sink.commit();  // the two open files hold nothing from here on
    for (int i = 0; i < 120; ++i) put("big", ink::level::info);
    put("error1", ink::level::error);
    put("critical1", ink::level::critical);
    put("warn1", ink::level::warn);
    // No line of this test is longer than the probe, and two are longer than one probe.
    const std::string probe = json_line(100000, category_name("small", 0), 60);
    for (int k = 0;; k = (k + 1) % 40) {
        if (sink.pending_bytes() + probe.size() > cap) break;
        put(category_name("small", k), ink::level::info);
    }
    // Just under the cap: nothing of the closed files is on disk yet.
    BOOST_TEST(sink.pending_bytes() <= cap);
    BOOST_TEST(sink.pending_bytes() + probe.size() > cap);
    for (const auto& [category, numbers] : sent)
        if (category != "open1" && category != "open2") BOOST_TEST(lines_in(file_of(dir.path(), category)) == 0u);

    // Two more pass it.
    put(category_name("small", 0), ink::level::info);
    put(category_name("small", 1), ink::level::info);
    BOOST_TEST(sink.pending_bytes() < cap * 7 / 10 + 2 * probe.size());
    for (const char* urgent : {"error1", "critical1", "warn1"})
        BOOST_TEST(sink_test_support::numbers_in(file_of(dir.path(), urgent)) == sent[urgent]);
    BOOST_TEST(sink_test_support::numbers_in(file_of(dir.path(), "big")) == sent["big"]);
    std::size_t small_written = 0, small_waiting = 0;
    for (int k = 0; k < 40; ++k) {
        const std::string category = category_name("small", k);
        const std::size_t on_disk = lines_in(file_of(dir.path(), category));
        BOOST_TEST((on_disk == 0u || on_disk == sent[category].size() || on_disk + 1 == sent[category].size()));
        (on_disk == 0u ? small_waiting : small_written) += 1;
    }
    BOOST_TEST_MESSAGE("after passing the cap: " << small_written << " small buffers written, " << small_waiting
                                                 << " still waiting, " << sink.pending_bytes() << " bytes held");
    BOOST_TEST(small_waiting > 0u);  // the cap wrote what it had to, not everything
    BOOST_TEST(sink.open_files() <= 2u);

    sink.flush();
    BOOST_TEST(sink.pending_bytes() == 0u);
    for (const auto& [category, numbers] : sent)
        BOOST_TEST(sink_test_support::numbers_in(file_of(dir.path(), category)) == numbers);
    BOOST_TEST(rep.stats().records == static_cast<std::uint64_t>(n));
    BOOST_TEST(rep.stats().errors == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(states)

// A file closed during a write failure streak keeps its state: when writing
// works again, its next write starts with the "records dropped" note.
BOOST_AUTO_TEST_CASE(a_file_closed_in_a_failure_streak_still_writes_its_dropped_note) {
    counted_layer layer;
    temp_dir dir;
    reporter rep;
    {
        small_sink<2, 16 * 1024 * 1024, 1000, 2> sink(context_for(dir.path(), rep));
        sink.write(record_of("failing", ink::level::info), json_line(0, "failing"));
        sink.flush();
        counts.write_errno = ENOSPC;
        sink.write(record_of("failing", ink::level::info), json_line(1, "failing"));
        sink.flush();
        BOOST_TEST(rep.stats().dropped == 1u);
        counts.write_errno = 0;
        // Other categories close it (two open at most) and churn the states
        // (two kept, beyond which idle ones are recycled).
        for (int k = 0; k < 20; ++k) {
            const std::string name = category_name("other", k);
            sink.write(record_of(name, ink::level::info), json_line(10 + k, name));
            sink.flush();
        }
        BOOST_TEST(sink.kept_files() <= 4u);
        BOOST_TEST(sink_test_support::numbers_in(file_of(dir.path(), "failing")) == std::vector<int>({0}));
        std::this_thread::sleep_for(150ms);  // past the first wait after a failure (100 ms)
        sink.write(record_of("failing", ink::level::info), json_line(2, "failing"));
        sink.flush();
    }
    const auto lines = read_jsonl(file_of(dir.path(), "failing"));
    BOOST_REQUIRE(lines.size() == 3u);
    BOOST_TEST(lines[0]["n"] == 0);
    BOOST_TEST(lines[1]["message"].get<std::string>().rfind("inkwell: 1 records dropped since ", 0) == 0u);
    BOOST_TEST(lines[2]["n"] == 2);
    for (int k = 0; k < 20; ++k)
        BOOST_TEST(sink_test_support::numbers_in(file_of(dir.path(), category_name("other", k))) ==
                   std::vector<int>({10 + k}));
}

// Far more categories than states kept: idle states are recycled (the hash
// table loses and regains entries all the time) and every record still lands
// in its own file, in order.
// Held lines live in chained blocks (512 B growing to 4 KiB; a longer line
// gets a block of its own size): lines of every size around those bounds,
// over more categories than open files, come out whole, once, in order.
BOOST_AUTO_TEST_CASE(held_lines_of_every_size_come_out_whole_and_in_order) {
    constexpr int categories = 40;
    const std::size_t pads[] = {0, 1, 400, 470, 480, 500, 511, 512, 1000, 1023, 2040, 2048, 4000, 4050,
                                4096, 4097, 8192, 23'000, 70'000};
    temp_dir dir;
    reporter rep;
    std::map<std::string, std::vector<std::string>> expected;
    {
        small_sink<3> sink(context_for(dir.path(), rep));  // 3 open files: most lines wait
        int n = 0;
        for (int round = 0; round < 6; ++round) {
            for (std::size_t p = 0; p < std::size(pads); ++p) {
                for (int k = 0; k < categories; ++k) {
                    const std::string name = category_name("size", k);
                    // A different size per (category, round), so that neighbouring lines differ.
                    const std::size_t pad = pads[(p + static_cast<std::size_t>(k + round)) % std::size(pads)];
                    const std::string line = json_line(n++, name, pad);
                    sink.write(record_of(name, ink::level::info), line);
                    expected[name].push_back(line.substr(0, line.size() - 1));
                }
                sink.commit();
            }
        }
        sink.flush();
        BOOST_TEST(sink.pending_bytes() == 0u);
    }
    const auto st = rep.stats();
    BOOST_TEST(st.errors == 0u);
    BOOST_TEST(st.fallback_records == 0u);
    BOOST_TEST(test_support::files_below(dir.path()).size() == static_cast<std::size_t>(categories));
    std::size_t lines = 0;
    for (const auto& [name, want] : expected) {
        const auto got = read_lines(file_of(dir.path(), name));
        BOOST_TEST_REQUIRE(got.size() == want.size(), name);
        for (std::size_t i = 0; i < want.size(); ++i) BOOST_TEST_REQUIRE(got[i] == want[i], name << " line " << i);
        lines += got.size();
    }
    BOOST_TEST(st.records == lines);
}

BOOST_AUTO_TEST_CASE(recycled_states_keep_every_record_in_its_own_file) {
    constexpr int categories = 300, rounds = 4;
    temp_dir dir;
    reporter rep;
    {
        small_sink<4, 16 * 1024 * 1024, 0, 16> sink(context_for(dir.path(), rep));  // age 0: due at each commit
        for (int n = 0; n < categories * rounds; ++n) {
            // A stride through the categories, so that neighbours in the table come and go.
            const int k = (n * 7) % categories;
            const std::string name = category_name("cat", k);
            sink.write(record_of(name, ink::level::info), json_line(n - n % categories + k, name));
            sink.commit();
            BOOST_TEST_REQUIRE(sink.kept_files() <= 16u + 4u);
        }
    }
    check_every_record_once(dir.path(), categories, rounds, "cat");
}

BOOST_AUTO_TEST_SUITE_END()
