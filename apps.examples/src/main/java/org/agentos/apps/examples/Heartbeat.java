package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * A long-running agent for the demo: reads the clock, draws a random delay up to
 * {@code maxSleepMs}, sleeps it, and counts its beats, for ever (or {@code beats} times).
 */
@Component(service = Program.class)
public class Heartbeat implements Program<Heartbeat.State> {

    /** {@code phase}: 0 clock.now next, 1 random.int next, 2 proc.sleep next. */
    public record State(long beats, long limit, long maxSleepMs, int phase, long lastMillis) {}

    @Override
    public String name() {
        return "heartbeat";
    }

    @Override
    public String description() {
        return "clock.now, random.int, proc.sleep in a loop; args {maxSleepMs, beats (0 = for ever)}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        long max = Arguments.nonNegative(args, "maxSleepMs", 1000);
        if (max < 1) throw new IllegalArgumentException("maxSleepMs must be at least 1");
        return new State(0, Arguments.nonNegative(args, "beats", 0), max, 0, 0);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        switch (s.phase()) {
            case 0 -> {
                if (s.limit() > 0 && s.beats() >= s.limit()) return Step.exit(s, 0, s.beats() + " beats");
                return Step.call(new State(s.beats(), s.limit(), s.maxSleepMs(), 1, s.lastMillis()), "clock.now");
            }
            case 1 -> {
                long now = last != null && last.isOk() ? last.value().path("millis").asLong() : s.lastMillis();
                return Step.call(new State(s.beats(), s.limit(), s.maxSleepMs(), 2, now), "random.int",
                        Args.of("bound", (int) Math.min(Integer.MAX_VALUE, s.maxSleepMs())));
            }
            default -> {
                long ms = last != null && last.isOk() ? last.value().path("value").asLong() : s.maxSleepMs() / 2;
                return Step.call(new State(s.beats() + 1, s.limit(), s.maxSleepMs(), 0, s.lastMillis()), "proc.sleep",
                        Args.of("ms", ms));
            }
        }
    }
}
