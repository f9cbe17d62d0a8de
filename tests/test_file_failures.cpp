// Full disks and write errors: no crash, no busy retrying, no torn line left
// in the file, the lost records counted as dropped and reported once, one
// "inkwell: N records dropped since ..." record when writing works again,
// and writing resumes without a restart. Two ways: an injected file layer
// that fails with any errno (always runs), and a real full tmpfs (when the
// test may mount one).
#define BOOST_TEST_MODULE file_failures
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "sink_test_support.hpp"
#include "test_support.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
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
using test_support::read_file;
using test_support::read_jsonl;
using test_support::read_lines;
using test_support::temp_dir;

namespace {

// What the injected file layer does to write(2): fail with `fail_with`
// (0: do not), after letting `accept_before_failing` more bytes through.
struct fault_plan {
    std::atomic<int> fail_with{0};
    std::atomic<long> accept_before_failing{0};
    std::atomic<long> short_write_limit{0};  // >0: each write takes at most this many bytes (no error)
    std::atomic<int> write_calls{0};   // write and writev
    std::atomic<int> writev_calls{0};
    std::atomic<int> ftruncate_calls{0};
    std::atomic<int> folder_stats_to_fail{0};  // fstat of a folder fails with EIO this many times
};
fault_plan plan;

// How many of `size` bytes one write call takes under the plan; -1 (errno
// set) when it fails.
ssize_t planned_size(std::size_t size) {
    plan.write_calls.fetch_add(1);
    if (long limit = plan.short_write_limit.load(); limit > 0 && size > static_cast<std::size_t>(limit))
        size = static_cast<std::size_t>(limit);
    if (int err = plan.fail_with.load(); err != 0) {
        long room = plan.accept_before_failing.load();
        if (room <= 0) {
            errno = err;
            return -1;
        }
        if (size > static_cast<std::size_t>(room)) size = static_cast<std::size_t>(room);
        plan.accept_before_failing.fetch_sub(static_cast<long>(size));
    }
    return static_cast<ssize_t>(size);
}
ssize_t faulty_write(int fd, const void* data, std::size_t size) {
    const ssize_t take = planned_size(size);
    return take < 0 ? -1 : ::write(fd, data, static_cast<std::size_t>(take));
}
// A writev is one write of its pieces' bytes, cut where the plan says.
ssize_t faulty_writev(int fd, const iovec* pieces, int count) {
    plan.writev_calls.fetch_add(1);
    std::size_t size = 0;
    for (int i = 0; i < count; ++i) size += pieces[i].iov_len;
    ssize_t take = planned_size(size);
    if (take < 0) return -1;
    std::vector<iovec> cut;
    for (int i = 0; i < count && take > 0; ++i) {
        const auto len = std::min(pieces[i].iov_len, static_cast<std::size_t>(take));
        cut.push_back({pieces[i].iov_base, len});
        take -= static_cast<ssize_t>(len);
    }
    return ::writev(fd, cut.data(), static_cast<int>(cut.size()));
}
int counting_ftruncate(int fd, off_t length) {
    plan.ftruncate_calls.fetch_add(1);
    return ::ftruncate(fd, length);
}

int faulty_fstat(int fd, struct stat* st) {
    if (::fstat(fd, st) != 0) return -1;
    if (S_ISDIR(st->st_mode) && plan.folder_stats_to_fail.fetch_sub(1) > 0) {
        errno = EIO;
        return -1;
    }
    return 0;
}

ink::detail::file_ops faulty_ops() {
    ink::detail::file_ops ops = ink::detail::posix_file_ops;
    ops.write = &faulty_write;
    ops.writev = &faulty_writev;
    ops.ftruncate = &counting_ftruncate;
    ops.fstat = &faulty_fstat;
    return ops;
}
const ink::detail::file_ops faulty = faulty_ops();

struct injected_layer {
    injected_layer() {
        plan.fail_with = 0;
        plan.accept_before_failing = 0;
        plan.short_write_limit = 0;
        plan.write_calls = 0;
        plan.writev_calls = 0;
        plan.ftruncate_calls = 0;
        plan.folder_stats_to_fail = 0;
    }
    ink::detail::scoped_file_ops use{faulty};
};

std::string json_line(int n) { return "{\"n\":" + std::to_string(n) + ",\"pad\":\"" + std::string(40, 'x') + "\"}\n"; }

// "inkwell: N records dropped since <ISO time> (<text>)": N, or -1 when the
// message is something else.
long dropped_in_report(const std::string& message) {
    const std::string head = "inkwell: ";
    if (message.rfind(head, 0) != 0) return -1;
    std::size_t at = head.size();
    long n = 0;
    bool digits = false;
    while (at < message.size() && message[at] >= '0' && message[at] <= '9') {
        n = n * 10 + (message[at++] - '0');
        digits = true;
    }
    if (!digits || message.compare(at, 23, " records dropped since ") != 0) return -1;
    return n;
}

std::string error_text(int err) { return std::strerror(err); }

}  // namespace

BOOST_AUTO_TEST_SUITE(injected_layer_tests)

// For each errno of a failing disk: the records lost are counted, the error
// is reported once, nothing is retried before the wait, and the first write
// that works starts with the report.
BOOST_AUTO_TEST_CASE(every_write_errno_is_counted_reported_once_and_recovered_from) {
    for (int err : {ENOSPC, EDQUOT, EFBIG, EIO}) {
        BOOST_TEST_CONTEXT("errno " << err << " (" << error_text(err) << ")") {
            injected_layer layer;
            temp_dir dir;
            reporter rep;
            {
                ink::sink::basic_file<> sink(context_for(dir.path(), rep));
                for (int i = 0; i < 3; ++i) sink.write(record_at(fixed_time), json_line(i));
                sink.flush();

                plan.fail_with = err;
                for (int i = 3; i < 8; ++i) sink.write(record_at(fixed_time), json_line(i));
                sink.flush();
                BOOST_TEST(rep.stats().dropped == 5u);
                const int calls_after_failure = plan.write_calls.load();
                // Within the wait: no write(2) at all, the records are counted.
                for (int i = 8; i < 13; ++i) {
                    sink.write(record_at(fixed_time), json_line(i));
                    sink.flush();
                }
                BOOST_TEST(plan.write_calls.load() == calls_after_failure);
                BOOST_TEST(rep.stats().dropped == 10u);

                plan.fail_with = 0;
                std::this_thread::sleep_for(150ms);  // past the first wait (100 ms)
                for (int i = 13; i < 15; ++i) sink.write(record_at(fixed_time), json_line(i));
                sink.flush();
            }
            BOOST_REQUIRE(rep.events.size() == 1u);  // once per streak, not once per record
            BOOST_TEST((rep.events[0].kind == ink::error_kind::write));
            BOOST_TEST(rep.events[0].system_error == err);
            BOOST_TEST(rep.stats().fallback_records == 0u);  // a full disk is not moved to stderr

            auto lines = read_lines(dir / "app.log");
            BOOST_REQUIRE(lines.size() == 6u);  // 3 before, the report, 2 after
            for (int i : {0, 1, 2}) BOOST_TEST(nlohmann::json::parse(lines[i])["n"] == i);
            BOOST_TEST(lines[3].find("[WARNING] inkwell: 10 records dropped since ") != std::string::npos);
            BOOST_TEST(lines[3].find("(" + error_text(err) + ")") != std::string::npos);
            BOOST_TEST(nlohmann::json::parse(lines[4])["n"] == 13);
            BOOST_TEST(nlohmann::json::parse(lines[5])["n"] == 14);
            BOOST_TEST(rep.stats().records == 3u + 1u + 2u);  // the report is a line in the file too
            BOOST_TEST(rep.stats().dropped == 10u);
        }
    }
}

// A write cut short by a full disk leaves part of a line: the file is cut
// back to its last whole line, so every line in it parses.
BOOST_AUTO_TEST_CASE(a_short_write_then_a_full_disk_leaves_no_torn_line) {
    injected_layer layer;
    temp_dir dir;
    reporter rep;
    std::set<int> in_file;
    {
        ink::sink::basic_file<> sink(context_for(dir.path(), rep));
        const long line_size = static_cast<long>(json_line(0).size());
        plan.accept_before_failing = 3 * line_size + line_size / 2;  // three and a half lines fit
        plan.fail_with = ENOSPC;
        for (int i = 0; i < 10; ++i) sink.write(record_at(fixed_time), json_line(i));
        sink.flush();
        BOOST_TEST(plan.ftruncate_calls.load() == 1);
        BOOST_TEST(rep.stats().records == 3u);
        BOOST_TEST(rep.stats().dropped == 7u);
        const auto content = read_file(dir / "app.log");
        BOOST_TEST(content.size() == static_cast<std::size_t>(3 * line_size));
        BOOST_TEST(content.back() == '\n');

        plan.fail_with = 0;
        std::this_thread::sleep_for(150ms);
        sink.write(record_at(fixed_time), json_line(10));
        sink.flush();
    }
    auto lines = read_lines(dir / "app.log");
    BOOST_REQUIRE(lines.size() == 5u);
    for (int i : {0, 1, 2}) BOOST_TEST(nlohmann::json::parse(lines[i])["n"] == i);
    BOOST_TEST(lines[3].find("inkwell: 7 records dropped since ") != std::string::npos);
    BOOST_TEST(nlohmann::json::parse(lines[4])["n"] == 10);
}

// A short write without an error is simply continued: every line arrives.
BOOST_AUTO_TEST_CASE(short_writes_without_an_error_are_completed) {
    injected_layer layer;
    temp_dir dir;
    reporter rep;
    plan.short_write_limit = 7;  // 7 bytes per write(2): many short writes per line
    {
        ink::sink::basic_file<> sink(context_for(dir.path(), rep));
        for (int i = 0; i < 50; ++i) sink.write(record_at(fixed_time), json_line(i));
        sink.flush();
    }
    auto lines = read_jsonl(dir / "app.log");
    BOOST_REQUIRE(lines.size() == 50u);
    for (int i = 0; i < 50; ++i) BOOST_TEST(lines[i]["n"] == i);
    BOOST_TEST(rep.stats().dropped == 0u);
    BOOST_TEST(rep.events.empty());
    BOOST_TEST(plan.write_calls.load() > 50);
}

// A disk that stays full is tried again after 100 ms, 200 ms, 400 ms ...
// up to 5 s, however often the sink is flushed: no busy spinning.
BOOST_AUTO_TEST_CASE(a_disk_that_stays_full_is_retried_with_a_growing_wait) {
    injected_layer layer;
    temp_dir dir;
    reporter rep;
    ink::sink::basic_file<> sink(context_for(dir.path(), rep));
    plan.fail_with = ENOSPC;
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t produced = 0;
    while (std::chrono::steady_clock::now() - start < 1600ms) {
        sink.write(record_at(fixed_time), json_line(static_cast<int>(produced++)));
        sink.flush();
        std::this_thread::sleep_for(200us);
    }
    // Attempts at about 0, 0.1, 0.3, 0.7 and 1.5 s: five, where a retry per
    // flush would have made thousands.
    const int attempts = plan.write_calls.load();
    BOOST_TEST_MESSAGE(produced << " records flushed one by one over 1.6 s of full disk: " << attempts
                                << " write attempts");
    BOOST_TEST(attempts >= 4);
    BOOST_TEST(attempts <= 6);
    BOOST_TEST(rep.stats().dropped == produced);
    BOOST_TEST(rep.events.size() == 1u);
}

// Through a real logger and its formatter: the report is a JSONL record
// (level warn, category "inkwell") like any other, and written + dropped is
// what was produced.
struct jsonl_file_config : ink::default_config {
    using sink = ink::sink::session_file;
    using formatter = ink::format::jsonl;
    using buffer = ink::buffer::immediate;
};

BOOST_AUTO_TEST_CASE(a_logger_writes_the_report_as_a_record_of_its_own_format) {
    injected_layer layer;
    temp_dir dir;
    std::string path;
    ink::logger_stats stats;
    const int produced = 300;
    {
        ink::basic_logger<jsonl_file_config> log({.directory = dir.path().string(),
                                                  .on_error = [](const ink::error_event&) {}});
        for (int i = 0; i < produced; ++i) {
            if (i == 100) plan.fail_with = EDQUOT;
            if (i == 200) {
                plan.fail_with = 0;
                std::this_thread::sleep_for(450ms);  // past the wait even after a third failed attempt
            }
            INKWELL_INFO(log, "record {}", i);
            log.flush();
        }
        path = log.with_sink([](auto& s) { return s.path(); });
        log.flush();
        stats = log.stats();
    }
    auto lines = read_jsonl(path);  // throws on a torn line
    long reported = 0, reports = 0;
    std::vector<int> seen;
    for (const auto& j : lines) {
        const std::string message = j["message"];
        if (long n = dropped_in_report(message); n >= 0) {
            BOOST_TEST(j["level"] == "warn");
            BOOST_TEST(j["category"] == "inkwell");
            BOOST_TEST(message.find("(" + error_text(EDQUOT) + ")") != std::string::npos);
            reported += n;
            ++reports;
        } else if (j["category"] != "session") {  // not the session file's first record
            seen.push_back(std::stoi(message.substr(7)));
        }
    }
    BOOST_TEST(reports == 1);
    BOOST_TEST(reported == 100);
    BOOST_TEST(stats.dropped == 100u);
    BOOST_TEST(seen.size() + stats.dropped == static_cast<std::size_t>(produced));
    BOOST_TEST(stats.records == seen.size() + 1);
    BOOST_REQUIRE(seen.size() == 200u);
    for (int i = 0; i < 100; ++i) BOOST_TEST(seen[i] == i);
    for (int i = 0; i < 100; ++i) BOOST_TEST(seen[100 + i] == 200 + i);
}

// sink::category_files writes a closed file's held lines straight from
// where they are held, in one writev of several blocks. The same rules hold
// there: a cut write leaves no torn line, a short one is continued.
using one_open_file = ink::sink::category_files<".jsonl", ink::rotate::never, ink::retain::never,
                                                ink::compress::none, ink::sink::category_limits<1024 * 1024, 1000, 1>>;

// Category "open" takes the one descriptor; "held" then keeps its lines in
// blocks until flush() opens it. `n` lines of 60 bytes: 100 fill several blocks.
void hold_lines_for_a_closed_file(one_open_file& sink, int n) {
    sink.write(record_at(fixed_time, "open"), json_line(-1));
    sink.flush();
    for (int i = 0; i < n; ++i) sink.write(record_at(fixed_time, "held"), json_line(i));
}

BOOST_AUTO_TEST_CASE(held_lines_written_in_pieces_then_a_full_disk_leave_no_torn_line) {
    injected_layer layer;
    temp_dir dir;
    reporter rep;
    const fs::path held_file = dir / "2024-12-20" / "held.jsonl";
    {
        one_open_file sink(context_for(dir.path(), rep));
        hold_lines_for_a_closed_file(sink, 100);
        long forty_lines = 0;
        for (int i = 0; i < 40; ++i) forty_lines += static_cast<long>(json_line(i).size());
        plan.accept_before_failing = forty_lines + static_cast<long>(json_line(40).size()) / 2;  // 40.5 lines fit
        plan.fail_with = ENOSPC;
        sink.flush();
        BOOST_TEST(plan.writev_calls.load() >= 1);
        BOOST_TEST(plan.ftruncate_calls.load() == 1);
        BOOST_TEST(rep.stats().records == 1u + 40u);
        BOOST_TEST(rep.stats().dropped == 60u);
        const auto content = read_file(held_file);
        BOOST_TEST(content.size() == static_cast<std::size_t>(forty_lines));

        plan.fail_with = 0;
        std::this_thread::sleep_for(150ms);
        sink.write(record_at(fixed_time, "held"), json_line(100));
        sink.flush();
    }
    auto lines = read_lines(held_file);
    BOOST_REQUIRE(lines.size() == 42u);
    for (int i = 0; i < 40; ++i) BOOST_TEST(nlohmann::json::parse(lines[i])["n"] == i);
    BOOST_TEST(lines[40].find("inkwell: 60 records dropped since ") != std::string::npos);
    BOOST_TEST(nlohmann::json::parse(lines[41])["n"] == 100);
    BOOST_TEST(rep.stats().records + rep.stats().dropped == 1u + 101u + 1u);  // + the report line
}

BOOST_AUTO_TEST_CASE(held_lines_written_in_pieces_are_completed_after_short_writes) {
    injected_layer layer;
    temp_dir dir;
    reporter rep;
    {
        one_open_file sink(context_for(dir.path(), rep));
        hold_lines_for_a_closed_file(sink, 100);
        plan.short_write_limit = 7;  // 7 bytes per call: a piece ends inside many of them
        sink.flush();
        BOOST_TEST(plan.writev_calls.load() > 100);
    }
    auto lines = read_jsonl(dir / "2024-12-20" / "held.jsonl");
    BOOST_REQUIRE(lines.size() == 100u);
    for (int i = 0; i < 100; ++i) BOOST_TEST(lines[i]["n"] == i);
    BOOST_TEST(rep.stats().dropped == 0u);
    BOOST_TEST(rep.events.empty());
}

// The date folder category_files holds open is checked through the file
// layer as well: when checking it fails, the error is reported with the
// folder's path, the records go to the stderr fallback (as for any file
// that cannot be opened), and the file is written again once the folder can
// be checked.
BOOST_AUTO_TEST_CASE(a_failing_check_of_the_held_date_folder_is_reported_and_recovered_from) {
    injected_layer layer;
    temp_dir dir;
    reporter rep;
    const fs::path folder = dir / "2024-12-20";
    std::size_t reports_while_failing = 0;
    {
        one_open_file sink(context_for(dir.path(), rep));
        plan.folder_stats_to_fail = 1000;
        for (int i = 0; i < 5; ++i) sink.write(record_at(fixed_time, "a"), json_line(i));
        sink.flush();
        BOOST_REQUIRE(!rep.events.empty());
        for (const auto& e : rep.events) {  // each failed open is reported (the default handler rate-limits)
            BOOST_TEST((e.kind == ink::error_kind::create_directory));
            BOOST_TEST(e.system_error == EIO);
            BOOST_TEST(e.path == folder.string());
        }
        BOOST_TEST(rep.stats().fallback_records == 5u);
        reports_while_failing = rep.events.size();

        plan.folder_stats_to_fail = 0;
        std::this_thread::sleep_for(150ms);  // past the first wait
        sink.write(record_at(fixed_time, "a"), json_line(5));
        sink.flush();
    }
    const auto lines = read_jsonl(folder / "a.jsonl");
    BOOST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0]["n"] == 5);
    BOOST_TEST(rep.stats().records == 1u);
    BOOST_TEST(rep.stats().dropped == 0u);
    BOOST_TEST(rep.events.size() == reports_while_failing);  // none once it works
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(real_full_disk)

// A small tmpfs of our own: mounted in a fresh temporary folder, unmounted after.
class small_tmpfs {
public:
    explicit small_tmpfs(const fs::path& where) : where_(where) {
        fs::create_directories(where_);
        mounted_ = ::mount("tmpfs", where_.c_str(), "tmpfs", 0, "size=512k") == 0;
        if (!mounted_) why_not_ = error_text(errno);
    }
    ~small_tmpfs() {
        if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
    }
    small_tmpfs(const small_tmpfs&) = delete;
    small_tmpfs& operator=(const small_tmpfs&) = delete;
    bool mounted() const { return mounted_; }
    const std::string& why_not() const { return why_not_; }

private:
    fs::path where_;
    bool mounted_ = false;
    std::string why_not_;
};

struct session_config : ink::presets::session_file_config {};  // async, as users get it

BOOST_AUTO_TEST_CASE(a_real_full_tmpfs_drops_counts_reports_and_recovers) {
    temp_dir dir;
    small_tmpfs disk(dir / "disk");
    if (!disk.mounted()) {
        BOOST_TEST_MESSAGE("SKIPPED: cannot mount a tmpfs here (" << disk.why_not()
                                                                   << "); the injected-layer tests cover the logic");
        return;
    }
    const fs::path logs = dir / "disk" / "logs";
    // Ballast that fills most of the disk; deleting it is "space returns".
    {
        std::string block(64 * 1024, 'b');
        std::FILE* f = std::fopen((dir / "disk" / "ballast").c_str(), "wb");
        BOOST_REQUIRE(f);
        for (int i = 0; i < 6; ++i) std::fwrite(block.data(), 1, block.size(), f);
        std::fclose(f);
    }

    std::string path;
    ink::logger_stats stats;
    int produced = 0;
    int first_after_recovery = -1;
    {
        ink::basic_logger<session_config> log({.directory = logs.string(), .on_error = [](const ink::error_event&) {}});
        path = log.with_sink([](auto& s) { return s.template get<0>().path(); });
        const std::string pad(150, 'p');
        // Fill the disk: log until records are being dropped.
        while (log.stats().dropped == 0 && produced < 100000) {
            for (int i = 0; i < 50; ++i, ++produced) INKWELL_INFO(log, "record {} {}", produced, pad);
            log.flush();
        }
        BOOST_REQUIRE(log.stats().dropped > 0u);
        for (int i = 0; i < 200; ++i, ++produced) INKWELL_INFO(log, "record {} {}", produced, pad);  // all dropped
        log.flush();
        BOOST_TEST_MESSAGE("disk full after about " << log.stats().records << " records; " << log.stats().dropped
                                                   << " dropped so far");

        fs::remove(dir / "disk" / "ballast");  // space returns
        // Keep logging until the report shows up (the wait is at most 5 s).
        const auto start = std::chrono::steady_clock::now();
        const auto reported = [&] { return read_file(path).find(" records dropped since ") != std::string::npos; };
        while (!reported() && std::chrono::steady_clock::now() - start < 8s) {
            INKWELL_INFO(log, "record {} {}", produced++, pad);
            log.flush();
            std::this_thread::sleep_for(20ms);
        }
        first_after_recovery = produced;
        for (int i = 0; i < 100; ++i, ++produced) INKWELL_INFO(log, "record {} {}", produced, pad);
        log.flush();
        stats = log.stats();
    }

    std::vector<nlohmann::json> lines;
    BOOST_REQUIRE_NO_THROW(lines = read_jsonl(path));  // every line parses: no torn line
    const std::string content = read_file(path);
    BOOST_TEST(content.find('\0') == std::string::npos);
    BOOST_TEST(content.back() == '\n');
    std::set<int> seen;
    long reported_total = 0, reports = 0;
    for (const auto& j : lines) {
        const std::string message = j["message"];
        if (long n = dropped_in_report(message); n >= 0) {
            BOOST_TEST(message.find("(" + error_text(ENOSPC) + ")") != std::string::npos);
            reported_total += n;
            ++reports;
            continue;
        }
        if (j["category"] == "session") continue;  // the session file's first record
        BOOST_TEST(seen.insert(std::stoi(message.substr(7))).second);  // nothing twice
    }
    BOOST_TEST_MESSAGE("tmpfs: produced " << produced << ", in the file " << seen.size() << ", dropped "
                                          << stats.dropped << ", " << reports << " report(s) saying "
                                          << reported_total);
    BOOST_TEST(reports >= 1);
    BOOST_TEST(reported_total == static_cast<long>(stats.dropped));
    BOOST_TEST(seen.size() + stats.dropped == static_cast<std::size_t>(produced));
    for (int i = first_after_recovery; i < produced; ++i) BOOST_TEST(seen.count(i) == 1u);  // writing resumed
}

BOOST_AUTO_TEST_SUITE_END()
