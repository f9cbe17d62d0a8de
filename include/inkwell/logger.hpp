#pragma once
// basic_logger<Config>: wires the five policies and the formatter together.
//
//   call site ──► record ──► buffer engine ──► backend: classify ─► dedup ─► format ─► sink
//
// The call site (macros.hpp) decides at compile time what it can: whether
// the level is compiled in, the format string's validity, the source
// location and, for literal messages, the category. The logger fills in the
// rest (time, thread, formatted message, fields) and hands the record to the
// buffer policy, which decides when and on which thread the backend runs.

#include <array>
#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/arg_codec.hpp"
#include "detail/field_format.hpp"
#include "detail/format_args.hpp"
#include "detail/line_buffer.hpp"
#include "detail/platform.hpp"
#include "detail/system.hpp"
#include "detail/time_format.hpp"
#include "errors.hpp"
#include "level.hpp"
#include "policy/check.hpp"
#include "context.hpp"
#include "record.hpp"
#include "version.hpp"

INKWELL_BEGIN_NAMESPACE

// Run-time settings of one logger; everything unset comes from the config.
struct logger_options {
    std::string name = "app";                       // logger / service name (by_name classifier, text [module])
    std::optional<std::string> directory{};          // default: Config::directory
    std::optional<std::string> base_name{};          // default: Config::base_name
    std::optional<level> initial_level{};            // default: $INKWELL_LEVEL, else Config::default_level
    bool read_environment = true;                    // look at Config::level_env at construction
    error_handler on_error{};                        // default: a rate-limited line on stderr
    std::vector<sink_setting> settings{};            // for sinks that take more (sink_context::setting)
};

template <class Config>
class basic_logger {
    using checked = policy::checked_config<Config>;

public:
    using config = Config;
    using sink_type = typename checked::sink;
    using formatter_type = typename checked::formatter;
    using classifier_type = typename checked::classifier;
    using dedup_type = typename checked::dedup;
    using buffer_type = typename checked::buffer;
    using rotation_type = typename checked::rotation;
    // Where every "now" of this logger comes from (Config::clock; policy/clock.hpp).
    using clock = typename checked::clock;

    static constexpr level min_level = Config::min_level;

    explicit basic_logger(logger_options options = {})
        : errors_(std::move(options.on_error)),
          name_(std::move(options.name)),
          session_id_(detail::make_uuid_v4()),
          start_time_(clock::now()),
          level_(initial_level(options)),
          backend_(make_context(options)),
          engine_(backend_) {
        policy::diagnose_config<Config>();  // a wrong policy: one message that names it
        if constexpr (requires { requires Config::session_start_record; }) write_session_start();
    }

    ~basic_logger() { engine_.stop(); }
    basic_logger(const basic_logger&) = delete;
    basic_logger& operator=(const basic_logger&) = delete;

    // --- levels: one relaxed load and a compare on the hot path
    bool should_log(level l) const noexcept { return l >= level_.load(std::memory_order_relaxed); }
    void set_level(level l) noexcept { level_.store(l, std::memory_order_relaxed); }
    level get_level() const noexcept { return level_.load(std::memory_order_relaxed); }

    // --- logging. The macros call the first overload with a compile-time call site.
    // An async buffer keeps a pointer to `site` until the record is written:
    // a call site of your own must live as long as the logger (a static).
    template <class... Args>
    void log(const call_site& site, format_string<Args...>, Args&&... args) {
        emit(site, std::forward<Args>(args)...);
    }

    // Without the macros: no source location and no compile-time category.
    // The call site is made here, on this stack frame, so the record is
    // formatted here and handed over as a finished copy, whatever the buffer.
    template <class... Args>
    void log(level l, format_string<Args...> format, Args&&... args) {
        if (!should_log(l)) return;
        if constexpr (detail::fields_are_trailing<std::remove_cvref_t<Args>...>())
            emit_checked(call_site{l, detail::format_text(format), {}, {}}, std::forward<Args>(args)...);
    }
    template <class... Args>
    void trace(format_string<Args...> f, Args&&... a) { log(level::trace, f, std::forward<Args>(a)...); }
    template <class... Args>
    void debug(format_string<Args...> f, Args&&... a) { log(level::debug, f, std::forward<Args>(a)...); }
    template <class... Args>
    void info(format_string<Args...> f, Args&&... a) { log(level::info, f, std::forward<Args>(a)...); }
    template <class... Args>
    void perf(format_string<Args...> f, Args&&... a) { log(level::perf, f, std::forward<Args>(a)...); }
    template <class... Args>
    void warn(format_string<Args...> f, Args&&... a) { log(level::warn, f, std::forward<Args>(a)...); }
    template <class... Args>
    void error(format_string<Args...> f, Args&&... a) { log(level::error, f, std::forward<Args>(a)...); }
    template <class... Args>
    void critical(format_string<Args...> f, Args&&... a) { log(level::critical, f, std::forward<Args>(a)...); }

    // A record made elsewhere: a captured stream (capture/ostream.hpp),
    // another logging library (capture/spdlog.hpp). Its level is checked
    // like a call's; an empty logger name becomes this logger's (the name is
    // what classify::by_name maps to a service); no time means now; a message
    // over Config::max_message_bytes is cut. Copied before this returns.
    void ingest(record r) {
        if (!should_log(r.severity)) return;
        if (r.logger_name.empty()) r.logger_name = name_;
        r.session_id = session_id_;
        if (r.time == time_point{}) r.time = clock::now();
        if (r.thread_id == 0) r.thread_id = detail::current_thread_id();
        if (!r.context) r.context = detail::thread_context;
        detail::line_buffer capped;
        if (r.message.size() > Config::max_message_bytes) {
            detail::append(capped, r.message);
            cap_message(capped);
            r.message = detail::view(capped);
        }
        engine_.submit(r);
    }

    // --- control
    // Returns once every record logged before the call has reached the kernel.
    void flush() { engine_.flush(); }

    // Drains what is queued (async: within a deadline) and stops the buffer's
    // threads. With the async buffer, a record logged after this is counted
    // in stats().dropped; with the others it is still written.
    void shutdown() { engine_.stop(); }

    // Rotates now, where the sink rotates (rotating text files); otherwise does nothing.
    void rotate() {
        if constexpr (policy::sink_rotates_on_request<sink_type>)
            engine_.exclusive([](backend& b) { b.sink.rotate_now(); });
    }

    // Closes the sink's files and opens them again by name, for a file that
    // logrotate (or anyone) moved or deleted: the SIGHUP convention. Lines
    // not yet written go to the file opened now. Call it from a thread, not
    // from inside a signal handler (it takes locks). Without it, a file sink
    // notices at a flush, at most a second later. No-op for other sinks.
    void reopen() {
        if constexpr (policy::sink_reopens<sink_type>) engine_.exclusive([](backend& b) { b.sink.reopen(); });
    }

    // Runs f(sink) with no record being written at the same time.
    template <class F>
    decltype(auto) with_sink(F&& f) {
        return engine_.exclusive([&](backend& b) -> decltype(auto) { return f(b.sink); });
    }
    classifier_type& classifier() noexcept { return backend_.classifier; }

    // Fields every record of this logger carries under "context" (service,
    // environment, version, region...), after the thread's scoped ones
    // (context.hpp). Replaces what was set before; records already logged
    // keep what they had.
    template <class... T>
    void set_context(const kv_arg<T>&... fields) {
        replace_logger_context(detail::make_context_frame(nullptr, fields...));
    }
    void set_context(std::span<const field> fields) { replace_logger_context(context_frame::make(fields, nullptr)); }
    void clear_context() { replace_logger_context(nullptr); }

    void set_error_handler(error_handler handler) {
        engine_.exclusive([&](backend&) { errors_.set_handler(std::move(handler)); });
    }

    logger_stats stats() const noexcept {
        logger_stats s = errors_.stats();
        if constexpr (requires { backend_.dedup.deduplicated(); }) {
            s.deduplicated = backend_.dedup.deduplicated();
            s.summaries = backend_.dedup.summaries();
        }
        return s;
    }
    std::string_view name() const noexcept { return name_; }
    std::string_view session_id() const noexcept { return session_id_; }
    time_point start_time() const noexcept { return start_time_; }

private:
    struct backend {
        using clock = typename basic_logger::clock;  // read by buffer engines that stamp records themselves

        explicit backend(const sink_context& context)
            : sink(context), logger_name(context.logger_name), session_id(context.session_id), errors_(context.errors) {}
        ~backend() {
            if (logger_context) logger_context->release();
        }
        backend(const backend&) = delete;
        backend& operator=(const backend&) = delete;

        // What every record of this logger carries; the buffer fills in the rest.
        record record_defaults() const noexcept {
            record r;
            r.logger_name = logger_name;
            r.session_id = session_id;
            return r;
        }
        error_reporter& errors() noexcept { return *errors_; }

        // A file sink's own note ("N records dropped ...") as a record of this
        // logger's format: the sink_context's report_formatter.
        static void format_report(void* self, std::string_view message, std::string& out) {
            auto& b = *static_cast<backend*>(self);
            record r = b.record_defaults();
            r.severity = level::warn;
            r.time = clock::now();
            r.message = message;
            r.category = "inkwell";
            r.thread_id = detail::current_thread_id();
            detail::line_buffer formatted;
            b.formatter.format(r, formatted);
            out.append(formatted.data(), formatted.size());
        }
        static void cap_message(detail::line_buffer& m) { basic_logger::cap_message(m); }

        // Out of line: every call site's path ends here, so one copy serves them all.
        INKWELL_NOINLINE void process(const record& in) {
            record r = in;
            process_in_place(r);
        }
        // The same for a record the engine lets it change (the async writer's
        // own): processed where it lies. A copy made right after the record
        // was filled in reads back in 16-byte pieces what was stored in 8-byte
        // ones, a store-forwarding stall per piece.
        INKWELL_NOINLINE void process_in_place(record& r) {
            r.logger_context = logger_context;
            if (r.category.empty()) r.category = classifier.classify(r);
            dedup.process(r, [this](const record& out) { write(out); });
        }
        // The end of a batch (each sync record, each async writer round):
        // a dedup window that has closed says so now, not at the next record.
        void commit() { commit_at(clock::now()); }
        // `now`: a time by which every record stamped earlier has been processed.
        void commit_at(time_point now) {
            if constexpr (requires { dedup.expire(time_point{}, [](const record&) {}); })
                dedup.expire(now, [this](const record& out) { write(out); });
            policy::commit_or_flush(sink);
        }
        void flush() {
            dedup.flush([this](const record& out) { write(out); });
            sink.flush();
        }
        void write(const record& in) {
            ++written;
            if constexpr (requires { requires formatter_type::writes_entry_id; }) {
                record r = in;  // a copy only where the line shows the number
                r.sequence = written;
                format_and_write(r);
            } else {
                format_and_write(in);
            }
        }
        void format_and_write(const record& r) {
            line.clear();
            formatter.format(r, line);
            sink.write(r, detail::view(line));
        }

        [[no_unique_address]] classifier_type classifier;
        [[no_unique_address]] dedup_type dedup;
        [[no_unique_address]] formatter_type formatter;
        sink_type sink;
        detail::line_buffer line;
        std::uint64_t written = 0;  // records handed to the formatter so far
        const context_frame* logger_context = nullptr;  // set_context(); one reference held
        std::string logger_name, session_id;
        error_reporter* errors_;
    };
    using engine_type = typename buffer_type::template engine<backend>;

    void replace_logger_context(const context_frame* frame) {
        engine_.exclusive([&](backend& b) { std::swap(b.logger_context, frame); });
        if (frame) frame->release();  // the one it replaced
    }

    level initial_level(const logger_options& o) const noexcept {
        if (o.initial_level) return *o.initial_level;
        if (o.read_environment) {
            if (auto text = detail::env(Config::level_env.data()); !text.empty())
                if (auto parsed = parse_level(text)) return *parsed;
        }
        return Config::default_level;
    }

    sink_context make_context(const logger_options& o) {
        sink_context c;
        c.directory = o.directory ? *o.directory : std::string(Config::directory);
        c.base_name = o.base_name ? *o.base_name : std::string(Config::base_name);
        c.logger_name = name_;
        c.session_id = session_id_;
        c.start_time = start_time_;
        c.file_mode = Config::file_mode;
        c.directory_mode = Config::directory_mode;
        c.errors = &errors_;
        c.format_report = {&backend::format_report, &backend_};  // used only once backend_ is built
        c.now = &clock::now;
        c.settings = o.settings;
        return c;
    }

    // The session's first record: when, which process, which program, which
    // inkwell. Not subject to the level: it heads the session whatever follows.
    void write_session_start() {
        detail::line_buffer started;
        detail::append_iso8601_utc_ms(started, start_time_);
        auto text = [](std::string_view key, std::string_view value) {
            field f{key, {}};
            f.value.type = field_value::kind::string;
            f.value.text = value;
            return f;
        };
        field fields[4] = {text("startTime", detail::view(started)), {"pid", {}}, text("program", detail::program_name()),
                           text("inkwellVersion", version_string)};
        fields[1].value.type = field_value::kind::signed_integer;
        fields[1].value.number.signed_integer = static_cast<std::int64_t>(::getpid());
        record r;
        r.severity = level::info;
        r.time = start_time_;
        r.message = "session started";
        r.category = "session";
        r.logger_name = name_;
        r.session_id = session_id_;
        r.fields = fields;
        r.thread_id = detail::current_thread_id();
        engine_.submit(r);
    }

    template <class... Args>
    void emit(const call_site& site, Args&&... args) {
        if constexpr (!detail::fields_are_trailing<std::remove_cvref_t<Args>...>()) {
            return;  // already reported by format_string, with one message
        } else {
            if constexpr (requires { buffer_type::defers_formatting; } &&
                          detail::all_args_encodable<std::remove_cvref_t<Args>...>) {
                // The async buffer copies the arguments as they are; arguments
                // it cannot copy by value are formatted here instead, and so is
                // a text argument longer than a whole message may be: cut here,
                // it never fills a queue (a 100 MB argument would need a ring
                // of 256 MiB, and the writer a second copy to format).
                if (INKWELL_UNLIKELY((longer_than_a_message(args) || ...)))
                    emit_oversized<std::remove_cvref_t<Args>...>(site, args...);
                else
                    engine_.submit_call(site, args...);
            } else {
                emit_checked(site, std::forward<Args>(args)...);
            }
        }
    }

    template <class... Args>
    INKWELL_NOINLINE void emit_oversized(const call_site& site, detail::pass_arg_t<Args>... args) {
        emit_checked(site, args...);
    }

    template <class T>
    static bool longer_than_a_message([[maybe_unused]] const T& arg) noexcept {
        if constexpr (detail::is_text_arg_v<T>)
            return std::string_view{arg}.size() > Config::max_message_bytes;
        else
            return false;
    }

    template <class... Args>
    void emit_checked(const call_site& site, Args&&... args) {
        constexpr std::size_t format_count = detail::leading_format_args<std::remove_cvref_t<Args>...>();
        constexpr std::size_t field_count = sizeof...(Args) - format_count;

        detail::line_buffer message;
        auto arg_refs = std::forward_as_tuple(args...);
        INKWELL_TRY {
            detail::format_leading(message, site.format, arg_refs, std::make_index_sequence<format_count>{},
                                   site.plain_format);
        }
        INKWELL_CATCH_ALL {
            errors_.report({error_kind::format, 0, {}, "a format argument threw; the format string is logged instead"});
            message.clear();
            detail::append(message, "[inkwell: a format argument threw while formatting] ");
            detail::append(message, site.format);
        }
        cap_message(message);

        std::array<field, field_count> fields{};
        std::array<std::string, field_count> scratch{};
        if constexpr (field_count > 0)
            detail::make_fields<format_count>(fields, scratch, arg_refs, std::make_index_sequence<field_count>{});

        record r;
        r.severity = site.severity;
        r.time = clock::now();
        r.message = detail::view(message);
        r.category = site.category;
        r.logger_name = name_;
        r.session_id = session_id_;
        r.where = site.where;
        r.fields = fields;
        r.thread_id = detail::current_thread_id();
        r.context = detail::thread_context;
        engine_.submit(r);
    }

    // A huge message is cut at a character boundary and says so.
    static void cap_message(detail::line_buffer& m) {
        constexpr std::size_t cap = Config::max_message_bytes;
        if (INKWELL_LIKELY(m.size() <= cap)) return;
        std::size_t cut = cap;
        while (cut > 0 && (static_cast<unsigned char>(m.data()[cut]) & 0xC0) == 0x80) --cut;
        const std::size_t removed = m.size() - cut;
        m.resize(cut);
        detail::append(m, "... [truncated ");
        detail::append_integer(m, removed);
        detail::append(m, " bytes]");
    }

    error_reporter errors_;  // first: the sink holds a pointer to it
    std::string name_;
    std::string session_id_;
    time_point start_time_;
    // Every call site reads level_; the writer thread writes the backend:
    // each on cache lines of its own.
    alignas(detail::cache_line) std::atomic<level> level_;
    alignas(detail::cache_line) backend backend_;
    engine_type engine_;
};

INKWELL_END_NAMESPACE
