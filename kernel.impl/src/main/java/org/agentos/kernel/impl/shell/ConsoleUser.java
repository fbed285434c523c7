package org.agentos.kernel.impl.shell;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.agentos.kernel.api.ipc.MessageQueues;
import org.agentos.kernel.api.ipc.QueueStats;
import org.agentos.kernel.api.process.ProcessManager;
import org.agentos.kernel.api.security.ConsoleOperator;

/**
 * Who runs a console command: the JAAS subject Karaf runs each command as (a user principal and
 * role principals). Commands use it where a role-based ACL cannot express the rule: that users
 * without the admin role act only as themselves (as owner) and on their own processes, and give a
 * process no more than their role's capability ceiling ({@link RoleCeilings}).
 */
final class ConsoleUser {
    static final String ADMIN_ROLE = ConsoleOperator.ADMIN_ROLE;

    private final ConsoleOperator op;

    ConsoleUser(String name, Set<String> roles) {
        this(new ConsoleOperator(name, roles));
    }

    private ConsoleUser(ConsoleOperator op) {
        this.op = op;
    }

    /** The user of the calling thread; without a login, nobody with no role (closed, not open). */
    static ConsoleUser current() {
        return new ConsoleUser(ConsoleOperator.current());
    }

    String name() {
        return op.name();
    }

    /** Who this is, as another node of a cluster is told. */
    ConsoleOperator operator() {
        return op;
    }

    /** The user's roles, sorted. */
    Set<String> roles() {
        return new TreeSet<>(op.roles());
    }

    boolean isAdmin() {
        return op.isAdmin();
    }

    /** Whether the name can stand in a path or capability pattern ({@link ConsoleOperator#hasSafeName}). */
    boolean hasSafeName() {
        return op.hasSafeName();
    }

    /** Whether this user may see and act on what {@code owner} holds ({@link ConsoleOperator#sees}). */
    boolean sees(String owner) {
        return op.sees(owner);
    }

    /** The owner a listing is narrowed to: none for an administrator, else the user's own name. */
    String ownerFilter() {
        return isAdmin() ? null : name();
    }

    /**
     * The owner a command acting for {@code requested} (its {@code -o}, null when not given) may
     * use: an administrator any ({@code whenAdminNamesNone} by default), another user only their
     * own name.
     */
    String ownerFor(String requested, String whenAdminNamesNone) {
        if (isAdmin()) return requested != null ? requested : whenAdminNamesNone;
        if (requested != null && !requested.equals(name())) {
            throw ConsoleErrors.of("EPERM", "user " + name() + " acts only as owner " + name() + ", not '" + requested
                    + "' (the admin role may name any owner)");
        }
        return name();
    }

    /** A selection by owner/program/state narrowed to this user's own processes unless admin; EPERM for another owner. */
    ProcessSelection restrict(ProcessSelection selection) {
        if (isAdmin()) return selection;
        // Karaf's ACLs check roles, not owners: the owner rule is the kernel's to enforce.
        if (selection.owner() != null && !selection.owner().equals(name())) {
            throw ConsoleErrors.of("EPERM", "processes of " + selection.owner() + " are not yours; only administrators "
                    + "may act on other owners' processes");
        }
        return selection.ownedBy(name());
    }

    void requireOwnerOf(ProcessManager processes, List<Long> pids) {
        if (isAdmin()) return;
        // Karaf's ACLs check roles, not owners: the owner rule is the kernel's to enforce.
        for (long pid : pids) {
            String owner = processes.info(pid).map(i -> i.owner()).orElse(null);
            if (owner != null) requireSees(pid, owner);
        }
    }

    /** As {@link #requireOwnerOf(ProcessManager, List)} for one pid; a pid not in the table is refused too. */
    void requireOwnerOf(ProcessManager processes, long pid) {
        if (isAdmin()) return;
        String owner = processes.info(pid).map(i -> i.owner()).orElse(null);
        if (owner == null) {
            throw ConsoleErrors.of("ESRCH", "no process " + pid + " of yours (only administrators see processes "
                    + "that have left the table)");
        }
        requireSees(pid, owner);
    }

    private void requireSees(long pid, String owner) {
        if (!sees(owner)) {
            throw ConsoleErrors.of("EPERM", "process " + pid + " belongs to " + owner + "; only administrators "
                    + "may act on other owners' processes");
        }
    }

    /**
     * Refuses, unless this user is an administrator, a queue (or a process's mailbox, {@code @pid})
     * another owner holds. A queue that does not exist is left for the call to report.
     */
    void requireOwnerOfQueue(MessageQueues queues, ProcessManager processes, String queue) {
        if (isAdmin()) return;
        if (queue.startsWith("@")) { // a mailbox is its process's, whether or not it was made yet
            long pid;
            try {
                pid = Long.parseLong(queue.substring(1));
            } catch (NumberFormatException e) {
                throw ConsoleErrors.of("EINVAL", "'" + queue + "' is not a mailbox: @ and a pid");
            }
            requireOwnerOf(processes, pid);
            return;
        }
        String owner = queues.stats(queue).map(QueueStats::owner).orElse(null);
        if (owner != null && !sees(owner)) {
            throw ConsoleErrors.of("EPERM", "queue " + queue + " belongs to " + owner + "; only administrators "
                    + "read or send to other owners' queues and mailboxes");
        }
    }
}
