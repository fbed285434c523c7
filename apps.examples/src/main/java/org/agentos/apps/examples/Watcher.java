package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * An agent that subscribes to kernel events ({@code topic}, e.g. {@code org/agentos/fs/CHANGED}
 * or {@code org/agentos/process/*}) and receives {@code count} of them from its mailbox, then
 * exits with the last one as its reason (1 with the errno after {@code timeoutMs} without one).
 * Needs {@code ipc:subscribe:<topic>}.
 */
@Component(service = Program.class)
public class Watcher implements Program<Watcher.State> {

    public record State(String topic, long count, long timeoutMs, long seen, boolean subscribed, String lastEvent) {}

    @Override
    public String name() {
        return "watch";
    }

    @Override
    public String description() {
        return "subscribes to kernel events and receives count of them; args {topic, count (1), timeoutMs (60000)}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        String topic = Arguments.text(args, "topic", null);
        if (topic == null) throw new IllegalArgumentException("topic is required, e.g. {\"topic\":\"org/agentos/process/*\"}");
        return new State(topic, Math.max(1, Arguments.nonNegative(args, "count", 1)),
                Arguments.nonNegative(args, "timeoutMs", 60_000), 0, false, null);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        if (last != null && !last.isOk()) return Step.exit(s, 1, last.errno() + ": " + last.message());
        if (!s.subscribed()) {
            return Step.call(new State(s.topic(), s.count(), s.timeoutMs(), 0, true, null), "ipc.subscribe",
                    Args.of("topic", s.topic()));
        }
        long seen = s.seen();
        String event = s.lastEvent();
        if (last != null && last.value().has("messages")) {
            seen++;
            event = last.value().get("messages").get(0).get("payload").toString();
        }
        if (seen >= s.count()) return Step.exit(s, 0, event);
        return Step.call(new State(s.topic(), s.count(), s.timeoutMs(), seen, true, event), "ipc.recv",
                Args.of("timeoutMs", s.timeoutMs()));
    }
}
