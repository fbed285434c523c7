package org.agentos.apps.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.agentos.agent.runtime.Sys;
import org.agentos.kernel.api.syscall.Args;

/** How the example agents ask a model one question: {@code llm.sim}'s prompt form, or a chat tool's. */
final class Models {
    private Models() {}

    /** The answer of model tool {@code llm} ({@code llm.sim}, {@code llm.chat} ...) to {@code prompt}. */
    static String ask(Sys sys, String llm, String prompt) {
        if (llm.equals("llm.sim")) return sys.call("llm.sim", "prompt", prompt).path("text").asText();
        ObjectNode request = sys.json().createObjectNode();
        request.putArray("messages").add(Args.of("role", "user", "content", prompt));
        return sys.llm().chat(llm, request).path("message").path("content").asText();
    }
}
