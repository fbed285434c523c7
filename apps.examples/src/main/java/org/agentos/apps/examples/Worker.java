package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * A consumer: receives a job from a queue, works on it for {@code workMs} (a sleep), acks it, and
 * takes the next; it exits after {@code idleMs} without a job (0: never). Killed mid-work, its job
 * is delivered to another worker: it never acked it. Needs {@code ipc:recv:<queue>}.
 */
@Component(service = Program.class)
public class Worker implements Program<Worker.State> {

    /** phase: 0 receive, 1 work on what arrived, 2 ack it, 3 receive the next. */
    /** {@code sum}: of the jobs' numbers ({@code {"job": n}}), to tell a job done twice or never. */
    public record State(String queue, long workMs, long idleMs, int phase, long job, long done, long sum) {}

    @Override
    public String name() {
        return "worker";
    }

    @Override
    public String description() {
        return "receives jobs from a queue, works workMs on each, acks it; args {queue, workMs (100), idleMs (0 = forever)}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        String queue = Arguments.text(args, "queue", null);
        if (queue == null) throw new IllegalArgumentException("queue is required, e.g. {\"queue\":\"jobs\"}");
        return new State(queue, Arguments.nonNegative(args, "workMs", 100), Arguments.nonNegative(args, "idleMs", 0), 0, 0, 0, 0);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        switch (s.phase()) {
            case 0:
                return receive(s);
            case 1:
                if (last == null || !last.isOk()) {
                    if (last != null && last.errno() == Errno.ETIMEDOUT) {
                        return Step.exit(s, 0, "idle; did " + s.done() + " jobs (their numbers add up to " + s.sum() + ")");
                    }
                    return Step.exit(s, 1, last == null ? "interrupted" : last.errno() + ": " + last.message());
                }
                JsonNode m = last.value().get("messages").get(0);
                long id = m.get("id").asLong();
                long sum = s.sum() + m.path("payload").path("job").asLong(0);
                return Step.call(new State(s.queue(), s.workMs(), s.idleMs(), 2, id, s.done(), sum), "proc.sleep",
                        Args.of("ms", s.workMs()));
            case 2:
                return Step.call(new State(s.queue(), s.workMs(), s.idleMs(), 3, s.job(), s.done() + 1, s.sum()), "ipc.ack",
                        Args.of("queue", s.queue(), "ids", Args.none().arrayNode().add(s.job())));
            case 3:
                if (last != null && !last.isOk()) return Step.exit(s, 1, last.errno() + ": " + last.message());
                return receive(s);
            default:
                throw new IllegalStateException("unknown phase " + s.phase());
        }
    }

    private static Step<State> receive(State s) {
        State next = new State(s.queue(), s.workMs(), s.idleMs(), 1, 0, s.done(), s.sum());
        return s.idleMs() > 0 ? Step.call(next, "ipc.recv", Args.of("queue", s.queue(), "timeoutMs", s.idleMs()))
                : Step.call(next, "ipc.recv", Args.of("queue", s.queue()));
    }
}
