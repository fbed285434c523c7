package org.agentos.kernel.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.debug.Debugger;
import org.agentos.kernel.impl.debug.Top;

/**
 * The debugger at the syscall boundary, for the kernel's own console commands (agent:trace,
 * agent:break, agent:step, agent:state, agent:fork). Registered by the kernel component; not
 * exported. See {@link Debugger}.
 */
public interface KernelDebugger {
    Debugger.Breakpoint addBreak(long pid, String spec) throws SyscallException;

    boolean deleteBreak(int id);

    List<Debugger.Breakpoint> breakpoints(Long pid);

    void stepOnce(long pid) throws SyscallException;

    ObjectNode state(long pid) throws SyscallException;

    AutoCloseable trace(long pid, Consumer<Debugger.TraceEvent> sink) throws SyscallException;

    long forkAt(long pid, long step, JsonNode result) throws SyscallException;

    /** Every live process's counters and the system's header, for agent:top. */
    Top.Sample top();
}
