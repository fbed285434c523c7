package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.agent.runtime.SyscallFailure;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallResult;

/**
 * One call an agent made and the result it was given: what a replay serves instead of making
 * the call again. The arguments are kept as a hash only, enough to tell that a replayed run asks
 * for other arguments than the recorded ones; the result is kept whole, as replay needs it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Recorded(String call, int argsHash, JsonNode value, Errno errno, String message) {

    static Recorded of(String call, int argsHash, SyscallResult r) {
        return r.isOk() ? new Recorded(call, argsHash, r.value(), null, null)
                : new Recorded(call, argsHash, null, r.errno(), r.message());
    }

    /** The result as agent code sees it: the value, or the failure thrown. */
    JsonNode valueOrThrow() {
        if (errno != null) throw new SyscallFailure(call, errno, message);
        return value;
    }
}
