package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * One side of the ping-pong pair: for each of {@code rounds} rounds it spawns a {@code pong}
 * child carrying the ball, waits for it, and checks that the ball came back (as the child's
 * exit code) one higher. Exits 0 after all rounds, 1 on a dropped ball. Needs {@code proc:spawn}.
 * Arguments: {@code {"rounds":10}}.
 */
@Component(service = Program.class)
public class Ping implements Program<Ping.State> {

    public record State(long rounds, long round, int ball, boolean waiting) {}

    @Override
    public String name() {
        return "ping";
    }

    @Override
    public String description() {
        return "plays rounds of ping-pong with pong children (ball = exit code); args {rounds}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        return new State(Arguments.nonNegative(args, "rounds", 10), 0, 0, false);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        if (last != null && !last.isOk()) {
            return Step.exit(s, 1, "round " + s.round() + ": " + last);
        }
        int ball = s.ball();
        long round = s.round();
        if (s.waiting()) {
            int back = last.value().path("code").asInt();
            if (back != (ball + 1) % 128) {
                return Step.exit(s, 1, "round " + round + ": sent " + ball + ", got back " + back);
            }
            ball = back;
            round++;
        }
        if (round >= s.rounds()) {
            return Step.exit(s, 0, s.rounds() + " rounds played");
        }
        if (!s.waiting() && last != null) {
            // The spawn returned: now wait for that pong.
            return Step.call(new State(s.rounds(), round, ball, true), "proc.wait",
                    Args.of("pid", last.value().path("pid").asLong()));
        }
        return Step.call(new State(s.rounds(), round, ball, false), "proc.spawn",
                Args.of("program", "pong", "args", Args.of("ball", ball)));
    }
}
