package org.agentos.kernel.impl.shell;

import java.security.AccessController;
import java.security.Principal;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.security.auth.Subject;
import org.agentos.kernel.api.process.ProcessManager;

/**
 * Who runs a console command: the JAAS subject Karaf runs each command as (a user principal and
 * role principals). Commands use it where a role-based ACL cannot express the rule: that users
 * without the admin role act only as themselves (as owner) and on their own processes, and give a
 * process no more than their role's capability ceiling ({@link RoleCeilings}).
 */
final class ConsoleUser {
    static final String ADMIN_ROLE = "admin";

    private final String name;
    private final Set<String> roles;

    ConsoleUser(String name, Set<String> roles) {
        this.name = name;
        this.roles = Set.copyOf(roles);
    }

    @SuppressWarnings("removal") // Karaf 4.4 runs commands with Subject.doAs; Subject.current() is Java 18+
    static ConsoleUser current() {
        Subject subject = Subject.getSubject(AccessController.getContext());
        if (subject == null) return new ConsoleUser("karaf", Set.of(ADMIN_ROLE)); // in-JVM callers without a login are trusted code
        String name = null;
        Set<String> roles = new TreeSet<>();
        for (Principal p : subject.getPrincipals()) {
            String kind = p.getClass().getSimpleName();
            if (kind.equals("UserPrincipal")) name = p.getName();
            else if (kind.equals("RolePrincipal")) roles.add(p.getName());
        }
        return new ConsoleUser(name == null ? "unknown" : name, roles);
    }

    String name() {
        return name;
    }

    /** The user's roles, sorted. */
    Set<String> roles() {
        return new TreeSet<>(roles);
    }

    boolean isAdmin() {
        return roles.contains(ADMIN_ROLE);
    }

    /**
     * The owner a command acting for {@code requested} (its {@code -o}, null when not given) may
     * use: an administrator any ({@code whenAdminNamesNone} by default), another user only their
     * own name.
     */
    String ownerFor(String requested, String whenAdminNamesNone) {
        if (isAdmin()) return requested != null ? requested : whenAdminNamesNone;
        if (requested != null && !requested.equals(name)) {
            throw ConsoleErrors.of("EPERM", "user " + name + " acts only as owner " + name + ", not '" + requested
                    + "' (the admin role may name any owner)");
        }
        return name;
    }

    /** Refuses, unless this user is an administrator, to act on any of {@code pids} another owner's. */
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
            if (owner != null && !owner.equals(name)) {
                throw ConsoleErrors.of("EPERM", "process " + pid + " belongs to " + owner + "; only administrators "
                        + "may act on other owners' processes");
            }
        }
    }
}
