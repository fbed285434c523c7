package org.agentos.kernel.api.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A system call provided by a bundle. Register it as an OSGi service; the kernel adds it to the
 * syscall table under {@code descriptor().name()} at once and removes it when the service goes.
 *
 * <p>The kernel has validated the arguments against the schema and checked the caller's
 * capabilities and quotas before {@link #call} runs. A tool reports failure by throwing
 * {@link SyscallException}; any other exception becomes {@code EIO}.
 */
@org.osgi.annotation.versioning.ConsumerType
public interface Tool {
    ToolDescriptor descriptor();

    JsonNode call(ToolContext context, JsonNode args) throws SyscallException;

    /**
     * The call, for a tool that waits on something outside the JVM (a host process, a remote
     * reply): return at once with a stage completed later, so that no kernel I/O thread waits
     * with it. The kernel calls this instead of {@link #call}, on one of its I/O threads, and
     * cancels the stage when the call is abandoned (its timeout, a kill, a shutdown): stop the
     * work then. A {@link SyscallException} completing the stage is the call's error. By default
     * runs {@link #call} and returns its result.
     */
    default CompletionStage<JsonNode> callAsync(ToolContext context, JsonNode args) {
        try {
            return CompletableFuture.completedFuture(call(context, args));
        } catch (SyscallException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
