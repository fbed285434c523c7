package org.agentos.kernel.impl.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agentos.kernel.api.fs.FileSystem;
import org.agentos.kernel.api.image.AgentCut;
import org.agentos.kernel.api.image.AgentImages;
import org.agentos.kernel.api.image.CutOptions;
import org.agentos.kernel.api.image.GroupCut;
import org.agentos.kernel.api.image.MemberImage;
import org.agentos.kernel.api.image.QueueImage;
import org.agentos.kernel.api.image.SharedImage;
import org.agentos.kernel.api.image.MemoryImageEntry;
import org.agentos.kernel.api.image.ProcessImage;
import org.agentos.kernel.api.image.RestoreSpec;
import org.agentos.kernel.api.ipc.Message;
import org.agentos.kernel.api.memory.MemoryManager;
import org.agentos.kernel.api.process.ProcessState;
import org.agentos.kernel.api.process.Quotas;
import org.agentos.kernel.api.security.CapabilityCeilings;
import org.agentos.kernel.api.security.CapabilitySet;
import org.agentos.kernel.api.syscall.Errno;
import org.agentos.kernel.api.syscall.SyscallException;
import org.agentos.kernel.impl.Kernel;
import org.agentos.kernel.impl.audit.AuditWriter;
import org.agentos.kernel.impl.ipc.QueueImages;
import org.agentos.kernel.impl.journal.JournalRecord;
import org.agentos.kernel.impl.journal.JournalRecovery;
import org.agentos.kernel.impl.mem.MemoryImages;
import org.agentos.kernel.impl.persist.Checkpoints;
import org.agentos.kernel.impl.persist.ProcRecord;
import org.agentos.kernel.impl.proc.Proc;
import org.agentos.kernel.impl.proc.TreeBudget;
import org.agentos.kernel.impl.syscall.SyscallEntry;

/**
 * Cuts and restores processes ({@link AgentImages}). A cut holds the process PAUSED at a step
 * boundary with no call in flight that could still change the world, so that its record, journal,
 * memory, mailbox (and the files the caller lists while it is held) describe one moment; waits
 * that changed nothing yet (a receive, a sleep, a lock) are taken back and made again later. The
 * memory is snapshotted copy-on-write, so the bytes are read after the process goes on.
 */
public final class Images implements AgentImages {
    private final Kernel k;
    /** What images say wrote them: the kernel bundle's version ("dev" outside a framework). */
    private volatile String kernelVersion = "dev";

    public Images(Kernel k) {
        this.k = k;
    }

    public void setKernelVersion(String version) {
        this.kernelVersion = version;
    }

    /** What console users may grant (null: only administrators restore from the console). */
    private volatile CapabilityCeilings ceilings;

    public void setCeilings(CapabilityCeilings ceilings) {
        this.ceilings = ceilings;
    }

    /** The filesystem a fork gets its own workspace from; none: a fork shares its parent's files. */
    private volatile java.util.function.Supplier<FileSystem> files = () -> null;

    /** The filesystem bound now, or null. */
    public FileSystem files() {
        return files.get();
    }

    public void setFiles(java.util.function.Supplier<FileSystem> files) {
        this.files = files;
    }

    /** What a restore does to the new process once it is in the table (its mailbox). */
    @FunctionalInterface
    public interface Filler {
        void fill(Proc p) throws SyscallException;
    }

    // ------------------------------------------------------------------ cut

    @Override
    public AgentCut cut(long pid, CutOptions options, AgentImages.WhileHeld whileHeld) throws SyscallException {
        Proc p = k.procs.lookup(pid);
        if (p == k.procs.init) throw new SyscallException(Errno.EINVAL, "init is the kernel's; it has no image");
        // one cut at a time: two at once would see it held by the other, and the first to end would let it go
        synchronized (p.cutLock) {
            return cutLocked(p, pid, options, whileHeld);
        }
    }

    private AgentCut cutLocked(Proc p, long pid, CutOptions options, AgentImages.WhileHeld whileHeld) throws SyscallException {
        boolean wasPaused = hold(p, options.timeoutMillis());
        Cut cut = null;
        try {
            ProcessImage image;
            synchronized (p) {
                image = imageLocked(p);
            }
            image = withJournalAndMailbox(image, p);
            List<SharedImage> shared = k.mem.images.sharedOf(p.caps, options.withShared());
            List<QueueImage> held = k.ipc.images.heldBy(p);
            cut = memoryCut(p, image).withShared(shared, options.withShared()).withHeld(held); // last: it may hold a snapshot
            whileHeld.run(image);
            auditCut(p);
            Cut done = cut;
            cut = null;
            return done;
        } finally {
            if (cut != null) cut.close();
            if (!wasPaused && !options.keepPaused()) {
                try {
                    k.lifecycle.resume(pid, false);
                } catch (SyscallException ended) {
                    // it was killed meanwhile: nothing to let go on
                }
            }
        }
    }

    /**
     * A cut of {@code p}'s memory with {@code image}: a small space copied now, a larger one
     * snapshotted copy-on-write (let go when the cut closes). {@code p} is held.
     */
    private Cut memoryCut(Proc p, ProcessImage image) throws SyscallException {
        List<MemoryImageEntry> small = k.mem.images.smallSpace(p);
        if (small != null) return new Cut(image, null, 0, small);
        long snapshot = k.procs.nextPid();
        MemoryManager m = k.mem.images.snapshot(p, snapshot);
        return new Cut(image, m, m == null ? 0 : snapshot, null);
    }

    /** {@link AgentImages#cutSelf}: {@code pid} is in its own call, which holds it. */
    @Override
    public AgentCut cutSelf(long pid, JsonNode resultOfCopy, AgentImages.WhileHeld whileHeld) throws SyscallException {
        Proc p = k.procs.lookup(pid);
        ProcessImage image;
        JournalRecord answered;
        synchronized (p) {
            if (p.state.isTerminal() || !p.callInFlight || p.callName == null) {
                throw new SyscallException(Errno.EINVAL, "process " + pid + " is not in a call of its own: it cannot cut itself");
            }
            image = imageLocked(p);
            // the copy: the call it is in answered, one journaled call further on
            long seq = p.journalSeq + 1;
            ObjectNode st = (ObjectNode) image.state();
            st.remove(List.of("callName", "callArgs", "lastErrno", "lastMessage", "sleepUntilMillis", "waitFor"));
            st.set("lastValue", resultOfCopy);
            st.put("journalSeq", seq);
            answered = JournalRecord.result(pid, seq, k.hal.currentTimeMillis(), p.callName, p.callArgs,
                    org.agentos.kernel.api.syscall.SyscallResult.ok(resultOfCopy), 0, 0);
        }
        image = withJournalAndMailbox(image, p);
        if (k.journaling.on()) {
            List<JsonNode> journal = new ArrayList<>(image.journal());
            journal.add(answered.toJson(k.json));
            image = new ProcessImage(image.format(), image.pid(), image.ppid(), image.owner(), image.program(),
                    image.programBundle(), image.capabilities(), image.quotas(), image.usage(), image.tools(),
                    image.kernelVersion(), image.cutMillis(), image.state(), journal, image.mailbox());
        }
        Cut cut = memoryCut(p, image);
        try {
            whileHeld.run(image);
            auditCut(p);
            Cut done = cut;
            cut = null;
            return done;
        } finally {
            if (cut != null) cut.close();
        }
    }

    private void auditCut(Proc p) {
        k.audit.append(new AuditWriter.Entry(k.hal.nanoTime(), k.hal.currentTimeMillis(),
                org.agentos.kernel.api.audit.AuditRecord.LIFECYCLE, p.pid, p.owner, "checkpoint",
                org.agentos.kernel.api.audit.AuditRecord.OK, 0, p.programName, 0, null, null));
    }

    /**
     * Pauses {@code p} (unless it is paused or being paused already: true then) and waits until it
     * is PAUSED with no call in flight, taking back a wait that changed nothing yet.
     */
    private boolean hold(Proc p, long timeoutMillis) throws SyscallException {
        boolean wasPaused;
        synchronized (p) {
            if (p.state.isTerminal()) throw new SyscallException(Errno.EINVAL, "process " + p.pid + " has already ended");
            wasPaused = p.state == ProcessState.PAUSED || p.pausePending;
        }
        if (!wasPaused) k.lifecycle.pause(p.pid, false);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long napNanos = 20_000;
        while (true) {
            Object takenBack = null;
            String busy;
            synchronized (p) {
                if (p.state.isTerminal()) throw new SyscallException(Errno.EINVAL, "process " + p.pid + " ended while it was cut");
                if (p.state == ProcessState.PAUSED) {
                    if (!p.callInFlight) return wasPaused;
                    takenBack = takeBackLocked(p);
                }
                busy = p.callName == null ? p.state.name() : p.callName + (p.waitingOn == null ? "" : " (" + p.waitingOn + ")");
            }
            if (takenBack != null) {
                // after p's lock: a waiter's cancellation takes its queue's lock, which a wake-up holds before p's
                if (takenBack instanceof java.util.concurrent.Future<?> f) f.cancel(false);
                return wasPaused;
            }
            if (System.nanoTime() - deadline > 0) {
                if (!wasPaused) {
                    try {
                        k.lifecycle.resume(p.pid, false);
                    } catch (SyscallException ended) {
                        // gone meanwhile
                    }
                }
                throw new SyscallException(Errno.ETIMEDOUT, "process " + p.pid + " reached no quiet step boundary within "
                        + timeoutMillis + " ms: it is in " + busy + "; try again, or with a longer --timeout");
            }
            LockSupport.parkNanos(napNanos);
            napNanos = Math.min(napNanos * 2, 2_000_000);
        }
    }

    /**
     * The wait {@code p} is in, taken back if it changed nothing yet: a receive nothing was handed
     * to, a sleep (its wake-up time is kept), a lock or semaphore wait. The call stays pending and
     * is made again when the process goes on (or where it is restored). Returns what to cancel
     * once p's lock is let go, or null when the call must be waited for. Holds p.
     */
    private Object takeBackLocked(Proc p) {
        Object token = p.blockedOn;
        boolean receive = QueueImages.isPlainReceive(token);
        boolean sleep = "proc.sleep".equals(p.callName) && token == null && p.cancelCall != null;
        boolean lockWait = token != null && k.mem.isSyncWait(token);
        if (!receive && !sleep && !lockWait) return null;
        Object cancel = p.cancelCall;
        p.blockedOn = null;
        p.cancelCall = null;
        p.callInFlight = false;
        p.callEntry = null;
        p.waitingOn = null;
        return cancel == null ? Boolean.TRUE : cancel;
    }

    private ProcessImage imageLocked(Proc p) {
        ProcRecord r = k.checkpoints.record(p);
        Map<String, String> tools = new TreeMap<>();
        if (p.callNames != null) {
            for (String name : p.callNames) tools.put(name, versionOf(name));
        }
        if (p.callName != null) tools.put(p.callName, versionOf(p.callName));
        var entry = k.programs.get(p.programName);
        return new ProcessImage(AgentImages.FORMAT, p.pid, p.ppid, p.owner, p.programName,
                entry == null ? null : entry.bundle(), p.caps.patterns(), p.quotas, p.usage(k.hal.currentTimeMillis()), tools, kernelVersion,
                k.hal.currentTimeMillis(), k.json.valueToTree(r), List.of(), List.of());
    }

    private String versionOf(String syscall) {
        SyscallEntry e = k.syscalls.get(syscall);
        return e == null ? "?" : e.descriptor.version();
    }

    private ProcessImage withJournalAndMailbox(ProcessImage i, Proc p) throws SyscallException {
        List<JournalRecord> records = List.of();
        if (k.journaling.on()) {
            try {
                records = k.journal.forImage(java.util.Set.of(p.pid)).get(p.pid);
            } catch (IOException e) {
                throw new SyscallException(Errno.EIO, "the call journal of process " + p.pid + " could not be read: " + e.getMessage());
            }
        }
        return withJournalAndMailbox(i, p, records);
    }

    /** {@code i} with its journal ({@code records}, read already) and its mailbox. */
    private ProcessImage withJournalAndMailbox(ProcessImage i, Proc p, List<JournalRecord> records) {
        List<JsonNode> journal = new ArrayList<>(records.size());
        for (JournalRecord r : records) {
            if (r.kind() != JournalRecord.EXIT) journal.add(r.toJson(k.json));
        }
        List<Message> mailbox = k.ipc.images.mailbox(p.pid);
        return new ProcessImage(i.format(), i.pid(), i.ppid(), i.owner(), i.program(), i.programBundle(), i.capabilities(),
                i.quotas(), i.usage(), i.tools(), i.kernelVersion(), i.cutMillis(), i.state(), journal, mailbox);
    }

    /** A cut: the image and the memory snapshot it reads from until closed (or, for a small space, its entries). */
    private final class Cut implements AgentCut {
        private final ProcessImage image;
        private final MemoryManager memory;
        private long snapshot;
        private final List<MemoryImageEntry> copied;
        private List<SharedImage> shared = List.of();
        private List<QueueImage> held = List.of();

        Cut withHeld(List<QueueImage> held) {
            this.held = List.copyOf(held);
            return this;
        }

        @Override
        public List<QueueImage> held() {
            return held;
        }

        /** The shared segments it uses; {@code copied}: their entries are in the image too. */
        Cut withShared(List<SharedImage> shared, boolean copied) {
            this.shared = List.copyOf(shared);
            this.copiedShared = copied;
            return this;
        }

        @Override
        public List<String> sharedNames() {
            return shared.stream().map(SharedImage::name).toList();
        }

        @Override
        public List<SharedImage> shared() {
            return copiedShared ? shared : List.of();
        }

        private boolean copiedShared;


        Cut(ProcessImage image, MemoryManager memory, long snapshot, List<MemoryImageEntry> copied) {
            this.image = image;
            this.memory = memory;
            this.snapshot = snapshot;
            this.copied = copied;
        }

        @Override
        public ProcessImage image() {
            return image;
        }

        @Override
        public synchronized Iterator<MemoryImageEntry> memory() throws SyscallException {
            if (copied != null) return copied.iterator();
            if (snapshot == 0) {
                if (memory == null) return Collections.emptyIterator();
                throw new SyscallException(Errno.EINVAL, "the cut is closed");
            }
            return MemoryImages.entries(memory, "user/" + snapshot);
        }

        @Override
        public synchronized void close() {
            if (snapshot != 0) k.mem.images.dropSnapshot(snapshot);
            snapshot = 0;
        }
    }

    // ------------------------------------------------------------------ fork

    @Override
    public long fork(long pid, long timeoutMillis, boolean paused) throws SyscallException {
        Proc p = k.procs.lookup(pid);
        if (p == k.procs.init) throw new SyscallException(Errno.EINVAL, "init is the kernel's; it cannot be forked");
        boolean wasPaused = hold(p, timeoutMillis);
        try {
            k.procs.admit(p.owner);
            Proc child;
            JournalRecord snapshot;
            try {
                long cpid = k.procs.nextPid();
                synchronized (p) {
                    child = Checkpoints.rebuild(k.checkpoints.record(p), cpid, Kernel.INIT_PID, p.owner, p.caps);
                    snapshot = JournalRecovery.snapshotLocked(k, p, cpid);
                }
                // its own usage from now; the same quotas, in a tree budget of its own (an operator's fork)
                child.cpuNanos = 0;
                child.steps = 0;
                child.syscalls = 0;
                child.bytes = 0;
                child.tokens = 0;
                child.callNames = null;
                child.callCounts = null;
                child.budget = TreeBudget.of(cpid, child.quotas, null);
                FileSystem fs = files.get();
                if (fs != null) fs.fork(pid, cpid, p.owner, p.caps.patterns()); // its own workspace: no content copied
                MemoryManager m = k.mem.manager();
                boolean hasMemory;
                synchronized (p) {
                    hasMemory = p.usedMemory;
                }
                if (hasMemory && m != null) k.mem.fork(m, p, child); // copy-on-write: constant time
            } catch (SyscallException | RuntimeException e) {
                k.procs.release(p.owner);
                throw e;
            }
            if (snapshot != null && k.journaling.on()) k.journal.append(snapshot, null); // its replay starts at the fork
            List<Message> mailbox = k.ipc.images.mailbox(p.pid);
            try {
                k.lifecycle.enrollRestored(k.procs.init, child, paused, "fork", child.programName + " from pid " + pid
                        + " (whole agent)", q -> k.ipc.images.restoreMailbox(q, mailbox));
            } catch (SyscallException | RuntimeException e) {
                k.exits.end(child, ProcessState.KILLED, 137, "fork failed: " + e.getMessage(), false);
                throw e;
            }
            return child.pid;
        } finally {
            if (!wasPaused) {
                try {
                    k.lifecycle.resume(pid, false);
                } catch (SyscallException ended) {
                    // it was killed meanwhile
                }
            }
        }
    }

    // ------------------------------------------------------------------ restore

    @Override
    public long restore(ProcessImage image, Iterable<MemoryImageEntry> memory, RestoreSpec spec) throws SyscallException {
        return restoreUnder(image, memory, spec, ceilings, null).pid;
    }

    /**
     * A restore; {@code groupParent}, when not null, is the restored copy of the image's parent
     * (a member of the same group), which the new process becomes a child of.
     */
    private Proc restoreUnder(ProcessImage image, Iterable<MemoryImageEntry> memory, RestoreSpec spec,
                              CapabilityCeilings ceilings, Proc groupParent) throws SyscallException {
        if (image.format() > AgentImages.FORMAT || image.format() < 1) {
            throw new SyscallException(Errno.EINVAL, "the image is of format " + image.format() + "; this kernel reads "
                    + "format " + AgentImages.FORMAT + (image.format() > AgentImages.FORMAT ? " (restore it on a newer Agent OS)" : ""));
        }
        ProcRecord r = record(image);
        if (k.programs.get(r.program()) == null) {
            throw new SyscallException(Errno.ENOSYS, "program '" + r.program() + "' is not installed here"
                    + (image.programBundle() == null ? "" : " (it came from " + image.programBundle() + ")"));
        }
        checkTools(image, r);
        Proc parent;
        String owner;
        List<String> wanted = spec.capabilities() != null ? spec.capabilities() : image.capabilities();
        CapabilitySet caps = CapabilitySet.of(wanted);
        if (spec.operator() != null) {
            parent = k.procs.init;
            owner = spec.owner() != null ? spec.owner() : image.owner();
            if (!spec.operator().sees(owner)) {
                throw new SyscallException(Errno.EPERM, "user " + spec.operator().name() + " restores only as owner "
                        + spec.operator().name() + ", not '" + owner + "' (the admin role may name any owner; -o)");
            }
            if (ceilings == null && !spec.operator().isAdmin()) {
                throw new SyscallException(Errno.EPERM, "no capability ceilings are known: only administrators may restore");
            }
            if (ceilings != null) ceilings.check(spec.operator(), wanted);
        } else {
            parent = k.procs.lookup(spec.parentPid());
            owner = parent.owner;
            Optional<String> beyond = parent.caps.firstUncovered(caps);
            if (beyond.isPresent()) {
                throw new SyscallException(Errno.EPERM, "the image asks for '" + beyond.get() + "', which process "
                        + parent.pid + " does not hold; a restorer grants at most what it holds");
            }
        }
        if (groupParent != null) parent = groupParent; // a member under its restored parent
        owner = k.procs.canonicalOwner(owner);
        k.procs.admit(owner);
        long pid;
        Proc p;
        try {
            pid = k.procs.nextPid();
            Quotas quotas = r.quotas() == null ? Quotas.NONE : r.quotas();
            if (parent != k.procs.init) quotas = quotas.min(parent.quotas); // a child never gets more than its parent
            p = Checkpoints.rebuild(r, pid, parent.pid, owner, caps, quotas);
            p.budget = TreeBudget.of(pid, p.quotas, parent == k.procs.init ? null : parent.budget);
            p.usedMemory = false;
            k.mem.images.restoreSpace(p, memory);
        } catch (SyscallException | RuntimeException e) {
            k.procs.release(owner);
            throw e;
        }
        try {
            journal(image, pid);
            k.lifecycle.enrollRestored(parent, p, spec.paused(), "restore", r.program() + " from pid " + image.pid(),
                    q -> k.ipc.images.restoreMailbox(q, image.mailbox()));
        } catch (SyscallException | RuntimeException e) {
            // in the table already: it ends as a process does, freeing what it holds
            k.exits.end(p, ProcessState.KILLED, 137, "restore failed: " + e.getMessage(), false);
            throw e;
        }
        return p;
    }

    @Override
    public int restoreHeld(long pid, List<QueueImage> held) throws SyscallException {
        return k.ipc.images.restoreHeld(k.procs.lookup(pid), held);
    }

    @Override
    public boolean restoreShared(SharedImage shared, RestoreSpec spec) throws SyscallException {
        if (spec.operator() != null) {
            if (!spec.operator().sees(shared.owner())) {
                throw new SyscallException(Errno.EPERM, "shared/" + shared.name() + " is " + shared.owner() + "'s; user "
                        + spec.operator().name() + " restores only its own (the admin role may restore anyone's)");
            }
        } else if (!k.procs.lookup(spec.parentPid()).owner.equals(shared.owner())) {
            throw new SyscallException(Errno.EPERM, "shared/" + shared.name() + " is " + shared.owner() + "'s, not the restorer's");
        }
        return k.mem.images.restoreShared(shared);
    }

    // ------------------------------------------------------------------ groups

    @Override
    public GroupCut cutGroup(List<Long> pids, CutOptions options, AgentImages.WhileHeld whileHeld) throws SyscallException {
        if (pids.isEmpty()) throw new SyscallException(Errno.EINVAL, "a group has at least one process");
        if (new java.util.HashSet<>(pids).size() != pids.size()) throw new SyscallException(Errno.EINVAL, "a pid is named twice");
        List<Proc> members = new ArrayList<>();
        for (long pid : pids) {
            Proc p = k.procs.lookup(pid);
            if (p == k.procs.init) throw new SyscallException(Errno.EINVAL, "init is the kernel's; it has no image");
            members.add(p);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis());
        List<Proc> toResume = new ArrayList<>();
        List<AgentCut> cuts = new ArrayList<>();
        boolean done = false;
        try {
            for (Proc p : members) { // ask them all to stop first: they reach their boundaries together
                synchronized (p) {
                    if (p.state.isTerminal()) throw new SyscallException(Errno.EINVAL, "process " + p.pid + " has already ended");
                    if (p.state == ProcessState.PAUSED || p.pausePending) continue;
                }
                k.lifecycle.pause(p.pid, false);
                toResume.add(p);
            }
            for (Proc p : members) {
                long left = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                hold(p, left); // paused already: waits for its quiet boundary, resumes nothing
            }
            // all held: one moment for all of them
            java.util.Set<Long> pidSet = new java.util.HashSet<>(pids);
            java.util.Map<Long, List<JournalRecord>> journals = java.util.Map.of();
            if (k.journaling.on()) {
                try {
                    journals = k.journal.forImage(pidSet); // one read of the journal for the whole group
                } catch (IOException e) {
                    throw new SyscallException(Errno.EIO, "the call journal could not be read: " + e.getMessage());
                }
            }
            java.util.Set<String> owners = new java.util.HashSet<>();
            List<CapabilitySet> caps = new ArrayList<>();
            for (Proc p : members) {
                ProcessImage image;
                synchronized (p) {
                    image = imageLocked(p);
                }
                image = withJournalAndMailbox(image, p, journals.getOrDefault(p.pid, List.of()));
                List<SharedImage> shared = k.mem.images.sharedOf(p.caps, options.withShared());
                cuts.add(memoryCut(p, image).withShared(shared, options.withShared())); // closed on failure from here
                whileHeld.run(image);
                owners.add(p.owner);
                caps.add(p.caps);
            }
            List<QueueImage> queues = new ArrayList<>();
            for (String q : k.ipc.images.usable(owners, caps)) queues.add(k.ipc.images.of(q, pidSet));
            for (Proc p : members) auditCut(p);
            done = true;
            List<AgentCut> result = List.copyOf(cuts);
            return new GroupCut() {
                @Override
                public List<AgentCut> members() {
                    return result;
                }

                @Override
                public List<QueueImage> queues() {
                    return queues;
                }

                @Override
                public void close() {
                    for (AgentCut c : result) c.close();
                }
            };
        } finally {
            if (!done) for (AgentCut c : cuts) c.close();
            if (!done || !options.keepPaused()) {
                for (Proc p : toResume) {
                    try {
                        k.lifecycle.resume(p.pid, false);
                    } catch (SyscallException ended) {
                        // gone meanwhile
                    }
                }
            }
        }
    }

    @Override
    public List<Long> restoreGroup(List<MemberImage> members, List<QueueImage> queues, RestoreSpec spec) throws SyscallException {
        CapabilityCeilings ceilings = this.ceilings;
        if (members.isEmpty()) throw new SyscallException(Errno.EINVAL, "the group has no member");
        // parents before their children: a pid is never given twice, so a parent's is lower
        List<MemberImage> order = new ArrayList<>(members);
        order.sort(java.util.Comparator.comparingLong(m -> m.image().pid()));
        java.util.Map<Long, Proc> restored = new java.util.HashMap<>();
        RestoreSpec held = new RestoreSpec(spec.operator(), spec.parentPid(), spec.owner(), spec.capabilities(), true);
        boolean done = false;
        try {
            for (MemberImage m : order) {
                if (restored.containsKey(m.image().pid())) {
                    throw new SyscallException(Errno.EINVAL, "the group holds pid " + m.image().pid() + " twice");
                }
                Proc groupParent = restored.get(m.image().ppid());
                restored.put(m.image().pid(), restoreUnder(m.image(), m.memory(), held, ceilings, groupParent));
            }
            for (QueueImage q : queues) k.ipc.images.restoreQueue(q, restored);
            done = true;
        } finally {
            if (!done) {
                for (Proc p : restored.values()) k.exits.end(p, ProcessState.KILLED, 137, "the group's restore failed", false);
            }
        }
        List<Long> pids = new ArrayList<>();
        for (MemberImage m : members) pids.add(restored.get(m.image().pid()).pid);
        if (!spec.paused()) {
            for (long pid : pids) k.lifecycle.resume(pid, false);
        }
        return pids;
    }

    /** The kernel's record in the image, checked: a record of this format, of a process that has not ended. */
    private ProcRecord record(ProcessImage image) throws SyscallException {
        ProcRecord r;
        try {
            r = k.json.treeToValue(image.state(), ProcRecord.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new SyscallException(Errno.EINVAL, "the image's process record cannot be read: " + e.getMessage());
        }
        if (r == null || r.program() == null || r.state() == null) {
            throw new SyscallException(Errno.EINVAL, "the image's process record lacks its program or state");
        }
        if (r.v() > 1) throw new SyscallException(Errno.EINVAL, "the image's process record is of version " + r.v() + "; this kernel reads 1");
        if (!r.program().equals(image.program())) {
            throw new SyscallException(Errno.EINVAL, "the image's config names program '" + image.program()
                    + "' but its record '" + r.program() + "'");
        }
        if (r.state().isTerminal() || r.reaped()) {
            throw new SyscallException(Errno.EINVAL, "the image is of a process that had ended (" + r.state() + ")");
        }
        return r;
    }

    /** Every tool the image used (and the call it is making) is installed, in a version of the same major. */
    private void checkTools(ProcessImage image, ProcRecord r) throws SyscallException {
        Map<String, String> needed = new TreeMap<>(image.tools());
        if (r.callName() != null) needed.putIfAbsent(r.callName(), "?");
        for (Map.Entry<String, String> t : needed.entrySet()) {
            SyscallEntry e = k.syscalls.get(t.getKey());
            String wants = t.getValue();
            if (e == null) {
                throw new SyscallException(Errno.ENOSYS, "tool " + t.getKey() + ("?".equals(wants) ? "" : " " + wants)
                        + " is not installed here; the image uses it (tool:list shows what is)");
            }
            String has = e.descriptor.version();
            if (!"?".equals(wants) && !major(has).equals(major(wants))) {
                throw new SyscallException(Errno.ENOSYS, "tool " + t.getKey() + " " + wants + " is needed; " + has
                        + " is installed here (another major version)");
            }
        }
    }

    private static String major(String version) {
        int dot = version.indexOf('.');
        return dot < 0 ? version : version.substring(0, dot);
    }

    /** The image's journal as the new process's: its records under the new pid, so that replay and recovery read them. */
    private void journal(ProcessImage image, long pid) throws SyscallException {
        if (!k.journaling.on() || image.journal().isEmpty()) return;
        List<JournalRecord> records = new ArrayList<>(image.journal().size());
        for (JsonNode n : image.journal()) {
            JournalRecord j;
            try {
                j = k.json.treeToValue(n, JournalRecord.class);
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw new SyscallException(Errno.EINVAL, "a record of the image's journal cannot be read: " + e.getMessage());
            }
            if (j == null || (j.kind() != JournalRecord.START && j.kind() != JournalRecord.RESULT
                    && j.kind() != JournalRecord.SNAPSHOT)) {
                throw new SyscallException(Errno.EINVAL, "the image's journal holds a record of an unknown kind");
            }
            records.add(new JournalRecord(j.kind(), pid, j.seq(), j.millis(), j.name(), j.owner(), j.json(), j.errno(),
                    j.result(), j.message(), j.tokens(), j.bytes()));
        }
        for (JournalRecord j : records) k.journal.append(j, null);
    }
}
