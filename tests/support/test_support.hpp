#pragma once
// Shared test helpers: a temporary folder that cleans up after itself, and
// readers that load files back line by line or as parsed JSON.

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <algorithm>
#include <optional>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace test_support {

namespace fs = std::filesystem;

class temp_dir {
public:
    temp_dir() {
        std::string pattern = (fs::temp_directory_path() / "inkwell-test-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const fs::path& path() const { return path_; }
    fs::path operator/(const fs::path& p) const { return path_ / p; }

private:
    fs::path path_;
};

inline std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Splits on '\n'; a final line without '\n' is returned too, so a torn line
// shows up as an unparseable entry rather than vanishing.
inline std::vector<std::string> read_lines(const fs::path& p) {
    std::vector<std::string> lines;
    std::string content = read_file(p), cur;
    for (char c : content) {
        if (c == '\n') {
            lines.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty()) lines.push_back(cur);
    return lines;
}

// Parses every line with a real JSON parser; throws on the first bad one.
inline std::vector<nlohmann::json> read_jsonl(const fs::path& p) {
    std::vector<nlohmann::json> out;
    for (const auto& line : read_lines(p)) out.push_back(nlohmann::json::parse(line));
    return out;
}

// All regular files below a folder, sorted.
inline std::vector<fs::path> files_below(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// Points a file descriptor (stdout, stderr) at a file for one scope.
class redirect_fd {
public:
    redirect_fd(int fd, const fs::path& into) : fd_(fd), saved_(::dup(fd)) {
        std::fflush(nullptr);
        int target = ::open(into.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(target, fd_);
        ::close(target);
    }
    ~redirect_fd() {
        std::fflush(nullptr);
        ::dup2(saved_, fd_);
        ::close(saved_);
    }
    redirect_fd(const redirect_fd&) = delete;
    redirect_fd& operator=(const redirect_fd&) = delete;

private:
    int fd_, saved_;
};

// The stderr fallback of failing sinks writes there; keeps test output readable.
struct quiet_stderr {
    redirect_fd to_null{STDERR_FILENO, "/dev/null"};
};

// Sets the umask for one scope and puts the old one back.
struct umask_guard {
    mode_t saved;
    explicit umask_guard(mode_t m) : saved(::umask(m)) {}
    ~umask_guard() { ::umask(saved); }
};

// Sets (or unsets, with nullptr) an environment variable for one scope.
class env_guard {
public:
    env_guard(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) saved_ = old;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~env_guard() {
        if (saved_)
            ::setenv(name_, saved_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    env_guard(const env_guard&) = delete;
    env_guard& operator=(const env_guard&) = delete;

private:
    const char* name_;
    std::optional<std::string> saved_;
};

// No level or rotation variable of the machine running the tests leaks into them.
struct clean_env {
    env_guard level{"INKWELL_LEVEL", nullptr};
    env_guard size{"INKWELL_LOG_MAX_SIZE_MB", nullptr};
    env_guard count{"INKWELL_LOG_BACKUP_COUNT", nullptr};
    env_guard type{"INKWELL_LOG_ROTATION_TYPE", nullptr};
};

// A time zone for one scope, applied with tzset() both ways (members are
// destroyed in reverse: TZ is put back first, then tzset() reads it).
struct tz_scope {
    struct apply_on_exit {
        ~apply_on_exit() { ::tzset(); }
    } reapply;
    env_guard tz;
    explicit tz_scope(const char* zone) : tz("TZ", zone) { ::tzset(); }
};

}  // namespace test_support
