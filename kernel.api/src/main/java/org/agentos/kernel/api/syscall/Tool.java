package org.agentos.kernel.api.syscall;

import com.fasterxml.jackson.databind.JsonNode;

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
}
