package org.agentos.agent.runtime.impl;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the kernel keeps of an agent between steps and across restarts: its input and the
 * results of the calls it made ({@code history}), which are all a replay needs to bring its
 * code back to where it was; and the call its last step ended with ({@code pending}, with the
 * hash of its arguments), whose result the next step brings. {@code generation} counts
 * {@code continueAsNew} restarts.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentState(JsonNode input, History history, String pending, int pendingHash, int generation) {
    public AgentState {
        history = history == null ? History.EMPTY : history;
    }
}
