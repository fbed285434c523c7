package org.agentos.kernel.impl.shell;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Base64;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.KernelMemory;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Service
@Command(scope = "mem", name = "get", description = "Prints the value under a key of a memory space (JSON, or a blob as Base64).")
public class MemGetCommand implements Action {
    static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Reference
    KernelMemory memory;

    @Argument(index = 0, name = "space", required = true, description = "system, user/<pid> or shared/<name>")
    @Completion(SpaceCompleter.class)
    String space;

    @Argument(index = 1, name = "key", required = true, description = "the key")
    String key;

    @Override
    public Object execute() throws Exception {
        try {
            MemEntry e = memory.bound().get(MemCaller.operator(ConsoleUser.current().name()), space, key);
            System.out.println("# " + e.info().space() + " " + e.info().key() + " v" + e.info().version() + ", " + e.info().bytes()
                    + " bytes" + (e.info().working() ? ", working entry of " + e.info().tokens() + " tokens" : ""));
            System.out.println(e.blob() != null ? Base64.getEncoder().encodeToString(e.blob()) : PRETTY.writeValueAsString(e.json()));
        } catch (SyscallException e) {
            throw ConsoleErrors.of(e);
        }
        return null;
    }
}
