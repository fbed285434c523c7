package org.agentos.kernel.api.syscall;

/**
 * The calling process as a tool sees it during one system call. Given by the kernel; valid only
 * while the call runs.
 */
@org.osgi.annotation.versioning.ProviderType
public interface ToolContext {
    long pid();

    String owner();

    /** Whether the caller holds a capability that permits {@code capability}. */
    boolean permits(String capability);

    /** Charges bytes moved by this call to the caller's accounting and byte quota. */
    void chargeBytes(long bytes) throws SyscallException;

    /** Charges language-model tokens to the caller's accounting and token quota. */
    void chargeTokens(long tokens) throws SyscallException;

    /**
     * The call's identity, {@code "<pid>:<n>"}: the n-th journaled call of the process. A call
     * made again after a crash (its result never reached the process) has the same identity, so
     * a tool with effects can answer the repeat with its first result instead of acting twice.
     * Null for a call made from outside the process's program (the console, a bundle's gateway).
     *
     * @since 1.2
     */
    default String callId() {
        return null;
    }
}
