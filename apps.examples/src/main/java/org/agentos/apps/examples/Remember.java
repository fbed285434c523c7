package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * An agent that keeps notes in its own memory space ({@code user/<pid>}): each field of
 * {@code notes} becomes a key with its value ({@code mem.put}); with {@code working} they are
 * entries of its context window (so a small {@code budget} pages the older ones out). Then it
 * stays for {@code holdMs} (default 10 minutes) so its memory can be looked at, e.g. with
 * {@code mem:dump <pid>}. Needs no capability: a process always reaches its own space.
 */
@Component(service = Program.class)
public class Remember implements Program<Remember.State> {

    public record State(List<String> keys, JsonNode notes, int next, boolean working, long budget, long holdMs) {}

    @Override
    public String name() {
        return "remember";
    }

    @Override
    public String description() {
        return "puts each field of notes into its own memory, then waits; args {notes: {key: value}, working, budget, holdMs}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        JsonNode notes = args.path("notes");
        if (!notes.isObject() || notes.isEmpty()) {
            throw new IllegalArgumentException("notes is required, e.g. {\"notes\":{\"goal\":\"ship\",\"plan\":[1,2]}}");
        }
        List<String> keys = new ArrayList<>();
        notes.fieldNames().forEachRemaining(keys::add);
        return new State(keys, notes, 0, args.path("working").asBoolean(false), Arguments.nonNegative(args, "budget", 0),
                Arguments.nonNegative(args, "holdMs", 600_000));
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        if (last != null && !last.isOk()) return Step.exit(s, 1, last.errno() + ": " + last.message());
        int i = s.next();
        State next = new State(s.keys(), s.notes(), i + 1, s.working(), s.budget(), s.holdMs());
        if (i == 0 && s.budget() > 0) return Step.call(new State(s.keys(), s.notes(), -1, s.working(), s.budget(), s.holdMs()),
                "mem.budget", Args.of("tokens", s.budget()));
        if (i < 0) i = 0; // after the budget
        if (i < s.keys().size()) {
            String key = s.keys().get(i);
            JsonNode args = s.working() ? Args.of("key", key, "value", s.notes().get(key), "working", true)
                    : Args.of("key", key, "value", s.notes().get(key));
            return Step.call(new State(s.keys(), s.notes(), i + 1, s.working(), s.budget(), s.holdMs()), "mem.put", args);
        }
        if (i == s.keys().size()) return Step.call(next, "proc.sleep", Args.of("ms", s.holdMs()));
        return Step.exit(s, 0, "remembered " + s.keys().size() + " notes");
    }
}
