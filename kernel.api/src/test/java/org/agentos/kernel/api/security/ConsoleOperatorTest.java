package org.agentos.kernel.api.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.Principal;
import java.security.PrivilegedAction;
import java.util.Set;
import javax.security.auth.Subject;
import org.junit.jupiter.api.Test;

class ConsoleOperatorTest {
    /** Karaf's JAAS principals are recognised by their simple class names. */
    record UserPrincipal(String getName) implements Principal {}

    record RolePrincipal(String getName) implements Principal {}

    @SuppressWarnings("removal")
    private static ConsoleOperator as(String user, String... roles) {
        Subject subject = new Subject();
        if (user != null) subject.getPrincipals().add(new UserPrincipal(user));
        for (String r : roles) subject.getPrincipals().add(new RolePrincipal(r));
        return Subject.doAs(subject, (PrivilegedAction<ConsoleOperator>) ConsoleOperator::current);
    }

    @Test
    void withoutALoginItIsNobodyWithNoRoleNotAnAdministrator() {
        ConsoleOperator op = ConsoleOperator.current();
        assertEquals(ConsoleOperator.NOBODY, op.name());
        assertEquals(Set.of(), op.roles());
        assertFalse(op.isAdmin());
    }

    @Test
    void readsTheUserAndRolesOfTheSubjectKarafRunsTheCommandAs() {
        ConsoleOperator admin = as("karaf", "admin", "manager");
        assertEquals("karaf", admin.name());
        assertTrue(admin.isAdmin());
        ConsoleOperator viewer = as("val", "viewer");
        assertEquals(Set.of("viewer"), viewer.roles());
        assertFalse(viewer.isAdmin());
        assertTrue(viewer.sees("val"));
        assertFalse(viewer.sees("bob"), "another owner's is not a viewer's");
        assertTrue(admin.sees("bob"));
        ConsoleOperator anonymous = as(null, "admin");
        assertEquals(ConsoleOperator.NOBODY, anonymous.name(), "roles without a user are nobody's");
        assertFalse(anonymous.isAdmin());
    }

    @Test
    void aNameThatWouldWidenAPathOrPatternIsNotSafe() {
        assertTrue(as("alice").hasSafeName());
        for (String bad : new String[] {"*", "..", ".", "a/b", "a b", "al*ce", "x".repeat(65), ""}) {
            assertFalse(new ConsoleOperator(bad, Set.of()).hasSafeName(), bad);
        }
    }
}
