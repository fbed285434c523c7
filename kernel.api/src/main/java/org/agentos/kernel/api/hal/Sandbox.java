package org.agentos.kernel.api.hal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Launches host processes for tools that run outside the JVM ({@code shell.exec}), confined as far
 * as the host allows: resource limits, a wall-clock timeout that kills the whole process tree,
 * bounded output, an emptied environment, a working directory the caller chose, and namespaces
 * where the host has them. {@link #protections()} says which of these are really enforced.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Sandbox {

    /**
     * Runs {@code spec}'s command to its end (or its limits) on the calling thread. The command's
     * own failure is a result (exit code, signal, timeout), not an exception.
     *
     * @throws SyscallException {@code EINVAL} for a spec the sandbox cannot honour (a working
     *         directory that does not exist), {@code ENOSYS} when this host cannot launch
     *         processes, {@code EIO} when the launch itself fails, {@code EINTR} when interrupted
     *         (the command is killed first)
     */
    SandboxResult run(SandboxSpec spec) throws SyscallException;

    /**
     * Starts {@code spec}'s command and returns at once: the stage completes with its result (as
     * {@link #run}'s) when it ends or meets its limits, or exceptionally with the errors
     * {@link #run} throws. Cancelling the stage kills the command's process tree. No thread of
     * the caller's waits meanwhile. By default runs the command on the calling thread.
     */
    default CompletionStage<SandboxResult> start(SandboxSpec spec) {
        try {
            return CompletableFuture.completedFuture(run(spec));
        } catch (SyscallException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Makes {@code dir} a working directory this sandbox's commands can use: creates it (and its
     * parents), and where the sandbox runs commands as another user, hands it to that user.
     * Callers that choose workspaces ({@code shell.exec}) prepare them with this.
     *
     * @throws SyscallException {@code EIO} when the directory cannot be created or handed over
     */
    default void prepareWorkDir(Path dir) throws SyscallException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SyscallException(Errno.EIO, "cannot create the working directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts {@code spec}'s command with its standard streams open to the caller ({@code stdin()}
     * of the spec is not used): a process that serves while it runs. Confined as {@link #run}'s
     * commands are; killed at the spec's timeout.
     *
     * @throws SyscallException {@code ENOSYS} when this sandbox runs commands to their end only,
     *         or cannot launch processes; {@code EINVAL}, {@code EIO} as for {@link #run}
     * @since 1.2
     */
    default SandboxProcess open(SandboxSpec spec) throws SyscallException {
        throw new SyscallException(Errno.ENOSYS, "this sandbox runs commands to their end only; it cannot keep one open");
    }

    /** What this sandbox enforces on this host, and what it cannot, each with a reason. */
    List<SandboxProtection> protections();

    /** A sandbox that launches nothing: every run fails with {@code ENOSYS} and the reason. */
    static Sandbox unavailable(String reason) {
        return new Sandbox() {
            @Override
            public SandboxResult run(SandboxSpec spec) throws SyscallException {
                throw new SyscallException(Errno.ENOSYS, reason);
            }

            @Override
            public List<SandboxProtection> protections() {
                return List.of(new SandboxProtection("launch", false, reason));
            }
        };
    }
}
