#define BOOST_TEST_MODULE compression_zstd
#include <boost/test/unit_test.hpp>

#include "inkwell_under_test.hpp"
#include "test_support.hpp"

#include <inkwell/compress/zstd.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using test_support::temp_dir;

namespace {

// What libzstd's streaming decoder reads back from a .zst file; fails the
// test on a corrupt or truncated frame.
std::string unzstd(const fs::path& p) {
    const std::string packed = test_support::read_file(p);
    ZSTD_DCtx* context = ZSTD_createDCtx();
    BOOST_REQUIRE(context != nullptr);
    std::string out;
    std::vector<char> buffer(ZSTD_DStreamOutSize());
    ZSTD_inBuffer input{packed.data(), packed.size(), 0};
    std::size_t left = 0;
    for (;;) {
        ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
        left = ZSTD_decompressStream(context, &output, &input);
        BOOST_REQUIRE_MESSAGE(!ZSTD_isError(left), "zstd: " << ZSTD_getErrorName(left));
        out.append(buffer.data(), output.pos);
        const bool input_used = input.pos == input.size;
        if (input_used && left == 0) break;                   // the frame is complete and flushed
        if (input_used && output.pos < output.size) break;    // the decoder wants input there is none of
    }
    ZSTD_freeDCtx(context);
    BOOST_TEST(left == 0u);  // the frame was complete
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

using zstd = inkwell::compress::zstd<>;
using compressor = inkwell::detail::compressor;

// The compressor's own behaviour (a file that grows while it is read, a
// symlink at the path) does not depend on the policy: test_compression.cpp
// tests it once. Here: what zstd itself must get right.

}  // namespace

BOOST_AUTO_TEST_CASE(zstd_satisfies_the_concept_and_names_zst_files) {
    static_assert(inkwell::policy::compression<zstd>);
    static_assert(inkwell::policy::compression<inkwell::compress::zstd<19>>);
    static_assert(inkwell::policy::compresses<zstd>);
    BOOST_TEST(zstd::extension == ".zst");
}

BOOST_AUTO_TEST_CASE(a_finished_file_becomes_a_zstd_file_with_the_same_lines_and_mode) {
    temp_dir dir;
    const fs::path file = dir / "engine+1.jsonl";
    // Over 64 KiB many times: the stream crosses many read and write buffers.
    const std::string content = some_log_lines(50000);
    write_file(file, content, 0640);
    test_support::umask_guard open_umask(0);  // the .zst keeps the log's mode whatever the umask

    const inkwell::compress::result r = compressor::compress_now(file.string(), zstd::extension, &zstd::compress_file);
    BOOST_TEST(r.error == 0);
    BOOST_TEST(!fs::exists(file));
    BOOST_TEST(!fs::exists(dir / "engine+1.jsonl.zst.part"));
    BOOST_REQUIRE(fs::exists(dir / "engine+1.jsonl.zst"));
    const std::string back = unzstd(dir / "engine+1.jsonl.zst");
    BOOST_TEST(back.size() == content.size());
    BOOST_TEST((back == content));
    BOOST_TEST(fs::file_size(dir / "engine+1.jsonl.zst") < content.size() / 5);  // log lines compress well
    BOOST_TEST(mode_of(dir / "engine+1.jsonl.zst") == 0640u);
}

BOOST_AUTO_TEST_CASE(every_level_reads_back_the_same_lines) {
    temp_dir dir;
    const std::string content = some_log_lines(3000);
    auto round_trip = [&](auto policy, const char* name) {
        using P = decltype(policy);
        write_file(dir / name, content);
        BOOST_TEST(compressor::compress_now((dir / name).string(), P::extension, &P::compress_file).error == 0);
        BOOST_TEST((unzstd(dir / (std::string(name) + ".zst")) == content));
    };
    round_trip(inkwell::compress::zstd<1>{}, "fastest.jsonl");
    round_trip(inkwell::compress::zstd<19>{}, "smallest.jsonl");
}

BOOST_AUTO_TEST_CASE(an_empty_file_compresses_to_an_empty_zstd_frame) {
    temp_dir dir;
    write_file(dir / "app.log.1", "");
    BOOST_TEST(compressor::compress_now((dir / "app.log.1").string(), ".zst", &zstd::compress_file).error == 0);
    BOOST_TEST(fs::file_size(dir / "app.log.1.zst") > 0u);  // a frame header at least, so zstd -d accepts it
    BOOST_TEST(unzstd(dir / "app.log.1.zst").empty());
}

BOOST_AUTO_TEST_CASE(a_read_failure_is_reported_with_its_errno) {
    temp_dir dir;
    const int folder = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
    const int out = ::open((dir / "out.zst").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    BOOST_REQUIRE(folder >= 0);
    BOOST_REQUIRE(out >= 0);
    const auto r = zstd::compress_file(folder, out);  // read(2) of a folder: EISDIR
    ::close(folder);
    ::close(out);
    BOOST_TEST(r.error == EISDIR);
    BOOST_TEST(std::string_view(r.what) == "cannot read the file to compress");
}

BOOST_AUTO_TEST_CASE(a_write_failure_is_reported_with_its_errno) {
    temp_dir dir;
    write_file(dir / "app.log.1", some_log_lines(100));
    write_file(dir / "read_only.zst", "");
    const int in = ::open((dir / "app.log.1").c_str(), O_RDONLY);
    const int out = ::open((dir / "read_only.zst").c_str(), O_RDONLY);  // write(2): EBADF
    BOOST_REQUIRE(in >= 0);
    BOOST_REQUIRE(out >= 0);
    const auto r = zstd::compress_file(in, out);
    ::close(in);
    ::close(out);
    BOOST_TEST(r.error == EBADF);
    BOOST_TEST(std::string_view(r.what) == "cannot write the compressed file");
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
    fs::create_directory(dir / "app.log.6.zst.part");

    std::vector<inkwell::error_event> events;
    std::vector<std::string> paths;
    inkwell::error_reporter errors([&](const inkwell::error_event& e) {
        events.push_back(e);
        paths.emplace_back(e.path);
    });
    {
        inkwell::detail::compression_handle<zstd> handle;
        for (int i = 1; i <= 6; ++i) handle.submit((dir / ("app.log." + std::to_string(i))).string());
        handle.wait();
        handle.report_failures(errors);
    }
    for (int i = 1; i <= 5; ++i) {
        BOOST_TEST(!fs::exists(dir / ("app.log." + std::to_string(i))));
        BOOST_TEST((unzstd(dir / ("app.log." + std::to_string(i) + ".zst")) == contents[static_cast<std::size_t>(i - 1)]));
    }
    BOOST_TEST(test_support::read_file(dir / "app.log.6") == "six\n");  // kept as it was
    BOOST_REQUIRE(events.size() == 1u);
    BOOST_TEST((events[0].kind == inkwell::error_kind::compress));
    BOOST_TEST(paths[0] == (dir / "app.log.6").string());
}
