package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * Spawns {@code children} counters (each counting to {@code count}), then waits for every one
 * and exits 0 if all exited 0, else 1. Needs {@code proc:spawn}. Arguments:
 * {@code {"children":4,"count":10,"sleepMs":5}}.
 */
@Component(service = Program.class)
public class FanOut implements Program<FanOut.State> {

    /** {@code waiting}: whether the last call was proc.wait (else proc.spawn, or nothing yet). */
    public record State(int children, long count, long sleepMs, int spawned, int reaped, int failures, boolean waiting) {}

    @Override
    public String name() {
        return "fanout";
    }

    @Override
    public String description() {
        return "spawns children counters and waits for all of them; args {children, count, sleepMs}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        long children = Arguments.nonNegative(args, "children", 4);
        if (children < 1 || children > 10_000) throw new IllegalArgumentException("children must be 1..10000");
        return new State((int) children, Arguments.nonNegative(args, "count", 10),
                Arguments.nonNegative(args, "sleepMs", 0), 0, 0, 0, false);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        int reaped = s.reaped();
        int failures = s.failures();
        if (last != null && !last.isOk()) {
            return Step.exit(s, 1, (s.waiting() ? "wait failed: " : "spawn failed: ") + last);
        }
        if (last != null && s.waiting()) {
            reaped++;
            if (last.value().path("code").asInt() != 0) failures++;
        }
        if (s.spawned() < s.children()) {
            State next = new State(s.children(), s.count(), s.sleepMs(), s.spawned() + 1, reaped, failures, false);
            return Step.call(next, "proc.spawn", Args.of("program", "counter",
                    "args", Args.of("limit", s.count(), "sleepMs", s.sleepMs())));
        }
        State next = new State(s.children(), s.count(), s.sleepMs(), s.spawned(), reaped, failures, true);
        if (reaped >= s.children()) {
            return failures == 0 ? Step.exit(next, 0, "all " + s.children() + " children succeeded")
                    : Step.exit(next, 1, failures + " of " + s.children() + " children failed");
        }
        return Step.call(next, "proc.wait", Args.of("pid", -1));
    }
}
