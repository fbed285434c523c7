package org.agentos.image.oci.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.agentos.image.oci.agent.AgentImageStore;
import org.agentos.kernel.api.image.RestoreSpec;
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
 * {@code proc.restore}: an agent starts one of its owner's images as its child, with the image's
 * capabilities or those it names, never more than it holds. The same call made again after a
 * crash (its call id) answers the child it made the first time instead of making a second one.
 */
@RequiresPermission(KernelPermission.TOOL_PROVIDE)
@Component(service = Tool.class)
public class ProcRestore implements Tool {
    private static final ToolDescriptor DESCRIPTOR = ToolDescriptor.builder("proc.restore").version("1.0.0")
            .description("starts the image name:tag of the caller's owner (written by proc.checkpoint) as a child; "
                    + "caps narrows what it gets (never more than the caller holds); paused holds it")
            .args(ProcCheckpoint.schema("{\"type\":\"object\",\"properties\":{" + ProcCheckpoint.NAME + "," + ProcCheckpoint.TAG + ","
                    + "\"caps\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"maxItems\":256},"
                    + "\"paused\":{\"type\":\"boolean\"}},\"required\":[\"name\"],\"additionalProperties\":false}"))
            .capabilities("proc:restore")
            .resourceClass(ResourceClass.IO).determinism(Determinism.RECORDED)
            .timeout(Duration.ofMinutes(10)).build();

    @Reference
    AgentImageStore images;

    public ProcRestore() {}

    /** For tests. */
    public ProcRestore(AgentImageStore images) {
        this.images = images;
    }

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
        String name = args.path("name").asText();
        String tag = args.hasNonNull("tag") ? args.get("tag").asText() : null;
        Path dir = images.agentImage(ctx.owner(), name);
        if (!Files.isDirectory(dir)) throw new SyscallException(Errno.ENOENT, "no image '" + name + "' among " + ctx.owner() + "'s images");
        Path made = dir.getParent().resolve(".restored").resolve(String.valueOf(ctx.callId()).replace(':', '-'));
        if (ctx.callId() != null && Files.isRegularFile(made)) { // made before a crash cut this call short
            try {
                return ProcCheckpoint.JSON.createObjectNode().put("pid", Long.parseLong(Files.readString(made).strip()));
            } catch (IOException | NumberFormatException e) {
                throw new SyscallException(Errno.EIO, "cannot read what this call restored before: " + e.getMessage());
            }
        }
        List<String> caps = null;
        if (args.has("caps")) {
            caps = new ArrayList<>();
            for (JsonNode c : args.get("caps")) caps.add(c.asText());
        }
        AgentImageStore.Restored r = images.restore(dir, tag, RestoreSpec.byProcess(ctx.pid(), caps, args.path("paused").asBoolean(false)));
        if (ctx.callId() != null) {
            try {
                Files.createDirectories(made.getParent());
                Files.writeString(made, Long.toString(r.pid()), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                // the child runs; only a repeat of this call after a crash would not find it
            }
        }
        return ProcCheckpoint.JSON.createObjectNode().put("pid", r.pid()).put("origin", r.origin()).put("filesWritten", r.filesWritten());
    }
}
