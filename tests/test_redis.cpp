#define BOOST_TEST_MODULE redis
#include <boost/test/unit_test.hpp>

// sink::redis against a real redis-server (label redis). tools/private-redis.sh
// starts a private one and prints INKWELL_TEST_REDIS=127.0.0.1:<port>; without
// it this test exits 77 (skipped). Every test case uses stream keys of its
// own (pid + random) and deletes them at the end. The cases that kill a
// server start one of their own (INKWELL_TEST_REDIS_SERVER, else
// redis-server on PATH), so the shared one is never disturbed.

#include "inkwell_under_test.hpp"

#include <inkwell/sink/redis.hpp>

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const char* server_env() { return std::getenv("INKWELL_TEST_REDIS"); }

struct needs_server {
    needs_server() {
        if (!server_env() || !*server_env()) {
            std::printf("test_redis: INKWELL_TEST_REDIS is not set (host:port of a redis-server to test against; "
                        "tools/private-redis.sh start DIR starts one): skipped\n");
            std::fflush(stdout);
            std::exit(77);
        }
    }
};

// --- a plain hiredis client, for reading back what the sink wrote

struct reply_free {
    void operator()(redisReply* r) const noexcept {
        if (r) freeReplyObject(r);
    }
};
using reply_ptr = std::unique_ptr<redisReply, reply_free>;

std::pair<std::string, int> split_address(const std::string& address) {
    const auto colon = address.rfind(':');
    return {address.substr(0, colon), std::stoi(address.substr(colon + 1))};
}

class client {
public:
    explicit client(const std::string& address, std::chrono::seconds timeout = 10s) {
        auto [host, port] = split_address(address);
        timeval tv{static_cast<time_t>(timeout.count()), 0};
        c_ = redisConnectWithTimeout(host.c_str(), port, tv);
        if (!c_ || c_->err) {
            if (c_) redisFree(c_);  // a failed connect still allocated its context
            throw std::runtime_error("cannot connect to redis at " + address);
        }
        redisSetTimeout(c_, tv);
    }
    ~client() {
        if (c_) redisFree(c_);
    }
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    reply_ptr command(const std::vector<std::string>& args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        auto* r = static_cast<redisReply*>(redisCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
        if (!r) throw std::runtime_error(std::string("redis command failed: ") + c_->errstr);
        return reply_ptr(r);
    }
    long long integer(const std::vector<std::string>& args) {
        auto r = command(args);
        if (r->type != REDIS_REPLY_INTEGER) throw std::runtime_error("not an integer reply to " + args[0]);
        return r->integer;
    }
    redisContext* raw() noexcept { return c_; }

private:
    redisContext* c_ = nullptr;
};

std::string reply_text(const redisReply* r) { return std::string(r->str, r->len); }

// One stream entry as read back: its Redis id and its field/value pairs in order.
struct entry {
    std::string stream_id;
    std::vector<std::pair<std::string, std::string>> pairs;
    std::string get(std::string_view name) const {
        for (const auto& [k, v] : pairs)
            if (k == name) return v;
        throw std::runtime_error("entry has no field " + std::string(name));
    }
};

// The whole stream, oldest first (XRANGE in pages of 10,000).
std::vector<entry> read_stream(client& c, const std::string& key) {
    std::vector<entry> out;
    std::string start = "-";
    for (;;) {
        auto r = c.command({"XRANGE", key, start, "+", "COUNT", "10000"});
        if (r->type != REDIS_REPLY_ARRAY) throw std::runtime_error("XRANGE: " + reply_text(r.get()));
        if (r->elements == 0) break;
        for (std::size_t i = 0; i < r->elements; ++i) {
            const redisReply* item = r->element[i];
            entry e;
            e.stream_id = reply_text(item->element[0]);
            const redisReply* fields = item->element[1];
            for (std::size_t k = 0; k + 1 < fields->elements; k += 2)
                e.pairs.emplace_back(reply_text(fields->element[k]), reply_text(fields->element[k + 1]));
            out.push_back(std::move(e));
        }
        start = "(" + out.back().stream_id;
    }
    return out;
}

std::string random_hex() {
    std::random_device rd;
    char text[17];
    std::snprintf(text, sizeof text, "%08x%08x", rd(), rd());
    return text;
}

// Keys of one test case: "inkwell:test:<pid>:<random>:<name>"; deleted at the end.
struct test_keys {
    std::string prefix = "inkwell:test:" + std::to_string(::getpid()) + ":" + random_hex() + ":";
    std::string stream = prefix + "stream";
    std::string channel = prefix + "live";
    std::string address;
    explicit test_keys(std::string a = server_env()) : address(std::move(a)) {}
    ~test_keys() {
        try {
            client c(address, 2s);
            c.command({"DEL", stream});
        } catch (...) {
        }
    }
};

struct redis_config : inkwell::default_config {
    using sink = inkwell::sink::redis;
    using formatter = inkwell::format::jsonl;
};
using logger = inkwell::basic_logger<redis_config>;

inkwell::logger_options options_for(const test_keys& keys, std::vector<inkwell::sink_setting> more = {}) {
    inkwell::logger_options o;
    o.name = "redis-test";
    o.read_environment = false;
    o.on_error = [](const inkwell::error_event&) {};
    o.settings = {{"redis", keys.address}, {"redis.stream", keys.stream}, {"redis.channel", keys.channel}};
    for (auto& s : more) o.settings.push_back(std::move(s));
    return o;
}

inkwell::sink::redis& sink_of(logger& log) {
    return *log.with_sink([](inkwell::sink::redis& s) { return &s; });
}

bool looks_like_uuid(const std::string& s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
}

// --- a redis-server of the test's own, to kill and start again

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

class own_server {
public:
    // append_only: every acknowledged write is in the AOF (fsync always)
    // before its reply, so a SIGKILL loses nothing the sink was told landed.
    explicit own_server(bool append_only) : port_(free_port()), append_only_(append_only) { start(); }
    ~own_server() { kill(); }
    own_server(const own_server&) = delete;
    own_server& operator=(const own_server&) = delete;

    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

    void start() {
        const char* env_bin = std::getenv("INKWELL_TEST_REDIS_SERVER");
        const std::string bin = env_bin && *env_bin ? env_bin : "redis-server";
        const std::string port = std::to_string(port_), dir = dir_.path().string(),
                          log = (dir_.path() / "redis.log").string();
        std::vector<std::string> args = {bin,       "--bind",         "127.0.0.1", "--port",       port,
                                         "--dir",   dir,              "--save",    "",             "--appendonly",
                                         append_only_ ? "yes" : "no", "--appendfsync", "always", "--daemonize",
                                         "no",      "--logfile",      log,         "--protected-mode", "yes"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::execvp(argv[0], argv.data());
            ::_exit(127);
        }
        if (pid_ < 0) throw std::runtime_error("fork failed");
        for (int i = 0; i < 200; ++i) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("redis-server (" + bin + ") did not start; set INKWELL_TEST_REDIS_SERVER");
            }
            try {
                client c(address(), 1s);
                auto r = c.command({"PING"});
                if (r->type == REDIS_REPLY_STATUS && reply_text(r.get()) == "PONG") return;
            } catch (...) {
            }
            std::this_thread::sleep_for(50ms);
        }
        throw std::runtime_error("redis-server did not answer within 10 s");
    }

    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    test_support::temp_dir dir_;
    int port_;
    bool append_only_;
    pid_t pid_ = -1;
};

}  // namespace

// --- a stand-in for a server that is still loading its data set

// Speaks just enough RESP for the sink: the first `loading` XADDs (and every
// XREVRANGE meanwhile) are answered "-LOADING ...", as a redis-server
// reading its append-only file after a restart answers them; after that
// XADD is acknowledged and the entry's "id" field kept, PUBLISH answers 0
// and anything else +OK. One connection at a time, on 127.0.0.1.
class loading_server {
public:
    explicit loading_server(int loading) : loading_left_(loading) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(listener_, 8) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("loading_server: cannot listen");
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~loading_server() {
        stop_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        thread_.join();
    }
    loading_server(const loading_server&) = delete;
    loading_server& operator=(const loading_server&) = delete;

    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    std::vector<std::string> accepted_ids() {
        std::lock_guard<std::mutex> lock(mutex_);
        return ids_;
    }
    int loading_replies() const { return loading_replies_.load(); }

private:
    void serve() {
        while (!stop_) {
            const int fd = ::accept(listener_, nullptr, nullptr);
            if (fd < 0) return;  // shut down
            serve_connection(fd);
            ::close(fd);
        }
    }
    // Reads whole commands (arrays of bulk strings) and answers each.
    void serve_connection(int fd) {
        std::string in;
        char chunk[65536];
        for (;;) {
            std::vector<std::string> command;
            std::size_t used = 0;
            while (!parse(in, command, used)) {
                const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
                if (got <= 0) return;
                in.append(chunk, static_cast<std::size_t>(got));
            }
            in.erase(0, used);
            const std::string reply = answer(command);
            for (std::size_t sent = 0; sent < reply.size();) {
                const ssize_t n = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
                if (n <= 0) return;
                sent += static_cast<std::size_t>(n);
            }
        }
    }
    static bool parse(const std::string& in, std::vector<std::string>& out, std::size_t& used) {
        out.clear();
        std::size_t at = 0;
        auto number_line = [&](char kind, long& n) {
            if (at >= in.size() || in[at] != kind) return false;
            const std::size_t end = in.find("\r\n", at);
            if (end == std::string::npos) return false;
            n = std::stol(in.substr(at + 1, end - at - 1));
            at = end + 2;
            return true;
        };
        long count = 0;
        if (!number_line('*', count)) return false;
        for (long i = 0; i < count; ++i) {
            long len = 0;
            if (!number_line('$', len) || in.size() < at + static_cast<std::size_t>(len) + 2) return false;
            out.push_back(in.substr(at, static_cast<std::size_t>(len)));
            at += static_cast<std::size_t>(len) + 2;
        }
        used = at;
        return true;
    }
    std::string answer(const std::vector<std::string>& command) {
        const std::string name = command.empty() ? std::string() : command[0];
        const bool loading = loading_left_.load() > 0;
        if ((name == "XADD" || name == "XREVRANGE") && loading) {
            if (name == "XADD") --loading_left_;
            ++loading_replies_;
            return "-LOADING Redis is loading the dataset in memory\r\n";
        }
        if (name == "XREVRANGE") return "*0\r\n";
        if (name == "PUBLISH") return ":0\r\n";
        if (name != "XADD") return "+OK\r\n";
        for (std::size_t i = 1; i + 1 < command.size(); ++i)
            if (command[i] == "*") {
                for (std::size_t f = i + 1; f + 1 < command.size(); f += 2)
                    if (command[f] == "id") {
                        std::lock_guard<std::mutex> lock(mutex_);
                        ids_.push_back(command[f + 1]);
                    }
                break;
            }
        return "$3\r\n1-1\r\n";
    }

    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> loading_left_;
    std::atomic<int> loading_replies_{0};
    std::mutex mutex_;
    std::vector<std::string> ids_;
    std::thread thread_;
};

BOOST_TEST_GLOBAL_FIXTURE(needs_server);

BOOST_AUTO_TEST_CASE(entries_carry_the_records_fields_and_their_json_line) {
    test_keys keys;
    {
        logger log(options_for(keys));
        log.set_context(inkwell::kv("service", "billing"), inkwell::kv("environment", "test"));
        {
            inkwell::scoped_context request{inkwell::kv("tenantId", "t-42"), inkwell::kv("requestId", "r-1")};
            INKWELL_INFO(log, "order {} placed", 17, inkwell::kv("amount", 12.5));
            INKWELL_WARN(log, "slow {}", "query", inkwell::kv("tenantId", "t-call-site"));
        }
        INKWELL_ERROR(log, "no tenant here");
        log.clear_context();
        INKWELL_INFO(log, "no context at all");
        log.flush();
        const auto s = sink_of(log).stats();
        BOOST_TEST(s.sent == 4u);
        BOOST_TEST(s.dropped == 0u);
        BOOST_TEST(log.stats().dropped == 0u);
    }
    client c(keys.address);
    const auto entries = read_stream(c, keys.stream);
    BOOST_REQUIRE(entries.size() == 4u);

    const std::vector<std::string> names = {"id", "timestamp", "level", "category", "service", "tenantId", "message",
                                            "json"};
    std::set<std::string> ids;
    for (const auto& e : entries) {
        BOOST_REQUIRE(e.pairs.size() == names.size());
        for (std::size_t i = 0; i < names.size(); ++i) BOOST_TEST(e.pairs[i].first == names[i]);
        BOOST_TEST(looks_like_uuid(e.get("id")));
        ids.insert(e.get("id"));
        const json j = json::parse(e.get("json"));
        // The stream's fields are the JSON line's.
        BOOST_TEST(j["timestamp"].get<std::string>() == e.get("timestamp"));
        BOOST_TEST(j["level"].get<std::string>() == e.get("level"));
        BOOST_TEST(j["category"].get<std::string>() == e.get("category"));
        BOOST_TEST(j["message"].get<std::string>() == e.get("message"));
        BOOST_TEST(e.get("timestamp").size() == 24u);
    }
    BOOST_TEST(ids.size() == 4u);

    const json first = json::parse(entries[0].get("json"));
    BOOST_TEST(entries[0].get("message") == "order 17 placed");
    BOOST_TEST(entries[0].get("level") == "info");
    BOOST_TEST(entries[0].get("service") == "billing");
    BOOST_TEST(entries[0].get("tenantId") == "t-42");
    BOOST_TEST(first["context"]["tenantId"] == "t-42");
    BOOST_TEST(first["context"]["requestId"] == "r-1");
    BOOST_TEST(first["context"]["service"] == "billing");
    BOOST_TEST(first["context"]["environment"] == "test");
    BOOST_TEST(first["metadata"]["amount"].get<double>() == 12.5);

    const json second = json::parse(entries[1].get("json"));
    BOOST_TEST(entries[1].get("level") == "warn");
    BOOST_TEST(entries[1].get("tenantId") == "t-call-site");  // the call site's field wins
    BOOST_TEST(second["metadata"]["tenantId"] == "t-call-site");
    BOOST_TEST(second["context"]["tenantId"] == "t-42");

    BOOST_TEST(entries[2].get("level") == "error");
    BOOST_TEST(entries[2].get("tenantId") == "");
    BOOST_TEST(entries[2].get("service") == "billing");
    BOOST_TEST(json::parse(entries[2].get("json")).count("context") == 1u);

    BOOST_TEST(entries[3].get("service") == "redis-test");  // no service field: the logger's name
    BOOST_TEST(json::parse(entries[3].get("json")).count("context") == 0u);
}

BOOST_AUTO_TEST_CASE(a_subscriber_gets_every_entrys_json_in_order) {
    test_keys keys;
    constexpr int count = 2000;
    std::mutex m;
    std::condition_variable cv;
    bool subscribed = false;
    std::vector<std::string> received;
    std::string failure;

    std::thread subscriber([&] {
        try {
            client sub(keys.address, 20s);
            auto r = sub.command({"SUBSCRIBE", keys.channel});  // the confirmation
            {
                std::lock_guard lock(m);
                subscribed = true;
            }
            cv.notify_all();
            while (received.size() < static_cast<std::size_t>(count)) {
                void* raw = nullptr;
                if (redisGetReply(sub.raw(), &raw) != REDIS_OK || !raw) {
                    failure = "subscriber: " + std::string(sub.raw()->errstr);
                    return;
                }
                reply_ptr msg(static_cast<redisReply*>(raw));
                if (msg->type == REDIS_REPLY_ARRAY && msg->elements == 3 && reply_text(msg->element[0]) == "message")
                    received.push_back(reply_text(msg->element[2]));
            }
        } catch (const std::exception& e) {
            failure = e.what();
            std::lock_guard lock(m);
            subscribed = true;
            cv.notify_all();
        }
    });
    {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return subscribed; });
    }
    {
        logger log(options_for(keys));
        for (int i = 0; i < count; ++i) INKWELL_INFO(log, "live entry {}", i, inkwell::kv("n", i));
        log.flush();
        BOOST_TEST(sink_of(log).stats().sent == static_cast<std::uint64_t>(count));
    }
    subscriber.join();
    BOOST_TEST(failure == "");
    client c(keys.address);
    const auto entries = read_stream(c, keys.stream);
    BOOST_REQUIRE(entries.size() == static_cast<std::size_t>(count));
    BOOST_REQUIRE(received.size() == static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        BOOST_TEST(received[static_cast<std::size_t>(i)] == entries[static_cast<std::size_t>(i)].get("json"));
        BOOST_TEST(json::parse(received[static_cast<std::size_t>(i)])["metadata"]["n"].get<int>() == i);
    }
}

BOOST_AUTO_TEST_CASE(the_stream_stays_within_maxlen_and_redis_s_approximate_trimming) {
    test_keys keys;
    constexpr std::uint64_t maxlen = 1000, count = 50000;
    client c(keys.address);
    // XADD MAXLEN ~ removes whole radix-tree nodes only, and only while the
    // stream keeps at least MAXLEN entries: after each XADD the stream holds
    // fewer than MAXLEN + the first node's entries, and a node holds at most
    // stream-node-max-entries (default 100; stream-node-max-bytes can only
    // make it hold fewer).
    auto config = c.command({"CONFIG", "GET", "stream-node-max-entries"});
    BOOST_REQUIRE(config->elements == 2u);
    const std::uint64_t node_entries = std::stoull(reply_text(config->element[1]));
    const std::uint64_t bound = maxlen + (node_entries > 0 ? node_entries : 100);

    std::atomic<bool> done{false};
    long long largest = 0;
    int samples = 0;
    std::thread watcher([&] {  // XLEN while the entries go in
        client w(keys.address);
        while (!done) {
            largest = std::max(largest, w.integer({"XLEN", keys.stream}));
            ++samples;
            std::this_thread::sleep_for(1ms);
        }
    });
    {
        logger log(options_for(keys, {{"redis.maxlen", std::to_string(maxlen)}}));
        for (std::uint64_t i = 0; i < count; ++i) INKWELL_INFO(log, "entry {}", i);
        log.flush();
        const auto s = sink_of(log).stats();
        BOOST_TEST(s.sent == count);
        BOOST_TEST(s.dropped == 0u);
    }
    done = true;
    watcher.join();
    const long long length = c.integer({"XLEN", keys.stream});
    BOOST_TEST_MESSAGE("maxlen " << maxlen << ", XLEN after " << count << " entries: " << length
                                 << ", largest XLEN seen in " << samples << " samples: " << largest
                                 << ", bound " << bound);
    BOOST_TEST(length >= static_cast<long long>(maxlen));
    BOOST_TEST(length < static_cast<long long>(bound));
    BOOST_TEST(largest < static_cast<long long>(bound));
    // Every entry went in (XINFO's entries-added counts them all, trimmed or not).
    auto info = c.command({"XINFO", "STREAM", keys.stream});
    long long added = -1;
    for (std::size_t i = 0; i + 1 < info->elements; i += 2)
        if (reply_text(info->element[i]) == "entries-added") added = info->element[i + 1]->integer;
    BOOST_TEST(added == static_cast<long long>(count));
    const auto entries = read_stream(c, keys.stream);
    BOOST_REQUIRE(!entries.empty());
    BOOST_TEST(entries.back().get("message") == "entry " + std::to_string(count - 1));
}

BOOST_AUTO_TEST_CASE(hostile_text_lands_verbatim_as_one_field_value) {
    test_keys keys;
    client c(keys.address);
    const std::string canary = keys.prefix + "canary", injected = keys.prefix + "injected";
    c.command({"SET", canary, "alive"});
    // RESP as a client would send it: a DEL of the canary and a SET of a new key.
    const std::string resp = "*2\r\n$3\r\nDEL\r\n$" + std::to_string(canary.size()) + "\r\n" + canary +
                             "\r\n*3\r\n$3\r\nSET\r\n$" + std::to_string(injected.size()) + "\r\n" + injected +
                             "\r\n$1\r\n1\r\n";
    const std::vector<std::string> messages = {
        "line one\nline two",
        "carriage\r\nreturn",
        "  spaces   inside and around  ",
        "quotes \" ' ` and \\ backslash",
        resp,
        "\r\n" + resp,
        std::string("binary \x01\x02\x7f\xff\xfe bytes\x1b[31m", 20),
        std::string("nul \0 inside", 12),
        "",
    };
    {
        logger log(options_for(keys));
        for (const auto& m : messages) INKWELL_INFO(log, "{}", m);
        {
            inkwell::scoped_context ctx{inkwell::kv("tenantId", resp)};
            INKWELL_INFO(log, "tenant id is RESP");
        }
        log.flush();
        BOOST_TEST(sink_of(log).stats().sent == messages.size() + 1);
    }
    const auto entries = read_stream(c, keys.stream);
    BOOST_REQUIRE(entries.size() == messages.size() + 1);
    for (std::size_t i = 0; i < messages.size(); ++i) {
        BOOST_TEST(entries[i].pairs.size() == 8u);
        BOOST_TEST(entries[i].get("message") == messages[i]);
        const json j = json::parse(entries[i].get("json"), nullptr, true);
        if (i != 6) BOOST_TEST(j["message"].get<std::string>() == messages[i]);  // 6: invalid UTF-8, repaired in JSON
    }
    BOOST_TEST(entries.back().get("tenantId") == resp);
    // Nothing was deleted or created.
    auto alive = c.command({"GET", canary});
    BOOST_TEST(alive->type == REDIS_REPLY_STRING);
    BOOST_TEST(reply_text(alive.get()) == "alive");
    BOOST_TEST(c.integer({"EXISTS", injected}) == 0);
    auto found = c.command({"KEYS", keys.prefix + "*"});
    std::set<std::string> ours;
    for (std::size_t i = 0; i < found->elements; ++i) ours.insert(reply_text(found->element[i]));
    BOOST_TEST((ours == std::set<std::string>{canary, keys.stream}));
    c.command({"DEL", canary});
}

BOOST_AUTO_TEST_CASE(a_server_killed_mid_stream_gets_every_event_id_after_it_is_back) {
    own_server server(true);
    test_keys keys(server.address());
    constexpr int count = 20000;
    std::atomic<int> logged{0};
    inkwell::sink::redis_stats s{};
    inkwell::logger_stats ls{};
    {
        logger log(options_for(keys, {{"redis.maxlen", "0"},
                                      {"redis.timeout_ms", "2000"},
                                      {"redis.backoff_ms", "20"},
                                      {"redis.backoff_max_ms", "200"},
                                      {"redis.batch", "200"},
                                      {"redis.batch_delay_ms", "5"},
                                      {"redis.flush_timeout_ms", "60000"},
                                      {"redis.queue_bytes", std::to_string(256 << 20)}}));
        std::thread producer([&] {
            for (int i = 0; i < count; ++i) {
                INKWELL_INFO(log, "event {}", i, inkwell::kv("n", i));
                logged = i + 1;
                if (i % 10 == 0) std::this_thread::sleep_for(200us);
            }
        });
        while (logged < count / 4) std::this_thread::sleep_for(1ms);
        server.kill();  // SIGKILL in the middle of the stream
        const int at_kill = logged;
        std::this_thread::sleep_for(300ms);
        const int at_restart = logged;
        server.start();  // the same port and folder: the AOF comes back
        producer.join();
        log.flush();
        s = sink_of(log).stats();
        ls = log.stats();
        BOOST_TEST_MESSAGE("killed after " << at_kill << " records, restarted after " << at_restart);
    }
    client c(server.address());
    const auto entries = read_stream(c, keys.stream);
    std::map<std::string, int> by_id;  // event id -> the n it carries
    std::vector<int> seen(count, 0);
    for (const auto& e : entries) {
        const int n = json::parse(e.get("json"))["metadata"]["n"].get<int>();
        auto [it, fresh] = by_id.emplace(e.get("id"), n);
        BOOST_TEST(it->second == n);  // one id, one record
        if (fresh) ++seen[static_cast<std::size_t>(n)];
    }
    int missing = 0, twice = 0;
    for (int v : seen) {
        missing += v == 0;
        twice += v > 1;  // two ids for one record: never
    }
    const auto duplicates = entries.size() - by_id.size();
    std::printf("test_redis restart: %zu entries, %zu event ids, %zu duplicates (sink: unconfirmed %llu, found in "
                "the stream %llu, reconnects %llu, failed sends %llu)\n",
                entries.size(), by_id.size(), duplicates, static_cast<unsigned long long>(s.unconfirmed),
                static_cast<unsigned long long>(s.found_in_stream), static_cast<unsigned long long>(s.reconnects),
                static_cast<unsigned long long>(s.failed_sends));
    BOOST_TEST(missing == 0);
    BOOST_TEST(twice == 0);
    BOOST_TEST(by_id.size() == static_cast<std::size_t>(count));
    BOOST_TEST(duplicates == 0u);  // every event id exactly once: in-doubt entries were looked for before a re-send
    BOOST_TEST(s.dropped == 0u);
    BOOST_TEST(ls.dropped == 0u);
    BOOST_TEST(s.reconnects >= 1u);
    BOOST_TEST(s.sent == static_cast<std::uint64_t>(count));
}

BOOST_AUTO_TEST_CASE(a_full_queue_counts_drops_and_the_note_lands_after_recovery) {
    own_server server(false);
    test_keys keys(server.address());
    constexpr int before = 10, during = 300;
    std::uint64_t accepted_during = 0;
    inkwell::sink::redis_stats s{};
    inkwell::logger_stats ls{};
    {
        logger log(options_for(keys, {{"redis.timeout_ms", "1000"},
                                      {"redis.backoff_ms", "20"},
                                      {"redis.backoff_max_ms", "100"},
                                      {"redis.batch", "10"},
                                      {"redis.batch_delay_ms", "5"},
                                      {"redis.flush_timeout_ms", "30000"},
                                      {"redis.queue_bytes", "40000"}}));  // a few dozen entries
        auto& sink = sink_of(log);
        for (int i = 0; i < before; ++i) INKWELL_INFO(log, "before {}", i);
        log.flush();
        BOOST_TEST(sink.stats().sent == static_cast<std::uint64_t>(before));
        server.kill();
        for (int i = 0; i < during; ++i) INKWELL_INFO(log, "during {}", i);
        const auto mid = sink.stats();
        accepted_during = mid.pushed - before;
        BOOST_TEST(mid.dropped > 0u);
        BOOST_TEST(mid.dropped + accepted_during == static_cast<std::uint64_t>(during));
        BOOST_TEST(log.stats().dropped == mid.dropped);
        server.start();  // empty: no AOF
        log.flush();
        INKWELL_INFO(log, "after recovery");
        log.flush();
        s = sink.stats();
        ls = log.stats();
    }
    BOOST_TEST(ls.dropped == s.dropped);
    // Every push was either queued or counted: the records and one note.
    BOOST_TEST(s.pushed + s.dropped == static_cast<std::uint64_t>(before + during + 1 + 1));
    BOOST_TEST(s.sent == s.pushed);
    client c(server.address());
    const auto entries = read_stream(c, keys.stream);
    // The restarted server holds what was queued while it was down, the note, and the last record.
    BOOST_REQUIRE(entries.size() >= 2u);
    std::set<std::string> ids;
    for (const auto& e : entries) ids.insert(e.get("id"));
    BOOST_TEST(ids.size() == accepted_during + 2);
    const entry& note = entries[entries.size() - 2];
    BOOST_TEST(note.get("level") == "warn");
    BOOST_TEST(note.get("category") == "inkwell");
    BOOST_TEST(note.get("message").find(std::to_string(s.dropped) + " records dropped since") != std::string::npos);
    BOOST_TEST(json::parse(note.get("json"))["message"].get<std::string>() == note.get("message"));
    BOOST_TEST(entries.back().get("message") == "after recovery");
}

// A server that answers LOADING (still reading its data set after a
// restart) refuses the entries; the sink reports it, waits its backoff and
// sends them again: once the server is ready every entry is there once,
// nothing dropped.
BOOST_AUTO_TEST_CASE(a_server_still_loading_its_data_gets_every_entry_once_it_is_ready) {
    constexpr int loading = 25, count = 40;
    loading_server server(loading);
    test_keys keys(server.address());
    std::mutex errors_mutex;
    std::vector<std::string> errors;
    inkwell::sink::redis_stats s{};
    {
        auto o = options_for(keys, {{"redis.backoff_ms", "20"},
                                    {"redis.backoff_max_ms", "50"},
                                    {"redis.batch", "10"},
                                    {"redis.flush_timeout_ms", "30000"}});
        o.on_error = [&](const inkwell::error_event& e) {
            std::lock_guard<std::mutex> lock(errors_mutex);
            errors.emplace_back(e.detail);
        };
        logger log(o);
        for (int i = 0; i < count; ++i) INKWELL_INFO(log, "record {}", i);
        log.flush();
        s = sink_of(log).stats();
    }
    BOOST_TEST(server.loading_replies() >= loading);
    BOOST_TEST(s.refused >= static_cast<std::uint64_t>(loading));
    BOOST_TEST(s.dropped == 0u);
    BOOST_TEST(s.sent == static_cast<std::uint64_t>(count));
    const auto ids = server.accepted_ids();
    BOOST_TEST(ids.size() == static_cast<std::size_t>(count));
    BOOST_TEST(std::set<std::string>(ids.begin(), ids.end()).size() == static_cast<std::size_t>(count));
    bool reported = false;
    for (const auto& e : errors) reported = reported || e.find("LOADING") != std::string::npos;
    BOOST_TEST(reported, "no reported error names LOADING");
}
