package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * Counts to {@code limit} (0 = for ever), reading the clock at each step and sleeping
 * {@code sleepMs} between counts; exits 0 at the limit. Arguments: {@code {"limit":100,"sleepMs":10}}.
 */
@Component(service = Program.class)
public class Counter implements Program<Counter.State> {

    /** {@code phase} alternates: 0 = read the clock next, 1 = sleep next. */
    public record State(long count, long limit, long sleepMs, int phase, long lastMillis) {}

    @Override
    public String name() {
        return "counter";
    }

    @Override
    public String description() {
        return "counts to limit, reading clock.now and sleeping sleepMs per count; args {limit, sleepMs}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        long limit = Arguments.nonNegative(args, "limit", 0);
        long sleepMs = Arguments.nonNegative(args, "sleepMs", 0);
        return new State(0, limit, sleepMs, 0, 0);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        if (s.phase() == 0) {
            if (s.limit() > 0 && s.count() >= s.limit()) {
                return Step.exit(s, 0, "counted to " + s.limit());
            }
            return Step.call(new State(s.count(), s.limit(), s.sleepMs(), 1, s.lastMillis()), "clock.now");
        }
        long now = last != null && last.isOk() ? last.value().path("millis").asLong() : s.lastMillis();
        State next = new State(s.count() + 1, s.limit(), s.sleepMs(), 0, now);
        return s.sleepMs() > 0 ? Step.call(next, "proc.sleep", Args.of("ms", s.sleepMs())) : Step.call(next, "proc.yield");
    }
}
