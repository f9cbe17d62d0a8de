#pragma once
// A program run as a child process (posix_spawn) with its stdout and stderr
// in files: the `inkwell` command in test_cli and test_viewer. A child still
// running when its object goes is killed and reaped, so a failed test leaves
// no process behind.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace test_support {

class child_process {
public:
    // Runs args[0] (a path) with the arguments that follow it.
    child_process(std::vector<std::string> args, std::filesystem::path out, std::filesystem::path err)
        : out_(std::move(out)), err_(std::move(err)) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int failed = ::posix_spawn(&pid_, args.at(0).c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (failed != 0) throw std::runtime_error("posix_spawn " + args[0] + " failed: " + std::to_string(failed));
    }
    ~child_process() {
        if (running()) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    bool running() const noexcept { return pid_ > 0; }
    void signal(int sig) const noexcept {
        if (running()) ::kill(pid_, sig);
    }

    // True once the child has exited (its wait status in `status`); never blocks.
    bool exited(int& status) noexcept {
        if (!running() || ::waitpid(pid_, &status, WNOHANG) != pid_) return false;
        pid_ = -1;
        return true;
    }

    // Waits for the exit; after `limit` kills the child (a hang fails the
    // test, not the suite). The exit code; -1 when a signal ended it.
    // `hung` tells which.
    int wait(std::chrono::seconds limit, bool& hung) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        int status = 0;
        hung = false;
        while (!exited(status)) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                pid_ = -1;
                hung = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds{10});
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    const std::filesystem::path& out_path() const noexcept { return out_; }
    const std::filesystem::path& err_path() const noexcept { return err_; }

private:
    std::filesystem::path out_, err_;
    pid_t pid_ = -1;
};

}  // namespace test_support
