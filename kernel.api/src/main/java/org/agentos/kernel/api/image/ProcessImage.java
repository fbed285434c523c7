package org.agentos.kernel.api.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.Usage;

/**
 * What the kernel keeps of a process, as an image holds it. The scalar fields say what the agent is
 * (for people and tools reading the image); {@code state} is the kernel's own record of the process
 * (program state, pending call, accounting), read back by a kernel of the same or a later format.
 *
 * @param format        {@link AgentImages#FORMAT} of the kernel that cut it
 * @param pid           its pid where it was cut (a restored process keeps it as its origin)
 * @param ppid          its parent there
 * @param owner         its owner
 * @param program       the program it runs
 * @param programBundle the bundle and version that provide the program ({@code name/version})
 * @param capabilities  the capability patterns it held
 * @param quotas        its quotas
 * @param usage         what it had used
 * @param tools         the system calls it has made: name to the version installed at the cut
 * @param kernelVersion the version of the kernel that cut it
 * @param cutMillis     when it was cut
 * @param state         the kernel's record of the process
 * @param journal       its call journal, oldest first (the records {@code agent:replay} and recovery read)
 * @param mailbox       the messages waiting in its mailbox, in order
 */
public record ProcessImage(int format, long pid, long ppid, String owner, String program, String programBundle,
                           List<String> capabilities, Quotas quotas, Usage usage, Map<String, String> tools,
                           String kernelVersion, long cutMillis, JsonNode state, List<JsonNode> journal,
                           List<Message> mailbox) {
    public ProcessImage {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(state, "state");
        capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
        tools = tools == null ? Map.of() : Map.copyOf(tools);
        journal = journal == null ? List.of() : List.copyOf(journal);
        mailbox = mailbox == null ? List.of() : List.copyOf(mailbox);
    }
}
