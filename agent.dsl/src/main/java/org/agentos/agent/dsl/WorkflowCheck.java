package org.agentos.agent.dsl;

import java.util.List;
import java.util.Map;

/**
 * What checking a workflow found.
 *
 * @param className   its public class
 * @param program     the program name it runs as ({@code <class>-<hash>}), when it passed
 * @param tools       the tools it calls, sorted by name, with the descriptor version it was compiled against
 * @param needs       capabilities it needs that are known before it runs (fixed ones, and
 *                    templates filled with literal arguments)
 * @param checkedLate capability templates whose arguments are not literals: checked at each call
 * @param problems    empty when it may run
 */
public record WorkflowCheck(String className, String program, Map<String, String> tools, List<String> needs,
                            List<String> checkedLate, List<Problem> problems) {
    public WorkflowCheck {
        tools = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(tools)); // by name
        needs = List.copyOf(needs);
        checkedLate = List.copyOf(checkedLate);
        problems = List.copyOf(problems);
    }

    public boolean ok() {
        return problems.isEmpty();
    }
}
