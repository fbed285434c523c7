package org.agentos.kernel.impl.proc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.agentos.kernel.api.process.Quotas;

/**
 * What a process and its descendants may spend together: a process's CPU and token quotas cover
 * its whole tree, so a parent cannot multiply them by spawning or forking children (each child
 * would otherwise start with the same quota of its own). A process points at the nearest budget
 * at or above it; what it spends counts in that budget and in every one above it.
 *
 * <p>A child given tighter quotas than the budget it inherits gets a budget of its own (for its
 * own subtree) under it; a child with the same quotas shares its parent's. At most
 * {@value #MAX_DEPTH} levels, so that charging stays a short walk: deeper, a child shares its
 * parent's budget, and its tighter quota still holds for itself (as every process's own quota does).
 * An operator's spawn starts a new tree.
 */
public final class TreeBudget {
    static final int MAX_DEPTH = 8;

    /** The process whose quotas these are. */
    public final long pid;
    public final TreeBudget parent;
    public final long cpuLimit;
    public final long tokenLimit;
    final int depth;
    public final AtomicLong cpu;
    public final AtomicLong tokens;

    private TreeBudget(long pid, TreeBudget parent, long cpuLimit, long tokenLimit, long cpuUsed, long tokensUsed) {
        this.pid = pid;
        this.parent = parent;
        this.cpuLimit = cpuLimit;
        this.tokenLimit = tokenLimit;
        this.depth = parent == null ? 1 : parent.depth + 1;
        this.cpu = new AtomicLong(cpuUsed);
        this.tokens = new AtomicLong(tokensUsed);
    }

    /**
     * The budget of process {@code pid} with {@code quotas}, under {@code inherited} (null for a
     * new tree): a new one when its quotas are tighter, else the inherited one (null when neither
     * limits CPU or tokens).
     */
    public static TreeBudget of(long pid, Quotas quotas, TreeBudget inherited) {
        long cpu = quotas.cpuNanos();
        long tok = quotas.tokens();
        boolean own = inherited == null ? cpu != Quotas.UNLIMITED || tok != Quotas.UNLIMITED
                : (cpu < inherited.cpuLimit || tok < inherited.tokenLimit) && inherited.depth < MAX_DEPTH;
        return own ? new TreeBudget(pid, inherited, cpu, tok, 0, 0) : inherited;
    }

    /** Counts {@code nanos} of CPU here and above; the highest budget now over its limit, or null. */
    public TreeBudget chargeCpu(long nanos) {
        TreeBudget over = null;
        for (TreeBudget b = this; b != null; b = b.parent) {
            if (b.cpu.addAndGet(nanos) > b.cpuLimit) over = b;
        }
        return over;
    }

    /** Counts {@code n} tokens here and above; the highest budget now over its limit, or null. */
    public TreeBudget chargeTokens(long n) {
        TreeBudget over = null;
        for (TreeBudget b = this; b != null; b = b.parent) {
            if (b.tokens.addAndGet(n) > b.tokenLimit) over = b;
        }
        return over;
    }

    /** This budget and those above, for a checkpoint: {pid, cpuLimit, tokenLimit, cpuUsed, tokensUsed} each. */
    public List<long[]> chain() {
        List<long[]> out = new ArrayList<>(depth);
        for (TreeBudget b = this; b != null; b = b.parent) out.add(new long[] {b.pid, b.cpuLimit, b.tokenLimit, b.cpu.get(), b.tokens.get()});
        return out;
    }

    /**
     * The budget a checkpointed {@link #chain()} describes, sharing the budgets already rebuilt
     * ({@code known}, by pid) with the other processes of the tree. Processes are checkpointed
     * at different times, so a budget keeps the most spent any of them recorded.
     */
    public static TreeBudget restore(List<long[]> chain, Map<Long, TreeBudget> known) {
        if (chain == null || chain.isEmpty()) return null;
        TreeBudget above = null;
        for (int i = Math.min(chain.size(), MAX_DEPTH) - 1; i >= 0; i--) {
            long[] c = chain.get(i);
            if (c == null || c.length != 5) return above;
            TreeBudget b = known.get(c[0]);
            if (b == null || b.parent != above) {
                b = new TreeBudget(c[0], above, c[1], c[2], c[3], c[4]);
                known.put(c[0], b);
            } else {
                b.cpu.accumulateAndGet(c[3], Math::max);
                b.tokens.accumulateAndGet(c[4], Math::max);
            }
            above = b;
        }
        return above;
    }
}
