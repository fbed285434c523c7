package org.agentos.kernel.api.syscall;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.Objects;

/**
 * The outcome of a system call as the calling program sees it: a JSON value, or an errno with a
 * message. Exactly one of {@code value} and {@code errno} is non-null.
 */
public record SyscallResult(JsonNode value, Errno errno, String message) {

    /** The successful result that carries nothing. */
    public static final SyscallResult OK = new SyscallResult(NullNode.instance, null, null);

    public SyscallResult {
        if ((value == null) == (errno == null)) {
            throw new IllegalArgumentException("exactly one of value and errno must be set");
        }
        if (errno != null) {
            message = message == null ? errno.description() : message;
        }
    }

    public static SyscallResult ok(JsonNode value) {
        return new SyscallResult(value == null ? NullNode.instance : value, null, null);
    }

    public static SyscallResult error(Errno errno, String message) {
        return new SyscallResult(null, Objects.requireNonNull(errno, "errno"), message);
    }

    public static SyscallResult error(SyscallException e) {
        return new SyscallResult(null, e.errno(), e.getMessage());
    }

    public boolean isOk() {
        return errno == null;
    }

    @Override
    public String toString() {
        return isOk() ? value.toString() : errno.name() + ": " + message;
    }
}
