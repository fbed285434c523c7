package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.agentos.kernel.api.syscall.SyscallGateway;
import org.agentos.kernel.api.syscall.ToolDescriptor;
import org.agentos.kernel.impl.syscall.ToolDescriptors;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "tool", name = "describe", description = "Shows a system call's descriptor: argument and result schemas, "
        + "required capabilities, resource class, determinism, timeout and the bundle that provides it.")
public class ToolDescribeCommand implements Action {
    static final ObjectMapper JSON = new ObjectMapper();

    @Reference
    SyscallGateway gateway;

    @Argument(index = 0, name = "name", required = true, description = "the syscall, e.g. http.fetch")
    @Completion(ToolCompleter.class)
    String name;

    @Override
    public Object execute() throws JsonProcessingException {
        ToolDescriptor d = gateway.describe(name).orElseThrow(() -> ConsoleErrors.of("ENOENT",
                "no syscall '" + name + "' (tool:list shows them)"));
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                ToolDescriptors.toJson(d, gateway.provider(name).orElse(null))));
        return null;
    }
}
