package org.agentos.agent.dsl.impl;

import java.util.List;
import java.util.function.Supplier;
import org.agentos.agent.dsl.WorkflowCheck;
import org.agentos.agent.runtime.Agent;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.ToolDescriptor;

/**
 * Workflows without OSGi, on the JVM's class path: check a source against a syscall table, and
 * make an {@link Agent} of one that passes (for the agent runtime to make a program of). What
 * the benchmarks and embedding code use; in Karaf the {@code Workflows} service does this.
 */
public final class LocalWorkflows {
    private final WorkflowEngine engine;

    /** @param table the syscall table's descriptors, read at each check (stubs follow it) */
    public LocalWorkflows(Supplier<List<ToolDescriptor>> table) {
        this.engine = new WorkflowEngine(null, table, LocalWorkflows.class.getClassLoader());
    }

    public WorkflowCheck check(String file, String source, List<String> capabilities) throws SyscallException {
        return engine.check(file, source, capabilities).check();
    }

    /** The workflow as an agent, or EINVAL with its problems. */
    public Agent<Object> agent(String file, String source, List<String> capabilities) throws SyscallException {
        WorkflowEngine.Entry e = engine.check(file, source, capabilities);
        if (!e.check().ok()) throw new SyscallException(Errno.EINVAL, e.check().problems().toString());
        try {
            return new WorkflowAgent(e.check().program(), "workflow " + e.check().className(), e.compiled(), e.stubs());
        } catch (ReflectiveOperationException x) {
            throw new SyscallException(Errno.EINVAL, "the workflow cannot be loaded: " + x);
        }
    }

    /** The stubs' compiled classes (binary name to bytes), e.g. to compile against them elsewhere. */
    public java.util.Map<String, byte[]> stubClasses() {
        return engine.stubs().classes();
    }
}
