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
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record AgentConfig(int format, long pid, long ppid, String owner, String program, String programBundle,
                   List<String> capabilities, Quotas quotas, Usage usage, Map<String, String> tools, String kernelVersion,
                   long cutMillis, String created, List<String> workspace, long memoryEntries, long memoryBytes,
                   int mailboxMessages, int journalRecords, long files) {}
