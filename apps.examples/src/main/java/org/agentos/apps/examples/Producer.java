package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * An agent that sends {@code count} jobs ({@code {"job": n}}) to a queue with {@code ipc.send},
 * one per step; on a full queue it waits (back-pressure). Needs {@code ipc:send:<queue>}.
 * With {@code keys} true each job carries the idempotency key {@code job-n}.
 */
@Component(service = Program.class)
public class Producer implements Program<Producer.State> {

    public record State(String queue, long sent, long count, boolean keys) {}

    @Override
    public String name() {
        return "producer";
    }

    @Override
    public String description() {
        return "sends count jobs to a queue; args {queue, count (default 10), keys}; needs ipc:send:<queue>";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        String queue = Arguments.text(args, "queue", null);
        if (queue == null) throw new IllegalArgumentException("queue is required, e.g. {\"queue\":\"jobs\",\"count\":100}");
        return new State(queue, 0, Arguments.nonNegative(args, "count", 10), args.path("keys").asBoolean(false));
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        if (last != null && !last.isOk()) return Step.exit(s, 1, last.errno() + ": " + last.message());
        if (s.sent() >= s.count()) return Step.exit(s, 0, "sent " + s.sent() + " jobs to " + s.queue());
        long n = s.sent() + 1;
        JsonNode args = s.keys() ? Args.of("queue", s.queue(), "payload", Args.of("job", n), "key", "job-" + n)
                : Args.of("queue", s.queue(), "payload", Args.of("job", n));
        return Step.call(new State(s.queue(), n, s.count(), s.keys()), "ipc.send", args);
    }
}
