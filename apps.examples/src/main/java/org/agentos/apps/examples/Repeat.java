package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * An agent that makes one system call {@code count} times (0 = until killed), {@code sleepMs}
 * apart, and reports what it got: {@code {"syscall":"text.stats","args":{"text":"a b"},"count":100}}.
 * For load (many of them with {@code --count}) and for trying a tool's limits and errors: it
 * exits 0 when every call succeeded, 1 with each errno seen, how often, and its first message.
 * {@code call} makes a call once and shows its result; this one counts.
 */
@Component(service = Program.class)
public class Repeat implements Program<Repeat.State> {
    static final int MAX_REASON = 4000;

    /**
     * @param made     calls made so far
     * @param ok       of which succeeded
     * @param errors   errno name -> how many calls failed with it
     * @param first    errno name -> the message of the first call that failed with it
     * @param sleeping whether the pending call is the pause between two calls, not the call itself
     */
    public record State(String syscall, JsonNode args, long count, long sleepMs, long made, long ok,
                        Map<String, Long> errors, Map<String, String> first, boolean sleeping) {}

    @Override
    public String name() {
        return "repeat";
    }

    @Override
    public String description() {
        return "makes one syscall count times, sleepMs apart, and reports the errors it got; args {syscall, args, count (0 = for ever), sleepMs}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        String syscall = Arguments.text(args, "syscall", null);
        if (syscall == null) {
            throw new IllegalArgumentException("syscall is required, e.g. {\"syscall\":\"text.stats\",\"args\":{\"text\":\"a b\"},\"count\":100}");
        }
        JsonNode callArgs = args.get("args");
        if (callArgs != null && !callArgs.isObject()) throw new IllegalArgumentException("args must be a JSON object");
        return new State(syscall, callArgs == null ? Args.none() : callArgs, Arguments.nonNegative(args, "count", 1),
                Arguments.nonNegative(args, "sleepMs", 0), 0, 0, Map.of(), Map.of(), false);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        State now = s.made() > 0 && !s.sleeping() ? counted(s, last) : s;
        if (now.count() > 0 && now.made() >= now.count()) {
            return Step.exit(now, now.errors().isEmpty() ? 0 : 1, report(now));
        }
        if (now.sleepMs() > 0 && now.made() > 0 && !now.sleeping()) {
            return Step.call(with(now, now.made(), now.ok(), now.errors(), now.first(), true), "proc.sleep", Args.of("ms", now.sleepMs()));
        }
        return Step.call(with(now, now.made() + 1, now.ok(), now.errors(), now.first(), false), now.syscall(), now.args());
    }

    /** The state with the result of the call just made counted. */
    private static State counted(State s, SyscallResult last) {
        if (last != null && last.isOk()) return with(s, s.made(), s.ok() + 1, s.errors(), s.first(), false);
        // a restart between the call and its result gives no result: the call was interrupted
        String errno = last == null ? "EINTR" : last.errno().name();
        String message = last == null ? "the call was interrupted by a restart" : last.message();
        Map<String, Long> errors = new TreeMap<>(s.errors());
        errors.merge(errno, 1L, Long::sum);
        Map<String, String> first = new TreeMap<>(s.first());
        first.putIfAbsent(errno, message);
        return with(s, s.made(), s.ok(), errors, first, false);
    }

    private static State with(State s, long made, long ok, Map<String, Long> errors, Map<String, String> first, boolean sleeping) {
        return new State(s.syscall(), s.args(), s.count(), s.sleepMs(), made, ok, errors, first, sleeping);
    }

    /** "100 calls of text.stats: 98 ok, 2 failed: EINVAL x2 (first: ...)". */
    static String report(State s) {
        String head = s.made() + (s.made() == 1 ? " call of " : " calls of ") + s.syscall() + ": " + s.ok() + " ok";
        if (s.errors().isEmpty()) return head;
        StringJoiner failed = new StringJoiner("; ", head + ", " + (s.made() - s.ok()) + " failed: ", "");
        s.errors().forEach((errno, n) -> failed.add(errno + " x" + n + " (first: " + s.first().get(errno) + ")"));
        String text = failed.toString();
        return text.length() > MAX_REASON ? text.substring(0, MAX_REASON) + "..." : text;
    }
}
