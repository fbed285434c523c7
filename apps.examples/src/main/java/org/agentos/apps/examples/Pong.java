package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/** The other side of ping-pong: reads the clock once and returns the ball, plus one, as its exit code. */
@Component(service = Program.class)
public class Pong implements Program<Pong.State> {

    public record State(int ball, boolean hit) {}

    @Override
    public String name() {
        return "pong";
    }

    @Override
    public String description() {
        return "returns the ball (args {ball}) plus one as its exit code";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        long ball = Arguments.nonNegative(args, "ball", 0);
        if (ball > 127) throw new IllegalArgumentException("ball must be 0..127");
        return new State((int) ball, false);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        if (!s.hit()) {
            return Step.call(new State(s.ball(), true), "clock.now");
        }
        return Step.exit(s, (s.ball() + 1) % 128, "returned the ball");
    }
}
