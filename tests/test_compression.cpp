#define BOOST_TEST_MODULE compression
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

#include <inkwell/compress/gzip.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using test_support::temp_dir;

namespace {

// What zlib reads back from a .gz file (any gzip reader would do).
std::string gunzip(const fs::path& p) {
    gzFile f = gzopen(p.c_str(), "rb");
    BOOST_REQUIRE(f != nullptr);
    std::string out;
    char buffer[4096];
    for (int n; (n = gzread(f, buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
    gzclose(f);
    return out;
}

std::string some_log_lines(int count) {
    std::string text;
    for (int i = 0; i < count; ++i)
        text += R"({"level":"info","message":"record )" + std::to_string(i) + R"(","category":"engine"})" "\n";
    return text;
}

void write_file(const fs::path& p, const std::string& content, mode_t mode = 0640) {
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), mode);
}

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

using gzip = inkwell::compress::gzip<>;
using compressor = inkwell::detail::compressor;

// A policy that appends to the file it reads, as a late record would while
// the compressor works.
struct grows_while_read {
    static constexpr std::string_view extension = ".gz";
    static inline std::string path;
    static inkwell::compress::result compress_file(int from_fd, int to_fd) noexcept {
        std::ofstream(path, std::ios::app) << "a late record\n";
        return gzip::compress_file(from_fd, to_fd);
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(policies_satisfy_the_concept) {
    static_assert(inkwell::policy::compression<inkwell::compress::none>);
    static_assert(inkwell::policy::compression<gzip>);
    static_assert(!inkwell::policy::compresses<inkwell::compress::none>);
    static_assert(inkwell::policy::compresses<gzip>);
}

BOOST_AUTO_TEST_CASE(a_finished_file_becomes_a_gzip_file_with_the_same_lines_and_mode) {
    temp_dir dir;
    const fs::path file = dir / "engine+1.jsonl";
    const std::string content = some_log_lines(20000);
    write_file(file, content, 0640);
    test_support::umask_guard open_umask(0);  // the .gz keeps the log's mode whatever the umask

    const inkwell::compress::result r = compressor::compress_now(file.string(), gzip::extension, &gzip::compress_file);
    BOOST_TEST(r.error == 0);
    BOOST_TEST(!fs::exists(file));
    BOOST_TEST(!fs::exists(dir / "engine+1.jsonl.gz.part"));
    BOOST_REQUIRE(fs::exists(dir / "engine+1.jsonl.gz"));
    BOOST_TEST(gunzip(dir / "engine+1.jsonl.gz") == content);
    BOOST_TEST(fs::file_size(dir / "engine+1.jsonl.gz") < content.size() / 5);  // log lines compress well
    BOOST_TEST(mode_of(dir / "engine+1.jsonl.gz") == 0640u);
}

BOOST_AUTO_TEST_CASE(an_empty_file_compresses_to_an_empty_gzip_stream) {
    temp_dir dir;
    write_file(dir / "app.log.1", "");
    BOOST_TEST(compressor::compress_now((dir / "app.log.1").string(), ".gz", &gzip::compress_file).error == 0);
    BOOST_TEST(gunzip(dir / "app.log.1.gz").empty());
}

BOOST_AUTO_TEST_CASE(a_file_that_grows_while_it_is_compressed_is_left_whole) {
    temp_dir dir;
    const fs::path file = dir / "engine.jsonl";
    const std::string content = some_log_lines(100);
    write_file(file, content);
    grows_while_read::path = file.string();

    const auto r = compressor::compress_now(file.string(), grows_while_read::extension, &grows_while_read::compress_file);
    BOOST_TEST(r.error == EAGAIN);
    BOOST_TEST(test_support::read_file(file) == content + "a late record\n");  // nothing lost
    BOOST_TEST(!fs::exists(dir / "engine.jsonl.gz"));
    BOOST_TEST(!fs::exists(dir / "engine.jsonl.gz.part"));
}

BOOST_AUTO_TEST_CASE(a_symlink_is_not_followed_and_its_target_stays_untouched) {
    temp_dir dir;
    const fs::path target = dir / "precious.txt";
    write_file(target, "not a log\n");
    fs::create_symlink(target, dir / "app.log.1");

    const auto r = compressor::compress_now((dir / "app.log.1").string(), ".gz", &gzip::compress_file);
    BOOST_TEST(r.error != 0);
    BOOST_TEST(test_support::read_file(target) == "not a log\n");
    BOOST_TEST(fs::is_symlink(dir / "app.log.1"));
    BOOST_TEST(!fs::exists(dir / "app.log.1.gz"));
}

BOOST_AUTO_TEST_CASE(the_worker_compresses_handed_over_files_and_reports_failures_through_the_sink) {
    temp_dir dir;
    std::vector<std::string> contents;
    for (int i = 1; i <= 5; ++i) {
        contents.push_back(some_log_lines(1000 * i));
        write_file(dir / ("app.log." + std::to_string(i)), contents.back());
    }
    // One that cannot be finished: a folder holds the name of its partial copy.
    write_file(dir / "app.log.6", "six\n");
    fs::create_directory(dir / "app.log.6.gz.part");

    std::vector<inkwell::error_event> events;
    std::vector<std::string> paths;
    inkwell::error_reporter errors([&](const inkwell::error_event& e) {
        events.push_back(e);
        paths.emplace_back(e.path);
    });
    {
        inkwell::detail::compression_handle<gzip> handle;
        for (int i = 1; i <= 6; ++i) handle.submit((dir / ("app.log." + std::to_string(i))).string());
        handle.wait();
        handle.report_failures(errors);
    }
    for (int i = 1; i <= 5; ++i) {
        BOOST_TEST(!fs::exists(dir / ("app.log." + std::to_string(i))));
        BOOST_TEST(gunzip(dir / ("app.log." + std::to_string(i) + ".gz")) == contents[static_cast<std::size_t>(i - 1)]);
    }
    BOOST_TEST(test_support::read_file(dir / "app.log.6") == "six\n");  // kept as it was
    BOOST_REQUIRE(events.size() == 1u);
    BOOST_TEST((events[0].kind == inkwell::error_kind::compress));
    BOOST_TEST(paths[0] == (dir / "app.log.6").string());
}

BOOST_AUTO_TEST_CASE(without_compression_a_handle_starts_no_thread_and_does_nothing) {
    temp_dir dir;
    write_file(dir / "app.log.1", "one\n");
    inkwell::detail::compression_handle<inkwell::compress::none> handle;
    handle.submit((dir / "app.log.1").string());
    handle.wait();
    BOOST_TEST(test_support::read_file(dir / "app.log.1") == "one\n");
    BOOST_TEST(!fs::exists(dir / "app.log.1.gz"));
}
