package org.agentos.kernel.impl.mem;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.agentos.kernel.api.image.MemoryImageEntry;
import org.agentos.kernel.api.image.SharedImage;
import org.agentos.kernel.api.memory.EntryInfo;
import org.agentos.kernel.api.memory.EntryPage;
import org.agentos.kernel.api.memory.MemCaller;
import org.agentos.kernel.api.memory.MemEntry;
import org.agentos.kernel.api.memory.MemWrite;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.memory.SharedSpec;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.proc.Proc;

/**
 * Memory in agent images: a process's user space at its cut (copied when small, snapshotted
 * copy-on-write when not), the shared segments it uses, and spaces filled again at a restore,
 * through the same gate as every memory call.
 */
public final class MemoryImages {
    /** Below this, a cut copies a user space's entries at once rather than forking it (a fork and its end cost more). */
    static final long COPY_BELOW_BYTES = 64 << 10;
    static final long COPY_BELOW_ENTRIES = 64;

    private final MemoryCalls mem;

    MemoryImages(MemoryCalls mem) {
        this.mem = mem;
    }

    /**
     * For an image of {@code p}: a copy-on-write snapshot of its user space as {@code user/<snapshot>}
     * (a pid no process gets), read after the cut and let go with {@link #dropSnapshot}. Null when
     * it has no memory. {@code EAGAIN} during a swap of the memory manager.
     */
    public MemoryManager snapshot(Proc p, long snapshot) throws SyscallException {
        synchronized (p) {
            if (!p.usedMemory) return null;
        }
        MemoryManager m = mem.enterIfOpen();
        if (m == null) {
            if (mem.manager() == null) return null; // no manager: nothing is kept
            throw new SyscallException(Errno.EAGAIN, "the memory manager is being swapped; try again");
        }
        try {
            m.fork(p.pid, snapshot, p.owner);
            return m;
        } finally {
            mem.leave();
        }
    }

    /** Lets go of a snapshot made by {@link #snapshot}. */
    public void dropSnapshot(long snapshot) {
        mem.exited(snapshot);
    }

    /**
     * For an image of {@code p}, held at its cut: the entries of a small user space, read now, or
     * null when it is larger (then {@link #snapshot} it). An empty list when it has no memory.
     */
    public List<MemoryImageEntry> smallSpace(Proc p) {
        synchronized (p) {
            if (!p.usedMemory) return List.of();
        }
        MemoryManager m = mem.enterIfOpen();
        if (m == null) return mem.manager() == null ? List.of() : null;
        try {
            var info = m.space("user/" + p.pid);
            if (info.isEmpty()) return List.of();
            if (info.get().bytes() >= COPY_BELOW_BYTES || info.get().entries() >= COPY_BELOW_ENTRIES) return null;
            List<MemoryImageEntry> out = new ArrayList<>();
            entries(m, "user/" + p.pid).forEachRemaining(out::add);
            return out;
        } catch (IllegalStateException e) {
            return null; // read it the other way
        } finally {
            mem.leave();
        }
    }

    /**
     * The shared segments {@code caps} name ({@code mem:<op>:shared/<name>}, a name without
     * wildcards) that exist: what an image of a process says it uses. With {@code copy}, their
     * entries too, read now (the process is held at its cut).
     */
    public List<SharedImage> sharedOf(CapabilitySet caps, boolean copy) throws SyscallException {
        MemoryManager m = mem.manager();
        if (m == null) return List.of();
        TreeSet<String> names = new TreeSet<>();
        for (String c : caps.patterns()) {
            String[] f = c.split(":", 3);
            if (f.length == 3 && f[0].equals("mem") && f[2].startsWith("shared/")) {
                String name = f[2].substring("shared/".length());
                if (!name.isEmpty() && name.indexOf('*') < 0 && name.indexOf('?') < 0 && name.indexOf('/') < 0) names.add(name);
            }
        }
        List<SharedImage> out = new ArrayList<>();
        for (String name : names) {
            var info = m.space("shared/" + name);
            if (info.isEmpty()) continue;
            List<MemoryImageEntry> entries = new ArrayList<>();
            if (copy) {
                try {
                    entries(m, "shared/" + name).forEachRemaining(entries::add);
                } catch (IllegalStateException e) {
                    if (e.getCause() instanceof SyscallException se) throw se;
                    throw e;
                }
            }
            out.add(new SharedImage(name, info.get().owner(),
                    new SharedSpec(info.get().persistent(), info.get().quotaBytes(), info.get().members()), entries));
        }
        return out;
    }

    /** Makes a shared segment from an image: false when one of that name exists (left as it is). */
    public boolean restoreShared(SharedImage shared) throws SyscallException {
        MemoryManager m = mem.require();
        String space = "shared/" + shared.name();
        if (m.space(space).isPresent()) return false;
        try {
            m.share(MemCaller.operator(shared.owner()), shared.name(), shared.spec());
        } catch (SyscallException e) {
            if (e.errno() == Errno.EEXIST) return false;
            throw e;
        }
        putAll(m, space, shared.entries().iterator());
        return true;
    }

    /** Every entry of {@code space}, a page at a time, as the kernel reads it. */
    public static Iterator<MemoryImageEntry> entries(MemoryManager m, String space) {
        return new Iterator<>() {
            private Iterator<EntryInfo> page = Collections.emptyIterator();
            private String after;
            private boolean last;

            @Override
            public boolean hasNext() {
                while (!page.hasNext() && !last) {
                    EntryPage next;
                    try {
                        next = m.list(MemCaller.kernel(), space, "", after, 512);
                    } catch (SyscallException e) {
                        throw new IllegalStateException(e.errno() + ": " + e.getMessage(), e);
                    }
                    page = next.entries().iterator();
                    after = next.next();
                    last = after == null;
                }
                return page.hasNext();
            }

            @Override
            public MemoryImageEntry next() {
                if (!hasNext()) throw new NoSuchElementException();
                EntryInfo info = page.next();
                MemEntry e;
                try {
                    e = m.get(MemCaller.kernel(), space, info.key());
                } catch (SyscallException x) {
                    throw new IllegalStateException(x.errno() + ": " + x.getMessage(), x);
                }
                return new MemoryImageEntry(info.key(), e.blob() == null ? e.json() : null, e.blob(), info.working(), info.tokens(),
                        info.summary());
            }
        };
    }

    /**
     * Fills the user space of {@code p}, a process restored from an image, with its entries
     * (written as the kernel, durable before it runs). Before {@code p} is in the table.
     */
    public void restoreSpace(Proc p, Iterable<MemoryImageEntry> entries) throws SyscallException {
        Iterator<MemoryImageEntry> it = entries.iterator();
        if (!it.hasNext()) return;
        MemoryManager m = mem.enterIfOpen();
        if (m == null) {
            throw mem.manager() == null ? new SyscallException(Errno.ENOSYS, "the image has memory and no memory manager is bound "
                    + "(feature:install agentos-memory)") : new SyscallException(Errno.EAGAIN, "the memory manager is being swapped; try again");
        }
        try {
            synchronized (p) {
                p.usedMemory = true;
            }
            m.processStarted(p.pid, p.owner);
            putAll(m, "user/" + p.pid, it);
        } finally {
            mem.leave();
        }
    }

    /** Writes the entries into {@code space} as the kernel, 256 at a time in flight, and waits for the last. */
    private static void putAll(MemoryManager m, String space, Iterator<MemoryImageEntry> entries) throws SyscallException {
        List<CompletableFuture<?>> writes = new ArrayList<>();
        while (entries.hasNext()) {
            MemoryImageEntry e = entries.next();
            MemWrite w = e.blob() != null ? MemWrite.blob(e.blob()) : MemWrite.json(e.json());
            if (e.working()) w = w.working(e.tokens(), e.summary());
            writes.add(m.put(MemCaller.kernel(), space, e.key(), w).toCompletableFuture());
            if (writes.size() >= 256) awaitAll(writes);
        }
        awaitAll(writes);
    }

    private static void awaitAll(List<CompletableFuture<?>> writes) throws SyscallException {
        try {
            CompletableFuture.allOf(writes.toArray(new CompletableFuture[0])).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyscallException(Errno.EINTR, "interrupted while the image's memory was written");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof SyscallException se ? se : new SyscallException(Errno.EIO, "the image's memory could not be written: " + c);
        } finally {
            writes.clear();
        }
    }
}
