#pragma once
// The measuring tools of inkwell_bench, independent of any logging library:
// a tick clock (the time-stamp counter where it is invariant, else
// steady_clock) with its own cost measured, pacing, CPU pinning, percentiles,
// and the file census that checks every record reached its file.

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace bench {

// ---------------------------------------------------------------------------
// Time

inline std::uint64_t steady_ns() noexcept {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

inline bool invariant_tsc() {
#if defined(__x86_64__)
    std::FILE* f = std::fopen("/proc/cpuinfo", "r");
    if (!f) return false;
    char line[8192];
    bool constant = false, nonstop = false;
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, "flags", 5) != 0) continue;
        constant = std::strstr(line, " constant_tsc") != nullptr;
        nonstop = std::strstr(line, " nonstop_tsc") != nullptr;
        break;
    }
    std::fclose(f);
    return constant && nonstop;
#else
    return false;
#endif
}

// Ticks of the time-stamp counter, fenced so the timed code can neither start
// before the first reading nor finish after the second; or steady_clock
// nanoseconds where the counter is not invariant.
class tick_clock {
public:
    // Decides the source and measures the tick rate against steady_clock (~0.2 s).
    void calibrate() {
        use_tsc_ = invariant_tsc();
        if (!use_tsc_) {
            ns_per_tick_ = 1.0;
        } else {
            const std::uint64_t ns0 = steady_ns(), t0 = now();
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            const std::uint64_t ns1 = steady_ns(), t1 = now();
            ns_per_tick_ = static_cast<double>(ns1 - ns0) / static_cast<double>(t1 - t0);
        }
        cost_ticks_ = measure_cost();
    }

    std::uint64_t now() const noexcept {
#if defined(__x86_64__)
        if (use_tsc_) {
            _mm_lfence();
            const std::uint64_t t = __rdtsc();
            _mm_lfence();
            return t;
        }
#endif
        return steady_ns();
    }

    bool uses_tsc() const noexcept { return use_tsc_; }
    double ns_per_tick() const noexcept { return ns_per_tick_; }
    double ghz() const noexcept { return 1.0 / ns_per_tick_; }
    double to_ns(double ticks) const noexcept { return ticks * ns_per_tick_; }
    std::uint64_t from_ns(double ns) const noexcept { return static_cast<std::uint64_t>(ns / ns_per_tick_); }
    // What one back-to-back pair of readings costs (the median of many).
    std::uint64_t cost_ticks() const noexcept { return cost_ticks_; }
    double cost_ns() const noexcept { return to_ns(static_cast<double>(cost_ticks_)); }

private:
    std::uint64_t measure_cost() const {
        std::vector<std::uint64_t> pairs(100'000);
        for (auto& p : pairs) {
            const std::uint64_t a = now();
            const std::uint64_t b = now();
            p = b - a;
        }
        std::nth_element(pairs.begin(), pairs.begin() + static_cast<std::ptrdiff_t>(pairs.size() / 2), pairs.end());
        return pairs[pairs.size() / 2];
    }

    bool use_tsc_ = false;
    double ns_per_tick_ = 1.0;
    std::uint64_t cost_ticks_ = 0;
};

// Waits until the clock passes `deadline`. A producer with a CPU of its own
// spins; one that shares the CPUs with the library's threads yields while it
// waits, so those threads get the CPU whenever they have work. (Sleeping
// instead was tried: on this VM a sleep wakes late and a halted vCPU makes
// every library look tens of microseconds slow, so the figures were noise.)
// A wait of more than a millisecond (session_subscriber at its real 1,000
// records/s, --gap-ns 1000000) sleeps through all but its last 200 µs
// instead of holding a CPU for ten minutes.
inline void wait_until(const tick_clock& clock, std::uint64_t deadline, bool yield) noexcept {
    const std::uint64_t now = clock.now();
    if (now < deadline && clock.to_ns(static_cast<double>(deadline - now)) > 1e6)
        std::this_thread::sleep_for(std::chrono::nanoseconds(
            static_cast<std::int64_t>(clock.to_ns(static_cast<double>(deadline - now)) - 200'000)));
    while (clock.now() < deadline) {
        if (yield) {
            sched_yield();
        } else {
#if defined(__x86_64__)
            _mm_pause();
#endif
        }
    }
}

// Keeps the compiler from merging or deleting loop iterations around it.
inline void compiler_barrier() noexcept { asm volatile("" ::: "memory"); }

// ---------------------------------------------------------------------------
// Statistics

// The q-quantile (0..1) by nearest rank; reorders `v`.
template <class T>
double quantile(std::vector<T>& v, double q) {
    if (v.empty()) return std::nan("");
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
    if (rank > 0) --rank;
    if (rank >= v.size()) rank = v.size() - 1;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank), v.end());
    return static_cast<double>(v[rank]);
}

// The median of the finite values; NaN when there are none.
inline double median(std::vector<double> v) {
    v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ---------------------------------------------------------------------------
// CPUs and threads

inline pid_t this_thread_id() noexcept { return static_cast<pid_t>(::syscall(SYS_gettid)); }

// The CPUs this process may run on.
inline std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) cpus.push_back(c);
    return cpus;
}

inline bool pin_thread(pid_t tid, int cpu) noexcept {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(tid, sizeof set, &set) == 0;
}

inline bool pin_this_thread(int cpu) noexcept {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// Pins every thread of this process except `keep` to `cpu`: the logging
// library's own threads (writer, timer, pool) that the benchmark cannot name.
// Returns how many threads were pinned.
// -1 when /proc/self/task cannot be read (no descriptor left).
inline int pin_other_threads(const std::vector<pid_t>& keep, int cpu) {
    int pinned = 0;
    DIR* d = ::opendir("/proc/self/task");
    if (!d) return -1;
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        const auto tid = static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10));
        if (std::find(keep.begin(), keep.end(), tid) != keep.end()) continue;
        pinned += pin_thread(tid, cpu) ? 1 : 0;
    }
    ::closedir(d);
    return pinned;
}

// The descriptors this process holds now, found by asking fcntl() about every
// number below the soft limit: it needs no descriptor of its own, so it works
// when the process holds all it may (opendir("/proc/self/fd") would not).
inline int open_descriptor_count() {
    rlimit l{};
    if (::getrlimit(RLIMIT_NOFILE, &l) != 0) return -1;
    const rlim_t probe = l.rlim_cur == RLIM_INFINITY || l.rlim_cur > 65536 ? 65536 : l.rlim_cur;
    int n = 0;
    for (rlim_t fd = 0; fd < probe; ++fd) n += ::fcntl(static_cast<int>(fd), F_GETFD) != -1;
    return n;
}

// `ulimit -n limit` for this process: soft and hard limit alike, so nothing
// it runs can raise it again. Returns 0 or errno.
inline int limit_descriptors(rlim_t limit) noexcept {
    const rlimit l{limit, limit};
    return ::setrlimit(RLIMIT_NOFILE, &l) == 0 ? 0 : errno;
}

inline int thread_count() {
    int n = 0;
    DIR* d = ::opendir("/proc/self/task");
    if (!d) return 0;
    while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
    return n;
}

// ---------------------------------------------------------------------------
// Memory

// A "Name:   123 kB" line of /proc/self/status (VmRSS, VmHWM), in kB; -1
// when it cannot be read.
inline long status_kb(const char* name) {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return -1;
    const std::size_t length = std::strlen(name);
    char line[256];
    long kb = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, name, length) == 0 && line[length] == ':') {
            kb = std::strtol(line + length + 1, nullptr, 10);
            break;
        }
    std::fclose(f);
    return kb;
}

// Sets this process's peak RSS (VmHWM) back to its RSS now (Linux >= 4.0),
// so VmHWM read later is the peak since this call. False when refused.
inline bool reset_peak_rss() {
    const int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool done = ::write(fd, "5", 1) == 1;
    ::close(fd);
    return done;
}

// ---------------------------------------------------------------------------
// Files

struct file_census {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    std::uint64_t lines = 0;           // '\n' bytes
    std::uint64_t unterminated = 0;    // files whose last byte is not '\n'
};

// Sizes only (cheap enough to call between phases).
inline std::uint64_t bytes_below(const std::filesystem::path& dir) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec)) {
            const auto size = it->file_size(size_ec);
            if (!size_ec) total += size;
        }
    }
    return total;
}

// Reads every file below `dir` and counts its lines.
inline file_census census(const std::filesystem::path& dir) {
    file_census c;
    std::vector<char> buffer(1 << 20);
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) continue;
        const int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ++c.files;
        char last = '\n';
        for (;;) {
            const ssize_t n = ::read(fd, buffer.data(), buffer.size());
            if (n <= 0) break;
            c.bytes += static_cast<std::uint64_t>(n);
            last = buffer[static_cast<std::size_t>(n) - 1];
            for (const char* p = buffer.data(), *stop = p + n;
                 (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(stop - p)))) != nullptr;
                 ++p)
                ++c.lines;
        }
        c.unterminated += last != '\n';
        ::close(fd);
    }
    return c;
}

inline void remove_below(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

// Cuts every file below `dir` to nothing (the disk space goes back) but
// leaves the files, for the end of the bench to remove. Why: on ext4
// without a journal, creating a file skips, one by one, the inodes deleted
// in the last half minute; a run that removed its 1,000 files made the next
// run's 1,000 creates pay for them (up to hundreds of microseconds each).
// The creates fall in the untimed warm-up (its records reach every
// category), so this keeps the bench quick rather than its figures fair.
inline void empty_files_below(const std::filesystem::path& dir) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) std::filesystem::resize_file(it->path(), 0, ec);
    }
}

// "ext4", "tmpfs", ... for the folder the files are written to.
inline std::string filesystem_name(const std::string& dir) {
    struct statfs s{};
    if (::statfs(dir.c_str(), &s) != 0) return "?";
    switch (static_cast<unsigned long>(s.f_type)) {
        case 0xEF53: return "ext4";
        case 0x01021994: return "tmpfs";
        case 0x9123683E: return "btrfs";
        case 0x58465342: return "xfs";
        case 0x794c7630: return "overlayfs";
        default: {
            char hex[32];
            std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(s.f_type));
            return hex;
        }
    }
}

inline std::string load_average() {
    std::FILE* f = std::fopen("/proc/loadavg", "r");
    if (!f) return "?";
    char text[128] = {};
    const bool read = std::fgets(text, sizeof text, f) != nullptr;
    std::fclose(f);
    if (!read) return "?";
    // The first three fields: the 1, 5 and 15 minute averages.
    std::string s(text);
    std::size_t cut = 0;
    for (int field = 0; field < 3 && cut != std::string::npos; ++field) cut = s.find(' ', cut + (field ? 1 : 0));
    return cut == std::string::npos ? s : s.substr(0, cut);
}

}  // namespace bench
