package org.agentos.kernel.impl.shell;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.function.Predicate;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.process.ProcessQuery;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Live processes chosen by owner, program and state rather than by pid, for agent:ps and for
 * acting on many at once (agent:kill, agent:pause, agent:resume). Acting on more than
 * {@link #FORCE_ABOVE} of them needs {@code --force}: a selection is one typo away from the whole
 * table, and over an ssh exec channel there is no terminal to ask for a confirmation.
 */
final class ProcessSelection {
    static final int FORCE_ABOVE = 10;
    static final String STATES = "NEW READY RUNNING BLOCKED PAUSED EXITED KILLED";

    private final String owner;
    private final String program;
    private final ProcessState state;

    ProcessSelection(String owner, String program, ProcessState state) {
        this.owner = owner;
        this.program = program;
        this.state = state;
    }

    /** Parses the console's options; an unknown state is EINVAL. */
    static ProcessSelection of(String owner, String program, String state) {
        return new ProcessSelection(owner, program, state == null ? null : state(state));
    }

    static ProcessState state(String name) {
        try {
            return ProcessState.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ConsoleErrors.of("EINVAL", "unknown state '" + name + "'; states: " + STATES);
        }
    }

    boolean isEmpty() {
        return owner == null && program == null && state == null;
    }

    String owner() {
        return owner;
    }

    /** The same selection, narrowed to one owner's processes. */
    ProcessSelection ownedBy(String newOwner) {
        return new ProcessSelection(newOwner, program, state);
    }

    ProcessQuery query(boolean includeEnded, int limit) {
        return new ProcessQuery(owner, program, state, includeEnded, limit);
    }

    /** "owner=alice program=counter", as the criteria were given. */
    String describe() {
        StringJoiner j = new StringJoiner(" ");
        if (owner != null) j.add("owner=" + owner);
        if (program != null) j.add("program=" + program);
        if (state != null) j.add("state=" + state);
        return j.toString();
    }

    /**
     * Applies {@code op} to every live selected process that {@code applies} to (pausing a paused
     * process would fail, for instance), then prints one line: how many, and how many had ended in
     * the meantime. Refuses (ECANCELED, nothing done) above {@link #FORCE_ABOVE} without
     * {@code force}; no process at all is ESRCH, as pkill reports it.
     *
     * @param verb what {@code op} does, in the past tense ("killed"); {@code command} its name
     */
    void apply(ProcessManager processes, Predicate<ProcessInfo> applies, boolean force, String command, String verb,
            Pids.Op op, PrintStream out) {
        List<Long> pids = new ArrayList<>();
        for (ProcessInfo p : processes.list(query(false, Integer.MAX_VALUE)).processes()) {
            if (applies.test(p)) pids.add(p.pid());
        }
        if (pids.isEmpty()) throw ConsoleErrors.of("ESRCH", "no process to " + command + " matches " + describe());
        if (pids.size() > FORCE_ABOVE && !force) {
            throw ConsoleErrors.of("ECANCELED", pids.size() + " processes match " + describe() + "; add --force to "
                    + command + " more than " + FORCE_ABOVE + " at once");
        }
        int done = 0;
        int ended = 0;
        List<SyscallException> failures = new ArrayList<>();
        for (long pid : pids) {
            try {
                op.apply(pid);
                done++;
            } catch (SyscallException e) {
                if (e.errno() == Errno.ESRCH) ended++; // it ended between the listing and now: nothing to do
                else failures.add(e);
            }
        }
        out.println(verb + " " + done + (done == 1 ? " process" : " processes") + " (" + describe() + ")"
                + (ended > 0 ? "; " + ended + " had ended" : ""));
        if (!failures.isEmpty()) {
            SyscallException first = failures.get(0);
            throw ConsoleErrors.of(new SyscallException(first.errno(),
                    failures.size() + " of " + pids.size() + " failed, first: " + first.getMessage()));
        }
    }

    /**
     * The processes a signalling command acts on: exactly one of pids or a selection must be
     * given; EINVAL otherwise, naming the options.
     */
    static void requireOneOf(List<Long> pids, ProcessSelection selection, String command) {
        boolean byPid = pids != null && !pids.isEmpty();
        if (byPid && !selection.isEmpty()) {
            throw ConsoleErrors.of("EINVAL", "give pids or a selection (-o, -p, -s), not both");
        }
        if (!byPid && selection.isEmpty()) {
            throw ConsoleErrors.of("EINVAL", "which processes? give pids, or choose them by owner, program or state"
                    + " (agent:" + command + " --help)");
        }
    }
}
