// request_context — every record of a request carries its tenant, user and
// trace without naming them at each call: inkwell::scoped_context (per thread)
// and basic_logger::set_context (per logger), also across a worker thread.
// Records go to standard output as JSON lines; the example checks them.
//
// The regions between `// [docs:NAME]` and `// [docs:end]` are shown in
// docs/ and README.md (tools/docs_sync.py copies them there).

#include <inkwell/inkwell.hpp>

#include <cstdio>
#include <sstream>
#include <string>
#include <thread>

struct json_lines_config : inkwell::default_config {
    using sink = inkwell::sink::callback;
    using formatter = inkwell::format::jsonl;
};

int main() {
    std::ostringstream captured;  // what the callback sink was handed
    inkwell::basic_logger<json_lines_config> log;
    log.with_sink([&](auto& s) { s.set_callback([&](const inkwell::record&, std::string_view line) { captured << line; }); });

    // [docs:logger_context]
    // Fields of the process: on every record of this logger.
    log.set_context(inkwell::kv("service", "billing"), inkwell::kv("environment", "production"),
                    inkwell::kv("version", "2.4.1"), inkwell::kv("region", "eu-west-1"));
    // [docs:end]

    // [docs:scoped_context]
    auto handle_request = [&](const std::string& tenant, const std::string& user, const std::string& trace) {
        // Fields of this request: on every record this thread logs until the scope ends.
        inkwell::scoped_context request{inkwell::kv("tenantId", tenant), inkwell::kv("userId", user),
                                        inkwell::kv("traceId", trace)};
        INKWELL_INFO(log, "invoice {} created", 1017, inkwell::kv("amountCents", 4999));
        {
            inkwell::scoped_context step{inkwell::kv("spanId", "charge-card")};  // adds one more
            INKWELL_WARN(log, "card declined, retrying");
        }
        // Work handed to another thread takes the request's context with it.
        std::thread worker([&log, ctx = inkwell::current_context()] {
            inkwell::scoped_context adopted{ctx};
            INKWELL_INFO(log, "receipt mailed");
        });
        worker.join();
    };
    handle_request("acme", "u-42", "7f3a9c");
    // {"level":"info","message":"invoice 1017 created",...,
    //  "context":{"tenantId":"acme","userId":"u-42","traceId":"7f3a9c","service":"billing",...},
    //  "metadata":{"amountCents":4999}}
    // [docs:end]
    INKWELL_INFO(log, "request done");  // outside the scope: the logger's fields only
    log.flush();

    std::fputs(captured.str().c_str(), stdout);
    const std::string out = captured.str();
    auto count = [&](const std::string& text) {
        std::size_t n = 0;
        for (auto at = out.find(text); at != std::string::npos; at = out.find(text, at + 1)) ++n;
        return n;
    };
    const bool ok = count("\"tenantId\":\"acme\"") == 3 && count("\"spanId\":\"charge-card\"") == 1 &&
                    count("\"service\":\"billing\"") == 4 && count("\"amountCents\":4999") == 1;
    if (!ok) std::fputs("request_context: the context is not where it should be\n", stderr);
    return ok ? 0 : 1;
}
