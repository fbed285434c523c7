package org.agentos.agent.dsl.impl;

import com.fasterxml.jackson.databind.JsonNode;
import org.agentos.kernel.api.security.KernelPermission;
import org.agentos.kernel.api.security.RequiresPermission;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.api.syscall.Tool;
import org.agentos.kernel.api.syscall.ToolContext;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code dsl.spawn}: see {@link DslTools}. */
@RequiresPermission(KernelPermission.TOOL_PROVIDE)
@Component(service = Tool.class)
public class DslSpawnTool implements Tool {
    private static final ToolDescriptor DESCRIPTOR = DslTools.spawnDescriptor();

    /** The workflow service itself: it holds the kernel's services (which come and go with the kernel). */
    @Reference
    WorkflowService workflows;

    @Override
    public ToolDescriptor descriptor() {
        return DESCRIPTOR;
    }

    @Override
    public JsonNode call(ToolContext ctx, JsonNode args) throws SyscallException {
        return DslTools.spawn(ctx, args, workflows);
    }
}
