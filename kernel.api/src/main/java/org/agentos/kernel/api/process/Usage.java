package org.agentos.kernel.api.process;

import java.util.Map;

/**
 * What a process has consumed so far.
 *
 * @param cpuNanos       time its steps ran on CPU workers
 * @param wallMillis     wall-clock time since spawn (until exit, once it ended)
 * @param steps          steps run
 * @param syscalls       system calls made
 * @param bytes          bytes moved by system calls
 * @param tokens         language-model tokens
 * @param syscallsByName calls per syscall name
 */
public record Usage(long cpuNanos, long wallMillis, long steps, long syscalls, long bytes, long tokens,
                    Map<String, Long> syscallsByName) {
    public Usage {
        syscallsByName = syscallsByName == null ? Map.of() : Map.copyOf(syscallsByName);
    }
}
