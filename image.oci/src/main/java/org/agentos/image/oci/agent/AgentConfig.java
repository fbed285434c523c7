package org.agentos.image.oci.agent;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.process.Usage;

/**
 * The config blob of an agent image: what the agent is, for people and tools ({@code skopeo
 * inspect --config}) and for the restorer's first checks. Unknown fields of a later writer are
 * read past; {@code format} says whether this reader may restore it at all.
 *
 * @param workspace the directories whose files the image holds
 * @param shared    the shared memory segments it uses, and whether the image holds their entries
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record AgentConfig(int format, long pid, long ppid, String owner, String program, String programBundle,
                   List<String> capabilities, Quotas quotas, Usage usage, Map<String, String> tools, String kernelVersion,
                   long cutMillis, String created, List<String> workspace, long memoryEntries, long memoryBytes,
                   int mailboxMessages, int journalRecords, long files, List<SharedSegment> shared) {
    /** A shared segment the agent uses: {@code shared/<name>}, its owner and spec, and whether the image copies it. */
    record SharedSegment(String name, String owner, boolean persistent, long quotaBytes, List<String> members, boolean copied) {}

    AgentConfig withShared(List<SharedSegment> segments) {
        return new AgentConfig(format, pid, ppid, owner, program, programBundle, capabilities, quotas, usage, tools, kernelVersion,
                cutMillis, created, workspace, memoryEntries, memoryBytes, mailboxMessages, journalRecords, files, segments);
    }
}
