package org.agentos.kernel.impl.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.SyscallResult;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.proc.Proc;

/**
 * One row of the syscall table: a descriptor compiled for the hot path (schema validator,
 * capability templates) and what runs the call, a bundle's {@link Tool} or one of the kernel's
 * own calls.
 */
public final class SyscallEntry {

    /** A kernel-implemented call that returns its result at once. */
    public interface KernelCall {
        SyscallResult call(Proc caller, JsonNode args) throws SyscallException;
    }

    /**
     * A kernel-implemented call that may park its caller's process: returns {@code null} when it
     * did (its result comes later, by {@code completeIf}). {@code fromOutside}: made as the
     * process from outside its program (gateway, console), which must never park the process;
     * it is refused ({@code EAGAIN}) or waits on the caller's thread instead.
     */
    public interface ParkingCall {
        SyscallResult call(Proc caller, JsonNode args, boolean fromOutside) throws SyscallException;
    }

    /** Whether a call may park its caller's process; declared when the call is registered. */
    enum Blocking {
        /** Returns its result at once: every tool, and kernel calls such as proc.getpid. */
        NEVER,
        /** Parks a program's process when it must wait (a full queue, a held lock, a memory swap, an fsync). */
        WHEN_PROGRAM,
        /** Waiting is what it is for (proc.sleep, proc.wait, ipc.recv): only the process itself may make it. */
        ALWAYS,
        /** Never parks, but giving up the CPU is what it is for (proc.yield): made at the end of a step, never inside one. */
        YIELDS
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_]+)}");

    public final String name;
    public final ToolDescriptor descriptor;
    final SchemaValidator validator;
    final Tool tool;
    final ParkingCall kernelCall;
    public final String provider;
    final boolean recordResult;
    final boolean inline;
    final Blocking blocking;

    /** Whether the gateway and the console may make it: not a call that only parks its own caller. */
    public boolean callableFromOutside() {
        return blocking != Blocking.ALWAYS;
    }
    private final String[] capTemplates;
    /** Per template with placeholders: its literal parts around them, split once here so that a call joins strings instead of running a regex. */
    private final String[][] capLiterals;
    /** And the argument each placeholder names. */
    private final String[][] capArgs;
    /** Declared for kernel calls that only read (clock.now, mem.get): their results need not be durable before the process sees them. */
    private boolean readsOnly;
    volatile boolean removed;
    /** Calls of this tool running on the I/O executor, ended with ENOSYS when the tool goes. */
    /** Its counters, found at its first call (they outlive the entry: a tool that comes back counts on). */
    public org.agentos.kernel.impl.telemetry.CallCounters counters;
    public final java.util.Set<InFlightCall> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Whether a program may make this call inside its step ({@code StepContext.callNow}): it runs
     * on the caller's thread (a kernel call or a CPU tool) and never parks or yields.
     */
    boolean completesInStep() {
        return kernelCall != null ? blocking == Blocking.NEVER : inline;
    }

    /** Declares that this kernel call changes nothing: see {@link #hasEffects}. Returns this. */
    public SyscallEntry readsOnly() {
        readsOnly = true;
        return this;
    }

    /**
     * Whether the call journal keeps this call's result for a replay or a recovery: the results a
     * replay cannot recompute (RECORDED), and every result of a call that always ends the step
     * (it parks, or is a bundle's I/O tool), so that a recovery serves a finished sleep or
     * receive instead of waiting again. Not proc.yield. A property of the call, not of the path
     * it took, so that a replay whose calls land in other steps still finds them.
     */
    public boolean journaled() {
        return recordResult || !completesInStep() && blocking != Blocking.YIELDS;
    }

    /**
     * Whether the call may change the world (a file, a queue, memory, a process, a model's bill):
     * its result is durable in the journal before the process sees it, so that after a crash the
     * process is never given it a second time by making the call again. PURE calls, CPU tools
     * and kernel calls declared {@link #readsOnly} do not.
     */
    public boolean hasEffects() {
        return journaled() && recordResult && !readsOnly && !(tool != null && inline);
    }

    /** A bundle's tool. */
    SyscallEntry(ToolDescriptor d, Tool tool, String provider) {
        this(d, tool, null, provider, Blocking.NEVER);
    }

    /** One of the kernel's own calls, which parks its caller as {@code blocking} declares. */
    SyscallEntry(ToolDescriptor d, ParkingCall kernelCall, Blocking blocking) {
        this(d, null, kernelCall, "kernel", blocking);
    }

    private SyscallEntry(ToolDescriptor d, Tool tool, ParkingCall kernelCall, String provider, Blocking blocking) {
        this.name = d.name().intern();
        this.descriptor = d;
        this.validator = SchemaValidator.compile(d.argsSchema());
        this.tool = tool;
        this.kernelCall = kernelCall;
        this.provider = provider;
        this.recordResult = d.determinism() == Determinism.RECORDED;
        this.inline = kernelCall != null || d.resourceClass() == ResourceClass.CPU;
        this.blocking = blocking;
        this.capTemplates = d.capabilities().toArray(new String[0]);
        this.capLiterals = new String[capTemplates.length][];
        this.capArgs = new String[capTemplates.length][];
        for (int i = 0; i < capTemplates.length; i++) {
            List<String> literals = new ArrayList<>();
            List<String> names = new ArrayList<>();
            Matcher m = PLACEHOLDER.matcher(capTemplates[i]);
            int from = 0;
            while (m.find()) {
                literals.add(capTemplates[i].substring(from, m.start()));
                names.add(m.group(1));
                from = m.end();
            }
            literals.add(capTemplates[i].substring(from));
            capLiterals[i] = literals.toArray(new String[0]);
            capArgs[i] = names.toArray(new String[0]);
        }
    }

    /** The first required capability {@code caps} does not permit, or null when all are held. */
    String missingCapability(CapabilitySet caps, JsonNode args) {
        for (int i = 0; i < capTemplates.length; i++) {
            String required = capArgs[i].length > 0 ? expand(capLiterals[i], capArgs[i], args) : capTemplates[i];
            if (!caps.permits(required)) {
                return required;
            }
        }
        return null;
    }

    /** Whether {@code caps} holds every required capability that does not depend on the arguments. */
    boolean permitsFixed(CapabilitySet caps) {
        for (int i = 0; i < capTemplates.length; i++) {
            if (capArgs[i].length == 0 && !caps.permits(capTemplates[i])) return false;
        }
        return true;
    }

    List<String> capabilities() {
        return new ArrayList<>(List.of(capTemplates));
    }

    /** The template with each placeholder replaced by its argument's text (empty when absent). */
    private static String expand(String[] literals, String[] names, JsonNode args) {
        StringBuilder out = new StringBuilder(64).append(literals[0]);
        for (int i = 0; i < names.length; i++) {
            JsonNode v = args.get(names[i]);
            if (v != null && !v.isNull()) out.append(v.asText());
            out.append(literals[i + 1]);
        }
        return out.toString();
    }
}
