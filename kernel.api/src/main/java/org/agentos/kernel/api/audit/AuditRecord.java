package org.agentos.kernel.api.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One line of the audit log: a system call or a lifecycle event.
 *
 * @param seq     position in the log, strictly increasing
 * @param time    epoch milliseconds
 * @param kind    {@link #SYSCALL} or {@link #LIFECYCLE}
 * @param pid     the process concerned (0 for the kernel itself)
 * @param owner   the process's owner
 * @param name    syscall name ("proc.spawn") or event ("spawn", "exit", "kill", "pause", ...)
 * @param outcome "ok" or the errno name ("EPERM")
 * @param nanos   how long the call ran (0 for events)
 * @param detail  message: the errno's message, the exit reason, the missing capability
 * @param args    the syscall's arguments (null for events)
 * @param result  the syscall's result when the tool is not pure, so the journal can replay it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditRecord(long seq, long time, String kind, long pid, String owner, String name, String outcome,
                          long nanos, String detail, JsonNode args, JsonNode result) {
    public static final String SYSCALL = "syscall";
    public static final String LIFECYCLE = "lifecycle";
    public static final String OK = "ok";
}
