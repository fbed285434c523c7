package org.agentos.agent.dsl;

/**
 * One thing wrong with a workflow, as {@code javac} reports it: where (1-based line and column;
 * 0 when the problem has no place in the source) and what.
 *
 * @param kind {@code error} (it does not compile), {@code refused} (it uses something a workflow
 *             may not), {@code capability} (it needs more than it would be spawned with),
 *             {@code contract} (it has no {@code run} method the runtime can call)
 */
public record Problem(String file, long line, long column, String kind, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + kind + ": " + message;
    }
}
