package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * Agents counting together in a shared memory segment: {@code count} times, take the lock
 * {@code tally} of {@code shared/<segment>}, read {@code key}, write it plus one, unlock. Many
 * tallies on one segment end with the sum of their counts, or the lock did not hold. With
 * {@code create} it first makes the segment ({@code mem.share}, an existing one is fine). Needs
 * {@code mem:read:shared/<segment>} and {@code mem:write:shared/<segment>} (both: {@code mem:*:shared/<segment>}),
 * and {@code mem:share:<segment>} to create it.
 */
@Component(service = Program.class)
public class Tally implements Program<Tally.State> {

    /** {@code phase}: 0 share, 1 lock, 2 get, 3 put, 4 unlock; {@code members}: other owners the segment admits when created. */
    public record State(String space, String key, long done, long count, int phase, long value, List<String> members) {}

    @Override
    public String name() {
        return "tally";
    }

    @Override
    public String description() {
        return "adds 1 to a key of a shared segment count times under its lock; args {segment, key (default n), count "
                + "(default 10), create, members (other owners the segment admits)}; needs mem:*:shared/<segment> (and mem:share:<segment> with create)";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        String segment = Arguments.text(args, "segment", null);
        if (segment == null) throw new IllegalArgumentException("segment is required, e.g. {\"segment\":\"team\",\"count\":10}");
        List<String> members = new ArrayList<>();
        args.path("members").forEach(m -> members.add(m.asText()));
        return new State("shared/" + segment, Arguments.text(args, "key", "n"), 0, Arguments.nonNegative(args, "count", 10),
                args.path("create").asBoolean(false) ? 0 : 1, 0, members);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        switch (s.phase()) {
            case 0:
                ObjectNode share = Args.of("name", s.space().substring("shared/".length()));
                if (s.members() != null && !s.members().isEmpty()) s.members().forEach(share.putArray("members")::add);
                return Step.call(next(s, 1, 0), "mem.share", share);
            case 1:
                if (last != null && !last.isOk() && last.errno() != Errno.EEXIST) return failed(s, last);
                if (s.done() >= s.count()) return Step.exit(s, 0, "counted " + s.done() + " in " + s.space() + " " + s.key());
                return Step.call(next(s, 2, 0), "mem.lock", Args.of("space", s.space(), "name", "tally"));
            case 2:
                if (!last.isOk()) return failed(s, last);
                return Step.call(next(s, 3, 0), "mem.get", Args.of("space", s.space(), "key", s.key()));
            case 3: {
                if (!last.isOk() && last.errno() != Errno.ENOENT) return failed(s, last);
                long v = last.isOk() ? last.value().get("value").asLong() : 0;
                return Step.call(next(s, 4, v + 1), "mem.put", Args.of("space", s.space(), "key", s.key(), "value", v + 1));
            }
            default:
                if (!last.isOk()) return failed(s, last);
                return Step.call(new State(s.space(), s.key(), s.done() + 1, s.count(), 1, s.value(), s.members()), "mem.unlock",
                        Args.of("space", s.space(), "name", "tally"));
        }
    }

    private static State next(State s, int phase, long value) {
        return new State(s.space(), s.key(), s.done(), s.count(), phase, value, s.members());
    }

    private static Step<State> failed(State s, SyscallResult last) {
        return Step.exit(s, 1, last.errno() + ": " + last.message());
    }
}
