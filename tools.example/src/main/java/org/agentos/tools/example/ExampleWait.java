package org.agentos.tools.example;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.osgi.service.component.annotations.Component;

/**
 * {@code example.wait}: a tool for tests, not for agents. It keeps a call in flight for a chosen
 * time so that an integration test can uninstall this bundle during the call and see the kernel
 * end it with {@code ENOSYS}. It sleeps interruptibly, as a well-behaved I/O tool must: the kernel
 * interrupts a tool whose call it has ended (timeout, uninstall), and the tool answers {@code EINTR}.
 */
@Component(service = Tool.class)
public class ExampleWait implements Tool {
    static final int MAX_MS = 60_000;

    private static final ToolDescriptor DESCRIPTOR = ToolDescriptor.builder("example.wait").version("1.0.0")
            .description("for tests: waits ms milliseconds (interruptibly, EINTR) so that a test can uninstall "
                    + "the bundle while the call is in flight and expect ENOSYS")
            .args(Schemas.parse("{\"type\":\"object\",\"properties\":{"
                    + "\"ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":" + MAX_MS + "}},"
                    + "\"required\":[\"ms\"],\"additionalProperties\":false}"))
            .result(Schemas.parse("{\"type\":\"object\",\"properties\":{\"slept\":{\"type\":\"integer\"}}}"))
            .capabilities("tool:example.wait")
            .resourceClass(ResourceClass.IO).determinism(Determinism.RECORDED).idempotent(false)
            .timeout(Duration.ofSeconds(65)).build(); // longer than the longest wait it accepts

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
        long ms = args.path("ms").asLong(0);
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            // The flag stays set for whoever runs this thread: the kernel decides what the interrupt means.
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "example.wait was interrupted before " + ms + " ms", e);
        }
        return Schemas.JSON.createObjectNode().put("slept", ms);
    }
}
