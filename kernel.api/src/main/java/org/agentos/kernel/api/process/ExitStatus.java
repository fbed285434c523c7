package org.agentos.kernel.api.process;

/**
 * How a process ended.
 *
 * @param code   exit code: 0 success; 128+n after signal n as in Unix (137 kill, 143 terminate)
 * @param reason why, for people: "exited", "killed by operator", "EQUOTA: cpu time ..."
 * @param state  EXITED or KILLED
 */
public record ExitStatus(int code, String reason, ProcessState state) {
    public ExitStatus {
        if (state == null || !state.isTerminal()) {
            throw new IllegalArgumentException("exit state must be EXITED or KILLED: " + state);
        }
    }
}
