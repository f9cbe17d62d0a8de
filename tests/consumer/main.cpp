// A user's program: includes the umbrella and logs one line. Built by the
// consumer tests through find_package and through add_subdirectory.
#include <inkwell/inkwell.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main() {
    // inkwell::inkwell brings C++20, {fmt} and the include path.
    if (std::strcmp(inkwell::version_string, INKWELL_VERSION_STRING) != 0) return 1;

    char folder[] = "/tmp/inkwell-consumer-XXXXXX";
    if (!::mkdtemp(folder)) return 1;
    std::uint64_t written = 0;
    {
        inkwell::presets::jsonl_per_category log({.directory = folder});
        INKWELL_INFO(log, "GameEngine: consumer says hello");
        log.flush();
        written = log.stats().records;
    }
    const std::string cleanup = std::string("rm -rf ") + folder;
    if (std::system(cleanup.c_str()) != 0) return 1;
    std::printf("consumer: inkwell %s wrote %llu record\n", inkwell::version_string,
                static_cast<unsigned long long>(written));
    return written == 1 ? 0 : 1;
}
