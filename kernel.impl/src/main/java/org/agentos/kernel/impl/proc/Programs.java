package org.agentos.kernel.impl.proc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.ProgramInfo;
import org.agentos.kernel.api.program.Program;
import org.agentos.kernel.impl.Kernel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The installed programs by name, and the processes waiting READY (off the run queue) for their
 * program to be installed again (its bundle was updated or restarted, or not started yet after
 * a restore).
 */
public final class Programs {
    private static final Logger LOG = LoggerFactory.getLogger(Programs.class);

    private final Kernel k;

    public Programs(Kernel k) {
        this.k = k;
    }

    /** A program and the bundle that provides it. */
    public record ProgramEntry(Program<Object> program, String bundle) {}

    private final ConcurrentHashMap<String, ProgramEntry> programs = new ConcurrentHashMap<>();

    private final Set<Proc> waitingForProgram = ConcurrentHashMap.newKeySet();

    @SuppressWarnings("unchecked")
    public void add(Program<?> program, String bundle) {
        String name = program.name();
        ProgramEntry prev = programs.putIfAbsent(name, new ProgramEntry((Program<Object>) program, bundle));
        if (prev != null) {
            LOG.warn("program '{}' from {} ignored: {} already provides it", name, bundle, prev.bundle());
            return;
        }
        for (Proc p : waitingForProgram) {
            if (p.programName.equals(name) && waitingForProgram.remove(p)) {
                synchronized (p) {
                    if (p.state == ProcessState.READY) {
                        p.waitingOn = null;
                        k.stepper.enqueueLocked(p);
                    }
                }
            }
        }
    }

    public void remove(Program<?> program) {
        programs.computeIfPresent(program.name(), (name, e) -> e.program() == program ? null : e);
    }

    public List<ProgramInfo> list() {
        List<ProgramInfo> out = new ArrayList<>();
        programs.forEach((name, e) -> out.add(new ProgramInfo(name, e.program().description(), e.bundle())));
        out.sort(Comparator.comparing(ProgramInfo::name));
        return out;
    }

    /** The process's program is not installed: it waits READY (off the run queue) until it is. */
    public void parkUntilInstalled(Proc p) {
        synchronized (p) {
            if (p.state != ProcessState.RUNNING) return;
            p.state = ProcessState.READY;
            p.waitingOn = "program '" + p.programName + "' to be installed";
        }
        waitingForProgram.add(p);
        if (programs.containsKey(p.programName) && waitingForProgram.remove(p)) {
            synchronized (p) {
                if (p.state == ProcessState.READY) {
                    p.waitingOn = null;
                    k.stepper.enqueueLocked(p);
                }
            }
        }
    }

    /** The entry of program {@code name}, or null. */
    public ProgramEntry get(String name) {
        return programs.get(name);
    }

    /** {@code p} ended: it no longer waits for its program. */
    public void forget(Proc p) {
        waitingForProgram.remove(p);
    }
}
