package org.agentos.kernel.impl.shell;

import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import org.agentos.kernel.api.process.ProcessInfo;

/**
 * How many processes there are by state, owner and program: what an operator of 100 000 agents
 * wants before (or instead of) a listing of every row. Printed by {@code agent:ps --summary}.
 */
final class ProcessSummary {
    private final Map<String, Integer> byState = new TreeMap<>();
    private final Map<String, Integer> byOwner = new TreeMap<>();
    private final Map<String, Integer> byProgram = new TreeMap<>();
    private int total;

    void add(ProcessInfo p) {
        total++;
        byState.merge(p.state().name(), 1, Integer::sum);
        byOwner.merge(p.owner(), 1, Integer::sum);
        byProgram.merge(p.program(), 1, Integer::sum);
    }

    static ProcessSummary of(Iterable<ProcessInfo> processes) {
        ProcessSummary s = new ProcessSummary();
        for (ProcessInfo p : processes) s.add(p);
        return s;
    }

    int total() {
        return total;
    }

    Map<String, Integer> byState() {
        return byState;
    }

    Map<String, Integer> byOwner() {
        return byOwner;
    }

    Map<String, Integer> byProgram() {
        return byProgram;
    }

    /** The total, then one two-column table per grouping, largest groups first. */
    void print(PrintStream out, String selection) {
        out.println(total + (total == 1 ? " process" : " processes") + (selection.isEmpty() ? "" : " (" + selection + ")"));
        table(out, "STATE", byState);
        table(out, "OWNER", byOwner);
        table(out, "PROGRAM", byProgram);
    }

    private static void table(PrintStream out, String what, Map<String, Integer> counts) {
        if (counts.isEmpty()) return;
        out.println();
        TextTable t = new TextTable(what, "COUNT");
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> t.row(e.getKey(), e.getValue()));
        t.print(out);
    }
}
