// inkwell_bench: inkwell and spdlog measured in one run, on one message,
//     "Logging int: {}, double: {}, str: {}"
// with an int, a double and a short std::string that change on every call,
// written to real files in a temporary folder.
//
//   inkwell_bench [--quick] [--case NAME[,NAME...]] [--threads N[,N...]] [--dir DIR] [--keep] [--gap-ns NS]
//
// Cases (each with 1, 2 and 4 producer threads unless said otherwise):
//   latency_call          every call timed on its own (the timer's cost subtracted)
//   latency_burst20       bursts of 20 calls timed together, divided by 20
//   text, jsonl           N records (2,000,000; --quick 200,000) from the first call until
//                         all are handed to the kernel, into one file (after a warm-up)
//   categories64          the same, JSONL spread over 64 categories (one file each)
//   categories1000        the same records over 1,000 categories (record i to category i % 1000),
//                         in a process whose descriptors are limited to 64 (`ulimit -n 64`,
//                         set before the logger is made): every record must be present and
//                         the library must count no error. spdlog is not measured here: it keeps
//                         one open file per logger, and 1,000 files do not fit under 64.
//   filtered_runtime      a debug statement under an info logger (1 thread): ns per statement
//   filtered_compiletime  the same statement compiled out (1 thread)
//   session_subscriber    issue 5's bar: 600,000 records (10 minutes' worth at 1,000/s) through
//                         presets::session_file (async, dedup, ring, live sink) with one live
//                         subscriber sleeping 10 ms per entry; inkwell only, 1 producer thread.
//                         Paced like latency_call (--gap-ns, 2.5 µs a record: ~1.5 s, not 10
//                         minutes; --gap-ns 1000000 gives the real 1,000/s) and every call timed
//                         on its own. Figures: the per-call p50/p99/p99.9; the process's RSS
//                         growth from after a warm-up (20,000 records: ring, subscriber queue
//                         and dedup cache already full) to the end, and its peak growth (VmHWM
//                         reset after the warm-up); offered/delivered/dropped of the
//                         subscriber; the logger's books (written - summaries + deduplicated +
//                         dropped == logged + 1, the "session started" record). In --quick too.
// Libraries and modes: spdlog sync (basic_file_sink), spdlog async (async_logger),
// inkwell sync (buffer::immediate), inkwell batched (buffer::batched<>) and, when
// <inkwell/buffer/async.hpp> exists, inkwell async (buffer::async<>). inkwell sync
// writes each record before the call returns; spdlog sync and inkwell batched
// buffer them, so those two are the like-for-like pair.
//
// Every run of a (case, library, mode, threads) job is its own forked process,
// so its peak RSS is its own; jobs run in rounds (forwards, then backwards
// through the list) so a change in the machine's load touches every library
// alike, and each figure is the median over the rounds. Latency cases are
// paced (2.5 µs per record over all producers, --gap-ns) so that no queue
// fills: they measure the call, not the writer. stdout: one JSON object per line, keys case, library,
// mode, threads, p50_ns, p99_ns, p999_ns, msgs_per_s, bytes, peak_rss_kb
// (null when a figure does not apply); session_subscriber adds rss_growth_kb,
// peak_growth_kb, offered, delivered, subscriber_dropped, logged, written,
// deduplicated, summaries, dropped. stderr: progress, then a table, the
// ratios inkwell/spdlog, the ratio of 1,000 categories to 64, and the bars
// of issues 3, 4 and 5.

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <barrier>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "bench_subjects.hpp"
#include "bench_support.hpp"

// The server cases (issue 6), when CMake found libpq and hiredis.
#if defined(INKWELL_BENCH_WITH_SERVERS)
#include <libpq-fe.h>
#include <hiredis/hiredis.h>
#include "bench_platform.hpp"
#include "bench_postgres.hpp"
#include "bench_redis.hpp"
#endif

namespace bench {
namespace {

// ---------------------------------------------------------------------------
// What to run

enum class kind { latency_call, latency_burst, throughput, filtered_runtime, filtered_compiletime, session_subscriber };

struct case_spec {
    const char* name;
    kind what;
    workload layout;
    int descriptor_limit;  // RLIMIT_NOFILE of the job's process, set before the logger is made; 0: unchanged
};

constexpr case_spec all_cases[] = {
    {"latency_call", kind::latency_call, workload::text, 0},
    {"latency_burst20", kind::latency_burst, workload::text, 0},
    {"text", kind::throughput, workload::text, 0},
    {"jsonl", kind::throughput, workload::jsonl, 0},
    {"categories64", kind::throughput, workload::categories, 0},
    {"categories1000", kind::throughput, workload::categories1000, 64},
    {"filtered_runtime", kind::filtered_runtime, workload::text, 0},
    {"filtered_compiletime", kind::filtered_compiletime, workload::text, 0},
    {"session_subscriber", kind::session_subscriber, workload::jsonl, 0},
};

// Why a job is not run at all (nullptr: it is). spdlog opens one file per
// logger and keeps it open, so 1,000 categories need 1,000 descriptors: under
// a limit of 64 it cannot even be set up, and the same records without the
// limit would not be the same test.
const char* not_measured_because(const case_spec& c, library lib) {
    if (lib == library::spdlog && c.descriptor_limit > 0 && c.layout == workload::categories1000)
        return "not measured: spdlog keeps one open file per logger; 1,000 files do not fit under ulimit -n 64";
    return nullptr;
}

constexpr int burst_length = 20;

bool is_latency(kind k) { return k == kind::latency_call || k == kind::latency_burst; }
bool is_filtered(kind k) { return k == kind::filtered_runtime || k == kind::filtered_compiletime; }
// A preset of inkwell's measured as it is: one library, one mode, one producer.
bool is_session(kind k) { return k == kind::session_subscriber; }

const char* library_name(library l) { return l == library::spdlog ? "spdlog" : "inkwell"; }
const char* mode_name(mode m) {
    switch (m) {
        case mode::sync: return "sync";
        case mode::batched: return "batched";
        case mode::async: return "async";
        case mode::async_spin: return "spin";
    }
    return "?";
}

struct job {
    const case_spec* c;
    library lib;
    mode buffering;
    int threads;
};

struct settings {
    bool quick = false;
    bool keep = false;
    std::string dir;                    // our own folder; every job writes below it
    // Every job runs once per round, each time in a fresh process, and the
    // rounds go through the jobs forwards, then backwards: a change in the
    // machine's load touches every library alike. Figures are the median over
    // the rounds (peak RSS: the largest).
    int latency_rounds = 5;
    int throughput_rounds = 3;
    int filtered_rounds = 3;
    // A slow configuration stops repeating once its timed runs add up to this,
    // so one slow library cannot stretch the whole run (always at least one run).
    double throughput_budget_seconds = 3.0;
    std::uint64_t records = 2'000'000;  // per throughput run, over all threads
    int latency_samples = 50'000;  // calls per thread and run (latency_call)
    int burst_samples = 2'500;     // bursts per thread and run (latency_burst20)
    int warmup_calls = 5'000;      // per thread, before a latency case
    // Per thread, before a throughput repetition: reaches every one of the
    // 1,000 categories, so their files exist before the clock starts.
    int warmup_records = 2'048;
    // Pacing of the latency cases: the producers together log one record per
    // gap_ns, so a writer thread keeps up and the queue never fills (a full
    // queue measures the writer, not the call site).
    double gap_ns = 2'500;
    std::uint64_t filtered_iterations = 100'000'000;
    // session_subscriber: issue 5's 10 minutes at 1,000 records/s, paced by gap_ns.
    std::uint64_t session_records = 600'000;
    int session_warmup = 20'000;
    int session_rounds = 3;
    int filtered_passes = 3;  // within one process (median)
    tick_clock clock;
    std::vector<int> cpus;
};

// Everything a child process sends back. Plain data: it crosses a pipe.
struct job_result {
    int ok = 0;
    double p50_ns = NAN, p99_ns = NAN, p999_ns = NAN;
    double msgs_per_s = NAN;
    double bytes = NAN;
    std::uint64_t lines_found = 0, lines_expected = 0, unterminated = 0;
    int lines_checked = 0;
    // What the library itself counted (inkwell's stats(); counted = 0 for spdlog).
    int counted = 0;
    std::uint64_t errors = 0, dropped = 0, fallback_records = 0;
    double seconds = 0;
    // session_subscriber: memory from after the warm-up to the end (kB; the
    // largest over the rounds), the subscriber's counters and the logger's
    // books (summed over the rounds; *_unbalanced: rounds that did not add up).
    int session = 0;
    double rss_growth_kb = NAN, peak_growth_kb = NAN;
    std::uint64_t offered = 0, delivered = 0, subscriber_dropped = 0;
    std::uint64_t logged = 0, written = 0, deduplicated = 0, summaries = 0;
    int subscriber_unbalanced = 0, books_unbalanced = 0;
    char note[320] = {};
};

void add_note(job_result& r, const std::string& text) {
    if (text.empty()) return;
    std::string note = r.note;
    if (!note.empty()) note += "; ";
    note += text;
    std::snprintf(r.note, sizeof r.note, "%s", note.c_str());
}

// ---------------------------------------------------------------------------
// The arguments: an int, a double and a short string that change every call.

// Made before main() runs: a function-local static would cost every timed
// call a call to its accessor and a test of its guard.
const std::vector<std::string> short_string_table = [] {
    std::vector<std::string> v;
    for (int k = 0; k < 1024; ++k) {
        char text[16];
        std::snprintf(text, sizeof text, "user_%04d", k);
        v.emplace_back(text);
    }
    return v;
}();
const std::vector<std::string>& short_strings() { return short_string_table; }

template <class Subject>
inline void log_one(Subject& subject, int i) {
    subject.log(i, static_cast<double>(i) * 0.5 + 0.25, short_strings()[static_cast<std::size_t>(i) & 1023]);
}

// ---------------------------------------------------------------------------
// Pinning: with one producer and two CPUs, the producer runs on one CPU and
// every other thread of the process (the library's writer, timer or pool
// thread, found in /proc/self/task) on the other.

struct pinning {
    bool on = false;
    int producer_cpu = -1;
    int other_cpu = -1;
};

pinning plan_pinning(int threads, const settings& s) {
    pinning p;
    if (threads == 1 && s.cpus.size() >= 2) {
        p.on = true;
        p.other_cpu = s.cpus[0];
        p.producer_cpu = s.cpus[1];
    }
    return p;
}

std::string describe_pinning(const pinning& p, int others_pinned) {
    if (!p.on) return "not pinned";
    if (others_pinned < 0)  // every descriptor in use: the library's threads were started on that CPU anyway
        return "producer on CPU " + std::to_string(p.producer_cpu) + ", other threads started on CPU " +
               std::to_string(p.other_cpu);
    return "producer on CPU " + std::to_string(p.producer_cpu) + ", " + std::to_string(others_pinned) +
           " other thread(s) on CPU " + std::to_string(p.other_cpu);
}

void check_lines(job_result& r, std::uint64_t expected, const file_census& c) {
    r.lines_checked = 1;
    r.lines_expected += expected;
    r.lines_found += c.lines;
    r.unterminated += c.unterminated;
}

std::string job_folder(const settings& s, const job& j) {
    return s.dir + "/" + j.c->name + "-" + library_name(j.lib) + "-" + mode_name(j.buffering) + "-t" +
           std::to_string(j.threads);
}

// ---------------------------------------------------------------------------
// Latency: each producer times single calls or bursts of 20, paced; the
// percentiles of all producers' samples together.

template <class Subject, class Make>
job_result run_latency(const job& j, const settings& s, Make make) {
    job_result r;
    const bool burst = j.c->what == kind::latency_burst;
    const int calls_per_sample = burst ? burst_length : 1;
    const int samples = burst ? s.burst_samples : s.latency_samples;
    const int warmup_samples = s.warmup_calls / calls_per_sample;
    const tick_clock& clock = s.clock;
    const std::uint64_t timer_cost = clock.cost_ticks();
    const std::uint64_t gap = clock.from_ns(s.gap_ns * j.threads * calls_per_sample);
    const pinning pin = plan_pinning(j.threads, s);
    const bool yield = !pin.on;  // producers that share the CPUs with the writer let it run

    const std::string dir = job_folder(s, j);
    remove_below(dir);  // what a killed earlier run may have left
    std::filesystem::create_directories(dir);
    if (pin.on) pin_this_thread(pin.other_cpu);  // threads the library starts inherit this
    std::unique_ptr<Subject> subject = make(dir);

    std::vector<std::vector<std::uint64_t>> taken(static_cast<std::size_t>(j.threads),
                                                  std::vector<std::uint64_t>(static_cast<std::size_t>(samples)));
    std::vector<pid_t> tids(static_cast<std::size_t>(j.threads));
    std::barrier sync(j.threads + 1);

    auto producer = [&](int t) {
        if (pin.on) pin_this_thread(pin.producer_cpu);
        tids[static_cast<std::size_t>(t)] = this_thread_id();
        int i = t * 10'000'000;
        auto sample = [&]() -> std::uint64_t {
            const std::uint64_t t0 = clock.now();
            if (burst) {
                for (int k = 0; k < burst_length; ++k) log_one(*subject, i++);
            } else {
                log_one(*subject, i++);
            }
            const std::uint64_t t1 = clock.now();
            wait_until(clock, t1 + gap, yield);
            const std::uint64_t spent = t1 - t0;
            return spent > timer_cost ? spent - timer_cost : 0;
        };
        for (int w = 0; w < warmup_samples; ++w) sample();
        sync.arrive_and_wait();  // warmed up
        sync.arrive_and_wait();  // settled and pinned
        for (auto& x : taken[static_cast<std::size_t>(t)]) x = sample();
    };
    std::vector<std::thread> producers;
    for (int t = 0; t < j.threads; ++t) producers.emplace_back(producer, t);

    sync.arrive_and_wait();
    subject->settle();
    const int others = pin.on ? pin_other_threads(tids, pin.other_cpu) : 0;
    const std::uint64_t start = clock.now();
    sync.arrive_and_wait();

    for (auto& p : producers) p.join();
    r.seconds = clock.to_ns(static_cast<double>(clock.now() - start)) / 1e9;
    subject->finish();
    add_note(r, subject->problems());
    subject.reset();

    std::vector<std::uint64_t> all;
    all.reserve(static_cast<std::size_t>(samples) * static_cast<std::size_t>(j.threads));
    for (const auto& v : taken) all.insert(all.end(), v.begin(), v.end());
    const double per = calls_per_sample;
    r.p50_ns = clock.to_ns(quantile(all, 0.50)) / per;
    r.p99_ns = clock.to_ns(quantile(all, 0.99)) / per;
    r.p999_ns = clock.to_ns(quantile(all, 0.999)) / per;
    const file_census c = census(dir);
    r.bytes = static_cast<double>(c.bytes);
    const auto per_thread = static_cast<std::uint64_t>(warmup_samples + samples) *
                            static_cast<std::uint64_t>(calls_per_sample);
    check_lines(r, per_thread * static_cast<std::uint64_t>(j.threads), c);
    add_note(r, describe_pinning(pin, others));
    if (!s.keep) remove_below(dir);
    r.ok = 1;
    return r;
}

// The measurement's own floor: an empty timed region, timed, paced and
// pinned like latency_call with one producer. Interrupts and the hypervisor
// show up here, so a logger's p99.9 cannot be read below this one's.
// With `store_line`, the region holds what every queue-based logger's call
// does at the least: 64 bytes stored into the next cache line of a 1 MiB
// buffer (no other thread involved): the machine's own tail for that.
job_result measure_floor(const settings& s, bool store_line) {
    job_result r;
    const tick_clock& clock = s.clock;
    const pinning pin = plan_pinning(1, s);
    if (pin.on) pin_this_thread(pin.producer_cpu);
    const std::uint64_t timer_cost = clock.cost_ticks();
    const std::uint64_t gap = clock.from_ns(s.gap_ns);
    std::vector<std::uint64_t> taken(static_cast<std::size_t>(s.latency_samples));
    std::vector<double> p50, p99, p999;
    constexpr std::size_t buffer_bytes = 1 << 20, line = 64;
    std::vector<char> buffer(buffer_bytes, 1);
    std::array<char, line> payload{};
    std::size_t at = 0;
    for (int rep = -1; rep < s.latency_rounds; ++rep) {  // -1: warm-up
        for (auto& x : taken) {
            const std::uint64_t t0 = clock.now();
            if (store_line) {
                std::memcpy(buffer.data() + at, payload.data(), line);
                at = (at + line) % buffer_bytes;
            }
            compiler_barrier();
            const std::uint64_t t1 = clock.now();
            wait_until(clock, t1 + gap, !pin.on);
            x = t1 - t0 > timer_cost ? t1 - t0 - timer_cost : 0;
        }
        if (rep < 0) continue;
        p50.push_back(clock.to_ns(quantile(taken, 0.50)));
        p99.push_back(clock.to_ns(quantile(taken, 0.99)));
        p999.push_back(clock.to_ns(quantile(taken, 0.999)));
    }
    r.p50_ns = median(p50);
    r.p99_ns = median(p99);
    r.p999_ns = median(p999);
    r.ok = 1;
    return r;
}

// ---------------------------------------------------------------------------
// Throughput: fresh loggers, warmed up and settled; the clock runs from
// releasing the producers until the library says every record reached the
// kernel. Bytes are what the timed records added.

template <class Subject, class Make>
job_result run_throughput(const job& j, const settings& s, Make make) {
    job_result r;
    const tick_clock& clock = s.clock;
    const pinning pin = plan_pinning(j.threads, s);
    const std::uint64_t per_thread = s.records / static_cast<std::uint64_t>(j.threads);
    const std::uint64_t timed = per_thread * static_cast<std::uint64_t>(j.threads);
    const std::uint64_t warmup = static_cast<std::uint64_t>(s.warmup_records) * static_cast<std::uint64_t>(j.threads);

    // A folder of this run's own: the files of earlier runs are emptied, not
    // removed, until the bench ends (see empty_files_below()).
    const std::string dir = job_folder(s, j) + "-p" + std::to_string(::getpid());
    remove_below(dir);  // what a killed earlier run may have left
    std::filesystem::create_directories(dir);
    if (pin.on) pin_this_thread(pin.other_cpu);  // threads the library starts inherit this
    if (j.c->descriptor_limit > 0) {
        const int before = open_descriptor_count();
        if (const int err = limit_descriptors(static_cast<rlim_t>(j.c->descriptor_limit)); err != 0) {
            add_note(r, std::string("cannot limit descriptors: ") + std::strerror(err));
            return r;  // not ok: the case means nothing without its limit
        }
        add_note(r, "ulimit -n " + std::to_string(j.c->descriptor_limit) + " (" + std::to_string(before) +
                        " open before the logger)");
    }
    std::unique_ptr<Subject> subject = make(dir);
    std::vector<pid_t> tids(static_cast<std::size_t>(j.threads));
    std::barrier sync(j.threads + 1);

    auto producer = [&](int t) {
        if (pin.on) pin_this_thread(pin.producer_cpu);
        tids[static_cast<std::size_t>(t)] = this_thread_id();
        const int first = t * 20'000'000;  // distinct values per thread; 64 threads stay within int
        for (int w = 0; w < s.warmup_records; ++w) log_one(*subject, first + w);
        sync.arrive_and_wait();  // warmed up
        sync.arrive_and_wait();  // go
        const int end = first + s.warmup_records + static_cast<int>(per_thread);
        for (int i = first + s.warmup_records; i < end; ++i) log_one(*subject, i);
    };
    std::vector<std::thread> producers;
    for (int t = 0; t < j.threads; ++t) producers.emplace_back(producer, t);

    sync.arrive_and_wait();
    subject->settle();
    const std::uint64_t warm_bytes = bytes_below(dir);
    const int others = pin.on ? pin_other_threads(tids, pin.other_cpu) : 0;
    const std::uint64_t start = clock.now();
    sync.arrive_and_wait();
    for (auto& p : producers) p.join();
    subject->finish();
    const std::uint64_t stop = clock.now();
    add_note(r, subject->problems());
    if constexpr (requires { subject->stats(); }) {
        const auto st = subject->stats();
        r.counted = 1;
        r.errors = st.errors;
        r.dropped = st.dropped;
        r.fallback_records = st.fallback_records;
        if (j.c->descriptor_limit > 0)
            add_note(r, std::to_string(open_descriptor_count()) + " descriptors open at the end");
    }
    subject.reset();

    r.seconds = clock.to_ns(static_cast<double>(stop - start)) / 1e9;
    r.msgs_per_s = static_cast<double>(timed) / r.seconds;
    const file_census c = census(dir);
    r.bytes = static_cast<double>(c.bytes - warm_bytes);
    check_lines(r, timed + warmup, c);
    if (!s.keep) empty_files_below(dir);
    add_note(r, describe_pinning(pin, others));
    r.ok = 1;
    return r;
}

// ---------------------------------------------------------------------------
// Filtered statements: a tight loop of debug statements under an info level;
// ns per statement, loop included (the empty loop's cost is in the note).

template <class Subject, class Make, class Call>
job_result run_filtered(const job& j, const settings& s, Make make, Call call) {
    job_result r;
    const pinning pin = plan_pinning(1, s);
    if (pin.on) pin_this_thread(pin.producer_cpu);
    const std::string dir = job_folder(s, j);
    remove_below(dir);  // what a killed earlier run may have left
    std::filesystem::create_directories(dir);
    std::unique_ptr<Subject> subject = make(dir);
    const auto& strings = short_strings();
    const std::uint64_t n = s.filtered_iterations;

    auto timed_loop = [&](auto&& body) {
        const std::uint64_t t0 = steady_ns();
        for (std::uint64_t k = 0; k < n; ++k) {
            body(static_cast<int>(k));
            compiler_barrier();
        }
        return static_cast<double>(steady_ns() - t0) / static_cast<double>(n);
    };
    auto statement = [&](int i) {
        call(*subject, i, static_cast<double>(i) * 0.5 + 0.25, strings[static_cast<std::size_t>(i) & 1023]);
    };
    auto nothing = [](int) {};

    timed_loop(statement);  // warm-up
    std::vector<double> per_call, empty;
    const auto start = steady_ns();
    for (int pass = 0; pass < s.filtered_passes; ++pass) {
        per_call.push_back(timed_loop(statement));
        empty.push_back(timed_loop(nothing));
    }
    r.seconds = static_cast<double>(steady_ns() - start) / 1e9;
    subject->finish();
    subject.reset();
    r.p50_ns = median(per_call);
    char text[96];
    std::snprintf(text, sizeof text, "ns per statement, loop included; empty loop %.2f ns", median(empty));
    add_note(r, text);
    const file_census c = census(dir);
    r.bytes = static_cast<double>(c.bytes);
    check_lines(r, 0, c);
    if (!s.keep) remove_below(dir);
    r.ok = 1;
    return r;
}

// ---------------------------------------------------------------------------
// session_subscriber: presets::session_file with a subscriber sleeping 10 ms
// per entry. One producer, paced and timed like latency_call; memory read
// after the warm-up and at the end (the logger flushed: every record through
// the writer, the subscriber's queue as full as it gets).

job_result run_session(const job& j, const settings& s) {
    job_result r;
    r.session = 1;
    const tick_clock& clock = s.clock;
    const std::uint64_t timer_cost = clock.cost_ticks();
    const std::uint64_t gap = clock.from_ns(s.gap_ns);
    const pinning pin = plan_pinning(1, s);
    const bool yield = !pin.on;
    const std::string dir = job_folder(s, j);
    remove_below(dir);
    std::filesystem::create_directories(dir);
    if (pin.on) pin_this_thread(pin.other_cpu);  // the writer and the subscriber's thread inherit this

    // Every sample's slot is touched now, before the warm-up: 8 bytes a record
    // would otherwise count as the logger's growth.
    std::vector<std::uint64_t> taken(s.session_records, 0);
    auto subject = std::make_unique<session_subject>(subject_spec{mode::async, workload::jsonl, 1}, dir);

    long rss_after_warmup = -1;
    bool peak_reset = false;
    pid_t producer_tid = 0;
    std::barrier sync(2);
    std::thread producer([&] {
        if (pin.on) pin_this_thread(pin.producer_cpu);
        producer_tid = this_thread_id();
        int i = 0;
        auto sample = [&]() -> std::uint64_t {
            const std::uint64_t t0 = clock.now();
            log_one(*subject, i++);
            const std::uint64_t t1 = clock.now();
            wait_until(clock, t1 + gap, yield);
            return t1 - t0 > timer_cost ? t1 - t0 - timer_cost : 0;
        };
        for (int w = 0; w < s.session_warmup; ++w) sample();
        sync.arrive_and_wait();  // warmed up
        sync.arrive_and_wait();  // settled, measured, pinned
        for (auto& x : taken) x = sample();
    });

    sync.arrive_and_wait();
    subject->settle();
    const int others = pin.on ? pin_other_threads({producer_tid}, pin.other_cpu) : 0;
    rss_after_warmup = status_kb("VmRSS");
    peak_reset = reset_peak_rss();
    const std::uint64_t start = clock.now();
    sync.arrive_and_wait();
    producer.join();
    const std::uint64_t produced = clock.now();
    subject->finish();
    const long rss_end = status_kb("VmRSS"), peak_end = status_kb("VmHWM");
    r.seconds = clock.to_ns(static_cast<double>(produced - start)) / 1e9;
    r.msgs_per_s = static_cast<double>(s.session_records) / r.seconds;

    subject->end_subscription();
    r.offered = subject->offered();
    r.delivered = subject->delivered();
    r.subscriber_dropped = subject->subscriber_dropped();
    r.subscriber_unbalanced = r.delivered + r.subscriber_dropped != r.offered;
    const inkwell::logger_stats st = subject->stats();
    r.counted = 1;
    r.errors = st.errors;
    r.dropped = st.dropped;
    r.fallback_records = st.fallback_records;
    r.logged = static_cast<std::uint64_t>(s.session_warmup) + s.session_records + 1;  // + "session started"
    r.written = st.records;
    r.deduplicated = st.deduplicated;
    r.summaries = st.summaries;
    r.books_unbalanced = st.records - st.summaries + st.deduplicated + st.dropped != r.logged;
    add_note(r, subject->problems());
    subject.reset();

    if (rss_after_warmup >= 0 && rss_end >= 0) r.rss_growth_kb = static_cast<double>(rss_end - rss_after_warmup);
    if (rss_after_warmup >= 0 && peak_end >= 0 && peak_reset)
        r.peak_growth_kb = static_cast<double>(peak_end - rss_after_warmup);
    r.p50_ns = clock.to_ns(quantile(taken, 0.50));
    r.p99_ns = clock.to_ns(quantile(taken, 0.99));
    r.p999_ns = clock.to_ns(quantile(taken, 0.999));
    const file_census c = census(dir);
    r.bytes = static_cast<double>(c.bytes);
    check_lines(r, r.written, c);  // the file holds what the logger counted as written
    if (!s.keep) remove_below(dir);
    char text[200];
    std::snprintf(text, sizeof text, "RSS %ld kB after warm-up, %+ld kB at the end, peak %s; subscriber %llu+%llu/%llu",
                  rss_after_warmup, rss_end - rss_after_warmup,
                  peak_reset ? ("+" + std::to_string(peak_end - rss_after_warmup) + " kB").c_str() : "not reset",
                  static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(r.subscriber_dropped),
                  static_cast<unsigned long long>(r.offered));
    add_note(r, text);
    add_note(r, describe_pinning(pin, others));
    r.ok = 1;
    return r;
}

// ---------------------------------------------------------------------------
// From a job to its subject type

template <class Subject>
job_result run_subject(const job& j, const settings& s) {
    const subject_spec spec{j.buffering, j.c->layout, j.threads};
    auto make = [spec](const std::string& dir) { return std::make_unique<Subject>(spec, dir); };
    switch (j.c->what) {
        case kind::latency_call:
        case kind::latency_burst: return run_latency<Subject>(j, s, make);
        case kind::throughput: return run_throughput<Subject>(j, s, make);
        case kind::filtered_runtime:
            return run_filtered<Subject>(j, s, make, [](Subject& x, int i, double d, const std::string& str) {
                x.log_debug(i, d, str);
            });
        case kind::filtered_compiletime:
            return run_filtered<Subject>(j, s, make, [](Subject& x, int i, double d, const std::string& str) {
                x.log_debug_compiled_out(i, d, str);
            });
        case kind::session_subscriber: break;  // run_session(): the preset, not a subject of this list
    }
    return {};
}

template <class Buffer>
job_result run_inkwell(const job& j, const settings& s) {
    if (j.c->what == kind::filtered_compiletime) return run_subject<inkwell_text_info_only<Buffer>>(j, s);
    switch (j.c->layout) {
        case workload::text: return run_subject<inkwell_text<Buffer>>(j, s);
        case workload::jsonl: return run_subject<inkwell_jsonl<Buffer>>(j, s);
        case workload::categories: return run_subject<inkwell_categories<Buffer>>(j, s);
        case workload::categories1000: return run_subject<inkwell_many_categories<Buffer>>(j, s);
    }
    return {};
}

job_result run_job(const job& j, const settings& s) {
    if (is_session(j.c->what)) return run_session(j, s);
    if (j.lib == library::spdlog) return run_subject<spdlog_subject>(j, s);
    switch (j.buffering) {
        case mode::sync: return run_inkwell<inkwell::buffer::immediate>(j, s);
        case mode::batched: return run_inkwell<inkwell::buffer::batched<>>(j, s);
        case mode::async:
#if INKWELL_BENCH_HAS_ASYNC
            return run_inkwell<inkwell::buffer::async<>>(j, s);
#else
            break;
#endif
        case mode::async_spin:
#if INKWELL_BENCH_HAS_ASYNC
            return run_inkwell<inkwell::buffer::async<inkwell::buffer::overflow::block, 1024 * 1024, 64 * 1024 * 1024,
                                                      inkwell::buffer::idle::spin>>(j, s);
#else
            break;
#endif
    }
    job_result r;
    add_note(r, "not built: <inkwell/buffer/async.hpp> is missing");
    return r;
}

// ---------------------------------------------------------------------------
// One job in a forked child: its peak RSS is its own, and a crash or a hang
// (killed after the deadline) costs one line of the table, not the run.

// A job's figures over its rounds.
struct finished_job {
    job j;
    job_result r;          // medians over the runs that succeeded; line counts summed
    long peak_rss_kb = -1;  // the largest of the runs
    int runs = 0;
    int failed = 0;
    double measured_seconds = 0;
    std::vector<job_result> each;
};

void summarise(finished_job& f) {
    std::vector<double> p50, p99, p999, rate, bytes;
    job_result sum;
    std::string failures;
    if (const char* why = not_measured_because(*f.j.c, f.j.lib)) {
        sum.ok = 1;  // nothing failed: every figure stays NaN (null), the note says why
        add_note(sum, why);
        f.r = sum;
        return;
    }
    for (const auto& r : f.each) {
        if (!r.ok) {
            if (failures.empty()) failures = r.note;
            continue;
        }
        p50.push_back(r.p50_ns);
        p99.push_back(r.p99_ns);
        p999.push_back(r.p999_ns);
        rate.push_back(r.msgs_per_s);
        bytes.push_back(r.bytes);
        sum.lines_checked |= r.lines_checked;
        sum.lines_found += r.lines_found;
        sum.lines_expected += r.lines_expected;
        sum.unterminated += r.unterminated;
        sum.counted |= r.counted;
        sum.errors += r.errors;
        sum.dropped += r.dropped;
        sum.fallback_records += r.fallback_records;
        if (r.session) {
            sum.session = 1;
            auto larger = [](double a, double b) { return std::isfinite(a) && (!std::isfinite(b) || a > b) ? a : b; };
            sum.rss_growth_kb = larger(r.rss_growth_kb, sum.rss_growth_kb);
            sum.peak_growth_kb = larger(r.peak_growth_kb, sum.peak_growth_kb);
            sum.offered += r.offered;
            sum.delivered += r.delivered;
            sum.subscriber_dropped += r.subscriber_dropped;
            sum.logged += r.logged;
            sum.written += r.written;
            sum.deduplicated += r.deduplicated;
            sum.summaries += r.summaries;
            sum.subscriber_unbalanced += r.subscriber_unbalanced;
            sum.books_unbalanced += r.books_unbalanced;
        }
        if (!sum.ok) std::snprintf(sum.note, sizeof sum.note, "%s", r.note);
        sum.ok = 1;
    }
    sum.p50_ns = median(p50);
    sum.p99_ns = median(p99);
    sum.p999_ns = median(p999);
    sum.msgs_per_s = median(rate);
    sum.bytes = median(bytes);
    sum.seconds = f.measured_seconds;
    if (f.failed) add_note(sum, std::to_string(f.failed) + " of " + std::to_string(f.runs) + " runs FAILED: " + failures);
    add_note(sum, std::to_string(f.runs) + (f.runs == 1 ? " run" : " runs"));
    f.r = sum;
}

bool read_all(int fd, void* data, std::size_t size) {
    auto* p = static_cast<char*>(data);
    while (size > 0) {
        const ssize_t n = ::read(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool write_all(int fd, const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

template <class Body>
std::pair<job_result, long> in_child(Body body, unsigned deadline_seconds) {
    std::fflush(nullptr);
    int fds[2];
    if (::pipe(fds) != 0) {
        job_result r;
        add_note(r, "pipe() failed");
        return {r, -1};
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        ::alarm(deadline_seconds);
        const job_result r = body();
        write_all(fds[1], &r, sizeof r);
        std::fflush(nullptr);
        ::_exit(0);
    }
    ::close(fds[1]);
    job_result r;
    const bool got = pid > 0 && read_all(fds[0], &r, sizeof r);
    ::close(fds[0]);
    int status = 0;
    rusage usage{};
    long rss = -1;
    if (pid > 0 && ::wait4(pid, &status, 0, &usage) == pid) rss = usage.ru_maxrss;
    if (!got) {
        r = job_result{};
        if (pid < 0)
            add_note(r, "fork() failed");
        else if (WIFSIGNALED(status))
            add_note(r, std::string("child killed by signal ") + std::to_string(WTERMSIG(status)) +
                            (WTERMSIG(status) == SIGALRM ? " (deadline)" : ""));
        else
            add_note(r, "child exited without a result");
    }
    return {r, rss};
}

// ---------------------------------------------------------------------------
// Output

void json_number(std::string& out, double v, int decimals) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    out += text;
}

void print_json(const finished_job& f) {
    std::string line = "{\"case\":\"";
    line += f.j.c->name;
    line += "\",\"library\":\"";
    line += library_name(f.j.lib);
    line += "\",\"mode\":\"";
    line += mode_name(f.j.buffering);
    line += "\",\"threads\":" + std::to_string(f.j.threads);
    line += ",\"p50_ns\":";
    json_number(line, f.r.ok ? f.r.p50_ns : NAN, 1);
    line += ",\"p99_ns\":";
    json_number(line, f.r.ok ? f.r.p99_ns : NAN, 1);
    line += ",\"p999_ns\":";
    json_number(line, f.r.ok ? f.r.p999_ns : NAN, 1);
    line += ",\"msgs_per_s\":";
    json_number(line, f.r.ok ? f.r.msgs_per_s : NAN, 0);
    line += ",\"bytes\":";
    json_number(line, f.r.ok ? f.r.bytes : NAN, 0);
    line += ",\"peak_rss_kb\":";
    json_number(line, f.peak_rss_kb >= 0 ? static_cast<double>(f.peak_rss_kb) : NAN, 0);
    if (f.r.ok && f.r.session) {
        line += ",\"rss_growth_kb\":";
        json_number(line, f.r.rss_growth_kb, 0);
        line += ",\"peak_growth_kb\":";
        json_number(line, f.r.peak_growth_kb, 0);
        auto count = [&](const char* key, std::uint64_t v) {
            line += ",\"";
            line += key;
            line += "\":" + std::to_string(v);
        };
        count("offered", f.r.offered);
        count("delivered", f.r.delivered);
        count("subscriber_dropped", f.r.subscriber_dropped);
        count("logged", f.r.logged);
        count("written", f.r.written);
        count("deduplicated", f.r.deduplicated);
        count("summaries", f.r.summaries);
        count("dropped", f.r.dropped);
    }
    if (const char* why = not_measured_because(*f.j.c, f.j.lib)) {
        line += ",\"note\":\"";
        line += why;
        line += "\"";
    }
    line += "}\n";
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
}

std::string cell(double v, int decimals) {
    if (!std::isfinite(v)) return "-";
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    return text;
}

std::string rate_cell(double v) {
    if (!std::isfinite(v)) return "-";
    char text[64];
    std::snprintf(text, sizeof text, "%.2fM", v / 1e6);
    return text;
}

std::string bytes_cell(double v) {
    if (!std::isfinite(v)) return "-";
    char text[64];
    if (v >= 1e6)
        std::snprintf(text, sizeof text, "%.1fMB", v / 1e6);
    else
        std::snprintf(text, sizeof text, "%.0fB", v);
    return text;
}

bool lines_ok(const job_result& r) { return r.lines_found == r.lines_expected && r.unterminated == 0; }

std::string check_cell(const finished_job& f) {
    if (!f.r.ok || f.failed) return "FAILED";
    if (!f.r.lines_checked) return "-";
    if (lines_ok(f.r)) return "ok";
    return "WARNING";
}

void print_table(const std::vector<finished_job>& done) {
    std::fprintf(stderr, "\n%-20s %3s %-7s %-7s %9s %9s %9s %9s %9s %9s %5s  %s\n", "case", "thr", "library", "mode",
                 "p50_ns", "p99_ns", "p99.9_ns", "msgs/s", "bytes", "rss_kb", "lines", "note");
    const char* previous = nullptr;
    for (const auto& f : done) {
        if (previous && std::strcmp(previous, f.j.c->name) != 0) std::fputc('\n', stderr);
        previous = f.j.c->name;
        const int decimals = is_filtered(f.j.c->what) ? 2 : 1;
        std::fprintf(stderr, "%-20s %3d %-7s %-7s %9s %9s %9s %9s %9s %9s %5s  %s\n", f.j.c->name, f.j.threads,
                     library_name(f.j.lib), mode_name(f.j.buffering), cell(f.r.p50_ns, decimals).c_str(),
                     cell(f.r.p99_ns, 1).c_str(), cell(f.r.p999_ns, 1).c_str(), rate_cell(f.r.msgs_per_s).c_str(),
                     bytes_cell(f.r.bytes).c_str(),
                     f.peak_rss_kb >= 0 ? std::to_string(f.peak_rss_kb).c_str() : "-", check_cell(f).c_str(),
                     f.r.note);
        if (f.r.ok && f.r.lines_checked && !lines_ok(f.r))
            std::fprintf(stderr, "  WARNING: %llu lines found, %llu expected, %llu file(s) not ending in a newline\n",
                         static_cast<unsigned long long>(f.r.lines_found),
                         static_cast<unsigned long long>(f.r.lines_expected),
                         static_cast<unsigned long long>(f.r.unterminated));
    }
}

const finished_job* find(const std::vector<finished_job>& done, std::string_view name, library lib, mode m,
                         int threads) {
    for (const auto& f : done)
        if (f.r.ok && name == f.j.c->name && f.j.lib == lib && f.j.buffering == m && f.j.threads == threads)
            return &f;
    return nullptr;
}

// inkwell / spdlog, with what it means: "0.04 (25.0x lower)" or "1.62 (1.62x higher)".
std::string ratio_cell(double inkwell_value, double spdlog_value, bool lower_is_better) {
    if (!std::isfinite(inkwell_value) || !std::isfinite(spdlog_value) || spdlog_value <= 0) return "-";
    const double ratio = inkwell_value / spdlog_value;
    char text[64];
    if (lower_is_better && ratio > 0)
        std::snprintf(text, sizeof text, "%.3g (%.1fx %s)", ratio, ratio <= 1 ? 1 / ratio : ratio,
                      ratio <= 1 ? "lower" : "higher");
    else
        std::snprintf(text, sizeof text, "%.3g", ratio);
    return text;
}

void print_ratios(const std::vector<finished_job>& done, const std::vector<mode>& inkwell_modes) {
    std::fprintf(stderr,
                 "\nratios inkwell/spdlog from this run (latency: below 1 is better; msgs/s: above 1 is better)\n");
    std::fprintf(stderr, "%-20s %3s %-8s %-6s %-26s %-26s\n", "case", "thr", "inkwell", "metric", "/ spdlog sync",
                 "/ spdlog async");
    for (const auto& c : all_cases) {
        // Compiled out, both libraries run the empty loop: their ratio is noise.
        if (c.what == kind::filtered_compiletime) continue;
        // spdlog is not measured there (see not_measured_because); its own table follows.
        if (c.layout == workload::categories1000) continue;
        if (is_session(c.what)) continue;  // inkwell's preset alone; its bar follows
        for (int threads : {1, 2, 4}) {
            for (mode m : inkwell_modes) {
                const finished_job* ink = find(done, c.name, library::inkwell, m, threads);
                if (!ink) continue;
                const finished_job* sync = find(done, c.name, library::spdlog, mode::sync, threads);
                const finished_job* async = find(done, c.name, library::spdlog, mode::async, threads);
                auto row = [&](const char* metric, auto pick, bool lower) {
                    std::fprintf(stderr, "%-20s %3d %-8s %-6s %-26s %-26s\n", c.name, threads, mode_name(m), metric,
                                 sync ? ratio_cell(pick(*ink), pick(*sync), lower).c_str() : "-",
                                 async ? ratio_cell(pick(*ink), pick(*async), lower).c_str() : "-");
                };
                if (c.what == kind::throughput) {
                    row("msgs/s", [](const finished_job& f) { return f.r.msgs_per_s; }, false);
                } else {
                    row("p50", [](const finished_job& f) { return f.r.p50_ns; }, true);
                    if (is_latency(c.what)) row("p99.9", [](const finished_job& f) { return f.r.p999_ns; }, true);
                }
            }
        }
    }
}

// 1,000 categories under `ulimit -n 64` against 64 categories, per inkwell
// mode and thread count: msgs/s, the ratio, and whether every record is there
// with nothing counted as failed, dropped or sent to stderr.
bool many_categories_clean(const finished_job& f) {
    return f.r.ok && !f.failed && f.r.lines_checked && lines_ok(f.r) && f.r.counted && f.r.errors == 0 &&
           f.r.dropped == 0 && f.r.fallback_records == 0;
}

void print_category_scaling(const std::vector<finished_job>& done, const std::vector<mode>& inkwell_modes) {
    bool header = false;
    for (int threads : {1, 2, 4}) {
        for (mode m : inkwell_modes) {
            const finished_job* many = find(done, "categories1000", library::inkwell, m, threads);
            if (!many) continue;
            if (!header) {
                std::fprintf(stderr,
                             "\n1,000 categories (ulimit -n 64) / 64 categories, inkwell (msgs/s; every record present, "
                             "errors, dropped, stderr fallback)\n");
                std::fprintf(stderr, "%3s %-8s %12s %12s %7s  %s\n", "thr", "inkwell", "64 cat", "1000 cat", "ratio",
                             "check");
                header = true;
            }
            const finished_job* few = find(done, "categories64", library::inkwell, m, threads);
            const double ratio = few ? many->r.msgs_per_s / few->r.msgs_per_s : NAN;
            char check[160];
            std::snprintf(check, sizeof check, "%s: %llu/%llu lines, errors %llu, dropped %llu, stderr %llu",
                          many_categories_clean(*many) ? "ok" : "FAILED",
                          static_cast<unsigned long long>(many->r.lines_found),
                          static_cast<unsigned long long>(many->r.lines_expected),
                          static_cast<unsigned long long>(many->r.errors),
                          static_cast<unsigned long long>(many->r.dropped),
                          static_cast<unsigned long long>(many->r.fallback_records));
            std::fprintf(stderr, "%3d %-8s %12s %12s %7s  %s\n", threads, mode_name(m),
                         few ? rate_cell(few->r.msgs_per_s).c_str() : "-", rate_cell(many->r.msgs_per_s).c_str(),
                         cell(ratio, 2).c_str(), check);
        }
    }
    if (!header) return;
    // The warm-up logs to every category and settles: each run's files exist
    // before its clock starts, so the ratio is of writing, not of creating.
    std::fprintf(stderr, "(every category's file is made in the untimed warm-up: the ratio compares writing only)\n");
}

// The bar of issue 3, from this run's figures (1 producer thread).
void print_bar(const std::vector<finished_job>& done, const std::vector<mode>& inkwell_modes) {
    std::fprintf(stderr, "\nthe bar of issue 3 (1 producer thread; the inkwell mode named is the best one measured)\n");
    auto best = [&](const char* name, bool lower, auto pick) -> std::pair<const finished_job*, double> {
        const finished_job* chosen = nullptr;
        double value = NAN;
        for (mode m : inkwell_modes) {
            const finished_job* f = find(done, name, library::inkwell, m, 1);
            if (!f || !std::isfinite(pick(*f))) continue;
            if (!chosen || (lower ? pick(*f) < value : pick(*f) > value)) {
                chosen = f;
                value = pick(*f);
            }
        }
        return {chosen, value};
    };
    auto p50 = [](const finished_job& f) { return f.r.p50_ns; };
    auto p999 = [](const finished_job& f) { return f.r.p999_ns; };
    auto rate = [](const finished_job& f) { return f.r.msgs_per_s; };
    auto verdict = [](bool ok) { return ok ? "PASS" : "FAIL"; };
    auto line = [&](const char* what, std::pair<const finished_job*, double> got, double limit, bool at_most,
                    const char* unit) {
        if (!got.first) {
            std::fprintf(stderr, "  %-52s not measured\n", what);
            return;
        }
        const bool ok = at_most ? got.second <= limit : got.second >= limit;
        std::fprintf(stderr, "  %-52s %10.2f %-5s (inkwell %-7s) %s\n", what, got.second, unit,
                     mode_name(got.first->j.buffering), verdict(ok));
    };
    auto versus = [&](const char* what, const char* name, mode spdlog_mode, bool lower, double factor, auto pick) {
        const auto got = best(name, lower, pick);
        const finished_job* other = find(done, name, library::spdlog, spdlog_mode, 1);
        if (!got.first || !other || !std::isfinite(pick(*other))) {
            std::fprintf(stderr, "  %-52s not measured\n", what);
            return;
        }
        const double times = lower ? pick(*other) / got.second : got.second / pick(*other);
        std::fprintf(stderr, "  %-52s %10.2f x     (inkwell %-7s) %s\n", what, times, mode_name(got.first->j.buffering),
                     verdict(times >= factor));
    };
    line("burst-amortised call p50 <= 20 ns", best("latency_burst20", true, p50), 20, true, "ns");
    line("per-call p99.9 <= 250 ns", best("latency_call", true, p999), 250, true, "ns");
    versus("burst p50 >= 25x lower than spdlog async", "latency_burst20", mode::async, true, 25, p50);
    versus("per-call p50 >= 25x lower than spdlog async", "latency_call", mode::async, true, 25, p50);
    auto million = [](const finished_job& f) { return f.r.msgs_per_s / 1e6; };
    line("text >= 5M records/s", best("text", false, million), 5, false, "M/s");
    line("jsonl >= 4M records/s", best("jsonl", false, million), 4, false, "M/s");
    versus("text >= 1.5x spdlog sync", "text", mode::sync, false, 1.5, rate);
    versus("jsonl >= 1.5x spdlog sync", "jsonl", mode::sync, false, 1.5, rate);
    line("statement below the run-time level <= 2 ns", best("filtered_runtime", true, p50), 2, true, "ns");
    line("statement below the compile-time level <= 2 ns", best("filtered_compiletime", true, p50), 2, true, "ns");

    // Issue 4: the async buffer (the jsonl preset's), 1 producer thread.
    std::fprintf(stderr, "\nthe bar of issue 4 (inkwell async, 1 producer thread)\n");
    const char* what = "1000 categories >= 0.7x of 64 categories (ulimit -n 64)";
    const finished_job* many = find(done, "categories1000", library::inkwell, mode::async, 1);
    const finished_job* few = find(done, "categories64", library::inkwell, mode::async, 1);
    if (!many || !few || !std::isfinite(many->r.msgs_per_s) || !std::isfinite(few->r.msgs_per_s)) {
        std::fprintf(stderr, "  %-52s not measured (run categories64 and categories1000)\n", what);
        return;
    }
    const double ratio = many->r.msgs_per_s / few->r.msgs_per_s;
    const bool clean = many_categories_clean(*many);
    std::fprintf(stderr, "  %-52s %10.2f x     (%s vs %s msgs/s; %s) %s\n", what, ratio,
                 rate_cell(many->r.msgs_per_s).c_str(), rate_cell(few->r.msgs_per_s).c_str(),
                 clean ? "every record present, no error" : "RECORDS MISSING OR ERRORS COUNTED",
                 verdict(ratio >= 0.7 && clean));
}

// The bar of issue 5: presets::session_file, 600,000 records, a subscriber
// sleeping 10 ms per entry. Memory: the largest growth over the rounds;
// p99: the median over the rounds; the counts: every round must add up.
// The logger's books in every run, with the file holding every line counted as written.
bool session_books_clean(const finished_job& f) {
    return f.r.ok && !f.failed && f.r.session && f.r.books_unbalanced == 0 && f.r.errors == 0 &&
           f.r.fallback_records == 0 && f.r.lines_checked && lines_ok(f.r);
}
bool session_subscriber_clean(const finished_job& f) {
    return f.r.ok && !f.failed && f.r.session && f.r.subscriber_unbalanced == 0;
}

void print_session_bar(const std::vector<finished_job>& done, const settings& s) {
    const finished_job* f = find(done, "session_subscriber", library::inkwell, mode::async, 1);
    if (!f) return;
    std::fprintf(stderr,
                 "\nthe bar of issue 5 (presets::session_file, %llu records at one per %.0f ns, 1 producer thread, "
                 "a live subscriber sleeping 10 ms per entry; %d run(s))\n",
                 static_cast<unsigned long long>(s.session_records), s.gap_ns, f->runs);
    auto verdict = [](bool ok) { return ok ? "PASS" : "FAIL"; };
    const double mb = 1024.0 / 1e6;  // kB (KiB) to MB
    const double growth = f->r.rss_growth_kb * mb, peak = f->r.peak_growth_kb * mb;
    std::fprintf(stderr, "  %-52s %10.2f %-5s (largest of the runs) %s\n", "RSS growth after warm-up < 5 MB", growth,
                 "MB", verdict(std::isfinite(growth) && growth < 5.0));
    if (std::isfinite(peak))
        std::fprintf(stderr, "  %-52s %10.2f %-5s (largest of the runs) %s\n", "peak RSS growth after warm-up < 5 MB",
                     peak, "MB", verdict(peak < 5.0));
    else
        std::fprintf(stderr, "  %-52s not measured (/proc/self/clear_refs refused)\n", "peak RSS growth after warm-up");
    std::fprintf(stderr, "  %-52s %10.2f %-5s (median of the runs; p50 %.1f, p99.9 %.1f ns) %s\n",
                 "per-call p99 < 1 us", f->r.p99_ns, "ns", f->r.p50_ns, f->r.p999_ns, verdict(f->r.p99_ns < 1000));
    std::fprintf(stderr, "  %-52s %llu + %llu = %llu, offered %llu (all runs) %s\n",
                 "subscriber: delivered + dropped == offered", static_cast<unsigned long long>(f->r.delivered),
                 static_cast<unsigned long long>(f->r.subscriber_dropped),
                 static_cast<unsigned long long>(f->r.delivered + f->r.subscriber_dropped),
                 static_cast<unsigned long long>(f->r.offered), verdict(session_subscriber_clean(*f)));
    const std::uint64_t accounted = f->r.written - f->r.summaries + f->r.deduplicated + f->r.dropped;
    std::fprintf(stderr, "  %-52s %llu - %llu + %llu + %llu = %llu, logged %llu (all runs) %s\n",
                 "written - summaries + dedup'd + dropped == logged",
                 static_cast<unsigned long long>(f->r.written), static_cast<unsigned long long>(f->r.summaries),
                 static_cast<unsigned long long>(f->r.deduplicated), static_cast<unsigned long long>(f->r.dropped),
                 static_cast<unsigned long long>(accounted), static_cast<unsigned long long>(f->r.logged),
                 verdict(session_books_clean(*f)));
}

// ---------------------------------------------------------------------------
// Command line

[[noreturn]] void usage(int code) {
    std::fprintf(code ? stderr : stdout,
                 "usage: inkwell_bench [--quick] [--case NAME[,NAME...]] [--threads N[,N...]] [--dir DIR] [--keep]\n"
                 "                     [--gap-ns NS]   (latency pacing: ns per record over all producers)\n"
                 "                     [--rounds N]    (throughput: N rounds each, however long they take)\n"
                 "cases:");
    for (const auto& c : all_cases) std::fprintf(code ? stderr : stdout, " %s", c.name);
    std::fprintf(code ? stderr : stdout, "\n");
    std::exit(code);
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        const std::size_t comma = text.find(',', begin);
        const std::size_t end = comma == std::string::npos ? text.size() : comma;
        if (end > begin) parts.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    return parts;
}

// Cases against real servers (issue 6), run in this process after the
// others: INKWELL_TEST_POSTGRES (a libpq conninfo) and INKWELL_TEST_REDIS
// (host:port) say where; tools/run-bench.sh starts private ones.
constexpr const char* server_cases[] = {"postgres", "redis", "platform_latency"};
bool is_server_case(const std::string& name) {
    for (const char* c : server_cases)
        if (name == c) return true;
    return false;
}

struct options {
    bool quick = false;
    bool keep = false;
    std::vector<std::string> cases;
    std::vector<int> threads;
    std::string dir;
    double gap_ns = 0;
    int rounds = 0;  // 0: the default
};

options parse(int argc, char** argv) {
    options o;
    for (int k = 1; k < argc; ++k) {
        const std::string a = argv[k];
        auto value = [&]() -> std::string {
            if (k + 1 >= argc) {
                std::fprintf(stderr, "inkwell_bench: %s needs a value\n", a.c_str());
                usage(2);
            }
            return argv[++k];
        };
        if (a == "--quick")
            o.quick = true;
        else if (a == "--keep")
            o.keep = true;
        else if (a == "--case")
            for (auto& name : split(value())) o.cases.push_back(name);
        else if (a == "--threads")
            for (auto& n : split(value())) o.threads.push_back(std::atoi(n.c_str()));
        else if (a == "--dir")
            o.dir = value();
        else if (a == "--gap-ns")
            o.gap_ns = std::atof(value().c_str());
        else if (a == "--rounds") {
            o.rounds = std::atoi(value().c_str());
            if (o.rounds < 1 || o.rounds > 99) {
                std::fprintf(stderr, "inkwell_bench: --rounds takes a number from 1 to 99\n");
                usage(2);
            }
        }
        else if (a == "--help" || a == "-h")
            usage(0);
        else {
            std::fprintf(stderr, "inkwell_bench: unknown argument '%s'\n", a.c_str());
            usage(2);
        }
    }
    for (const auto& name : o.cases) {
        bool known = is_server_case(name);
        for (const auto& c : all_cases) known = known || name == c.name;
        if (!known) {
            std::fprintf(stderr, "inkwell_bench: unknown case '%s'\n", name.c_str());
            usage(2);
        }
    }
    for (int t : o.threads)
        if (t < 1 || t > 64) {
            std::fprintf(stderr, "inkwell_bench: --threads takes numbers from 1 to 64\n");
            usage(2);
        }
    return o;
}

// The server cases: asked for by name, or in a full run when the servers
// are named in the environment. False when one was asked for and failed.
bool run_server_cases(const options& o, const settings& s) {
    auto wanted = [&](const char* name) {
        return o.cases.empty() ? !o.quick : std::find(o.cases.begin(), o.cases.end(), name) != o.cases.end();
    };
    if (!wanted("postgres") && !wanted("redis") && !wanted("platform_latency")) return true;
    const char* pg = std::getenv("INKWELL_TEST_POSTGRES");
    const char* rd = std::getenv("INKWELL_TEST_REDIS");
    std::fprintf(stderr, "\nthe bar of issue 6 (against real servers, in this process)\n");
#if !defined(INKWELL_BENCH_WITH_SERVERS)
    (void)pg, (void)rd, (void)s;
    std::fprintf(stderr, "  not built: inkwell_bench was built without libpq and hiredis\n");
    return o.cases.empty();
#else
    bool ok = true;
    auto emit = [](const std::string& line) { std::printf("%s\n", line.c_str()); std::fflush(stdout); };
    if (wanted("postgres")) {
        if (!pg || !*pg) {
            std::fprintf(stderr, "  postgres: INKWELL_TEST_POSTGRES is not set (tools/run-bench.sh starts a server)\n");
            ok = ok && o.cases.empty();
        } else {
            std::string last;
            const int rc = run_postgres_bench(pg, [&](const std::string& line) { emit(line); last = line; },
                                              o.quick ? 100'000 : 200'000, o.quick ? 200'000 : 1'000'000);
            std::fprintf(stderr, "  postgres: %s\n", last.c_str());
            std::fprintf(stderr, "  PostgreSQL >= 100,000 records/s and a full-text query over the rows < 1 s: see "
                                 "msgs_per_s and query_ms above\n");
            ok = ok && rc == 0;
        }
    }
    if (wanted("redis")) {
        if (!rd || !*rd) {
            std::fprintf(stderr, "  redis: INKWELL_TEST_REDIS is not set (tools/run-bench.sh starts a server)\n");
            ok = ok && o.cases.empty();
        } else {
            for (bool async : {false, true}) {
                redis_bench_settings rs;
                rs.address = rd;
                rs.async = async;
                rs.records = o.quick ? 100'000 : 200'000;
                const redis_bench_result r = run_redis_bench(rs);
                emit(redis_bench_json(r));
                const bool bar = r.ok && r.msgs_per_s >= 100'000 && r.largest_len <= r.len_bound;
                std::fprintf(stderr,
                             "  redis %-5s %9.0f entries/s (bar 100,000), stream length at most %lld (bound %lld), "
                             "dropped %llu: %s\n",
                             async ? "async" : "sync", r.msgs_per_s, r.largest_len, r.len_bound,
                             static_cast<unsigned long long>(r.dropped), bar ? "ok" : "FAIL");
                ok = ok && r.ok;
            }
        }
    }
    if (wanted("platform_latency")) {
        if (!pg || !*pg || !rd || !*rd) {
            std::fprintf(stderr, "  platform_latency: needs INKWELL_TEST_POSTGRES and INKWELL_TEST_REDIS\n");
            ok = ok && o.cases.empty();
        } else {
            const auto [files, platform] =
                run_platform_latency(s.clock, pg, rd, s.dir + "/platform_latency", o.quick ? 50'000 : 200'000,
                                     s.gap_ns, emit);
            const double ratio = platform.p50_ns / files.p50_ns;
            std::fprintf(stderr,
                         "  call site, presets::platform / presets::jsonl_per_category: p50 %.1f / %.1f ns = %.2fx "
                         "(bar <= 1.2x): %s; p99 %.1f / %.1f ns, p99.9 %.1f / %.1f ns; dropped %llu / %llu\n",
                         platform.p50_ns, files.p50_ns, ratio, ratio <= 1.2 ? "ok" : "FAIL", platform.p99_ns,
                         files.p99_ns, platform.p999_ns, files.p999_ns,
                         static_cast<unsigned long long>(platform.dropped),
                         static_cast<unsigned long long>(files.dropped));
            ok = ok && files.ok && platform.ok;
        }
    }
    return ok;
#endif
}

int main_impl(int argc, char** argv) {
    const options o = parse(argc, argv);
    settings s;
    s.quick = o.quick;
    s.keep = o.keep;
    if (o.quick) {
        s.records = 200'000;
        s.throughput_rounds = 2;
        s.throughput_budget_seconds = 0.5;
        s.latency_rounds = 3;
        s.filtered_rounds = 2;
        s.latency_samples = 10'000;
        s.burst_samples = 500;
        s.warmup_calls = 2'000;
        s.filtered_iterations = 20'000'000;
        s.session_rounds = 2;  // 600,000 records still: the bar is about that many
    }
    if (o.gap_ns > 0) s.gap_ns = o.gap_ns;
    if (o.rounds > 0) {  // a steadier median on a noisy machine, at the cost of time
        s.throughput_rounds = o.rounds;
        s.throughput_budget_seconds = 1e9;
    }
    s.cpus = allowed_cpus();
    s.clock.calibrate();

    // Our own folder below --dir (default: the temporary folder), removed at the end.
    std::string parent = o.dir;
    if (parent.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        parent = tmp && *tmp ? tmp : "/tmp";
    }
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    std::string pattern = parent + "/inkwell-bench-XXXXXX";
    if (!::mkdtemp(pattern.data())) {
        std::fprintf(stderr, "inkwell_bench: cannot create a folder in %s: %s\n", parent.c_str(), std::strerror(errno));
        return 1;
    }
    s.dir = pattern;

    std::vector<mode> inkwell_modes = {mode::sync, mode::batched};
#if INKWELL_BENCH_HAS_ASYNC
    inkwell_modes.push_back(mode::async);
    inkwell_modes.push_back(mode::async_spin);
#endif
    struct library_mode {
        library lib;
        mode m;
    };
    std::vector<library_mode> subjects = {{library::spdlog, mode::sync}, {library::spdlog, mode::async}};
    for (mode m : inkwell_modes) subjects.push_back({library::inkwell, m});

    std::vector<job> jobs;
    const bool only_server_cases =
        !o.cases.empty() && std::all_of(o.cases.begin(), o.cases.end(), [](const std::string& n) { return is_server_case(n); });
    for (const auto& c : all_cases) {
        if (only_server_cases) break;
        if (!o.cases.empty() && std::find(o.cases.begin(), o.cases.end(), c.name) == o.cases.end()) continue;
        const std::vector<int> thread_counts =
            is_filtered(c.what) || is_session(c.what) ? std::vector<int>{1} : std::vector<int>{1, 2, 4};
        for (int threads : thread_counts) {
            if (!o.threads.empty() && std::find(o.threads.begin(), o.threads.end(), threads) == o.threads.end())
                continue;
            for (const auto& sm : subjects) {
                // The session preset is inkwell's own, async by design: measured once.
                if (is_session(c.what) && (sm.lib != library::inkwell || sm.m != mode::async)) continue;
                // A filtered statement costs the same whatever the buffer: measured once per library.
                if (is_filtered(c.what) && sm.m != mode::sync) continue;
                // A writer that never sleeps changes what a call waits for, not what the writer can do;
                // with more producers than the two CPUs it would only take their time.
                if (sm.m == mode::async_spin && (!is_latency(c.what) || threads != 1)) continue;
                jobs.push_back({&c, sm.lib, sm.m, threads});
            }
        }
    }

    const std::string load_before = load_average();
    std::time_t now = std::time(nullptr);
    char date[64];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
    std::fprintf(stderr, "inkwell_bench %s: %s run, %zu jobs; every run of a job in its own process\n", date,
                 o.quick ? "quick" : "full", jobs.size());
    std::fprintf(stderr, "  libraries: inkwell %s (async buffer %s), spdlog %d.%d.%d, {fmt} %d; compiler %s\n",
                 INKWELL_VERSION_STRING, INKWELL_BENCH_HAS_ASYNC ? "built" : "not built: header missing",
                 SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH, FMT_VERSION, __VERSION__);
    std::fprintf(stderr, "  message: \"%s\" (int, double, short std::string, changing every call)\n",
                 INKWELL_BENCH_MESSAGE);
    std::fprintf(stderr,
                 "  inkwell modes: sync = buffer::immediate, batched = buffer::batched<>, async = buffer::async<> "
                 "(the writer sleeps when idle), spin = buffer::async with buffer::idle::spin (latency cases, 1 producer)\n");
    std::fprintf(stderr,
                 "  sync hands every record to the kernel before the call returns (a write per record); spdlog sync's "
                 "basic_file_sink holds records in a stdio buffer, as inkwell batched does: batched is its like\n");
    std::fprintf(stderr, "  timer: %s at %.3f GHz; one reading pair costs %.1f ns (subtracted from every sample)\n",
                 s.clock.uses_tsc() ? "rdtsc (invariant TSC, lfence-ordered)" : "steady_clock", s.clock.ghz(),
                 s.clock.cost_ns());
    std::fprintf(stderr,
                 "  rounds: every job runs once per round in a fresh process, rounds alternately forwards and "
                 "backwards through the jobs; figures are medians over the rounds\n");
    std::fprintf(stderr,
                 "  latency: %d rounds x %d calls/thread (bursts: %d x 20), after %d warm-up calls; pacing %.0f ns per "
                 "record over all producers (pinned producer spins, others yield)\n",
                 s.latency_rounds, s.latency_samples, s.burst_samples, s.warmup_calls, s.gap_ns);
    const std::string round_limit =
        o.rounds > 0 ? std::to_string(s.throughput_rounds) + " rounds (--rounds)"
                     : "up to " + std::to_string(s.throughput_rounds) + " rounds (fewer once a job's timed runs pass " +
                           cell(s.throughput_budget_seconds, 1) + " s)";
    std::fprintf(stderr, "  throughput: %llu records per run, %s, %d warm-up records/thread before each, not timed\n",
                 static_cast<unsigned long long>(s.records), round_limit.c_str(), s.warmup_records);
    std::fprintf(stderr,
                 "  session_subscriber: %llu records paced at %.0f ns after %d warm-up records, %d rounds; "
                 "presets::session_file with a live subscriber sleeping 10 ms per entry\n",
                 static_cast<unsigned long long>(s.session_records), s.gap_ns, s.session_warmup, s.session_rounds);
    std::fprintf(stderr, "  CPUs allowed: %zu; pinning: %s\n", s.cpus.size(),
                 s.cpus.size() >= 2 ? "with 1 producer, producer on one CPU and every other thread on another"
                                    : "none (one CPU)");
    std::fprintf(stderr, "  files in %s (%s); load average at start: %s\n", s.dir.c_str(),
                 filesystem_name(s.dir).c_str(), load_before.c_str());

    const auto idle = in_child([] {
        job_result r;
        r.ok = 1;
        return r;
    }, 10);
    std::fprintf(stderr, "  peak RSS of an idle child process (the floor of rss_kb): %ld kB\n", idle.second);
    const auto floor = in_child([&] { return measure_floor(s, false); }, 60);
    std::fprintf(stderr,
                 "  measurement floor (an empty timed region, 1 producer, paced and pinned like latency_call): "
                 "p50 %.1f, p99 %.1f, p99.9 %.1f ns\n",
                 floor.first.p50_ns, floor.first.p99_ns, floor.first.p999_ns);
    const auto store_floor = in_child([&] { return measure_floor(s, true); }, 60);
    std::fprintf(stderr,
                 "  machine floor of a queue write (64 bytes into the next line of a 1 MiB buffer, timed the same way): "
                 "p50 %.1f, p99 %.1f, p99.9 %.1f ns\n\n",
                 store_floor.first.p50_ns, store_floor.first.p99_ns, store_floor.first.p999_ns);

    std::vector<finished_job> done;
    for (const job& j : jobs) done.push_back(finished_job{j, {}, -1, 0, 0, 0, {}});
    auto rounds_of = [&](const job& j) {
        if (is_latency(j.c->what)) return s.latency_rounds;
        if (is_filtered(j.c->what)) return s.filtered_rounds;
        if (is_session(j.c->what)) return s.session_rounds;
        return s.throughput_rounds;
    };
    int max_rounds = 0;
    for (const job& j : jobs) max_rounds = std::max(max_rounds, rounds_of(j));

    const auto run_start = steady_ns();
    const unsigned deadline = o.quick ? 120 : 600;
    for (int round = 0; round < max_rounds; ++round) {
        for (std::size_t n = 0; n < done.size(); ++n) {
            finished_job& f = done[round % 2 == 0 ? n : done.size() - 1 - n];
            const job& j = f.j;
            if (round >= rounds_of(j)) continue;
            if (not_measured_because(*j.c, j.lib)) continue;  // summarise() says why
            if (j.c->what == kind::throughput && round > 0 && f.measured_seconds >= s.throughput_budget_seconds)
                continue;
            std::fprintf(stderr, "[round %d/%d] %-20s threads=%d %-7s %-7s ", round + 1, max_rounds, j.c->name,
                         j.threads, library_name(j.lib), mode_name(j.buffering));
            const auto job_start = steady_ns();
            // A session run paced at 1,000/s takes its 10 minutes: the deadline grows with the pacing.
            const double paced_seconds = is_session(j.c->what)
                                             ? static_cast<double>(s.session_records + s.session_warmup) * s.gap_ns / 1e9
                                             : 0;
            const unsigned job_deadline = std::max(deadline, static_cast<unsigned>(paced_seconds * 1.5) + 120);
            const auto [result, rss] = in_child([&] { return run_job(j, s); }, job_deadline);
            ++f.runs;
            f.failed += result.ok ? 0 : 1;
            f.measured_seconds += result.seconds;
            f.peak_rss_kb = std::max(f.peak_rss_kb, rss);
            f.each.push_back(result);
            std::fprintf(stderr, "%s  measured %.2f s, process %.2f s\n",
                         result.ok ? (lines_ok(result) ? "ok" : "LINES WRONG") : result.note, result.seconds,
                         static_cast<double>(steady_ns() - job_start) / 1e9);
        }
    }
    for (auto& f : done) {
        summarise(f);
        print_json(f);
    }

    print_table(done);
    print_ratios(done, inkwell_modes);
    print_category_scaling(done, inkwell_modes);
    print_bar(done, inkwell_modes);
    print_session_bar(done, s);
    const bool servers_ok = run_server_cases(o, s);
    std::fprintf(stderr, "\nwall time %.0f s; load average at start %s, at end %s (2-core machine, shared)\n",
                 static_cast<double>(steady_ns() - run_start) / 1e9, load_before.c_str(), load_average().c_str());

    if (!s.keep) remove_below(s.dir);
    else std::fprintf(stderr, "files kept in %s\n", s.dir.c_str());
    bool all_ok = servers_ok;
    for (const auto& f : done)
        all_ok = all_ok && f.r.ok && !f.failed && (!f.r.lines_checked || lines_ok(f.r)) &&
                 (!f.r.session || (session_books_clean(f) && session_subscriber_clean(f)));
    return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) { return bench::main_impl(argc, argv); }
