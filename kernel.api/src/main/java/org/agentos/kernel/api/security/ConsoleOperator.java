package org.agentos.kernel.api.security;

import java.security.AccessController;
import java.security.Principal;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import javax.security.auth.Subject;

/**
 * Who runs a console command: the JAAS subject Karaf runs each command as, its user principal and
 * role principals. Console commands of every bundle use it where Karaf's role-based command ACLs
 * cannot express the rule, such as "a user without the admin role sees only their own processes".
 * Without a subject nobody logged in: that is nobody, with no role (closed, not open).
 *
 * @param name  the user's name ({@value #NOBODY} without a login)
 * @param roles the user's roles
 */
public record ConsoleOperator(String name, Set<String> roles) {
    /** The role that may act for any owner. */
    public static final String ADMIN_ROLE = "admin";
    /** The name of a caller without a login. */
    public static final String NOBODY = "nobody";

    public ConsoleOperator {
        Objects.requireNonNull(name, "name");
        roles = Set.copyOf(roles);
    }

    /** The user the calling thread runs a console command for. */
    @SuppressWarnings("removal") // Karaf 4.4 runs commands with Subject.doAs; Subject.current() is Java 18+
    public static ConsoleOperator current() {
        Subject subject = Subject.getSubject(AccessController.getContext());
        if (subject == null) return new ConsoleOperator(NOBODY, Set.of());
        String user = null;
        Set<String> roles = new TreeSet<>();
        for (Principal p : subject.getPrincipals()) {
            // by simple name: Karaf's JAAS principal classes are not this API's to import
            String kind = p.getClass().getSimpleName();
            if (kind.equals("UserPrincipal")) user = p.getName();
            else if (kind.equals("RolePrincipal")) roles.add(p.getName());
        }
        // roles without a user are not a login Karaf makes: nobody's, closed
        return user == null ? new ConsoleOperator(NOBODY, Set.of()) : new ConsoleOperator(user, roles);
    }

    public boolean isAdmin() {
        return roles.contains(ADMIN_ROLE);
    }

    /** Whether this user may see and act on what {@code owner} holds: an administrator anyone's, others their own. */
    public boolean sees(String owner) {
        return isAdmin() || name.equals(owner);
    }

    /**
     * Whether {@link #name()} can stand in a path or a capability pattern without widening it
     * (no {@code *}, {@code /} or {@code ..}).
     */
    public boolean hasSafeName() {
        return OwnerNames.isValid(name);
    }
}
