package org.agentos.kernel.api.process;

/**
 * A place in an ordered listing: just after (or, paging back, just before) the process with this
 * sort key and pid. Taken from a page ({@link ProcessListing#first()}, {@link ProcessListing#last()})
 * and given back in the next query, so that every page costs one pass over the table, however
 * deep it is. Since process API 1.3.
 *
 * @param text   the key of a textual order ({@link ProcessOrder#textual()}), else null
 * @param number the key of a numeric order, else 0
 * @param pid    the process, which breaks ties
 */
public record ProcessCursor(String text, long number, long pid) {
    /** The cursor of a process as {@code order} sees it. */
    public static ProcessCursor of(ProcessOrder order, ProcessInfo p) {
        return switch (order) {
            case OWNER -> new ProcessCursor(p.owner(), 0, p.pid());
            case PROGRAM -> new ProcessCursor(p.program(), 0, p.pid());
            case STATE -> new ProcessCursor(p.state().name(), 0, p.pid());
            case PID -> new ProcessCursor(null, p.pid(), p.pid());
            case STARTED -> new ProcessCursor(null, p.startedMillis(), p.pid());
            case CPU -> new ProcessCursor(null, p.usage().cpuNanos(), p.pid());
            case STEPS -> new ProcessCursor(null, p.usage().steps(), p.pid());
            case SYSCALLS -> new ProcessCursor(null, p.usage().syscalls(), p.pid());
            case TOKENS -> new ProcessCursor(null, p.usage().tokens(), p.pid());
        };
    }

    /** This cursor against another of the same order, ascending: key, then pid. */
    public int compareTo(ProcessCursor o) {
        int c = text != null || o.text != null ? compareText(text, o.text) : Long.compare(number, o.number);
        return c != 0 ? c : Long.compare(pid, o.pid);
    }

    private static int compareText(String a, String b) {
        if (a == null) return b == null ? 0 : -1;
        return b == null ? 1 : a.compareTo(b);
    }
}
