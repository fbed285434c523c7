package org.agentos.kernel.impl.shell;

import java.security.AccessController;
import java.security.Principal;
import javax.security.auth.Subject;

/**
 * Who runs a console command: the JAAS subject Karaf runs each command as (a user principal and
 * role principals). Commands use it where a role-based ACL cannot express the rule, e.g. that
 * only administrators may kill other owners' processes.
 */
final class ConsoleUser {
    static final String ADMIN_ROLE = "admin";

    private final String name;
    private final boolean admin;

    private ConsoleUser(String name, boolean admin) {
        this.name = name;
        this.admin = admin;
    }

    @SuppressWarnings("removal") // Karaf 4.4 runs commands with Subject.doAs; Subject.current() is Java 18+
    static ConsoleUser current() {
        Subject subject = Subject.getSubject(AccessController.getContext());
        if (subject == null) return new ConsoleUser("karaf", true); // in-JVM callers without a login are trusted code
        String name = null;
        boolean admin = false;
        for (Principal p : subject.getPrincipals()) {
            String kind = p.getClass().getSimpleName();
            if (kind.equals("UserPrincipal")) name = p.getName();
            else if (kind.equals("RolePrincipal") && ADMIN_ROLE.equals(p.getName())) admin = true;
        }
        return new ConsoleUser(name == null ? "unknown" : name, admin);
    }

    String name() {
        return name;
    }

    boolean isAdmin() {
        return admin;
    }
}
