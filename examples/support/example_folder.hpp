#pragma once
// The folder an example logs into: argv[1] when given, otherwise a new
// temporary folder that is removed when the example ends. Shared by the
// examples so that each one shows only its logging.

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace examples {

class example_folder {
public:
    example_folder(int argc, char** argv, const char* temporary_prefix) {
        if (argc >= 2) {
            path_ = argv[1];
            return;
        }
        std::string pattern = (std::filesystem::temp_directory_path() / (std::string(temporary_prefix) + "-XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            std::perror("mkdtemp");
            std::exit(1);
        }
        path_ = pattern;
        temporary_ = true;
    }
    ~example_folder() {
        std::error_code ignored;
        if (temporary_) std::filesystem::remove_all(path_, ignored);
    }
    example_folder(const example_folder&) = delete;
    example_folder& operator=(const example_folder&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
    bool temporary_ = false;
};

// The regular files below `dir` (or directly in it), sorted.
inline std::vector<std::filesystem::path> sorted_files(const std::filesystem::path& dir, bool recursive = true) {
    std::vector<std::filesystem::path> files;
    if (recursive) {
        for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
            if (entry.is_regular_file()) files.push_back(entry.path());
    } else {
        for (const auto& entry : std::filesystem::directory_iterator(dir))
            if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace examples
