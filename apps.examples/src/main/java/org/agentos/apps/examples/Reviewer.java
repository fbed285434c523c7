package org.agentos.apps.examples;

import java.util.List;
import org.agentos.agent.runtime.Agent;
import org.agentos.agent.runtime.Sys;
import org.agentos.agent.runtime.SyscallFailure;
import org.osgi.service.component.annotations.Component;

/**
 * {@code reviewer}, an agent written as plain code on the agent runtime: reads every file in a
 * workspace directory, asks the model for a note on each, and writes the notes to one file. A
 * file it may not read is noted as such; a notes file it may not write ends it with EPERM.
 * Needs {@code fs:read} on the directory and {@code fs:write} on the notes.
 */
@Component(service = Agent.class)
public class Reviewer implements Agent<Reviewer.Input> {

    /** {@code llm}: the model tool, {@code llm.sim} (default) or {@code llm.chat}. */
    public record Input(String dir, String notes, String llm) {
        public Input {
            if (dir == null || notes == null) throw new IllegalArgumentException("dir and notes are required");
            llm = llm == null ? "llm.sim" : llm;
        }
    }

    @Override
    public String name() {
        return "reviewer";
    }

    @Override
    public String description() {
        return "an agent as code: a model's note on every file of {dir}, written to {notes}; llm: llm.sim or llm.chat";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public String run(Sys sys, Input in) {
        List<String> files = sys.fs().list(in.dir());
        StringBuilder notes = new StringBuilder("# Review of " + in.dir() + "\n\n");
        for (String path : files) {
            try {
                notes.append("- ").append(path).append(": ").append(note(sys, in.llm(), sys.fs().read(path))).append('\n');
            } catch (SyscallFailure f) {
                notes.append("- ").append(path).append(": not reviewed, ").append(f.getMessage()).append('\n');
            }
        }
        sys.fs().write(in.notes(), notes.toString());
        return "reviewed " + files.size() + " files into " + in.notes();
    }

    private static String note(Sys sys, String llm, String text) {
        return Models.ask(sys, llm, "Review this file in one line:\n" + text);
    }
}
