package org.agentos.kernel.api.security;

/**
 * Permissions between bundles. A bundle asks for them in its manifest with
 * {@link RequiresPermission} (a {@code Require-Capability} in the {@value #NAMESPACE} namespace
 * that the framework's resolver ignores); an administrator grants them ({@code perm:grant},
 * stored in ConfigAdmin PID {@value #GRANTS_PID}). A bundle holds a permission when it both asks
 * for it and is granted it.
 *
 * <p>A privileged service carries the service property {@value #SERVICE_PROPERTY} naming the
 * permission it needs; the kernel's service hooks hide it from bundles that do not hold it.
 */
public final class KernelPermission {
    private KernelPermission() {}

    /** The capability namespace of permission requests. */
    public static final String NAMESPACE = "agentos.permission";

    /** The requirement attribute (a list of names) that carries the requested permissions. */
    public static final String ATTRIBUTE = "agentos.permission";

    /** The service property naming the permission a consumer needs to see the service. */
    public static final String SERVICE_PROPERTY = "agentos.permission";

    /** ConfigAdmin PID of the grants: one property per bundle symbolic name (or glob), a list of permissions. */
    public static final String GRANTS_PID = "org.agentos.permissions";

    /** Control every process (spawn, kill, pause any), read the audit log: {@code ProcessManager}, {@code AuditLog}. */
    public static final String KERNEL_ADMIN = "kernel.admin";

    /** Make system calls on behalf of processes: {@link org.agentos.kernel.api.syscall.SyscallGateway}. */
    public static final String SYSCALL_GATEWAY = "syscall.gateway";

    /** Read and write every file as the operator: {@code FileSystem}. */
    public static final String FS_ADMIN = "fs.admin";

    /** Be the kernel's memory manager's client (every space, as the kernel or an operator): {@code MemoryManager}. */
    public static final String MEM_ADMIN = "mem.admin";

    /** Add system calls: the kernel puts a bundle's {@code Tool} services into the syscall table only with it. */
    public static final String TOOL_PROVIDE = "tool.provide";
}
