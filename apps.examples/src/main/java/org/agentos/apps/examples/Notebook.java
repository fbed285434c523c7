package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * Keeps a notebook: each message that arrives in its mailbox ({@code {"note": "..."}}) is
 * appended to {@code <dir>/notes.txt} and counted in its memory ({@code count} in its user space);
 * after {@code limit} notes it exits with how many it kept and how long they were. An agent
 * with state, memory, files and mail: what an image of an agent holds (docs/images.md).
 * Arguments: {@code {"dir":"/home/me/book","limit":3,"ballastMiB":0}}; needs {@code fs:*:<dir>/**}. With
 * {@code ballastMiB} it first puts that many MiB into its memory ({@code ballast-<i>}, 1 MiB each).
 */
@Component(service = Program.class)
public class Notebook implements Program<Notebook.State> {
    /** {@code phase}: 0 = receive next, 1 = append the note, 2 = count it; {@code ballast}: MiB still to put in memory. */
    public record State(String dir, long limit, long notes, long chars, int phase, String note, long ballast) {
        State next(long notes, long chars, int phase, String note) {
            return new State(dir, limit, notes, chars, phase, note, ballast);
        }
    }

    /** A MiB of memory an agent may be given to carry (for trying images and forks of big agents). */
    private static final String MIB = java.util.Base64.getEncoder().encodeToString(new byte[1 << 20]);

    @Override
    public String name() {
        return "notebook";
    }

    @Override
    public String description() {
        return "appends each note mailed to it to <dir>/notes.txt and counts them in its memory; exits after limit notes; "
                + "args {dir, limit}";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        String dir = Arguments.text(args, "dir", null);
        if (dir == null || !dir.startsWith("/")) throw new IllegalArgumentException("dir must be an absolute path");
        long ballast = Arguments.nonNegative(args, "ballastMiB", 0);
        if (ballast > 1024) throw new IllegalArgumentException("ballastMiB must be at most 1024");
        return new State(dir.endsWith("/") ? dir.substring(0, dir.length() - 1) : dir, Arguments.nonNegative(args, "limit", 3),
                0, 0, 0, null, ballast);
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        switch (s.phase()) {
            case 1 -> {
                if (!last.isOk()) return Step.exit(s, 1, "receive failed: " + last.errno() + " " + last.message());
                String note = last.value().path("messages").path(0).path("payload").path("note").asText("");
                return Step.call(s.next(s.notes(), s.chars(), 2, note), "fs.append",
                        Args.of("path", s.dir() + "/notes.txt", "text", note + "\n"));
            }
            case 2 -> {
                if (!last.isOk()) return Step.exit(s, 1, "append failed: " + last.errno() + " " + last.message());
                State counted = s.next(s.notes() + 1, s.chars() + s.note().length(), 0, null);
                return Step.call(counted, "mem.put", Args.of("key", "count", "value", counted.notes()));
            }
            default -> {
                if (last != null && !last.isOk()) return Step.exit(s, 1, "put failed: " + last.errno() + " " + last.message());
                if (s.ballast() > 0) {
                    State less = new State(s.dir(), s.limit(), s.notes(), s.chars(), 0, null, s.ballast() - 1);
                    return Step.call(less, "mem.put", Args.of("key", "ballast-" + s.ballast(), "base64", MIB));
                }
                if (s.notes() >= s.limit()) return Step.exit(s, 0, s.notes() + " notes, " + s.chars() + " characters");
                return Step.call(s.next(s.notes(), s.chars(), 1, null), "ipc.recv",
                        Args.of("timeoutMs", 3_600_000));
            }
        }
    }
}
