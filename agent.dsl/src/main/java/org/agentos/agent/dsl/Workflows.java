package org.agentos.agent.dsl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.agentos.kernel.api.syscall.SyscallException;

/**
 * Compiles, checks and runs workflows. A workflow is one Java compilation unit with a public
 * class that has a public no-argument constructor and a method
 * {@code public String run(Tools tools, I input)}, where {@code Tools} is the generated stub of
 * the syscall table ({@code org.agentos.agent.dsl.tools.Tools}) and {@code I} is
 * {@code JsonNode} or a record the spawn arguments are converted to.
 */
@org.osgi.annotation.versioning.ProviderType
public interface Workflows {

    /**
     * Compiles and checks {@code source} ({@code file} names it in problems) as if it were spawned
     * with {@code capabilities}; nothing runs.
     */
    WorkflowCheck check(String file, String source, List<String> capabilities);

    /**
     * Checks {@code source} and, when it passes, makes it a program ({@link WorkflowCheck#program()})
     * that the kernel can spawn; the caller spawns it. Refused with {@code EINVAL} listing the
     * problems otherwise.
     */
    WorkflowCheck install(String file, String source, List<String> capabilities) throws SyscallException;

    /** The Java source of the stubs: of one tool's classes, or (null) of the whole {@code Tools} class. */
    String stubs(String tool) throws SyscallException;

    /** Installed workflows: program, class, tools, live processes. */
    List<JsonNode> list();
}
