package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.api.program.Step;
import org.agentos.kernel.api.syscall.Args;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.osgi.service.component.annotations.Component;

/**
 * An agent that keeps a journal: appends {@code entries} lines to the file {@code path} through
 * {@code fs.append}, one version each, and exits; a refused call ends it with status 1 and the
 * errno as its reason. Needs {@code fs:write:<path>}.
 */
@Component(service = Program.class)
public class Scribe implements Program<Scribe.State> {

    public record State(String path, long written, long entries) {}

    @Override
    public String name() {
        return "scribe";
    }

    @Override
    public String description() {
        return "appends lines to a file with fs.append; args {path, entries (default 5)}; needs fs:write:<path>";
    }

    @Override
    public Class<State> stateType() {
        return State.class;
    }

    @Override
    public State init(JsonNode args) {
        String path = Arguments.text(args, "path", null);
        if (path == null) throw new IllegalArgumentException("path is required, e.g. /home/alice/journal.txt");
        return new State(path, 0, Arguments.nonNegative(args, "entries", 5));
    }

    @Override
    public Step<State> step(State s, SyscallResult last) {
        if (last != null && !last.isOk()) return Step.exit(s, 1, last.errno() + ": " + last.message());
        if (s.written() >= s.entries()) return Step.exit(s, 0, s.written() + " entries in " + s.path());
        return Step.call(new State(s.path(), s.written() + 1, s.entries()), "fs.append",
                Args.of("path", s.path(), "text", "entry " + (s.written() + 1) + "\n"));
    }
}
