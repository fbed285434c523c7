package org.agentos.image.oci.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import org.agentos.image.oci.agent.AgentImageStore;
import org.agentos.kernel.api.image.CutOptions;
import org.agentos.kernel.api.process.ProcessInfo;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.syscall.Determinism;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.ResourceClass;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code proc.checkpoint}: an agent keeps an image of itself, or of one of its children, under its
 * owner's images ({@code name}, {@code tag}); a supervisor's golden copies. Checkpointing itself,
 * the copy restored later is answered {@code {"restored": true, "origin": <pid>}} for this call,
 * the original {@code {"restored": false, ...}}: the two tell themselves apart, as after a fork.
 */
@RequiresPermission(KernelPermission.TOOL_PROVIDE)
@Component(service = Tool.class)
public class ProcCheckpoint implements Tool {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NAME = "\"name\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$\"}";
    static final String TAG = "\"tag\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$\"}";

    private static final ToolDescriptor DESCRIPTOR = ToolDescriptor.builder("proc.checkpoint").version("1.0.0")
            .description("writes an image of the caller (pid 0 or none) or of one of its children as name:tag among its "
                    + "owner's images (proc.restore starts it again); the caller's own copy is told restored: true")
            .args(schema("{\"type\":\"object\",\"properties\":{\"pid\":{\"type\":\"integer\",\"minimum\":0}," + NAME + "," + TAG + "},"
                    + "\"required\":[\"name\"],\"additionalProperties\":false}"))
            .capabilities("proc:checkpoint")
            .resourceClass(ResourceClass.IO).determinism(Determinism.RECORDED)
            .timeout(Duration.ofMinutes(10)).build();

    @Reference
    AgentImageStore images;

    @Reference
    ProcessManager processes;

    public ProcCheckpoint() {}

    /** For tests. */
    public ProcCheckpoint(AgentImageStore images, ProcessManager processes) {
        this.images = images;
        this.processes = processes;
    }

    static JsonNode schema(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
        long pid = args.path("pid").asLong(0);
        String name = args.path("name").asText();
        String tag = args.path("tag").asText("latest");
        var dir = images.agentImage(ctx.owner(), name);
        boolean self = pid == 0 || pid == ctx.pid();
        AgentImageStore.Written w;
        if (self) {
            ObjectNode copy = JSON.createObjectNode().put("restored", true).put("origin", ctx.pid()).put("name", name).put("tag", tag);
            w = images.checkpointSelf(ctx.pid(), dir, tag, ctx.owner(), copy);
        } else {
            ProcessInfo child = processes.info(pid).orElseThrow(() -> new SyscallException(Errno.ESRCH, "no process " + pid));
            if (child.ppid() != ctx.pid()) {
                throw new SyscallException(Errno.EPERM, "process " + pid + " is not a child of process " + ctx.pid()
                        + ": an agent checkpoints itself or its children");
            }
            w = images.checkpoint(pid, dir, tag, new CutOptions(30_000, false), ctx.owner());
        }
        return JSON.createObjectNode().put("restored", false).put("pid", w.pid()).put("name", name).put("tag", tag)
                .put("digest", w.manifest().digest());
    }
}
